//! Global data shared with the kernel: stack-safe for large sections, and
//! touched only atomically, each variable with one width.

mod common;

use bpf_skeleton::bpf_skeleton;
use common::*;

#[bpf_skeleton("tests/bpf/big_bss.bpf.o")]
struct BigBss;

/// Elements of `big` (16 MiB of u64).
const N: usize = 2 * 1024 * 1024;

/// Runs on a thread with a 1 MiB stack, so that a section (or a variable)
/// built on the stack anywhere on the way overflows it, in debug and
/// release builds alike.
fn small_stack(f: impl FnOnce() + Send) {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn_scoped(s, f)
            .unwrap()
            .join()
            .unwrap();
    });
}

#[test]
fn a_16_mib_bss_is_opened_written_and_read_without_the_stack() {
    assert_eq!(
        std::mem::size_of::<big_bss::types::Bss>(),
        16 * 1024 * 1024 + 16
    );
    small_stack(|| {
        // Open: the section's initial value, on the heap.
        let mut open = BigBss::open().unwrap();
        assert!(open.bss.big.iter().all(|&v| v == 0));
        open.bss.big[3] = 41;
        open.bss.at = 3;
        let skel = open.load().unwrap();
        let mem = skel.maps.bss.raw().mmap().unwrap();
        assert_eq!(mem.len(), 16 * 1024 * 1024 + 16);
        use big_bss::types::Bss;
        use std::mem::offset_of;
        assert_eq!(mem.access_width(offset_of!(Bss, big)), Some(8), "u64s");
        assert_eq!(mem.access_width(offset_of!(Bss, at)), Some(4), "a u32");
        assert_eq!(mem.access_width(offset_of!(Bss, seen)), Some(8), "a u64");

        skel.progs.touch.test_run(&packet(64)).unwrap();
        assert_eq!(skel.bss.seen(), 41, "the program read our initial value");
        let snap = skel.bss.read();
        assert_eq!((snap.big[3], snap.big[N - 1]), (42, 0xfeed));

        // The whole section written from a heap value.
        let mut whole = skel.bss.read();
        whole.big[1000] = 7;
        whole.at = 1000;
        skel.bss.write(&whole);
        skel.progs.touch.test_run(&packet(64)).unwrap();
        assert_eq!(skel.bss.seen(), 7);
        assert_eq!(skel.bss.with(|b| (b.big[1000], b.big[3])), (8, 42));

        // A large variable's getter and setter go through the heap too.
        let mut big: Box<[u64; N]> = skel.bss.big();
        assert_eq!(big[1000], 8);
        big[N - 2] = 5;
        skel.bss.set_big(&big);
        // `update` writes back only what the closure changed: the
        // program's write meanwhile survives.
        skel.bss
            .update(|b| {
                skel.progs.touch.test_run(&packet(64)).unwrap();
                b.big[N - 3] = 6;
            })
            .unwrap();
        // The kernel's copy of the section, on the heap.
        let kernel = skel.maps.bss.lookup().unwrap();
        assert_eq!(
            (
                kernel.big[N - 3],
                kernel.big[N - 2],
                kernel.big[1000],
                kernel.seen
            ),
            (6, 5, 9, 8),
            "update kept the program's increment of big[1000]"
        );
    });
}

/// Volatile accesses to memory the kernel shares are data races; racing
/// atomics of different widths too. The runtime and the code the macro
/// generates must use neither: scan the runtime's and the macro's sources
/// and the committed expansion snapshots.
#[test]
fn no_volatile_access_in_the_runtime_or_the_generated_code() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["runtime/src", "macros/src", "macros/tests/snapshots", "src"] {
        collect_rs(&root.join(dir), &mut files);
    }
    assert!(files.len() > 20, "found {} files", files.len());
    let forbidden = [
        "read_volatile",
        "write_volatile",
        "volatile_load",
        "volatile_store",
        "volatile_copy",
        "volatile_set",
    ];
    let mut hits = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            // Code only: comments and docs may talk about volatility.
            let code = line.split("//").next().unwrap_or("");
            if forbidden.iter().any(|w| code.contains(w)) {
                hits.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(hits.is_empty(), "volatile access:\n{}", hits.join("\n"));
    // The scan sees what it looks for.
    let sample = "unsafe { p.read_volatile() }";
    assert!(forbidden.iter().any(|w| sample.contains(w)));
}

fn collect_rs(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect_rs(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}
