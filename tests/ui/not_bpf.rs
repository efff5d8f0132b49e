use bpf_skeleton::bpf_skeleton;

#[bpf_skeleton("${BPF_SKELETON_CORPUS}/not_bpf.x86.o")]
pub struct X86;

fn main() {}
