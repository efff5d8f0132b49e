// Setters before load (issue 14): maps whose shape tests change, programs
// whose type, attach type, target, flags and log level tests change, and
// programs that cannot load (a missing kfunc, an unknown section, a
// struct_ops program, an inapplicable CO-RE relocation) that are not
// autoloaded and so must not sink the object.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 127 * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} flagged SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 16);
	__uint(map_extra, 3);
	__type(value, __u32);
} bloom SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} retyped SEC(".maps");

struct inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

/* .data: its last variable is not an array, so it cannot be resized. */
__u64 data_var = 5;
__u32 data_last = 7;

/* A section whose last variable is an array: resizable. */
__u32 res_len SEC(".data.resizable") = 4;
__u32 res_buf[4] SEC(".data.resizable") = { 1, 2, 3, 4 };

__u32 seen_offset = 0;
__u32 seen_kconfig = 0;

/* Matched by name against the target BTF (the kernel's, or a custom one). */
struct task_struct {
	int pid;
} __attribute__((preserve_access_index));

/* No kernel has it; a custom BTF with two candidates at different offsets
 * makes its relocation ambiguous: an error, not a poisoning. */
struct setters_ambiguous {
	int x;
} __attribute__((preserve_access_index));

extern int CONFIG_BPF_SKELETON_SETTERS __kconfig __weak;

extern void bpf_skeleton_setters_no_such_kfunc(void) __ksym;

SEC("xdp")
int plain(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&hits, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	return XDP_PASS;
}

SEC("xdp")
int core_offset(struct xdp_md *ctx)
{
	seen_offset = bpf_core_field_offset(struct task_struct, pid);
	seen_kconfig = CONFIG_BPF_SKELETON_SETTERS;
	return XDP_PASS;
}

SEC("?xdp")
int core_broken(struct xdp_md *ctx)
{
	seen_offset = bpf_core_field_offset(struct setters_ambiguous, x);
	return XDP_PASS;
}

SEC("?xdp")
int missing_kfunc(struct xdp_md *ctx)
{
	bpf_skeleton_setters_no_such_kfunc();
	return XDP_PASS;
}

SEC("?setters_unknown_section")
int unknown_section(void *ctx)
{
	return 0;
}

SEC("?struct_ops/setters_op")
int struct_ops_prog(void *ctx)
{
	return 0;
}

SEC("cgroup/connect4")
int cg_connect(struct bpf_sock_addr *ctx)
{
	return 1;
}

/* No target in the section: set at run time. */
SEC("?tp_btf")
int tp_untargeted(__u64 *ctx)
{
	return 0;
}

SEC("?tp_btf/sched_switch")
int tp_retarget(__u64 *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
