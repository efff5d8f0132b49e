// A TCP congestion control registered by the map update itself
// (`.struct_ops`, no BPF link; Linux 5.6+): see struct_ops_cc.h.
#include "struct_ops_cc.h"

SEC(".struct_ops")
struct tcp_congestion_ops bsk_cc_plain = {
	.init = (void *)bsk_init,
	.release = (void *)bsk_release,
	.cong_avoid = (void *)bsk_cong_avoid,
	.ssthresh = (void *)bsk_ssthresh,
	.undo_cwnd = (void *)bsk_undo_cwnd,
	.name = "bsk_so_plain",
};
