use bpf_skeleton::bpf_skeleton;

// `intruder` (autoloaded) also uses `secret`: the kernel would refuse it.
#[bpf_skeleton("${BPF_SKELETON_CORPUS}/exclusive.bpf.o", exclusive(secret = reader))]
pub struct Exclusive;

fn main() {}
