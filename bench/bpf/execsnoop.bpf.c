// Shaped like libbpf-tools' execsnoop: a tracepoint on exec reads the task
// through CO-RE (pid, parent's tgid, credentials, mm) and sends an event
// through a ring buffer. Kernel types are declared locally with
// preserve_access_index, as a vmlinux.h would declare them.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct kuid { unsigned int val; } __attribute__((preserve_access_index));
struct cred { struct kuid uid; struct kuid gid; } __attribute__((preserve_access_index));
struct mm_struct { unsigned long arg_start; unsigned long arg_end; } __attribute__((preserve_access_index));
struct task_struct {
	int pid;
	int tgid;
	struct task_struct *real_parent;
	const struct cred *cred;
	struct mm_struct *mm;
	char comm[16];
	unsigned int flags;
} __attribute__((preserve_access_index));
struct trace_entry { unsigned short type; } __attribute__((preserve_access_index));
struct trace_event_raw_sched_process_exec {
	struct trace_entry ent;
	unsigned int __data_loc_filename;
	int pid;
	int old_pid;
} __attribute__((preserve_access_index));

struct event {
	__u32 pid, ppid, uid, old_pid;
	__u64 args_size;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} execs SEC(".maps");

const volatile __u32 target_uid = (__u32)-1;
__u64 dropped = 0;

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	__u32 uid = BPF_CORE_READ(t, cred, uid.val);
	if (target_uid != (__u32)-1 && uid != target_uid)
		return 0;
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&dropped, 1);
		return 0;
	}
	e->pid = BPF_CORE_READ(t, tgid);
	e->ppid = BPF_CORE_READ(t, real_parent, tgid);
	e->uid = uid;
	e->old_pid = BPF_CORE_READ(ctx, old_pid);
	e->args_size = BPF_CORE_READ(t, mm, arg_end) - BPF_CORE_READ(t, mm, arg_start);
	BPF_CORE_READ_STR_INTO(&e->comm, t, comm);
	__u32 pid = e->pid;
	bpf_ringbuf_submit(e, 0);
	__u64 one = 1;
	bpf_map_update_elem(&execs, &pid, &one, BPF_ANY);
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int handle_exit(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	__u32 pid = BPF_CORE_READ(t, tgid);
	if (BPF_CORE_READ(t, flags) & 0x4 /* PF_EXITING */)
		bpf_map_delete_elem(&execs, &pid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
