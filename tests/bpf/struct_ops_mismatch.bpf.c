// A tcp_congestion_ops whose `flags` member is 8 bytes (the kernel's is
// 4): loading fails naming the member and both sizes, as libbpf does.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct sock;

struct tcp_congestion_ops {
	void (*init)(struct sock *sk);
	__u64 flags;
	char name[16];
};

SEC("struct_ops/bsk_mismatch_init")
int bsk_mismatch_init(void *ctx)
{
	return 0;
}

SEC(".struct_ops")
struct tcp_congestion_ops bsk_cc_mismatch = {
	.init = (void *)bsk_mismatch_init,
	.flags = 1,
	.name = "bsk_so_mismatch",
};

char LICENSE[] SEC("license") = "GPL";
