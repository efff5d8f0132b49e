// Maps of maps and initialised slots: `outer` holds inner array maps
// (slot 1 starts as `slot_b`), `jumps` starts with `jump_target` in slot 0.
// `rings` holds ring buffers whose template says 1000 bytes: libbpf rounds
// a ring buffer's size to a power-of-two multiple of the page size, the
// inner template's too (libbpf-rs's ringbuf_multi example does this).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
};

struct inner slot_a SEC(".maps");
struct inner slot_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps") = {
	.values = { [1] = &slot_b },
};

int jump_target(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, int (void *));
} jumps SEC(".maps") = {
	.values = { [0] = (void *)&jump_target },
};

struct ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1000);
};

struct ring ring_a SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct ring);
} rings SEC(".maps") = {
	.values = { [0] = &ring_a },
};

__u32 jumped = 0;

// XDP_PASS if slot 0 of `rings` holds a ring buffer that took the record,
// XDP_DROP if the slot is empty, XDP_ABORTED if the output failed.
SEC("xdp")
int via_rings(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 rec = 42;
	void *rb = bpf_map_lookup_elem(&rings, &k);
	if (!rb)
		return XDP_DROP;
	return bpf_ringbuf_output(rb, &rec, sizeof(rec), 0) ? XDP_ABORTED : XDP_PASS;
}

SEC("xdp")
int via_outer(struct xdp_md *ctx)
{
	__u32 k = 1, i = 2;
	void *m = bpf_map_lookup_elem(&outer, &k);
	if (!m)
		return XDP_ABORTED;
	__u64 *v = bpf_map_lookup_elem(m, &i);
	if (v)
		*v += 1;
	return XDP_PASS;
}

SEC("xdp")
int jump_target(struct xdp_md *ctx)
{
	jumped = 1;
	return XDP_DROP;
}

SEC("xdp")
int jump_entry(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jumps, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
