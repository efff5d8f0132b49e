//! The peer benchmark: bpf-skeleton against libbpf-rs (and aya where it
//! can load the object), in one run. Needs root (loads into the kernel).
//!
//! - cold: what a command-line tool feels. Each open+load runs in a fresh
//!   process (this binary re-spawned as `bench cold-child LOADER OBJECT`),
//!   at least 21 processes per loader and object, loaders interleaved;
//!   medians. Also the kernel BTF step alone in fresh processes, and the
//!   count of bpf() syscalls per load (the child traced with ptrace).
//! - warm: repeated open and open+load+drop in this process (medians).
//! - SHA-256 of instruction streams vs `sha256sum` on the same bytes, and a
//!   typed map lookup/update vs the raw bpf() syscall on the same map.
//!
//! Ratios are ours / peer (below 1: we are faster).
//!
//! Tools: `bench warm FILTER` (only objects whose path contains FILTER);
//! `bench open-loop OBJECT N` (N warm opens, for
//! `valgrind --tool=callgrind --toggle-collect='*open_loop*'`);
//! `bench core-dump OBJECT...` (relocated instructions, to diff builds).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aya::programs::{BtfTracePoint, RawTracePoint, SocketFilter, TracePoint, Xdp};
use bpf_skeleton::bpf_skeleton;
use bpf_skeleton::runtime::OpenObject;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Corpus objects (tests/bpf) that need no kernel BTF.
const OBJECTS: &[&str] = &[
    "counter.bpf.o",
    "exclusive.bpf.o",
    "multi.bpf.o",
    "types.bpf.o",
];

/// A generated large object without CO-RE (bench/bpf/gen_large.py): 200
/// programs, 200 maps, subprograms, global data.
const LARGE: &str = "bench/bpf/large.bpf.o";

/// CO-RE objects: the corpus one and the real-tool-shaped ones of
/// bench/bpf.
const CORE_OBJECTS: &[&str] = &[
    "tests/bpf/core.bpf.o",
    "bench/bpf/execsnoop.bpf.o",
    "bench/bpf/runqslower.bpf.o",
    "bench/bpf/biolatency.bpf.o",
];

/// Fresh processes per loader and object.
const COLD_RUNS: usize = 21;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

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

/// Prints `path`'s functions after CO-RE against the running kernel.
fn core_dump(path: &str) {
    use bpf_skeleton::runtime::{kernel_btf, obj::core, ObjectFile};
    println!("== {path}");
    let bytes = std::fs::read(path).unwrap_or_default();
    let mut file = match ObjectFile::parse(&bytes) {
        Ok(f) => f,
        Err(e) => return println!("parse: {e}"),
    };
    let applied = kernel_btf::target()
        .map_err(|e| e.to_string())
        .and_then(|k| core::apply(&mut file, &k).map_err(|e| e.to_string()));
    if let Err(e) = applied {
        return println!("apply: {e}");
    }
    for f in &file.functions {
        println!("fn {}", f.name);
        for i in &f.insns {
            println!("  {:02x} {:02x} {} {}", i.code, i.regs, i.off, i.imm);
        }
        for (at, why) in &f.core_failures {
            println!("  poisoned {at}: {why}");
        }
    }
}

/// `n` warm opens (what `open-loop` profiles).
#[inline(never)]
fn open_loop(bytes: &[u8], n: usize) {
    for _ in 0..n {
        let _ = ours_open(bytes);
    }
}

fn aya_open(bytes: &[u8]) -> Res {
    let o = aya_obj::Object::parse(bytes).map_err(|e| format!("{e:?}"))?;
    std::hint::black_box(o);
    Ok(())
}

/// Each `tp_btf` program's tracepoint, which aya's `BtfTracePoint::load`
/// needs and aya does not keep (found with our parser, untimed).
fn btf_tracepoints(bytes: &[u8]) -> HashMap<String, String> {
    bpf_skeleton::runtime::ObjectFile::parse(bytes)
        .map(|f| {
            f.programs
                .iter()
                .filter_map(|p| {
                    let tp = p.section.trim_start_matches('?').strip_prefix("tp_btf/")?;
                    Some((p.name.clone(), tp.to_string()))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// aya's open+load of every program. `EbpfLoader::new` reads and parses
/// the kernel's BTF (for CO-RE) on every call; a `tp_btf` program's load
/// needs an `aya::Btf` too, which aya's API cannot share with the loader:
/// [`aya_kernel_btf`] parses it once per process.
fn aya_load_with(bytes: &[u8], tracepoints: &HashMap<String, String>) -> Result<aya::Ebpf, String> {
    let mut ebpf = aya::EbpfLoader::new()
        .load(bytes)
        .map_err(|e| format!("{e:?}"))?;
    let names: Vec<String> = ebpf.programs().map(|(n, _)| n.to_string()).collect();
    for n in names {
        let p = ebpf.program_mut(&n).ok_or("program vanished")?;
        let loaded = if let Ok(x) = <&mut Xdp>::try_from(&mut *p) {
            x.load()
        } else if let Ok(x) = <&mut SocketFilter>::try_from(&mut *p) {
            x.load()
        } else if let Ok(x) = <&mut TracePoint>::try_from(&mut *p) {
            x.load()
        } else if let Ok(x) = <&mut RawTracePoint>::try_from(&mut *p) {
            x.load()
        } else if let Ok(x) = <&mut BtfTracePoint>::try_from(&mut *p) {
            let tp = tracepoints
                .get(&n)
                .ok_or_else(|| format!("`{n}`: no tp_btf section"))?;
            x.load(tp, aya_kernel_btf()?)
        } else {
            return Err(format!(
                "this benchmark loads XDP, socket filter and tracepoint programs with aya; `{n}` is neither"
            ));
        };
        loaded.map_err(|e| format!("`{n}`: {e:?}"))?;
    }
    Ok(ebpf)
}

/// The kernel's BTF as aya parses it, once per process.
fn aya_kernel_btf() -> Result<&'static aya::Btf, String> {
    static BTF: OnceLock<Result<aya::Btf, String>> = OnceLock::new();
    BTF.get_or_init(|| aya::Btf::from_sys_fs().map_err(|e| format!("{e:?}")))
        .as_ref()
        .map_err(Clone::clone)
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
fn measure(op: &dyn Fn(&[u8]) -> Res, bytes: &[u8], iters: usize) -> Result<Duration, String> {
    op(bytes)?;
    Ok(median(
        || {
            let _ = op(bytes);
        },
        iters,
    ))
}

fn warm(filter: Option<&str>) {
    let dir = root().join("tests/bpf");
    println!("== warm: in-process medians");
    println!(
        "{:<16} {:<14} {:>12} {:>12} {:>12} {:>9} {:>9}",
        "object", "operation", "ours (us)", "aya (us)", "libbpf (us)", "ours/aya", "ours/libbpf"
    );
    let paths: Vec<PathBuf> = OBJECTS
        .iter()
        .map(|o| dir.join(o))
        .chain(std::iter::once(root().join(LARGE)))
        .chain(CORE_OBJECTS.iter().map(|o| root().join(o)))
        .filter(|p| filter.is_none_or(|f| p.to_string_lossy().contains(f)))
        .collect();
    for path in &paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let bytes = std::fs::read(path).expect("benchmark object");
        let tracepoints = btf_tracepoints(&bytes);
        let aya_load = |b: &[u8]| aya_load_with(b, &tracepoints).map(drop);
        type Op<'a> = &'a dyn Fn(&[u8]) -> Res;
        let rows: [(&str, usize, Op, Op, Op); 2] = [
            ("open", 2000, &ours_open, &aya_open, &libbpf_open),
            ("open+load", 300, &ours_load, &aya_load, &libbpf_load),
        ];
        for (op, iters, ours, aya, libbpf) in rows {
            let t_ours = measure(ours, &bytes, iters).expect("bpf-skeleton must handle the corpus");
            let peer = |r: &Result<Duration, String>| match r {
                Ok(t) => (
                    format!("{:.1}", us(*t)),
                    format!("{:.2}", us(t_ours) / us(*t)),
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

// ---------------------------------------------------------------- cold --

/// One open+load in this (fresh) process; prints the nanoseconds it took.
fn cold_child(loader: &str, path: &str) -> Res {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let tracepoints = match loader {
        "aya" => btf_tracepoints(&bytes),
        _ => HashMap::new(),
    };
    let t = Instant::now();
    let keep: Box<dyn std::any::Any> = match loader {
        "aya" => Box::new(aya_load_with(&bytes, &tracepoints)?),
        "ours" => {
            let mut o = OpenObject::from_bytes(&bytes).map_err(|e| e.to_string())?;
            let names: Vec<String> = o.programs().iter().map(|p| p.name().to_string()).collect();
            for n in &names {
                o.set_autoload(n, true).map_err(|e| e.to_string())?;
            }
            Box::new(o.load().map_err(|e| e.to_string())?)
        }
        "libbpf" => {
            let mut o = libbpf_rs::ObjectBuilder::default()
                .open_memory(&bytes)
                .map_err(|e| e.to_string())?;
            for mut p in o.progs_mut() {
                p.set_autoload(true);
            }
            Box::new(o.load().map_err(|e| e.to_string())?)
        }
        "ours-btf" => {
            // The kernel BTF step: from nothing to CO-RE candidates ready
            // for this object's names (the object is parsed untimed).
            let file =
                bpf_skeleton::runtime::ObjectFile::parse(&bytes).map_err(|e| e.to_string())?;
            let t = Instant::now();
            let k = bpf_skeleton::runtime::kernel_btf::target().map_err(|e| e.to_string())?;
            k.prepare(&bpf_skeleton::runtime::obj::core::wanted(&file))
                .map_err(|e| e.to_string())?;
            println!("{}", t.elapsed().as_nanos());
            return Ok(());
        }
        "aya-btf" => {
            // What aya's EbpfLoader::new does first.
            let t = Instant::now();
            let b = aya::Btf::from_sys_fs().map_err(|e| format!("{e:?}"))?;
            println!("{}", t.elapsed().as_nanos());
            drop(b);
            return Ok(());
        }
        "libbpf-btf" => {
            // libbpf's btf__load_vmlinux_btf.
            let t = Instant::now();
            let b = libbpf_rs::btf::Btf::from_vmlinux().map_err(|e| e.to_string())?;
            println!("{}", t.elapsed().as_nanos());
            drop(b);
            return Ok(());
        }
        other => return Err(format!("unknown loader {other}")),
    };
    println!("{}", t.elapsed().as_nanos());
    drop(keep);
    Ok(())
}

/// Runs one child; its measured time.
fn spawn_child(loader: &str, path: &Path) -> Result<Duration, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .args(["cold-child", loader])
        .arg(path)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr)
            .chars()
            .take(200)
            .collect());
    }
    let ns: u64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|e| format!("child output: {e}"))?;
    Ok(Duration::from_nanos(ns))
}

fn median_of(mut v: Vec<Duration>) -> Option<Duration> {
    v.sort();
    v.get(v.len() / 2).copied()
}

/// Medians over `COLD_RUNS` fresh processes per loader, the loaders
/// interleaved; a loader that fails gives its (last) error.
fn cold_medians(loaders: &[&str], path: &Path) -> Vec<Result<Duration, String>> {
    let mut times = vec![Vec::new(); loaders.len()];
    let mut errors = vec![None; loaders.len()];
    for _ in 0..COLD_RUNS {
        for ((loader, t), e) in loaders.iter().zip(&mut times).zip(&mut errors) {
            match spawn_child(loader, path) {
                Ok(d) => t.push(d),
                Err(why) => *e = Some(why),
            }
        }
    }
    times
        .into_iter()
        .zip(errors)
        .map(|(t, e)| match e {
            Some(e) => Err(e),
            None => median_of(t).ok_or_else(|| "no runs".to_string()),
        })
        .collect()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The count of bpf() syscalls one open+load makes in a fresh process.
#[cfg(target_arch = "x86_64")]
fn bpf_syscalls(loader: &str, path: &Path) -> Result<u64, String> {
    use std::os::unix::process::CommandExt;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut cmd = Command::new(exe);
    cmd.args(["cold-child", loader])
        .arg(path)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: between fork and exec the closure only calls ptrace, which is
    // async-signal-safe, and allocates nothing.
    unsafe {
        cmd.pre_exec(|| {
            if libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn().map_err(|e| e.to_string())?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: waits for our own child; `status` is a valid out pointer.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    // SAFETY: the child is stopped at exec under our trace.
    unsafe {
        libc::ptrace(
            libc::PTRACE_SETOPTIONS,
            pid,
            0,
            libc::PTRACE_O_TRACESYSGOOD | libc::PTRACE_O_EXITKILL,
        )
    };
    let (mut count, mut entry, mut sig) = (0u64, true, 0);
    loop {
        // SAFETY: resumes our stopped tracee until its next syscall stop.
        unsafe { libc::ptrace(libc::PTRACE_SYSCALL, pid, 0, sig) };
        // SAFETY: as above.
        if unsafe { libc::waitpid(pid, &mut status, 0) } == -1 {
            return Err(std::io::Error::last_os_error().to_string());
        }
        if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
            break;
        }
        sig = 0;
        if libc::WSTOPSIG(status) == libc::SIGTRAP | 0x80 {
            if entry {
                // SAFETY: reads the stopped tracee's saved registers;
                // ORIG_RAX (15) is the syscall number on x86-64.
                let nr = unsafe { libc::ptrace(libc::PTRACE_PEEKUSER, pid, 15 * 8, 0) };
                if nr == libc::SYS_bpf {
                    count += 1;
                }
            }
            entry = !entry;
        } else {
            sig = libc::WSTOPSIG(status);
        }
    }
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        return Err("child failed".into());
    }
    Ok(count)
}

#[cfg(not(target_arch = "x86_64"))]
fn bpf_syscalls(_: &str, _: &Path) -> Result<u64, String> {
    Err("counted on x86-64 only".into())
}

fn geomean(v: &[f64]) -> f64 {
    (v.iter().map(|r| r.ln()).sum::<f64>() / v.len() as f64).exp()
}

fn cold(filter: Option<&str>) {
    println!("\n== cold: fresh process per open+load, {COLD_RUNS} processes per loader and object, interleaved, medians");
    println!(
        "{:<20} {:>9} {:>9} {:>9} {:>8} {:>8} {:>16}",
        "object", "ours (ms)", "libbpf", "aya", "/libbpf", "/aya", "bpf() ours/lb/aya"
    );
    let (mut core_libbpf, mut core_aya) = (Vec::new(), Vec::new());
    let corpus = OBJECTS
        .iter()
        .map(|o| (root().join("tests/bpf").join(o), false))
        .chain(std::iter::once((root().join(LARGE), false)))
        .chain(CORE_OBJECTS.iter().map(|o| (root().join(o), true)))
        .filter(|(p, _)| filter.is_none_or(|f| p.to_string_lossy().contains(f)));
    let mut failures = Vec::new();
    for (path, is_core) in corpus {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let t = cold_medians(&["ours", "libbpf", "aya"], &path);
        let calls: Vec<String> = ["ours", "libbpf", "aya"]
            .iter()
            .map(|who| bpf_syscalls(who, &path).map_or_else(|_| "-".into(), |n| n.to_string()))
            .collect();
        let cell = |r: &Result<Duration, String>| match r {
            Ok(d) => format!("{:.2}", ms(*d)),
            Err(_) => "fails".into(),
        };
        let ratio = |r: &Result<Duration, String>, acc: &mut Vec<f64>| match (&t[0], r) {
            (Ok(o), Ok(p)) => {
                let x = ms(*o) / ms(*p);
                if is_core {
                    acc.push(x);
                }
                format!("{x:.2}")
            }
            _ => "-".into(),
        };
        let rl = ratio(&t[1], &mut core_libbpf);
        let ra = ratio(&t[2], &mut core_aya);
        println!(
            "{name:<20} {:>9} {:>9} {:>9} {rl:>8} {ra:>8} {:>16}{}",
            cell(&t[0]),
            cell(&t[1]),
            cell(&t[2]),
            calls.join("/"),
            if is_core { "  (CO-RE)" } else { "" }
        );
        for (who, r) in ["ours", "libbpf-rs", "aya"].iter().zip(&t) {
            if let Err(e) = r {
                failures.push(format!("{who} fails on {name}: {e}"));
            }
        }
    }
    for f in &failures {
        println!("    {}", f.chars().take(300).collect::<String>());
    }
    for (peer, r) in [("libbpf", &core_libbpf), ("aya", &core_aya)] {
        if !r.is_empty() {
            let max = r.iter().cloned().fold(0.0, f64::max);
            println!(
                "CO-RE objects: geomean ours/{peer} {:.2}, worst {max:.2} ({} objects{})",
                geomean(r),
                r.len(),
                if peer == "libbpf" {
                    "; goal: <= 0.5, none above 0.7"
                } else {
                    ""
                }
            );
        }
    }
    let core_obj = root().join("tests/bpf/core.bpf.o");
    let t = cold_medians(&["ours-btf", "libbpf-btf", "aya-btf"], &core_obj);
    let cell = |r: &Result<Duration, String>| match r {
        Ok(d) => format!("{:.2} ms", ms(*d)),
        Err(e) => format!("fails: {e}"),
    };
    println!(
        "kernel BTF step, fresh process: ours {} (map + offset table + CO-RE candidates of core.bpf.o), \
         libbpf btf__load_vmlinux_btf {}, aya Btf::from_sys_fs {}",
        cell(&t[0]),
        cell(&t[1]),
        cell(&t[2])
    );
}

// ------------------------------------------------------------- sha-256 --

fn sha256() {
    use bpf_skeleton::runtime::hash::program_digest;
    use bpf_skeleton::runtime::obj::insn::decode;
    println!("\n== SHA-256 of instruction streams vs sha256sum on the same bytes");
    // 64 MiB of real instructions: the corpus's code, repeated.
    let mut code = Vec::new();
    for o in OBJECTS {
        let f = bpf_skeleton::runtime::ObjectFile::parse(
            &std::fs::read(root().join("tests/bpf").join(o)).unwrap_or_default(),
        );
        if let Ok(f) = f {
            for func in &f.functions {
                code.extend(func.insns.iter().flat_map(|i| i.to_bytes()));
            }
        }
    }
    let unit = code.clone();
    while code.len() < 64 << 20 && !unit.is_empty() {
        code.extend_from_slice(&unit);
    }
    let insns = decode(&code).unwrap_or_default();
    let mb = code.len() as f64 / (1 << 20) as f64;
    let t_ours = median(
        || {
            std::hint::black_box(program_digest(&insns));
        },
        5,
    );
    let file = std::env::temp_dir().join(format!("bpf-skeleton-bench-{}.bin", std::process::id()));
    if std::fs::write(&file, &code).is_err() {
        println!("cannot write {}", file.display());
        return;
    }
    let t_sum = median(
        || {
            let _ = Command::new("sha256sum")
                .arg(&file)
                .stdout(Stdio::null())
                .status();
        },
        5,
    );
    let _ = std::fs::remove_file(&file);
    println!(
        "{mb:.0} MiB: ours {:.0} MiB/s, sha256sum {:.0} MiB/s (ours/sha256sum time {:.2}, goal <= 1.2)",
        mb / t_ours.as_secs_f64(),
        mb / t_sum.as_secs_f64(),
        t_ours.as_secs_f64() / t_sum.as_secs_f64()
    );
}

// ------------------------------------------------------- typed vs raw --

#[bpf_skeleton("../tests/bpf/counter.bpf.o")]
struct Counter;

/// `union bpf_attr` for BPF_MAP_*_ELEM.
#[repr(C)]
struct ElemAttr {
    map_fd: u32,
    _pad: u32,
    key: u64,
    value: u64,
    flags: u64,
}

fn raw_elem(cmd: libc::c_long, fd: i32, key: &u32, value: &mut u64) -> i64 {
    let mut attr = ElemAttr {
        map_fd: fd as u32,
        _pad: 0,
        key: key as *const u32 as u64,
        value: value as *mut u64 as u64,
        flags: 0,
    };
    // SAFETY: BPF_MAP_LOOKUP_ELEM/UPDATE_ELEM on an array map of u32 keys
    // and u64 values: the kernel reads 4 bytes at `key` and reads or writes
    // 8 bytes at `value`, both live for the call.
    unsafe {
        libc::syscall(
            libc::SYS_bpf,
            cmd,
            &mut attr as *mut ElemAttr,
            std::mem::size_of::<ElemAttr>(),
        )
    }
}

fn typed_vs_raw() {
    use std::os::fd::{AsFd, AsRawFd};
    println!(
        "\n== typed map lookup/update vs raw bpf() on the same map (ns per call, median of 200k)"
    );
    let skel = match Counter::open_and_load() {
        Ok(s) => s,
        Err(e) => {
            println!("cannot load counter.bpf.o: {e}");
            return;
        }
    };
    let map = &skel.maps.counts;
    let fd = map.as_fd().as_raw_fd();
    let key = 1u32;
    let per = |d: Duration| d.as_secs_f64() * 1e9 / 1000.0;
    let batch = |f: &mut dyn FnMut()| {
        median(
            || {
                for _ in 0..1000 {
                    f();
                }
            },
            200,
        )
    };
    let t_lookup = batch(&mut || {
        std::hint::black_box(map.lookup(&key).ok());
    });
    let t_raw_lookup = batch(&mut || {
        let mut v = 0u64;
        std::hint::black_box(raw_elem(1, fd, &key, &mut v));
    });
    let t_update = batch(&mut || {
        std::hint::black_box(map.update(&key, &7, 0).ok());
    });
    let t_raw_update = batch(&mut || {
        let mut v = 7u64;
        std::hint::black_box(raw_elem(2, fd, &key, &mut v));
    });
    println!(
        "lookup: typed {:.0} ns, raw {:.0} ns ({:.2}x); update: typed {:.0} ns, raw {:.0} ns ({:.2}x) (goal <= 1.1x)",
        per(t_lookup),
        per(t_raw_lookup),
        t_lookup.as_secs_f64() / t_raw_lookup.as_secs_f64(),
        per(t_update),
        per(t_raw_update),
        t_update.as_secs_f64() / t_raw_update.as_secs_f64()
    );
}

// ---------------------------------------------------------- ring buffer --

/// Events per second consumed from one ring buffer map, ours and
/// libbpf-rs's `RingBuffer` in alternate rounds on the same map: each
/// round fills the ring (40 runs of a producer writing 4096 16-byte
/// events) and times one consumer draining it.
fn ringbuf() -> Res {
    println!("\n== ring buffer: events/s drained from the same map, same producer (median of 9 rounds each)");
    let path = root().join("bench/bpf/ringbuf_producer.bpf.o");
    let obj = OpenObject::from_file(&path)
        .and_then(|o| o.load())
        .map_err(|e| e.to_string())?;
    let prog = obj.program("produce").map_err(|e| e.to_string())?;
    let map = obj.map("events").map_err(|e| e.to_string())?;
    let ours = map.ring_buffer().ok_or("no ring buffer mapping")?;
    let id = map.info().map_err(|e| e.to_string())?.id;
    let handle = libbpf_rs::MapHandle::from_map_id(id).map_err(|e| e.to_string())?;
    let seen = std::cell::Cell::new(0usize);
    let mut builder = libbpf_rs::RingBufferBuilder::new();
    builder
        .add(&handle, |d: &[u8]| {
            std::hint::black_box(d);
            seen.set(seen.get() + 1);
            0
        })
        .map_err(|e| e.to_string())?;
    let theirs = builder.build().map_err(|e| e.to_string())?;
    let packet = [0u8; 64];
    let fill = || -> Res {
        for _ in 0..40 {
            prog.test_run(&packet).map_err(|e| e.to_string())?;
        }
        Ok(())
    };
    let expected = 40 * 4096;
    let (mut t_ours, mut t_theirs) = (Vec::new(), Vec::new());
    for _ in 0..9 {
        fill()?;
        let t = Instant::now();
        let n = ours.consume(|d| {
            std::hint::black_box(d);
        });
        t_ours.push(t.elapsed());
        if n != expected {
            return Err(format!("ours drained {n} events, expected {expected}"));
        }
        fill()?;
        seen.set(0);
        let t = Instant::now();
        theirs.consume().map_err(|e| e.to_string())?;
        t_theirs.push(t.elapsed());
        if seen.get() != expected {
            return Err(format!(
                "libbpf-rs drained {} events, expected {expected}",
                seen.get()
            ));
        }
    }
    let (o, l) = (
        median_of(t_ours).ok_or("no rounds")?,
        median_of(t_theirs).ok_or("no rounds")?,
    );
    let rate = |d: Duration| expected as f64 / d.as_secs_f64() / 1e6;
    println!(
        "ours {:.1} M events/s, libbpf-rs {:.1} M events/s (ours/libbpf time {:.2})",
        rate(o),
        rate(l),
        o.as_secs_f64() / l.as_secs_f64()
    );
    Ok(())
}

fn main() {
    libbpf_rs::set_print(None);
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("cold-child") {
        let (Some(loader), Some(path)) = (args.get(2), args.get(3)) else {
            eprintln!("usage: bench cold-child LOADER OBJECT");
            std::process::exit(2);
        };
        if let Err(e) = cold_child(loader, path) {
            eprintln!("{e}");
            std::process::exit(1);
        }
        return;
    }
    if args.get(1).map(String::as_str) == Some("open-loop") {
        // For a profiler (valgrind --tool=callgrind
        // --toggle-collect='*open_loop*'): one untimed open (kernel BTF
        // mapped, candidates found), then N warm opens.
        let (Some(path), n) = (args.get(2), args.get(3).and_then(|n| n.parse().ok())) else {
            eprintln!("usage: bench open-loop OBJECT [N]");
            std::process::exit(2);
        };
        let bytes = std::fs::read(path).unwrap_or_default();
        if let Err(e) = ours_open(&bytes) {
            eprintln!("{e}");
            std::process::exit(1);
        }
        open_loop(&bytes, n.unwrap_or(100));
        return;
    }
    if args.get(1).map(String::as_str) == Some("core-dump") {
        // Every CO-RE-relocated instruction and poisoned-instruction
        // explanation of the objects named, against this kernel: diff two
        // builds' output to check a CO-RE change alters no result.
        for path in args.get(2..).unwrap_or_default() {
            core_dump(path);
        }
        return;
    }
    if args.get(1).map(String::as_str) == Some("open-loop") {
        // For a profiler (valgrind --tool=callgrind
        // --toggle-collect='*open_loop*'): one untimed open (kernel BTF
        // mapped, candidates found), then N warm opens.
        let (Some(path), n) = (args.get(2), args.get(3).and_then(|n| n.parse().ok())) else {
            eprintln!("usage: bench open-loop OBJECT [N]");
            std::process::exit(2);
        };
        let bytes = std::fs::read(path).unwrap_or_default();
        if let Err(e) = ours_open(&bytes) {
            eprintln!("{e}");
            std::process::exit(1);
        }
        open_loop(&bytes, n.unwrap_or(100));
        return;
    }
    if args.get(1).map(String::as_str) == Some("core-dump") {
        for path in &args[2..] {
            println!("== {path}");
            let bytes = std::fs::read(path).unwrap_or_default();
            let mut f = match bpf_skeleton::runtime::ObjectFile::parse(&bytes) {
                Ok(f) => f,
                Err(e) => {
                    println!("parse: {e}");
                    continue;
                }
            };
            let k = bpf_skeleton::runtime::kernel_btf::target().unwrap();
            if let Err(e) = bpf_skeleton::runtime::obj::core::apply(&mut f, &k) {
                println!("apply: {e}");
                continue;
            }
            for func in &f.functions {
                println!("fn {}", func.name);
                for i in &func.insns {
                    println!("  {:02x} {:02x} {} {}", i.code, i.regs, i.off, i.imm);
                }
                for (at, why) in &func.core_failures {
                    println!("  poison {at}: {why}");
                }
            }
        }
        return;
    }
    let only = args.get(1).map(String::as_str);
    if only.is_none() || only == Some("cold") {
        cold(args.get(2).map(String::as_str));
    }
    if only.is_none() || only == Some("warm") {
        warm(args.get(2).map(String::as_str));
    }
    if only.is_none() || only == Some("micro") {
        sha256();
        typed_vs_raw();
        if let Err(e) = ringbuf() {
            println!("ring buffer benchmark failed: {e}");
        }
    }
}
