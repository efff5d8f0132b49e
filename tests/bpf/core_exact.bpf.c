// CO-RE exactly as libbpf 1.7 resolves it, against the running kernel:
// bitfields whose compiler-chosen load units differ from libbpf's (the
// original value is not checked for them), typedef roots (atomic_t),
// int/enum and struct/union field compatibility, type compatibility for
// type relocations, bpf_core_type_matches, and stores whose offset and
// size the kernel's layout changes. No vmlinux.h: kernel types are
// declared locally with preserve_access_index.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/* Bitfields: the kernel's task_struct has `unsigned int sched_reset_on_fork:1`;
 * each flavor puts it somewhere else locally. */
struct task_struct___b1 {
	unsigned long pad : 3;
	unsigned int sched_reset_on_fork : 1;
} __attribute__((preserve_access_index));

struct task_struct___b2 {
	char c;
	unsigned char sched_reset_on_fork : 1;
} __attribute__((preserve_access_index));

struct task_struct___b3 {
	int a;
	int b;
	unsigned long long x : 40;
	unsigned int sched_reset_on_fork : 1;
} __attribute__((preserve_access_index));

/* Typedef roots: candidates are the kernel's typedefs of that name. */
typedef struct {
	int counter;
} atomic_t;
typedef int atomic_t___wrong; /* the kernel's atomic_t is a struct */
typedef struct {
	int x;
} no_such_typedef_in_any_kernel_t;

/* Field compatibility: the kernel's bpf_map has `enum bpf_map_type map_type`. */
struct bpf_map___enum {
	enum bpf_map_type map_type;
} __attribute__((preserve_access_index));
struct bpf_map___int {
	int map_type;
} __attribute__((preserve_access_index));
enum not_bpf_map_type { NOT_A_MAP_TYPE };
struct bpf_map___other_enum {
	enum not_bpf_map_type map_type;
} __attribute__((preserve_access_index));
struct bpf_map___anon_enum {
	enum { ANON_MAP_TYPE } map_type;
} __attribute__((preserve_access_index));
/* A union where the kernel has a struct: composites are compatible. */
union thread_info___u {
	unsigned long flags;
};
struct task_struct___u {
	union thread_info___u thread_info;
} __attribute__((preserve_access_index));

/* bpf_core_type_matches */
struct task_struct___m1 {
	int pid;
	int tgid;
};
struct task_struct___m2 {
	long pid;
};
struct callback_head___m {
	struct callback_head___m *next;
	void (*func)(struct callback_head___m *);
};
struct callback_head___m2 {
	int next;
};

/* Stores: the kernel's callback_head.func is at 8 (here 0); rb_node's
 * __rb_parent_color is an unsigned long (here 4 bytes). */
struct callback_head___s {
	void *func;
} __attribute__((preserve_access_index));
struct rb_node___s {
	unsigned int __rb_parent_color;
} __attribute__((preserve_access_index));

__u32 dump1 = 7, dump2 = 7, dump3 = 7;
__u32 atomic_exists = 7, atomic_size = 7, atomic_matches = 7;
__u32 atomic_wrong_exists = 7, no_typedef_exists = 7, no_typedef_size = 7;
__u32 enum_field = 7, int_field = 7, other_enum_field = 7, anon_enum_field = 7;
__u32 union_field = 7;
__u32 matches_same = 7, matches_long = 7, matches_ptrs = 7, matches_int_ptr = 7;
__u64 store_buf[4] = { ~0ULL, ~0ULL, ~0ULL, ~0ULL };
__u64 loaded_color = 7;

SEC("raw_tp/sys_enter")
int exact(void *ctx)
{
	void *task = (void *)bpf_get_current_task();
	struct task_struct___b1 *b1 = task;
	struct task_struct___b2 *b2 = task;
	struct task_struct___b3 *b3 = task;

	dump1 = BPF_CORE_READ_BITFIELD_PROBED(b1, sched_reset_on_fork);
	dump2 = BPF_CORE_READ_BITFIELD_PROBED(b2, sched_reset_on_fork);
	dump3 = BPF_CORE_READ_BITFIELD_PROBED(b3, sched_reset_on_fork);

	atomic_exists = bpf_core_type_exists(atomic_t);
	atomic_size = bpf_core_type_size(atomic_t);
	atomic_matches = bpf_core_type_matches(atomic_t);
	atomic_wrong_exists = bpf_core_type_exists(atomic_t___wrong);
	no_typedef_exists = bpf_core_type_exists(no_such_typedef_in_any_kernel_t);
	no_typedef_size = bpf_core_type_size(no_such_typedef_in_any_kernel_t);

	enum_field = bpf_core_field_exists(struct bpf_map___enum, map_type);
	int_field = bpf_core_field_exists(struct bpf_map___int, map_type);
	other_enum_field = bpf_core_field_exists(struct bpf_map___other_enum, map_type);
	anon_enum_field = bpf_core_field_exists(struct bpf_map___anon_enum, map_type);
	union_field = bpf_core_field_exists(struct task_struct___u, thread_info);

	matches_same = bpf_core_type_matches(struct task_struct___m1);
	matches_long = bpf_core_type_matches(struct task_struct___m2);
	matches_ptrs = bpf_core_type_matches(struct callback_head___m);
	matches_int_ptr = bpf_core_type_matches(struct callback_head___m2);
	return 0;
}

SEC("raw_tp/sys_enter")
int stores(void *ctx)
{
	struct callback_head___s *c = (void *)&store_buf[0];
	struct rb_node___s *r = (void *)&store_buf[2];

	c->func = (void *)0x1234;
	r->__rb_parent_color = 0x12345678;
	loaded_color = r->__rb_parent_color;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
