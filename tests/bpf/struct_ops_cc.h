// The programs of a minimal TCP congestion control written as struct_ops
// (included by struct_ops.bpf.c and struct_ops_legacy.bpf.c, which differ
// only in how their map registers: a BPF link or the map update itself).
// Every callback counts its calls in a global; cwnd is halved on loss and
// otherwise left as the kernel set it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define TCP_CA_NAME_MAX 16

struct sock;

// Promoted by the verifier: a struct_ops program's `struct sock *` argument
// may be read as a `struct tcp_sock`. Offsets come from CO-RE.
struct tcp_sock {
	__u32 snd_cwnd;
} __attribute__((preserve_access_index));

// The members we set, by name: the kernel's struct has many more, in
// another order; the loader matches them by name.
struct tcp_congestion_ops {
	__u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
	__u32 (*undo_cwnd)(struct sock *sk);
	void (*init)(struct sock *sk);
	void (*release)(struct sock *sk);
	__u32 flags;
	char name[TCP_CA_NAME_MAX];
};

__u64 init_calls = 0;
__u64 release_calls = 0;
__u64 cong_avoid_calls = 0;
__u64 ssthresh_calls = 0;

SEC("struct_ops/bsk_init")
void BPF_PROG(bsk_init, struct sock *sk)
{
	__sync_fetch_and_add(&init_calls, 1);
}

SEC("struct_ops/bsk_release")
void BPF_PROG(bsk_release, struct sock *sk)
{
	__sync_fetch_and_add(&release_calls, 1);
}

SEC("struct_ops/bsk_cong_avoid")
void BPF_PROG(bsk_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	__sync_fetch_and_add(&cong_avoid_calls, 1);
}

SEC("struct_ops/bsk_ssthresh")
__u32 BPF_PROG(bsk_ssthresh, struct sock *sk)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;
	__u32 half = tp->snd_cwnd >> 1;

	__sync_fetch_and_add(&ssthresh_calls, 1);
	return half > 2 ? half : 2;
}

SEC("struct_ops/bsk_undo_cwnd")
__u32 BPF_PROG(bsk_undo_cwnd, struct sock *sk)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;

	return tp->snd_cwnd;
}

char LICENSE[] SEC("license") = "GPL";
