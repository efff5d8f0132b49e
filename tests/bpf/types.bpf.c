// Types for the BTF-to-Rust generator: nested structs, unions, enums
// (8/32/64-bit, signed), bitfields, arrays of structs, anonymous members.
// The program fills a value of every kind so that user space can check each
// field through the generated types.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

enum color { RED = 0, GREEN = 5, BLUE = 9 };
enum delta { MINUS_TWO = -2, ZERO = 0, PLUS_THREE = 3 };
enum wide { SMALL = 1, HUGE = 0x100000000ULL };
enum __attribute__((packed)) tiny { T_A = 1, T_B = 200 };

struct point {
	__s32 x;
	__s32 y;
};

typedef struct {
	__u32 ifindex;
	__u16 port;
	__u8 proto;
	_Bool ingress;
} flow_key_t;

struct stats {
	__u64 packets;
	struct point pts[3];
	char name[16];
	__u32 kind : 3;
	__u32 level : 7;
	__s32 offset : 6;
	enum color col : 4;
	_Bool urgent : 1;
	__u8 tail_byte;
	union {
		__u32 as_u32;
		__u8 as_bytes[4];
	};
	union shape {
		struct point p;
		__u64 raw;
	} shape;
	struct {
		__u16 lo;
		__u16 hi;
	} range;
	enum delta d;
	enum wide w;
	enum tiny t;
	void *ptr;
	_Bool ok;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, flow_key_t);
	__type(value, struct stats);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct point);
} last_point SEC(".maps");

struct config {
	__u32 verbosity;
	enum color favourite;
};

__u64 hits = 0;                                        /* .bss */
__u32 small_hits = 0;                                  /* .bss */
struct config cfg = { .verbosity = 2, .favourite = GREEN }; /* .data */
const volatile __u64 magic = 0x5eed;                   /* .rodata */
const volatile struct point origin = { .x = -7, .y = 11 }; /* .rodata */

SEC("xdp")
int fill(struct xdp_md *ctx)
{
	flow_key_t key = {};
	struct stats s = {};
	struct point p = { .x = origin.x, .y = origin.y };
	__u32 zero = 0;

	key.ifindex = 7;
	key.port = 8080;
	key.proto = 17;
	key.ingress = 1;

	s.packets = magic;
	for (int i = 0; i < 3; i++) {
		s.pts[i].x = i * 10 + cfg.verbosity;
		s.pts[i].y = -i;
	}
	__builtin_memcpy(s.name, "types-test", 11);
	s.kind = 5;
	s.level = 100;
	s.offset = -17;
	s.col = BLUE;
	s.urgent = 1;
	s.tail_byte = 0xab;
	s.as_u32 = 0x01020304;
	s.shape.p.x = 3;
	s.shape.p.y = 4;
	s.range.lo = 1000;
	s.range.hi = 2000;
	s.d = MINUS_TWO;
	s.w = HUGE;
	s.t = T_B;
	s.ptr = 0;
	s.ok = 1;

	bpf_map_update_elem(&flows, &key, &s, BPF_ANY);
	bpf_map_update_elem(&last_point, &zero, &p, BPF_ANY);
	__sync_fetch_and_add(&hits, 1);
	small_hits += 1;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
