use bpf_skeleton::bpf_skeleton;

#[bpf_skeleton("${BPF_SKELETON_CORPUS}/exclusive.bpf.o")]
pub struct Exclusive;

#[bpf_skeleton("${BPF_SKELETON_CORPUS}/other.bpf.o")]
pub struct Other;

fn main() {
    let mut open = Exclusive::open().unwrap();
    let other = Other::open().unwrap();
    // A map can only be exclusive to a program of its own skeleton.
    open.maps.secret.set_exclusive(&other.progs.thief);
}
