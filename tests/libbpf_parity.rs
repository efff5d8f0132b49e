//! Differential test against libbpf: every program that bpftool (libbpf)
//! loads from a corpus object gets, from the kernel, the same prog tag as
//! our digest's first 8 bytes. So our relocation and subprogram layout are
//! libbpf's, instruction for instruction, and an exclusive map's hash names
//! the same program whichever of the two loaders loads it.
//!
//! Needs `bpftool` (Debian package `bpftool`); its absence fails the test.

mod common;

use std::process::Command;

use bpf_skeleton::runtime::hash::hex;
use bpf_skeleton::runtime::OpenObject;
use common::*;

/// Corpus objects bpftool cannot load whole: it cannot pin the `?`
/// program of counter.bpf.o, and libbpf >= 1.0 rejects legacy `maps`
/// definitions. Every other loadable object is compared.
const BPFTOOL_CANNOT_LOAD: &[&str] = &["counter.bpf.o", "legacy.bpf.o"];

/// The benchmark's real-tool-shaped CO-RE objects (bench/bpf): CO-RE on
/// task_struct, cred, mm_struct, request, tracepoint contexts, against
/// the running kernel's BTF.
const BENCH_CORE: &[&str] = &["execsnoop.bpf.o", "runqslower.bpf.o", "biolatency.bpf.o"];

fn bpftool(args: &[&str]) -> String {
    let out = Command::new("bpftool")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run bpftool ({e}): apt-get install bpftool"));
    assert!(
        out.status.success(),
        "bpftool {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn our_digest_matches_the_tag_of_the_program_libbpf_loads() {
    let mut compared = 0;
    let bench = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/bpf");
    let objects = LOADABLE
        .iter()
        .filter(|n| !BPFTOOL_CANNOT_LOAD.contains(n))
        .map(|n| (*n, corpus(n)))
        .chain(BENCH_CORE.iter().map(|n| (*n, bench.join(n))));
    for (name, path) in objects {
        // bpffs refuses names with dots.
        let stem = name.split('.').next().unwrap_or(name);
        let dir = format!(
            "/sys/fs/bpf/bpf-skeleton-parity-{}-{stem}",
            std::process::id()
        );
        let _ = std::fs::remove_dir_all(&dir);
        bpftool(&["prog", "loadall", path.to_str().unwrap(), &dir]);
        let ours = OpenObject::from_file(&path).unwrap();
        for p in ours.programs() {
            let pinned = format!("{dir}/{}", p.name());
            let json = bpftool(&["-j", "prog", "show", "pinned", &pinned]);
            let tag = json
                .split("\"tag\":\"")
                .nth(1)
                .and_then(|rest| rest.get(..16))
                .unwrap_or_else(|| panic!("no tag in bpftool output: {json}"));
            assert_eq!(
                tag,
                hex(&p.hash()[..8]),
                "{name}/{}: libbpf's layout vs ours",
                p.name()
            );
            compared += 1;
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
    assert_eq!(compared, 39, "programs compared");
}
