// Strong externs this kernel does not have: only the programs that use
// them fail to load, and only when autoloaded (libbpf refuses the whole
// object, so this one is not in the parity corpus).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int CONFIG_BPF_SKEL_STRONG_MISSING __kconfig;
extern const int bpf_skel_strong_missing_ksym __ksym;
extern void bpf_skel_strong_missing_kfunc(void) __ksym;
/* The kernel's bpf_task_release takes one argument: incompatible. */
extern void bpf_task_release(void *p, int extra) __ksym;

__u64 out = 0;

SEC("raw_tp/sys_enter")
int uses_kconfig(void *ctx)
{
	out = CONFIG_BPF_SKEL_STRONG_MISSING;
	return 0;
}

SEC("raw_tp/sys_enter")
int uses_ksym(void *ctx)
{
	out = (__u64)&bpf_skel_strong_missing_ksym;
	return 0;
}

SEC("syscall")
int uses_kfunc(void *ctx)
{
	bpf_skel_strong_missing_kfunc();
	return 0;
}

SEC("syscall")
int uses_bad_prototype(void *ctx)
{
	bpf_task_release((void *)0, 1);
	return 0;
}

/* Weak and missing, called without a bpf_ksym_exists guard: the poisoned
 * call is reachable and the verifier refuses it. */
extern void bpf_skel_weak_unguarded_kfunc(void) __ksym __weak;

SEC("syscall")
int uses_weak_unguarded(void *ctx)
{
	bpf_skel_weak_unguarded_kfunc();
	return 0;
}

SEC("raw_tp/sys_enter")
int plain(void *ctx)
{
	out = 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
