use bpf_skeleton::bpf_skeleton;

#[bpf_skeleton("${BPF_SKELETON_CORPUS}/counter.bpf.o")]
pub struct Counter;

fn main() {
    // Map and program setters exist only before load: on the loaded
    // skeleton each says to set it on the open skeleton.
    let skel = Counter::open_and_load().unwrap();
    skel.maps.counts.set_value_size(16);
    skel.maps.counts.set_map_flags(1);
    skel.progs.count_packets.set_log_level(1);
    skel.progs.count_packets.set_expected_attach_type(0);
    // A typed global-data map's size is its section struct's: no setter.
    let mut open = Counter::open().unwrap();
    open.maps.bss.set_value_size(64);
}
