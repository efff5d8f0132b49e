//! The `vmlinux.h` writer against this machine's kernel BTF: the header is
//! written (no clang needed), then compiled with clang for `-target bpf`
//! and checked against the BTF's layouts (`#[ignore]`d: needs clang-19;
//! `.ci/run` runs them).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use bpf_skeleton_build::{layout_asserts, write_header, HeaderOptions, KERNEL_BTF};
use bpf_skeleton_obj::btf::Btf;

fn kernel_btf() -> Btf {
    let data = std::fs::read(KERNEL_BTF)
        .expect("this test needs the kernel's BTF at /sys/kernel/btf/vmlinux");
    Btf::from_shared(Arc::new(data)).unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("bpf-skeleton-build-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn clang() -> String {
    std::env::var("CLANG").unwrap_or_else(|_| "clang-19".into())
}

fn compile(dir: &Path, file: &str, extra: &[&str]) {
    let out = Command::new(clang())
        .args(["-target", "bpf", "-O2", "-g", "-Werror", "-I"])
        .arg(dir)
        .args(extra)
        .arg("-c")
        .arg(dir.join(file))
        .arg("-o")
        .arg(dir.join(format!("{file}.o")))
        .output()
        .expect("clang-19 runs");
    assert!(
        out.status.success(),
        "{file} does not compile:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn kernel_header_is_written_deterministically() {
    let btf = kernel_btf();
    let h = write_header(&btf, &HeaderOptions::default()).unwrap();
    for needle in [
        "#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)",
        "struct task_struct {\n",
        "\tpid_t pid;\n",
        "enum bpf_map_type {\n",
        "\tBPF_MAP_TYPE_RINGBUF = 27,\n",
        "typedef int __s32;\n",
        "#endif /* __VMLINUX_H__ */\n",
    ] {
        assert!(h.contains(needle), "header lacks {needle:?}");
    }
    // Definition before use: task_struct embeds sched_entity by value.
    let def = |s: &str| {
        h.find(&format!("\n{s} {{\n"))
            .unwrap_or_else(|| panic!("{s} not defined"))
    };
    assert!(def("struct sched_entity") < def("struct task_struct"));
    assert_eq!(h, write_header(&btf, &HeaderOptions::default()).unwrap());
    let no_kfuncs = write_header(&btf, &HeaderOptions { kfuncs: false }).unwrap();
    assert!(!no_kfuncs.contains("__weak __ksym;"));
}

#[test]
#[ignore = "needs clang-19"]
fn kernel_header_compiles_with_kfuncs_and_layouts_match_btf() {
    let btf = kernel_btf();
    let dir = scratch("layout");
    let h = write_header(&btf, &HeaderOptions::default()).unwrap();
    assert!(h.contains("__weak __ksym;"), "this kernel has kfuncs");
    std::fs::write(dir.join("vmlinux.h"), h).unwrap();
    let asserts = layout_asserts(&btf).unwrap();
    let count = asserts.lines().count();
    assert!(count > 100_000, "only {count} assertions");
    std::fs::write(
        dir.join("layout.c"),
        format!("#include \"vmlinux.h\"\n{asserts}"),
    )
    .unwrap();
    compile(&dir, "layout.c", &[]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The layout check is not vacuous: a header whose layout is off by one
/// field fails it.
#[test]
#[ignore = "needs clang-19"]
fn a_wrong_layout_fails_the_asserts() {
    let btf = kernel_btf();
    let dir = scratch("wrong");
    let h = write_header(&btf, &HeaderOptions::default()).unwrap();
    let wrong = h.replacen(
        "struct task_struct {\n",
        "struct task_struct {\n\tint extra;\n",
        1,
    );
    assert_ne!(wrong, h);
    std::fs::write(dir.join("vmlinux.h"), wrong).unwrap();
    std::fs::write(
        dir.join("layout.c"),
        format!("#include \"vmlinux.h\"\n{}", layout_asserts(&btf).unwrap()),
    )
    .unwrap();
    let out = Command::new(clang())
        .args(["-target", "bpf", "-fsyntax-only", "-I"])
        .arg(&dir)
        .arg(dir.join("layout.c"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("struct task_struct"));
    std::fs::remove_dir_all(&dir).unwrap();
}
