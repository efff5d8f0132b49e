// A CO-RE store libbpf refuses to resize: the local field is a 4-byte
// signed int, the kernel's (timespec64.tv_nsec) an 8-byte long, so the
// instruction is poisoned and the verifier's rejection explained.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct timespec64___s {
	int tv_nsec;
} __attribute__((preserve_access_index));

__u64 buf[4];

SEC("raw_tp/sys_enter")
int signed_resize(void *ctx)
{
	struct timespec64___s *t = (void *)&buf[0];

	t->tv_nsec = 5;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
