// A task iterator: one `struct task_record` per thread on the system.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct seq_file;
struct bpf_iter_meta {
	struct seq_file *seq;
} __attribute__((preserve_access_index));

struct task_struct {
	int pid;
	int tgid;
	char comm[16];
} __attribute__((preserve_access_index));

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
} __attribute__((preserve_access_index));

struct task_record {
	__s32 pid;
	__s32 tgid;
	char comm[16];
};

// Its signature puts `struct task_record` in the object's BTF, for
// `types(task_record)`.
static __noinline int fill(struct task_record *r, struct task_struct *t)
{
	r->pid = t->pid;
	r->tgid = t->tgid;
	bpf_probe_read_kernel(r->comm, sizeof(r->comm), t->comm);
	return 0;
}

SEC("iter/task")
int dump_tasks(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct task_record r = {};

	if (!task)
		return 0;
	fill(&r, task);
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
