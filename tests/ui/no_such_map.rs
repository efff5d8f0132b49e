use bpf_skeleton::bpf_skeleton;

#[bpf_skeleton("${BPF_SKELETON_CORPUS}/counter.bpf.o")]
pub struct Counter;

fn main() {
    let mut open = Counter::open().unwrap();
    open.maps.count.set_max_entries(8);
    let _ = open.progs.count_packet.hash();
}
