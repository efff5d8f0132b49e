// BTF of every kind libbpf sanitizes for old kernels: FLOAT, ENUM64, a
// signed ENUM, DECL_TAG, TYPE_TAG, global and static FUNCs, VARs and
// DATASECs (.data, .bss, .rodata, .maps). tests/sanitize.rs loads it with
// the kernel taken to lack each of them (the BTF rewritten as libbpf does).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define __decl_tag __attribute__((btf_decl_tag("sanitize_decl_tag")))
#define __type_tag __attribute__((btf_type_tag("sanitize_type_tag")))

enum signed_e { NEG = -1, POS = 1 };
enum wide_e { W_SMALL = 1, W_BIG = 0x100000000ULL };

struct value {
	float f;
	enum signed_e s;
	enum wide_e w;
	int x __decl_tag;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct value);
} values SEC(".maps");

__u32 counter = 0;
__u32 seen = 5;
const volatile __u32 cfg = 3;

static __attribute__((noinline)) int read_tagged(int __type_tag *p)
{
	return p ? 1 : 0;
}

__attribute__((noinline)) __decl_tag int global_add(int a)
{
	return a + 1;
}

SEC("xdp")
int sanitize_prog(struct xdp_md *ctx)
{
	__u32 k = 0;
	struct value *v = bpf_map_lookup_elem(&values, &k);

	if (v)
		v->x = global_add(v->x) + read_tagged(&v->x);
	counter = global_add(counter) + cfg;
	seen = seen + 1;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
