use bpf_skeleton::bpf_skeleton;

#[bpf_skeleton(
    "${BPF_SKELETON_CORPUS}/skel_attach.bpf.o",
    ringbuf(events = no_such_struct, getppid_hits = event),
    types(nope)
)]
pub struct SkelAttach;

fn main() {}
