use bpf_skeleton::bpf_skeleton;
use bpf_skeleton::runtime::map::flags;

#[bpf_skeleton("${BPF_SKELETON_CORPUS}/types.bpf.o")]
pub struct Types;

fn main() {
    let skel = Types::open_and_load().unwrap();
    let key = types::types::FlowKeyT::default();
    // `flows` holds `Stats`, not `Point`.
    let _ = skel.maps.flows.update(&key, &types::types::Point { x: 1, y: 2 }, flags::ANY);
}
