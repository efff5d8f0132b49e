use bpf_skeleton::bpf_skeleton;

#[bpf_skeleton("${BPF_SKELETON_CORPUS}/counter.bpf.o", exclusiv(counts = count_packets))]
pub struct Typo;

#[bpf_skeleton]
pub struct NoPath;

#[bpf_skeleton("${BPF_SKELETON_CORPUS}/counter.bpf.o", crate = "not a path!")]
pub struct BadCrate;

#[bpf_skeleton("${BPF_SKELETON_CORPUS}/counter.bpf.o")]
pub struct WithFields {
    x: u32,
}

fn main() {}
