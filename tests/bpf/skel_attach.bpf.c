// For tests/skel_attach.rs: a skeleton's attach(). Syscall hooks count only
// the thread whose id is in `.rodata` target_tid; `on_getppid` also sends
// one typed `struct event` per call to the `events` ring buffer, and
// `on_getsid` a record of the wrong size.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct event {
	__u32 tid;
	__u32 seq;
	__u64 cookie;
};

// Generated only through `types(sample)`: nothing in BPF uses it by value.
struct sample {
	__u64 a;
	__u32 b;
	__u32 c;
};

const volatile __u32 target_tid = 0;
__u64 getppid_hits = 0;
__u64 getpgid_hits = 0;
__u64 xdp_hits = 0;
__u32 seq = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

// Untyped records (a __u64 each) from `on_getpgid`, for polling several
// ring buffers together.
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} counts_log SEC(".maps");

static __always_inline int mine(void)
{
	return (__u32)bpf_get_current_pid_tgid() == target_tid;
}

// A function signature is what puts `struct event` and `struct sample` in
// the object's BTF.
static __noinline int fill(struct event *e, struct sample *unused)
{
	e->tid = target_tid;
	e->seq = seq++;
	e->cookie = 0x5eed;
	return unused != 0;
}

SEC("tp/syscalls/sys_enter_getppid")
int on_getppid(void *ctx)
{
	struct event *e;

	if (!mine())
		return 0;
	__sync_fetch_and_add(&getppid_hits, 1);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	fill(e, 0);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getpgid")
int on_getpgid(void *ctx)
{
	__u64 hits = 0;

	if (!mine())
		return 0;
	__sync_fetch_and_add(&getpgid_hits, 1);
	hits = getpgid_hits;
	bpf_ringbuf_output(&counts_log, &hits, sizeof(hits), 0);
	return 0;
}

// Sends a 4-byte record, not a `struct event`, to test the typed consumer.
SEC("tp/syscalls/sys_enter_getsid")
int on_getsid(void *ctx)
{
	__u32 *short_record;

	if (!mine())
		return 0;
	short_record = bpf_ringbuf_reserve(&events, sizeof(*short_record), 0);
	if (!short_record)
		return 0;
	*short_record = 7;
	bpf_ringbuf_submit(short_record, 0);
	return 0;
}

// Not auto-attachable: the section does not name an interface.
SEC("xdp")
int on_xdp(struct xdp_md *ctx)
{
	__sync_fetch_and_add(&xdp_hits, 1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
