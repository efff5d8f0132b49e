// Edge cases for the type generator: C members named like generated
// padding and storage, and a bitfield wider than 64 bits (which the
// generator cannot express: that map falls back to byte arrays).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct clash {
	__u8 first;
	__u32 _pad0;        /* a C member named like generated padding */
	__u32 a : 3;
	__u32 set_a;        /* named like a's generated setter */
	__u32 _bitfield0;   /* named like generated bitfield storage */
};

struct too_wide {
	unsigned __int128 wide : 70;
	__u8 after;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct clash);
} clashes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct too_wide);
} wides SEC(".maps");

SEC("xdp")
int edge(struct xdp_md *ctx)
{
	__u32 k = 0;
	struct clash *c = bpf_map_lookup_elem(&clashes, &k);
	struct too_wide *w = bpf_map_lookup_elem(&wides, &k);
	if (c) {
		c->first = 1;
		c->_pad0 = 2;
		c->a = 5;
		c->set_a = 4;
		c->_bitfield0 = 6;
	}
	if (w)
		w->after = 9;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
