//! The build-script helper: objects are reproducible (independent of the
//! directory they are built in), compile errors carry clang's message,
//! big-endian targets are refused. Tests that run clang are `#[ignore]`d
//! ("needs clang-19"); `.ci/run` runs them.

use std::path::{Path, PathBuf};

use bpf_skeleton_build::{Builder, Error};
use bpf_skeleton_obj::ObjectFile;

const PROG: &str = r#"#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "local.h"

__u64 hits = 0;

SEC("xdp")
int count(struct xdp_md *ctx)
{
	hits += STEP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
"#;

/// A fresh crate-like directory with `src/prog.bpf.c` and
/// `include/local.h`.
fn project(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("bpf-skeleton-build-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("include")).unwrap();
    std::fs::write(dir.join("src/prog.bpf.c"), PROG).unwrap();
    std::fs::write(dir.join("include/local.h"), "#define STEP 3\n").unwrap();
    dir
}

fn build(dir: &Path) -> PathBuf {
    let objs = Builder::new()
        .base_dir(dir)
        .out_dir("out")
        .include("include")
        .source("src/prog.bpf.c")
        .build_for("x86_64", "little")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(objs, [dir.join("out/prog.bpf.o")]);
    objs[0].clone()
}

#[test]
#[ignore = "needs clang-19"]
fn objects_do_not_depend_on_the_build_directory() {
    let (a, b) = (project("repro-a"), project("repro-b"));
    let (oa, ob) = (build(&a), build(&b));
    let (da, db) = (std::fs::read(&oa).unwrap(), std::fs::read(&ob).unwrap());
    assert!(da == db, "{} and {} differ", oa.display(), ob.display());
    let needle = a.to_str().unwrap().as_bytes();
    assert!(
        !da.windows(needle.len()).any(|w| w == needle),
        "the object records its build directory"
    );
    // A BPF object our parser takes, with the program and its BTF.
    let obj = ObjectFile::parse(&da).unwrap();
    assert!(obj.program_index("count").is_some());
    // The dependency file lists the local header: cargo reruns on it.
    let deps = std::fs::read_to_string(a.join("out/prog.bpf.d")).unwrap();
    let deps = bpf_skeleton_build::parse_deps(&deps);
    assert!(
        deps.iter().any(|d| d.ends_with("include/local.h")),
        "{deps:?}"
    );
    assert!(
        deps.iter().any(|d| d.ends_with("bpf/bpf_helpers.h")),
        "{deps:?}"
    );
    for d in [a, b] {
        std::fs::remove_dir_all(d).unwrap();
    }
}

#[test]
#[ignore = "needs clang-19"]
fn a_compile_error_names_the_source_and_carries_clang_output() {
    let dir = project("broken");
    std::fs::write(
        dir.join("src/prog.bpf.c"),
        "int broken(void) { return nope; }\n",
    )
    .unwrap();
    let err = Builder::new()
        .base_dir(&dir)
        .out_dir("out")
        .source("src/prog.bpf.c")
        .build_for("x86_64", "little")
        .unwrap_err();
    let Error::Compile {
        source_file,
        stderr,
        ..
    } = &err
    else {
        panic!("expected a compile error, got {err}");
    };
    assert_eq!(source_file, Path::new("src/prog.bpf.c"));
    assert!(stderr.contains("nope"), "{stderr}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn big_endian_targets_are_refused_before_running_clang() {
    let err = Builder::new()
        .out_dir(std::env::temp_dir())
        .source("never-read.bpf.c")
        .build_for("s390x", "big")
        .unwrap_err();
    assert!(matches!(err, Error::BigEndian { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("s390x") && msg.contains("little-endian"),
        "{msg}"
    );
}

#[test]
fn a_missing_btf_file_is_named() {
    let dir = std::env::temp_dir().join(format!("bpf-skeleton-build-nobtf-{}", std::process::id()));
    let err = Builder::new()
        .out_dir(&dir)
        .vmlinux_from("/nonexistent/vmlinux.btf")
        .build_for("x86_64", "little")
        .unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/vmlinux.btf"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn no_clang_error_names_the_debian_package() {
    let err = Error::NoClang {
        tried: vec!["clang: not found".into()],
    };
    assert!(err.to_string().contains("clang-19"));
}
