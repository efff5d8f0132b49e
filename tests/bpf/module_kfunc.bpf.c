// Kernel module kfuncs, a typed module ksym and CO-RE against a type only a
// module defines. On Debian's 6.12 (scripts/vmtest insmods nf_conntrack and
// x_tables) all three resolve in module BTF; on a kernel with them built in
// (this host's 6.18) the same object resolves them in vmlinux.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

struct nf_conn {
	int unused;
};

// The 12-byte layout every kernel with these kfuncs accepts
// (NF_BPF_CT_OPTS_OLD_SZ on 6.12, the only size on 6.1).
struct bpf_ct_opts {
	__s32 netns_id;
	__s32 error;
	__u8 l4proto;
	__u8 dir;
	__u8 reserved[2];
};

extern struct nf_conn *bpf_xdp_ct_lookup(struct xdp_md *xdp_ctx,
					 struct bpf_sock_tuple *bpf_tuple,
					 __u32 tuple__sz, struct bpf_ct_opts *opts,
					 __u32 opts__sz) __ksym;
extern void bpf_ct_release(struct nf_conn *ct) __ksym;

__s32 ct_error = 1;
__u32 ct_found = 0;

// A lookup of a connection that does not exist: the kfunc runs and says
// -ENOENT in opts.error.
SEC("xdp")
int ct_lookup(struct xdp_md *ctx)
{
	struct bpf_ct_opts opts = { .netns_id = -1, .l4proto = 6 };
	struct bpf_sock_tuple tup = {};
	struct nf_conn *ct;

	tup.ipv4.saddr = bpf_htonl(0x0a0b0c0d);
	tup.ipv4.daddr = bpf_htonl(0x0a0b0c0e);
	tup.ipv4.sport = bpf_htons(4242);
	tup.ipv4.dport = bpf_htons(4343);
	ct = bpf_xdp_ct_lookup(ctx, &tup, sizeof(tup.ipv4), &opts, sizeof(opts));
	if (ct) {
		ct_found = 1;
		bpf_ct_release(ct);
	}
	ct_error = opts.error;
	return XDP_PASS;
}

// x_tables' per-CPU write sequence counter: a typed ksym (BTF id, and the
// module BTF's fd in the ld_imm64 when x_tables is a module).
typedef struct seqcount {
	unsigned int sequence;
} seqcount_t;

extern const seqcount_t xt_recseq __ksym;

__u32 recseq_read = 0;

// The verifier resolves the ksym's address (CPU 0's copy is never NULL).
// Its fields are not read: Linux 6.1's verifier refuses a field access
// through a typedef ("Type 'seqcount_t' is not a struct").
SEC("xdp")
int read_recseq(struct xdp_md *ctx)
{
	const seqcount_t *cpu0 = bpf_per_cpu_ptr(&xt_recseq, 0);

	recseq_read = cpu0 ? 1 : 2;
	return XDP_PASS;
}

// CO-RE against nf_conntrack's own `struct bpf_ct_opts` (vmlinux has none
// when nf_conntrack is a module).
struct bpf_ct_opts___core {
	__s32 netns_id;
	__s32 error;
	__u8 l4proto;
} __attribute__((preserve_access_index));

struct no_such_type___core {
	int x;
} __attribute__((preserve_access_index));

__u32 core_exists = 7;
__u32 core_size = 7;
__u32 core_error_off = 7;
__u32 core_l4proto_off = 7;
__u32 core_missing = 7;

SEC("xdp")
int core_module(struct xdp_md *ctx)
{
	core_exists = bpf_core_type_exists(struct bpf_ct_opts___core);
	core_size = bpf_core_type_size(struct bpf_ct_opts___core);
	core_error_off = bpf_core_field_offset(struct bpf_ct_opts___core, error);
	core_l4proto_off = bpf_core_field_offset(struct bpf_ct_opts___core, l4proto);
	core_missing = bpf_core_type_exists(struct no_such_type___core);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
