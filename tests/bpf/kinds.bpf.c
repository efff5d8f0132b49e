// One program per common section convention, to check program types,
// expected attach types and vmlinux BTF attach targets. (fentry/fexit/lsm
// are left out: this test VM refuses BPF trampolines with EPERM, to libbpf too.)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 calls = 0;

SEC("tracepoint/syscalls/sys_enter_getpid")
int tp_getpid(void *ctx) { calls++; return 0; }

SEC("raw_tracepoint/sys_enter")
int raw_enter(void *ctx) { calls++; return 0; }

SEC("tp_btf/sched_switch")
int btf_switch(__u64 *ctx) { calls++; return 0; }

SEC("iter/task")
int iter_task(void *ctx) { return 0; }

SEC("socket")
int sock(struct __sk_buff *skb) { return skb->len; }

SEC("tc")
int tc_cls(struct __sk_buff *skb) { return 0; }

SEC("cgroup_skb/ingress")
int cg_in(struct __sk_buff *skb) { return 1; }

SEC("cgroup/sock_create")
int cg_sock(struct bpf_sock *sk) { return 1; }

SEC("cgroup/connect4")
int cg_connect(struct bpf_sock_addr *ctx) { return 1; }

SEC("syscall")
int sys_prog(void *ctx) { calls++; return 42; }

SEC("perf_event")
int perf(void *ctx) { return 0; }

SEC("sk_msg")
int msg(struct sk_msg_md *m) { return SK_PASS; }

SEC("flow_dissector")
int dissect(struct __sk_buff *skb) { return BPF_OK; }

char LICENSE[] SEC("license") = "GPL";
