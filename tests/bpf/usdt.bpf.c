// USDT programs for tests/usdt.rs, reading their arguments with libbpf's
// usdt.bpf.h. The probes are emitted by the test binary itself (a
// `.note.stapsdt` note per site, written with inline assembly).
//
// `three` (attached explicitly) records, per run, the three arguments and
// the USDT cookie; `sema` is auto-attached from its section to a probe
// with a semaphore and counts runs and sums its one argument.
// Four spec ids only, so that tests reach the limit quickly.
#define __TARGET_ARCH_x86
#define BPF_USDT_MAX_SPEC_CNT 4
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

// Only runs of the test's own thread count (other tests run in parallel).
__u32 tid;

__u64 three_hits;
__s64 three_sum[3];
__s64 three_last[3];
__s64 three_cookie;
__s32 three_arg_cnt;
__s32 three_err;

__u64 sema_hits;
__s64 sema_sum;

static __always_inline int mine(void)
{
	return (__u32)bpf_get_current_pid_tgid() == tid;
}

SEC("usdt")
int BPF_USDT(three, long a, long b, long c)
{
	long v[3];
	int i;

	if (!mine())
		return 0;
	three_hits++;
	for (i = 0; i < 3; i++) {
		long x = 0;
		int err = bpf_usdt_arg(ctx, i, &x);

		if (err)
			three_err = err;
		v[i] = x;
	}
	for (i = 0; i < 3; i++) {
		three_sum[i] += v[i];
		three_last[i] = v[i];
	}
	three_cookie = bpf_usdt_cookie(ctx);
	three_arg_cnt = bpf_usdt_arg_cnt(ctx);
	return 0;
}

SEC("usdt//proc/self/exe:bpf_skeleton_test:sema")
int BPF_USDT(sema, long a)
{
	if (!mine())
		return 0;
	sema_hits++;
	sema_sum += a;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
