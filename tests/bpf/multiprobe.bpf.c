// Multi-probe programs for tests/multi_attach.rs. Every program adds its
// BPF cookie (1 when none was given: the kernel passes 0) to its own
// counter, so a test reads exact per-link counts and which cookie fired.
// Kernel probes count only the thread whose id is in `target_tid`, so
// concurrent tests and other processes do not disturb the counts; uprobes
// fire only on this test binary's own functions.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u32 target_tid;
__u64 upm_hits, upm_ret_hits, upm_auto_hits, kpm_hits, kpm_ret_hits, kpm_auto_hits;

static __always_inline void add(__u64 *counter, void *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);

	__sync_fetch_and_add(counter, cookie ? cookie : 1);
}

static __always_inline int mine(void)
{
	return (__u32)bpf_get_current_pid_tgid() == target_tid;
}

SEC("uprobe.multi")
int upm(void *ctx)
{
	add(&upm_hits, ctx);
	return 0;
}

SEC("uretprobe.multi")
int upm_ret(void *ctx)
{
	add(&upm_ret_hits, ctx);
	return 0;
}

// Auto-attached by the skeleton: every function of this test binary
// named like its auto-attach targets.
SEC("uprobe.multi//proc/self/exe:bpf_skeleton_multi_auto_*")
int upm_auto(void *ctx)
{
	add(&upm_auto_hits, ctx);
	return 0;
}

SEC("kprobe.multi")
int kpm(void *ctx)
{
	if (mine())
		add(&kpm_hits, ctx);
	return 0;
}

SEC("kretprobe.multi")
int kpm_ret(void *ctx)
{
	if (mine())
		add(&kpm_ret_hits, ctx);
	return 0;
}

// Auto-attached: getppid's and getpgid's x86-64 syscall entry points.
SEC("kprobe.multi/__x64_sys_getp?id")
int kpm_auto(void *ctx)
{
	if (mine())
		add(&kpm_auto_hits, ctx);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
