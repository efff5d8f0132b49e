use bpf_skeleton::bpf_skeleton;

// Every problem is reported at once, each at its identifier.
#[bpf_skeleton(
    "${BPF_SKELETON_CORPUS}/exclusive.bpf.o",
    exclusive(
        nope = reader,
        bss = nobody,
        public_stats = bystander,
        public_stats = reader,
    )
)]
pub struct Exclusive;

fn main() {}
