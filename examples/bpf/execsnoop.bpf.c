// execsnoop: one `struct event` per exec, sent through a ring buffer.
// `.rodata` filter: only processes of user `filter_uid` unless it is -1.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct event {
	__u32 pid;
	__u32 uid;
	char comm[16];
};

const volatile __u32 filter_uid = (__u32)-1;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

// Its signature puts `struct event` in the object's BTF, for
// `ringbuf(events = event)`.
static __noinline int fill(struct event *e, __u32 uid)
{
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->uid = uid;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return 0;
}

SEC("tp/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	__u32 uid = (__u32)bpf_get_current_uid_gid();
	struct event *e;

	if (filter_uid != (__u32)-1 && uid != filter_uid)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	fill(e, uid);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
