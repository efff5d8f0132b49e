// __int128 layout: clang aligns it to 16 bytes for -target bpf. Each
// struct below lays out differently under 8- and 16-byte alignment; the
// program writes known values that user space reads back through the
// generated types.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* x at 16, 32 bytes (at 8 and 24 bytes if aligned to 8) */
struct wide {
	char c;
	unsigned __int128 x;
};

/* b at 16, c at 32, 48 bytes (8, 24 and 32 if aligned to 8) */
struct mixed {
	__u64 a;
	__int128 b;
	__u32 c;
};

/* Two __int128 members, like a real tool's key: lo at 16, flag at 32, hi
 * at 48, 64 bytes (8, 24, 32 and 48 if aligned to 8) */
struct ip_key {
	__u32 tag;
	unsigned __int128 lo;
	__u8 flag;
	unsigned __int128 hi;
};

/* Packed: x at 1, 17 bytes; a 16-aligned Rust type cannot sit in a packed
 * struct, so the generated field is bytes. The union in it is 16-aligned
 * too (and bytes for the same reason). */
struct __attribute__((packed)) packed_wide {
	char c;
	unsigned __int128 x;
	union {
		__int128 s;
		__u64 halves[2];
	} u;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct packed_wide);
} packeds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, struct ip_key);
	__type(value, struct wide);
} by_key SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mixed);
} mixeds SEC(".maps");

char marker = 'm';                 /* .data at 0 */
unsigned __int128 wide_in = 5;     /* .data at 16 (8 if aligned to 8) */
__u8 done = 0;                     /* .bss at 0 */
struct wide wide_out = {};         /* .bss at 16 (8 if aligned to 8) */

SEC("xdp")
int fill(struct xdp_md *ctx)
{
	struct ip_key k = {};
	struct wide w = {};
	struct mixed m = {};
	struct packed_wide p = {};
	__u32 zero = 0;

	k.tag = 7;
	k.lo = ((unsigned __int128)0x0102030405060708ULL << 64) | 0x1112131415161718ULL;
	k.flag = 9;
	k.hi = ((unsigned __int128)0x2122232425262728ULL << 64) | 0x3132333435363738ULL;
	w.c = marker;
	w.x = wide_in;
	m.a = 0xaaaaULL;
	m.b = -5;
	m.c = 0xccccU;

	p.c = 'p';
	p.x = wide_in;
	p.u.s = -2;

	bpf_map_update_elem(&by_key, &k, &w, BPF_ANY);
	bpf_map_update_elem(&packeds, &zero, &p, BPF_ANY);
	bpf_map_update_elem(&mixeds, &zero, &m, BPF_ANY);
	wide_out.c = 'o';
	wide_out.x = wide_in;
	done = 1;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
