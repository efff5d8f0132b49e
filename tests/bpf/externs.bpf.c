// Externs as libbpf resolves them: __kconfig values of every kind, typed
// and typeless __ksym variables, weak missing ones, kfunc calls and a
// guarded call to a missing weak kfunc. Every program here loads under
// libbpf too (tests/libbpf_parity.rs compares the tags).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <stdbool.h>

/* Whether a weak extern resolved (libbpf's macro, written out here). */
#define ksym_exists(sym) (!!(sym))


extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern bool LINUX_HAS_BPF_COOKIE __kconfig __weak;
extern bool LINUX_HAS_SYSCALL_WRAPPER __kconfig __weak;
extern bool CONFIG_BPF_SYSCALL __kconfig;
extern enum libbpf_tristate CONFIG_NET __kconfig;
extern char CONFIG_BPF_JIT __kconfig;
extern int CONFIG_HZ __kconfig;
extern unsigned long long CONFIG_NR_CPUS __kconfig;
extern char CONFIG_LOCALVERSION[16] __kconfig;
extern int CONFIG_BPF_SKEL_NO_SUCH_OPTION __kconfig __weak;
extern enum libbpf_tristate CONFIG_BPF_SKEL_OVERRIDDEN __kconfig __weak;

__u32 kernel_version = 0;
__u32 has_cookie = 7;
__u32 has_wrapper = 7;
__u32 bpf_syscall = 7;
__u32 net = 7;
__u32 jit = 7;
__s32 hz = 7;
__u64 nr_cpus = 7;
char localversion[16] = {};
__s32 missing = 7;
__u32 overridden = 7;

SEC("raw_tp/sys_enter")
int read_kconfig(void *ctx)
{
	kernel_version = LINUX_KERNEL_VERSION;
	has_cookie = LINUX_HAS_BPF_COOKIE;
	has_wrapper = LINUX_HAS_SYSCALL_WRAPPER;
	bpf_syscall = CONFIG_BPF_SYSCALL;
	net = CONFIG_NET;
	jit = CONFIG_BPF_JIT;
	hz = CONFIG_HZ;
	nr_cpus = CONFIG_NR_CPUS;
	__builtin_memcpy(localversion, CONFIG_LOCALVERSION, sizeof(localversion));
	missing = CONFIG_BPF_SKEL_NO_SUCH_OPTION;
	overridden = CONFIG_BPF_SKEL_OVERRIDDEN;
	return 0;
}

/* Typeless: an address from /proc/kallsyms. (Typed ksym variables are in
 * externs_typed.bpf.c: this kernel cannot load them.) */
extern const void _stext __ksym;
/* Missing, weak: read as 0. */
extern const int bpf_skel_no_such_ksym __ksym __weak;
extern const void bpf_skel_no_such_typeless __ksym __weak;

__u64 stext_addr = 0;
__u64 missing_typed = 7;
__u64 missing_typeless = 7;

SEC("raw_tp/sys_enter")
int read_ksyms(void *ctx)
{
	stext_addr = (__u64)&_stext;
	missing_typed = (__u64)&bpf_skel_no_such_ksym;
	missing_typeless = (__u64)&bpf_skel_no_such_typeless;
	return 0;
}

/* kfuncs from vmlinux, and one no kernel has (weak, guarded). */
struct task_struct {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

extern struct task_struct *bpf_task_from_pid(int pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern void bpf_skel_no_such_kfunc(void) __ksym __weak;
/* Weak but present: its address is an ld_imm64 of its BTF id. */
extern void bpf_rcu_read_lock(void) __ksym __weak;

__s32 find_pid = 0;
__s32 found_tgid = -1;
__u32 no_such_kfunc_exists = 7;
__u32 rcu_read_lock_exists = 7;

SEC("syscall")
int call_kfuncs(void *ctx)
{
	struct task_struct *t = bpf_task_from_pid(find_pid);

	if (t) {
		found_tgid = t->tgid;
		bpf_task_release(t);
	}
	rcu_read_lock_exists = ksym_exists(bpf_rcu_read_lock);
	return 0;
}

/* libbpf >= 1.2 poisons the call to a missing weak kfunc; the guard makes
 * it dead code, which the verifier accepts. */
SEC("syscall")
int call_missing_kfunc(void *ctx)
{
	no_such_kfunc_exists = ksym_exists(bpf_skel_no_such_kfunc);
	if (ksym_exists(bpf_skel_no_such_kfunc))
		bpf_skel_no_such_kfunc();
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
