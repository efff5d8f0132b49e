// A program the verifier must reject: it dereferences a map value without
// checking it for NULL.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} vals SEC(".maps");

SEC("xdp")
int fine(struct xdp_md *ctx) { return XDP_PASS; }

SEC("xdp")
int unchecked(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &k);
	*v += 1; /* no NULL check */
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
