// Reads the current task's ids through CO-RE, against the vmlinux.h that
// build.rs wrote: no hand-declared kernel types.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

__u32 seen_pid = 0;
__u32 seen_tgid = 0;
__u32 seen_ppid_tgid = 0;
__u64 task_size = 0;
__u64 ringbuf_type = 0;
__u32 runs = 0;

SEC("raw_tp/sys_enter")
int read_task(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();

	seen_pid = BPF_CORE_READ(t, pid);
	seen_tgid = BPF_CORE_READ(t, tgid);
	seen_ppid_tgid = BPF_CORE_READ(t, real_parent, tgid);
	task_size = bpf_core_type_size(struct task_struct);
	ringbuf_type = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);
	runs++;
	return 0;
}

/* Set before load: the process whose system calls count_mine counts. */
const volatile __u32 target_tgid = 0;
__u64 own_syscalls = 0;

/* Attached by the skeleton's attach() (the section names the hook). */
SEC("raw_tp/sys_enter")
int count_mine(void *ctx)
{
	if ((bpf_get_current_pid_tgid() >> 32) == target_tgid)
		__sync_fetch_and_add(&own_syscalls, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
