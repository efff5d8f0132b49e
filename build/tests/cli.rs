//! `bpf-skeleton-build vmlinux [BTF_FILE]`, as Makefile users run it.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_bpf-skeleton-build");

#[test]
fn vmlinux_writes_the_header_of_the_given_file() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/corners.btf");
    let out = Command::new(BIN).args(["vmlinux", file]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = bpf_skeleton_build::header_from_file(
        std::path::Path::new(file),
        &bpf_skeleton_build::HeaderOptions::default(),
    )
    .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), want);
}

#[test]
fn vmlinux_defaults_to_the_running_kernel() {
    let out = Command::new(BIN)
        .args(["vmlinux", "--no-kfuncs"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let h = String::from_utf8(out.stdout).unwrap();
    assert!(h.contains("struct task_struct {\n"));
    assert!(!h.contains("__weak __ksym;"));
}

#[test]
fn errors_name_the_file_and_usage_is_refused() {
    let out = Command::new(BIN)
        .args(["vmlinux", "/nonexistent/btf"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/btf"));
    let out = Command::new(BIN).arg("header").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage"));
}
