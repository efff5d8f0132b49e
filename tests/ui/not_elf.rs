use bpf_skeleton::bpf_skeleton;

#[bpf_skeleton("${BPF_SKELETON_CORPUS}/counter.bpf.c")]
pub struct Source;

fn main() {}
