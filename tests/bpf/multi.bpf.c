// Several programs in one section, static and global subprograms, bpf_loop
// callbacks, every global-data section kind and several map types.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} by_len SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} per_cpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 32);
	__type(key, __u64);
	__type(value, __u32);
} recent SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(key_size, 4);
	__uint(value_size, 8);
	__uint(max_entries, 8);
} sized SEC(".maps");

__u64 total = 0;                                  /* .bss */
__u32 loops_done = 0;                             /* .bss */
__u64 scale = 3;                                  /* .data */
const volatile __u32 threshold = 100;             /* .rodata */
__u64 custom_hits SEC(".data.custom") = 11;       /* custom data section */
const char banner[] SEC(".rodata.banner") = "multi"; /* custom rodata */
static volatile __u32 static_counter;             /* static, .bss */

static __attribute__((noinline)) __u64 mul_scale(__u64 x)
{
	static_counter++;
	return x * scale;
}

__attribute__((noinline)) int classify(int len)
{
	if (len > threshold)
		return 2;
	return mul_scale(len) > 10 ? 1 : 0;
}

static int loop_cb(__u32 idx, void *ctx)
{
	loops_done++;
	total += idx;
	return 0;
}

static __attribute__((noinline)) void bump(__u32 key)
{
	__u64 one = 1, *v = bpf_map_lookup_elem(&by_len, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&by_len, &key, &one, BPF_NOEXIST);
}

SEC("xdp")
int xdp_classify(struct xdp_md *ctx)
{
	int len = ctx->data_end - ctx->data;
	__u32 k = 0;
	__u64 *pc = bpf_map_lookup_elem(&per_cpu, &k);
	if (pc)
		*pc += 1;
	bump(classify(len));
	bpf_loop(4, loop_cb, 0, 0);
	custom_hits++;
	return banner[0] == 'm' ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int xdp_recent(struct xdp_md *ctx)
{
	__u64 key = ctx->data_end - ctx->data;
	__u32 val = classify(key);
	bpf_map_update_elem(&recent, &key, &val, BPF_ANY);
	__u64 *slot = bpf_map_lookup_elem(&sized, &val);
	if (slot)
		*slot = mul_scale(1);
	return XDP_PASS;
}

SEC("xdp")
int xdp_events(struct xdp_md *ctx)
{
	__u64 len = ctx->data_end - ctx->data;
	bpf_ringbuf_output(&events, &len, sizeof(len), 0);
	return XDP_PASS;
}

SEC("socket")
int sock_filter(struct __sk_buff *skb)
{
	bump(skb->len & 7);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
