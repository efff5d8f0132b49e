// One program per attach kind, for tests/attach.rs. Each counts its runs in
// `counts` at its own index, filtered so that concurrent tests and other
// processes do not disturb exact counts: syscall hooks count only the
// thread whose id is in config[TID], packet hooks only frames of EtherType
// 0x88b5 (IEEE local experimental), sk_lookup only port 7777.
#include <linux/bpf.h>
#include <linux/bpf_perf_event.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum { TID = 0, NR = 1, LO = 2, HI = 3 };
enum {
	C_TP, C_RAW_TP, C_TP_BTF, C_XDP, C_TCX, C_CGROUP, C_SOCKET, C_UPROBE,
	C_URETPROBE, C_PERF, C_ITER, C_SK_LOOKUP, C_COOKIE, C_XDP2, C_AUTO_UPROBE,
	C_KPROBE, C_KSYSCALL, C_MAX
};
#define ETH_P_TEST 0x88b5
#define TCX_NEXT -1

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, C_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} config SEC(".maps");

// Iterated by `dump_items` (the iterator's map parameter).
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u64);
} items SEC(".maps");

static __always_inline void bump(__u32 i)
{
	__u64 *v = bpf_map_lookup_elem(&counts, &i);
	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline __u64 cfg(__u32 i)
{
	__u64 *v = bpf_map_lookup_elem(&config, &i);
	return v ? *v : 0;
}

static __always_inline int mine(void)
{
	return (__u32)bpf_get_current_pid_tgid() == cfg(TID);
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int tp_getppid(void *ctx)
{
	if (mine()) {
		__u32 k = C_COOKIE;
		__u64 cookie = bpf_get_attach_cookie(ctx);
		bump(C_TP);
		bpf_map_update_elem(&counts, &k, &cookie, BPF_ANY);
	}
	return 0;
}

SEC("raw_tp/sys_enter")
int raw_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	if (mine() && ctx->args[1] == cfg(NR))
		bump(C_RAW_TP);
	return 0;
}

SEC("tp_btf/sys_enter")
int btf_sys_enter(__u64 *ctx)
{
	if (mine() && ctx[1] == cfg(NR))
		bump(C_TP_BTF);
	return 0;
}

static __always_inline int is_test_frame(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u16 *proto = data + 12;
	return (void *)(proto + 1) <= end && *proto == bpf_htons(ETH_P_TEST);
}

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	if (is_test_frame(ctx))
		bump(C_XDP);
	return XDP_PASS;
}

SEC("xdp")
int xdp_count2(struct xdp_md *ctx)
{
	if (is_test_frame(ctx))
		bump(C_XDP2);
	return XDP_PASS;
}

SEC("tcx/ingress")
int tcx_in(struct __sk_buff *skb)
{
	if (skb->protocol == bpf_htons(ETH_P_TEST))
		bump(C_TCX);
	return TCX_NEXT;
}

SEC("cgroup/connect4")
int cg_connect4(struct bpf_sock_addr *ctx)
{
	bump(C_CGROUP);
	return 1;
}

SEC("socket")
int sock_count(struct __sk_buff *skb)
{
	bump(C_SOCKET);
	return skb->len;
}

SEC("uprobe")
int probe_entry(void *ctx)
{
	if (mine())
		bump(C_UPROBE);
	return 0;
}

SEC("uretprobe")
int probe_return(void *ctx)
{
	if (mine())
		bump(C_URETPROBE);
	return 0;
}

SEC("uprobe//proc/self/exe:bpf_skeleton_attach_probe_target")
int probe_auto(void *ctx)
{
	if (mine())
		bump(C_AUTO_UPROBE);
	return 0;
}

SEC("perf_event")
int perf_fault(struct bpf_perf_event_data *ctx)
{
	__u64 addr = ctx->addr;
	if (addr >= cfg(LO) && addr < cfg(HI))
		bump(C_PERF);
	return 0;
}

struct seq_file;
struct bpf_iter_meta {
	struct seq_file *seq;
} __attribute__((preserve_access_index));

struct bpf_iter__bpf_map_elem {
	struct bpf_iter_meta *meta;
	void *key;
	void *value;
} __attribute__((preserve_access_index));

struct task_struct {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
} __attribute__((preserve_access_index));

// Writes each element as its 4-byte key and 8-byte value.
SEC("iter/bpf_map_elem")
int dump_items(struct bpf_iter__bpf_map_elem *ctx)
{
	__u32 *key = ctx->key;
	__u64 *value = ctx->value;
	if (!key || !value)
		return 0;
	bump(C_ITER);
	bpf_seq_write(ctx->meta->seq, key, sizeof(*key));
	bpf_seq_write(ctx->meta->seq, value, sizeof(*value));
	return 0;
}

// Writes each task's pid and tgid.
SEC("iter/task")
int dump_tasks(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	int ids[2];
	if (!task)
		return 0;
	ids[0] = task->pid;
	ids[1] = task->tgid;
	bpf_seq_write(ctx->meta->seq, ids, sizeof(ids));
	return 0;
}

SEC("sk_lookup")
int lookup_count(struct bpf_sk_lookup *ctx)
{
	if (ctx->local_port == 7777)
		bump(C_SK_LOOKUP);
	return SK_PASS;
}

// kprobes: this project's 6.18 test VM has none (tests check the error);
// on kernels with them the tests count these.
SEC("kprobe/do_unlinkat")
int kprobe_unlink(void *ctx)
{
	if (mine())
		bump(C_KPROBE);
	return 0;
}

SEC("ksyscall/getppid")
int ksys_getppid(void *ctx)
{
	if (mine())
		bump(C_KSYSCALL);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
