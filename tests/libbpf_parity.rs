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

/// Programs whose instructions libbpf changed between versions: (object,
/// program, first libbpf version with today's rule, what changed). They are
/// compared only when bpftool's libbpf is at least that version.
const NEWER_LIBBPF_RULES: &[(&str, &str, (u32, u32), &str)] = &[(
    "externs.bpf.o",
    "call_missing_kfunc",
    (1, 2),
    "a call to a missing weak kfunc is poisoned (libbpf 1.1 left a kfunc call with imm 0)",
)];

/// The libbpf version bpftool links (`bpftool version`: "using libbpf v1.1").
fn bpftool_libbpf() -> (u32, u32) {
    let out = bpftool(&["version"]);
    let v = out
        .split("libbpf v")
        .nth(1)
        .unwrap_or_else(|| panic!("no libbpf version in: {out}"));
    let mut it = v.split(|c: char| !c.is_ascii_digit());
    let major = it.next().and_then(|n| n.parse().ok()).unwrap_or(0);
    let minor = it.next().and_then(|n| n.parse().ok()).unwrap_or(0);
    (major, minor)
}

/// The benchmark's real-tool-shaped CO-RE objects (bench/bpf): CO-RE on
/// task_struct, cred, mm_struct, request, tracepoint contexts, against
/// the running kernel's BTF.
const BENCH_CORE: &[&str] = &["execsnoop.bpf.o", "runqslower.bpf.o", "biolatency.bpf.o"];

/// struct_ops objects bpftool loads whole (`prog loadall` loads the
/// programs a struct_ops map points at, against the kernel's ops type and
/// member, without registering the map). struct_ops.bpf.o is not among
/// them: its `bsk_lonely` program, which no map points at, fails libbpf's
/// load as ours, and libbpf 1.1 (bpftool here) predates `.struct_ops.link`.
const STRUCT_OPS: &[&str] = &["struct_ops_legacy.bpf.o"];

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
    let mut skipped = 0;
    let libbpf = bpftool_libbpf();
    let bench = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/bpf");
    let objects = LOADABLE
        .iter()
        .filter(|n| !BPFTOOL_CANNOT_LOAD.contains(n))
        .chain(STRUCT_OPS)
        .map(|n| (*n, corpus(n)))
        .chain(BENCH_CORE.iter().map(|n| (*n, bench.join(n))));
    for (name, path) in objects {
        // bpffs refuses names with dots.
        let stem = name.split('.').next().unwrap_or(name);
        let dir = bpffs.path().join(stem);
        let dir = dir.to_str().expect("UTF-8 path");
        bpftool(&["prog", "loadall", path.to_str().unwrap(), dir]);
        let ours = OpenObject::from_file(&path).unwrap();
        for p in ours.programs() {
            if let Some((.., since, why)) = NEWER_LIBBPF_RULES
                .iter()
                .find(|r| r.0 == name && r.1 == p.name() && libbpf < r.2)
            {
                eprintln!(
                    "{name}/{}: not compared: bpftool's libbpf {libbpf:?} predates {since:?}: {why}",
                    p.name()
                );
                skipped += 1;
                continue;
            }
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
    // 47 before struct_ops, USDT and sanitization, + 5 struct_ops programs,
    // + 2 usdt programs, + 1 sanitize program, + mom's via_rings.
    assert_eq!(compared + skipped, 56, "programs compared");
    assert!(skipped <= NEWER_LIBBPF_RULES.len());
}
