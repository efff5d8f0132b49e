// A 16 MiB .bss section: a skeleton must open, write and read it in a
// debug build without ever building the section on the stack.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define N (2 * 1024 * 1024)

__u64 big[N];    /* .bss: 16 MiB */
__u32 at = 0;    /* .bss: which element the program bumps */
__u64 seen = 0;  /* .bss: the element's value the program saw */

SEC("xdp")
int touch(struct xdp_md *ctx)
{
	__u32 i = at;

	if (i < N) {
		seen = big[i];
		big[i] += 1;
	}
	big[N - 1] = 0xfeedULL;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
