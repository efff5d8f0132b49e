// Shaped like libbpf-tools' runqslower: BTF-typed scheduler tracepoints
// (tp_btf) record wakeup times in a hash map and report slow switches
// through a ring buffer; CO-RE reads task_struct, with a fallback from
// `__state` to the older `state` checked by bpf_core_field_exists.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct {
	int pid;
	int tgid;
	unsigned int __state;
	char comm[16];
} __attribute__((preserve_access_index));
struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

struct event {
	char task[16];
	__u32 pid;
	__u32 prev_pid;
	__u64 delta_us;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

const volatile __u64 min_us = 10000;
const volatile __u32 targ_tgid = 0;

static __always_inline long get_state(struct task_struct *t)
{
	struct task_struct___old *o = (void *)t;
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ(o, state);
}

static __noinline int trace_enqueue(__u32 tgid, __u32 pid)
{
	if (!pid || (targ_tgid && targ_tgid != tgid))
		return 0;
	__u64 ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &pid, &ts, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_wakeup")
int handle_wakeup(__u64 *ctx)
{
	struct task_struct *p = (void *)ctx[0];
	return trace_enqueue(BPF_CORE_READ(p, tgid), BPF_CORE_READ(p, pid));
}

SEC("tp_btf/sched_wakeup_new")
int handle_wakeup_new(__u64 *ctx)
{
	struct task_struct *p = (void *)ctx[0];
	return trace_enqueue(BPF_CORE_READ(p, tgid), BPF_CORE_READ(p, pid));
}

SEC("tp_btf/sched_switch")
int handle_switch(__u64 *ctx)
{
	struct task_struct *prev = (void *)ctx[1];
	struct task_struct *next = (void *)ctx[2];
	if (get_state(prev) == 0)
		trace_enqueue(BPF_CORE_READ(prev, tgid), BPF_CORE_READ(prev, pid));
	__u32 pid = BPF_CORE_READ(next, pid);
	__u64 *tsp = bpf_map_lookup_elem(&start, &pid);
	if (!tsp)
		return 0;
	__u64 delta_us = (bpf_ktime_get_ns() - *tsp) / 1000;
	bpf_map_delete_elem(&start, &pid);
	if (delta_us < min_us)
		return 0;
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = pid;
	e->prev_pid = BPF_CORE_READ(prev, pid);
	e->delta_us = delta_us;
	BPF_CORE_READ_STR_INTO(&e->task, next, comm);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
