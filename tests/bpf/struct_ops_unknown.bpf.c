// A struct_ops map for an ops type no kernel has: opening works, loading
// fails naming the missing `bpf_struct_ops_bsk_no_such_ops`.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bsk_no_such_ops {
	int (*run)(void);
	int value;
};

SEC("struct_ops/bsk_run")
int bsk_run(void *ctx)
{
	return 0;
}

SEC(".struct_ops")
struct bsk_no_such_ops bsk_nothing = {
	.run = (void *)bsk_run,
	.value = 7,
};

char LICENSE[] SEC("license") = "GPL";
