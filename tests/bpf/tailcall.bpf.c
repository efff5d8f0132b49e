// A program array: `entry` tail-calls slot 0; user space puts `target` there.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} jmp SEC(".maps");

__u32 reached_target = 0;

SEC("xdp")
int target(struct xdp_md *ctx)
{
	reached_target = 1;
	return XDP_DROP;
}

SEC("xdp")
int entry(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jmp, 0);
	return XDP_PASS; /* slot empty */
}

char LICENSE[] SEC("license") = "GPL";
