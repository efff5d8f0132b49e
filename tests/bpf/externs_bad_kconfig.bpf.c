// A __kconfig extern of a type libbpf cannot fill (a struct): the object
// is refused at open, naming the extern, as libbpf refuses it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct pair {
	int a, b;
};

extern struct pair CONFIG_BPF_SKEL_PAIR __kconfig;

__u64 out = 0;

SEC("raw_tp/sys_enter")
int read_pair(void *ctx)
{
	out = CONFIG_BPF_SKEL_PAIR.a;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
