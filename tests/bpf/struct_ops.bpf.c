// A TCP congestion control registered through a BPF link
// (`.struct_ops.link`, Linux 6.4+): see struct_ops_cc.h.
#include "struct_ops_cc.h"

SEC(".struct_ops.link")
struct tcp_congestion_ops bsk_cc_link = {
	.init = (void *)bsk_init,
	.release = (void *)bsk_release,
	.cong_avoid = (void *)bsk_cong_avoid,
	.ssthresh = (void *)bsk_ssthresh,
	.undo_cwnd = (void *)bsk_undo_cwnd,
	.name = "bsk_so_link",
};

// Only a map that is not created by default points at it (`?` section):
// not autoloaded, as in libbpf.
SEC("struct_ops/bsk_optional_init")
void BPF_PROG(bsk_optional_init, struct sock *sk)
{
}

SEC("?.struct_ops")
struct tcp_congestion_ops bsk_cc_optional = {
	.init = (void *)bsk_optional_init,
	.ssthresh = (void *)bsk_ssthresh,
	.undo_cwnd = (void *)bsk_undo_cwnd,
	.cong_avoid = (void *)bsk_cong_avoid,
	.name = "bsk_so_optional",
};

// Referenced by no struct_ops map: its own load fails, nothing else.
SEC("struct_ops/bsk_lonely")
void BPF_PROG(bsk_lonely, struct sock *sk)
{
}

// A plain program beside the ops: loads on any kernel.
SEC("xdp")
int bsk_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}
