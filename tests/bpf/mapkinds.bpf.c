// Every map kind with typed operations (issue 11): queue, stack, bloom
// filter, a value with a bpf_spin_lock, a user ring buffer, per-CPU hash,
// and clang's constant pools (.rodata.cst16, .rodata.str1.1), which the
// skeleton loads but keeps internal.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 8);
	__type(value, __u64);
} fifo SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 8);
	__type(value, __u32);
} lifo SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 64);
	__uint(map_extra, 3);
	__type(value, __u32);
} seen SEC(".maps");

struct locked {
	struct bpf_spin_lock lock;
	__u32 pad;
	__u64 hits;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct locked);
} guarded SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 4096);
} requests SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} per_cpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drained SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u8[16]);
} pattern SEC(".maps");

static long drain_one(struct bpf_dynptr *dynptr, void *ctx)
{
	__u64 v = 0;
	if (bpf_dynptr_read(&v, sizeof(v), dynptr, 0, 0) == 0)
		*(__u64 *)ctx += v;
	return 0;
}

// Drains the user ring buffer (sums its 8-byte records into `drained`),
// pushes to the queue and stack, adds to the bloom filter, bumps the
// locked counter, and copies a 16-byte constant (a .rodata.cst16 pool).
SEC("xdp")
int exercise(struct xdp_md *ctx)
{
	__u32 zero = 0, one = 1;
	__u64 sum = 0, q = 42;
	__u32 s = 7, b = 1234;
	struct locked *l;
	const __u8 bytes[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	__u8 *dst;

	bpf_user_ringbuf_drain(&requests, drain_one, &sum, 0);
	bpf_map_update_elem(&drained, &zero, &sum, BPF_ANY);
	bpf_map_push_elem(&fifo, &q, BPF_ANY);
	bpf_map_push_elem(&lifo, &s, BPF_ANY);
	bpf_map_push_elem(&seen, &b, BPF_ANY);
	l = bpf_map_lookup_elem(&guarded, &one);
	if (l) {
		bpf_spin_lock(&l->lock);
		l->hits++;
		bpf_spin_unlock(&l->lock);
	}
	dst = bpf_map_lookup_elem(&pattern, &zero);
	if (dst)
		__builtin_memcpy(dst, bytes, sizeof(bytes));
	bpf_printk("exercised %llu", sum);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
