// Shaped like libbpf-tools' biolatency/opensnoop mix: raw tracepoints on
// block requests read struct request and its gendisk through CO-RE into a
// log2 histogram (array map and a per-CPU array), plus a syscall
// tracepoint reading its arguments through CO-RE and sending them through
// a ring buffer.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct gendisk { int major; int first_minor; } __attribute__((preserve_access_index));
struct block_device { struct gendisk *bd_disk; unsigned int bd_dev; } __attribute__((preserve_access_index));
struct request_queue { struct gendisk *disk; } __attribute__((preserve_access_index));
struct request {
	struct request_queue *q;
	struct block_device *part;
	unsigned int cmd_flags;
	unsigned int __data_len;
	unsigned long long start_time_ns;
} __attribute__((preserve_access_index));
struct trace_event_raw_sys_enter {
	long id;
	unsigned long args[6];
} __attribute__((preserve_access_index));

#define MAX_SLOTS 27

struct hist { __u32 slots[MAX_SLOTS]; };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);
	__type(value, __u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct hist);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} bytes SEC(".maps");

struct open_event { __u32 pid; int flags; __u64 fname; };

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} opens SEC(".maps");

const volatile int targ_dev = -1;
struct hist zero = {};

static __always_inline __u64 log2l(__u64 v)
{
	__u64 r = 0;
	for (int i = 0; i < 63 && v > 1; i++) {
		v >>= 1;
		r++;
	}
	return r;
}

SEC("raw_tp/block_rq_issue")
int rq_issue(__u64 *ctx)
{
	struct request *rq = (void *)ctx[0];
	__u64 key = (__u64)rq;
	__u64 ts = bpf_ktime_get_ns();
	__u32 len = BPF_CORE_READ(rq, __data_len);
	__u32 z = 0;
	__u64 *b = bpf_map_lookup_elem(&bytes, &z);
	if (b)
		*b += len;
	bpf_map_update_elem(&start, &key, &ts, BPF_ANY);
	return 0;
}

SEC("raw_tp/block_rq_complete")
int rq_complete(__u64 *ctx)
{
	struct request *rq = (void *)ctx[0];
	__u64 key = (__u64)rq;
	__u64 *tsp = bpf_map_lookup_elem(&start, &key);
	if (!tsp)
		return 0;
	struct gendisk *disk = BPF_CORE_READ(rq, q, disk);
	__u32 dev = disk ? ((BPF_CORE_READ(disk, major) << 20) | BPF_CORE_READ(disk, first_minor)) : 0;
	if (targ_dev != -1 && dev != (__u32)targ_dev)
		goto out;
	struct hist *h = bpf_map_lookup_elem(&hists, &dev);
	if (!h) {
		bpf_map_update_elem(&hists, &dev, &zero, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&hists, &dev);
		if (!h)
			goto out;
	}
	__u64 slot = log2l((bpf_ktime_get_ns() - *tsp) / 1000);
	if (slot >= MAX_SLOTS)
		slot = MAX_SLOTS - 1;
	__sync_fetch_and_add(&h->slots[slot], 1);
out:
	bpf_map_delete_elem(&start, &key);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	struct open_event *e = bpf_ringbuf_reserve(&opens, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->fname = BPF_CORE_READ(ctx, args[1]);
	e->flags = (int)BPF_CORE_READ(ctx, args[2]);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
