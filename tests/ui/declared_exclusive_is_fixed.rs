use bpf_skeleton::bpf_skeleton;

// `counts` is declared exclusive to `count_packets`: nothing at run time
// can clear or move that.
#[bpf_skeleton("${BPF_SKELETON_CORPUS}/counter.bpf.o", exclusive(counts = count_packets))]
pub struct Counter;

fn main() {
    let mut open = Counter::open().unwrap();
    open.maps.counts.clear_exclusive();
    open.maps.counts.set_exclusive(&open.progs.debug_only);
    // Nor through the untyped map.
    open.maps.counts.raw_mut().clear_exclusive();
    // Maps not declared keep their run-time setters.
    open.maps.bss.set_exclusive(&open.progs.count_packets);
    open.maps.bss.clear_exclusive();
}
