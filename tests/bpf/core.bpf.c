// CO-RE: kernel types declared locally with preserve_access_index (no
// vmlinux.h), relocated against the running kernel's BTF at open.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct {
	int pid;
	int tgid;
	unsigned int sched_reset_on_fork : 1;
	int no_such_field_in_any_kernel;
} __attribute__((preserve_access_index));

/* A "flavor": matched to the kernel's task_struct by essential name. */
struct task_struct___flavor {
	int tgid;
} __attribute__((preserve_access_index));

__u32 seen_pid = 0;
__u32 seen_tgid = 0;
__u32 flavor_tgid = 0;
__u32 has_pid = 0;
__u32 has_missing = 7;
__u32 reset_on_fork = 9;
__u64 task_size = 0;
__u64 ringbuf_value = 0;
__u32 switch_target = 0;
__u32 switch_seen = 0;

SEC("raw_tp/sys_enter")
int read_task(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	struct task_struct___flavor *f = (void *)t;

	seen_pid = BPF_CORE_READ(t, pid);
	seen_tgid = BPF_CORE_READ(t, tgid);
	flavor_tgid = BPF_CORE_READ(f, tgid);
	reset_on_fork = BPF_CORE_READ_BITFIELD_PROBED(t, sched_reset_on_fork);
	has_pid = bpf_core_field_exists(t->pid);
	has_missing = bpf_core_field_exists(t->no_such_field_in_any_kernel);
	task_size = bpf_core_type_size(struct task_struct);
	ringbuf_value = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);
	return 0;
}

/* Direct loads through a BTF pointer: CO-RE relocates the load offsets. */
SEC("tp_btf/sched_switch")
int on_switch(__u64 *ctx)
{
	struct task_struct *next = (void *)ctx[2];
	if (switch_target && next->pid == switch_target)
		__sync_fetch_and_add(&switch_seen, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

