// Exclusive maps: `secret` is meant for `reader` only; `intruder` also
// uses it, so it must be disabled (or the load refused) when `secret` is
// exclusive to `reader`.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} secret SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u32);
} public_stats SEC(".maps");

__u64 runs = 0;           /* .bss */
__u64 last_len = 7;       /* .data */
const volatile __u64 magic = 0xfeed; /* .rodata */

SEC("xdp")
int reader(struct xdp_md *ctx)
{
	__u32 k0 = 0, k1 = 1;
	__u64 len = ctx->data_end - ctx->data;
	__u64 *v = bpf_map_lookup_elem(&secret, &k0);
	if (v)
		*v += len;
	v = bpf_map_lookup_elem(&secret, &k1);
	if (v)
		*v = magic;
	runs++;
	last_len = len;
	return XDP_PASS;
}

SEC("xdp")
int intruder(struct xdp_md *ctx)
{
	__u32 k0 = 0;
	__u64 *v = bpf_map_lookup_elem(&secret, &k0);
	if (v)
		*v = 0xbad;
	return XDP_DROP;
}

SEC("xdp")
int bystander(struct xdp_md *ctx)
{
	__u32 k = 1, one = 1;
	bpf_map_update_elem(&public_stats, &k, &one, BPF_ANY);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
