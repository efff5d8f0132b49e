use bpf_skeleton::bpf_skeleton;

#[bpf_skeleton("${BPF_SKELETON_CORPUS}/types.bpf.o")]
pub struct Types;

fn main() {
    let skel = Types::open_and_load().unwrap();
    // `flows` is keyed by `FlowKeyT`, not by an integer.
    let _ = skel.maps.flows.lookup(&7u32);
}
