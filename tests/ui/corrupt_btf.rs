use bpf_skeleton::bpf_skeleton;

#[bpf_skeleton("${BPF_SKELETON_CORPUS}/corrupt_btf.bpf.o")]
pub struct Corrupt;

fn main() {}
