//! Open (parse + relocate) and open+load+drop of the same objects with
//! bpf-skeleton, aya and libbpf-rs, in one run, as median wall time per
//! operation; ratios are peer / bpf-skeleton (above 1: we are faster).
//! Needs root (loads into the kernel).

use std::time::{Duration, Instant};

use aya::programs::{SocketFilter, Xdp};
use bpf_skeleton::runtime::OpenObject;

const OBJECTS: &[&str] = &[
    "counter.bpf.o",
    "exclusive.bpf.o",
    "multi.bpf.o",
    "types.bpf.o",
];

fn median(mut f: impl FnMut(), iters: usize) -> Duration {
    for _ in 0..iters / 10 + 1 {
        f();
    }
    let mut times: Vec<Duration> = (0..iters)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

type Res = Result<(), String>;

fn ours_open(bytes: &[u8]) -> Res {
    let o = OpenObject::from_bytes(bytes).map_err(|e| e.to_string())?;
    std::hint::black_box(o);
    Ok(())
}

fn ours_load(bytes: &[u8]) -> Res {
    let mut o = OpenObject::from_bytes(bytes).map_err(|e| e.to_string())?;
    let names: Vec<String> = o.programs().iter().map(|p| p.name().to_string()).collect();
    for n in &names {
        o.set_autoload(n, true).map_err(|e| e.to_string())?;
    }
    drop(o.load().map_err(|e| e.to_string())?);
    Ok(())
}

fn aya_open(bytes: &[u8]) -> Res {
    let o = aya_obj::Object::parse(bytes).map_err(|e| format!("{e:?}"))?;
    std::hint::black_box(o);
    Ok(())
}

fn aya_load(bytes: &[u8]) -> Res {
    let mut ebpf = aya::EbpfLoader::new()
        .load(bytes)
        .map_err(|e| format!("{e:?}"))?;
    let names: Vec<String> = ebpf.programs().map(|(n, _)| n.to_string()).collect();
    for n in names {
        let p = ebpf.program_mut(&n).ok_or("program vanished")?;
        if let Ok(x) = <&mut Xdp>::try_from(&mut *p) {
            x.load().map_err(|e| format!("{e:?}"))?;
        } else if let Ok(s) = <&mut SocketFilter>::try_from(p) {
            s.load().map_err(|e| format!("{e:?}"))?;
        }
    }
    drop(ebpf);
    Ok(())
}

fn libbpf_open(bytes: &[u8]) -> Res {
    let o = libbpf_rs::ObjectBuilder::default()
        .open_memory(bytes)
        .map_err(|e| e.to_string())?;
    std::hint::black_box(&o);
    Ok(())
}

fn libbpf_load(bytes: &[u8]) -> Res {
    let mut o = libbpf_rs::ObjectBuilder::default()
        .open_memory(bytes)
        .map_err(|e| e.to_string())?;
    for mut p in o.progs_mut() {
        p.set_autoload(true);
    }
    drop(o.load().map_err(|e| e.to_string())?);
    Ok(())
}

/// The median time of `op`, or why it fails on this object.
fn measure(op: fn(&[u8]) -> Res, bytes: &[u8], iters: usize) -> Result<Duration, String> {
    op(bytes)?;
    Ok(median(
        || {
            let _ = op(bytes);
        },
        iters,
    ))
}

fn main() {
    libbpf_rs::set_print(None);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/bpf");
    println!(
        "{:<16} {:<14} {:>12} {:>12} {:>12} {:>9} {:>9}",
        "object", "operation", "ours (us)", "aya (us)", "libbpf (us)", "aya/ours", "libbpf/ours"
    );
    for name in OBJECTS {
        let bytes = std::fs::read(dir.join(name)).expect("corpus object");
        type Op = fn(&[u8]) -> Res;
        let rows: [(&str, usize, Op, Op, Op); 2] = [
            ("open", 2000, ours_open, aya_open, libbpf_open),
            ("open+load", 300, ours_load, aya_load, libbpf_load),
        ];
        for (op, iters, ours, aya, libbpf) in rows {
            let t_ours = measure(ours, &bytes, iters).expect("bpf-skeleton must handle the corpus");
            let peer = |r: &Result<Duration, String>| match r {
                Ok(t) => (
                    format!("{:.1}", us(*t)),
                    format!("{:.2}", us(*t) / us(t_ours)),
                ),
                Err(_) => ("fails".to_string(), "-".to_string()),
            };
            let (aya_r, libbpf_r) = (measure(aya, &bytes, iters), measure(libbpf, &bytes, iters));
            let (a, ar) = peer(&aya_r);
            let (l, lr) = peer(&libbpf_r);
            println!(
                "{name:<16} {op:<14} {:>12.1} {a:>12} {l:>12} {ar:>9} {lr:>9}",
                us(t_ours)
            );
            for (who, r) in [("aya", &aya_r), ("libbpf-rs", &libbpf_r)] {
                if let Err(e) = r {
                    println!(
                        "    {who} fails on {name}: {}",
                        e.chars().take(160).collect::<String>()
                    );
                }
            }
        }
    }
}
