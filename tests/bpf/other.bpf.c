// Another object with a map shaped like exclusive.bpf.c's `secret`: used to
// show that a program of another object is refused access to an exclusive
// map even when handed the map's fd.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} secret SEC(".maps");

SEC("xdp")
int thief(struct xdp_md *ctx)
{
	__u32 k0 = 0;
	__u64 *v = bpf_map_lookup_elem(&secret, &k0);
	if (v)
		*v = 0x7417;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
