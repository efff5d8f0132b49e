// A map pinned by name (LIBBPF_PIN_BY_NAME): loads reuse it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} shared_count SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} private_map SEC(".maps");

SEC("xdp")
int bump(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&shared_count, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	return XDP_PASS;
}

/* Rejected by the verifier (no NULL check): to fail a load after pinning. */
SEC("?xdp")
int broken(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&private_map, &k);
	*v = 1;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
