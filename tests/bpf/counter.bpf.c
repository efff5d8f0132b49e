// The README's example: count packets per protocol class, with a
// debug-only program that is not autoloaded.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

const volatile __u32 slot = 0;
__u64 packets_seen = 0;

SEC("xdp")
int count_packets(struct xdp_md *ctx)
{
	__u32 key = slot;
	__u64 *v = bpf_map_lookup_elem(&counts, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	__sync_fetch_and_add(&packets_seen, 1);
	return XDP_PASS;
}

SEC("?xdp")
int debug_only(struct xdp_md *ctx)
{
	bpf_printk("packet of %d bytes", (int)(ctx->data_end - ctx->data));
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
