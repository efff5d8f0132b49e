// A perf event array: the program writes one record per packet.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

struct sample {
	__u32 len;
	__u32 seq;
};

__u32 seq = 0;

SEC("xdp")
int emit(struct xdp_md *ctx)
{
	struct sample s = {
		.len = ctx->data_end - ctx->data,
		.seq = seq++,
	};
	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &s, sizeof(s));
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
