use bpf_skeleton::bpf_skeleton;

#[bpf_skeleton("${BPF_SKELETON_CORPUS}/counter.bpf.o")]
pub struct Counter;

fn main() {
    let open = Counter::open().unwrap();
    let skel = open.load().unwrap();
    // Exclusivity is an open-time setting: loaded maps have no setter.
    skel.maps.counts.set_exclusive(&skel.progs.count_packets);
}
