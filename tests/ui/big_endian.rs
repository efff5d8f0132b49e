use bpf_skeleton::bpf_skeleton;

#[bpf_skeleton("${BPF_SKELETON_CORPUS}/bigendian.bpfeb.o")]
pub struct BigEndian;

fn main() {}
