// Programs that need BPF trampolines (fentry, fexit) or BPF LSM. None is
// autoloaded: tests enable one at a time, since kernels without trampoline
// support refuse them at load (EPERM), as this project's 6.18 test VM does.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 hits = 0;

SEC("?fentry/bpf_fentry_test1")
int fentry_test1(void *ctx) { hits++; return 0; }

SEC("?fexit/bpf_fentry_test1")
int fexit_test1(void *ctx) { hits++; return 0; }

SEC("?lsm/file_open")
int lsm_file_open(void *ctx) { return 0; }

char LICENSE[] SEC("license") = "GPL";
