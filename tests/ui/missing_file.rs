use bpf_skeleton::bpf_skeleton;

#[bpf_skeleton("${BPF_SKELETON_CORPUS}/no_such_object.bpf.o")]
pub struct Missing;

#[bpf_skeleton("bpf/relative.bpf.o")]
pub struct Relative;

#[bpf_skeleton("${BPF_SKELETON_UNSET_VARIABLE}/x.bpf.o")]
pub struct Unset;

fn main() {}
