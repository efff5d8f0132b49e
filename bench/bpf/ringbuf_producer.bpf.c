// The ring buffer benchmark's producer: each run of `produce` (an XDP
// program run with BPF_PROG_TEST_RUN) writes 4096 16-byte events with
// bpf_loop, so both consumers read the same stream from the same map.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} events SEC(".maps");

__u64 seq = 0;

static long emit(__u64 i, void *ctx)
{
	__u64 e[2] = { i, __sync_fetch_and_add(&seq, 1) };
	bpf_ringbuf_output(&events, e, sizeof(e), 0);
	return 0;
}

SEC("xdp")
int produce(struct xdp_md *ctx)
{
	bpf_loop(4096, emit, NULL, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
