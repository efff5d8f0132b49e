// Counts the frames an interface receives, by EtherType.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u16); // EtherType, network byte order
	__type(value, __u64);
} frames SEC(".maps");

SEC("xdp")
int count_frames(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u64 one = 1, *n;
	__u16 proto;

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	proto = eth->h_proto;
	n = bpf_map_lookup_elem(&frames, &proto);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&frames, &proto, &one, BPF_NOEXIST);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
