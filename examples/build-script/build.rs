fn main() {
    // vmlinux.h from the running kernel's BTF into OUT_DIR (no bpftool),
    // then src/bpf/task.bpf.c -> ${OUT_DIR}/task.bpf.o (no Makefile).
    bpf_skeleton_build::Builder::new()
        .vmlinux_from_kernel()
        .source("src/bpf/task.bpf.c")
        .flag("-Wall")
        .flag("-Werror")
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
}
