// A uprobe and a uretprobe on a function of the example's own binary: they
// count its calls, sum its argument and remember its last return value.
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>

// x86-64: the first argument is in rdi, the return value in rax (the
// example's target function is `extern "C"`).

__u64 calls = 0;
__u64 arg_sum = 0;
__u64 last_ret = 0;

SEC("uprobe")
int on_entry(struct pt_regs *ctx)
{
	__u64 x = ctx->rdi;

	__sync_fetch_and_add(&calls, 1);
	__sync_fetch_and_add(&arg_sum, x);
	return 0;
}

SEC("uretprobe")
int on_return(struct pt_regs *ctx)
{
	last_ret = ctx->rax;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
