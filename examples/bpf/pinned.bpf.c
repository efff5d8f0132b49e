// A map pinned by name (LIBBPF_PIN_BY_NAME), shared by two processes of the
// `pinned` example: the writer's raw tracepoint (no tracefs needed) counts
// getppid calls per process into it; a second process opens the same map
// through its pin.
#include <linux/bpf.h>
#include <asm/unistd.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);   // process id (tgid)
	__type(value, __u64); // getppid calls
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} calls SEC(".maps");

// sys_enter's arguments: the registers, then the system call number.
SEC("raw_tp/sys_enter")
int count_getppid(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__u64 one = 1, *n;

	if (ctx->args[1] != __NR_getppid)
		return 0;
	n = bpf_map_lookup_elem(&calls, &pid);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&calls, &pid, &one, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
