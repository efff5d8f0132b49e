// Session programs for tests/session_attach.rs: one program runs at a
// function's entry and, when its entry returned 0, at its return;
// bpf_session_is_return() tells which. Entries return `skip_return`, so a
// test can also check that a non-zero entry suppresses the return run.
// Kernel probes count only the thread whose id is in `target_tid`; uprobes
// fire only on this test binary's own functions.
#include <linux/bpf.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

extern bool bpf_session_is_return(void) __ksym;

__u32 target_tid;
__u32 skip_return;
__u64 us_entries, us_returns, us_auto_entries, us_auto_returns;
__u64 ks_entries, ks_returns, ks_auto_entries, ks_auto_returns;

static __always_inline int session(__u64 *entries, __u64 *returns)
{
	if (bpf_session_is_return()) {
		__sync_fetch_and_add(returns, 1);
		return 0;
	}
	__sync_fetch_and_add(entries, 1);
	return skip_return ? 1 : 0;
}

static __always_inline int mine(void)
{
	return (__u32)bpf_get_current_pid_tgid() == target_tid;
}

SEC("uprobe.session")
int us(void *ctx)
{
	return session(&us_entries, &us_returns);
}

// Auto-attached by the skeleton: this test binary's functions named like
// its auto-attach targets.
SEC("uprobe.session//proc/self/exe:bpf_skeleton_session_auto_*")
int us_auto(void *ctx)
{
	return session(&us_auto_entries, &us_auto_returns);
}

SEC("kprobe.session")
int ks(void *ctx)
{
	if (!mine())
		return 0;
	return session(&ks_entries, &ks_returns);
}

// Auto-attached: getpgid's x86-64 syscall entry point.
SEC("kprobe.session/__x64_sys_getpgid")
int ks_auto(void *ctx)
{
	if (!mine())
		return 0;
	return session(&ks_auto_entries, &ks_auto_returns);
}

char LICENSE[] SEC("license") = "GPL";
