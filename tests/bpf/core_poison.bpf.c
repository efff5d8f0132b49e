// CO-RE access to a field no kernel has: the load is poisoned (a call to
// the invalid helper 0xbad2310, as libbpf does), so the verifier refuses
// the program if that instruction can run.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct {
	int no_such_field_in_any_kernel;
} __attribute__((preserve_access_index));

__u32 value = 0;

SEC("raw_tp/sys_enter")
int uses_missing(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	value = BPF_CORE_READ(t, no_such_field_in_any_kernel);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
