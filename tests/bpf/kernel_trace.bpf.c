// Programs that need kprobes and BPF trampolines, which the 6.18 host
// lacks: tests/kernel_features.rs loads them on the VM kernels
// (scripts/vmtest) and skips them, saying why, where the kernel refuses.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 kprobe_hits = 0;
__u64 fentry_hits = 0;

SEC("kprobe/do_nanosleep")
int on_nanosleep(void *ctx) { kprobe_hits++; return 0; }

// bpf_fentry_test1 exists for exactly this: BPF_PROG_TEST_RUN of a
// tracing program calls it.
SEC("fentry/bpf_fentry_test1")
int on_fentry_test1(unsigned long long *ctx) { fentry_hits += ctx[0]; return 0; }

char LICENSE[] SEC("license") = "GPL";
