// Section names as libbpf 1.7 knows them, and ones it does not: a program
// that cannot load (unknown section, struct_ops without its map, a BTF
// program without a target) fails its own load only, never the object's.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* A ring buffer whose size is not a power-of-two multiple of the page
 * size: libbpf rounds it up (to 4096 here) instead of letting the kernel
 * refuse it. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1000);
} odd_ring SEC(".maps");

__u64 hits = 0;

SEC("xdp")
int plain_xdp(struct xdp_md *ctx)
{
	__u64 *e = bpf_ringbuf_reserve(&odd_ring, sizeof(*e), 0);
	if (e) {
		*e = ++hits;
		bpf_ringbuf_submit(e, 0);
	}
	return XDP_PASS;
}

/* Linux 6.7: cgroup hooks for AF_UNIX sockets. */
SEC("cgroup/connect_unix")
int unix_connect(struct bpf_sock_addr *ctx)
{
	return 1;
}

/* Linux 6.7: netkit devices. */
SEC("netkit/primary")
int nk_primary(struct __sk_buff *skb)
{
	return -1; /* NETKIT_NEXT */
}

SEC("?mystery")
int unknown_section(void *ctx)
{
	return 0;
}

SEC("?fentry")
int fentry_without_target(void *ctx)
{
	return 0;
}

SEC("?struct_ops/lonely")
int lonely_op(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
