//! Differential test against libbpf: every program that bpftool (libbpf)
//! loads from a corpus object gets, from the kernel, the same prog tag as
//! our digest's first 8 bytes. So our relocation and subprogram layout are
//! libbpf's, instruction for instruction, and an exclusive map's hash names
//! the same program whichever of the two loaders loads it.
//!
//! Needs `bpftool` (Debian package `bpftool`), so it is `#[ignore]`d for a
//! plain `cargo test`; `.ci/run` installs bpftool and runs it with
//! `--include-ignored`. It pins into a private bpffs of its own.

mod common;

use std::process::Command;

use bpf_skeleton::runtime::hash::hex;
use bpf_skeleton::runtime::OpenObject;
use common::*;

/// Corpus objects bpftool cannot load whole: it cannot pin the `?`
/// program of counter.bpf.o, and libbpf >= 1.0 rejects legacy `maps`
/// definitions. Every other loadable object is compared.
const BPFTOOL_CANNOT_LOAD: &[&str] = &["counter.bpf.o", "legacy.bpf.o"];

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
#[ignore = "needs bpftool (apt-get install bpftool); .ci/run runs it"]
fn our_digest_matches_the_tag_of_the_program_libbpf_loads() {
    let bpffs = PrivateBpffs::new("parity");
    let mut compared = 0;
    for name in LOADABLE.iter().filter(|n| !BPFTOOL_CANNOT_LOAD.contains(n)) {
        // bpffs refuses names with dots.
        let stem = name.split('.').next().unwrap_or(name);
        let dir = bpffs.path().join(stem);
        let dir = dir.to_str().expect("UTF-8 path");
        let path = corpus(name);
        bpftool(&["prog", "loadall", path.to_str().unwrap(), dir]);
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
                hex(&expected_tag(&p.hash())),
                "{name}/{}: libbpf's layout vs ours",
                p.name()
            );
            compared += 1;
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
    assert_eq!(compared, 31, "programs compared");
}
