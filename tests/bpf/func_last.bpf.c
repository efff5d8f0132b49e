// A global function as the last BTF record: no maps, no global data and
// no license section, so no DATASEC follows the program's FUNC record,
// whose vlen field is its linkage (1, global), not a member count.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int pass_all(struct xdp_md *ctx)
{
	return XDP_PASS;
}
