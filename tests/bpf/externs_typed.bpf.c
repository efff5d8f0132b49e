// Typed __ksym variables (BPF_PSEUDO_BTF_ID). The verifier resolves their
// addresses through kallsyms, which on a kernel without
// CONFIG_KALLSYMS_ALL (this one) lists no data symbol: the kernel then
// refuses the program, under libbpf as under us.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct rq {
	int cpu;
} __attribute__((preserve_access_index));

extern const struct rq runqueues __ksym;
extern const int bpf_prog_active __ksym;

__u32 want_cpu = 0;
__s32 rq_cpu = -1;
__s32 prog_active = -1;

SEC("raw_tp/sys_enter")
int read_typed(void *ctx)
{
	const struct rq *rq = bpf_per_cpu_ptr(&runqueues, want_cpu);
	const int *active = bpf_per_cpu_ptr(&bpf_prog_active, want_cpu);

	if (rq)
		rq_cpu = rq->cpu;
	if (active)
		prog_active = *active;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
