use bpf_skeleton::bpf_skeleton;

// An unknown program, a program given twice, and a value that is not a bool.
#[bpf_skeleton(
    "${BPF_SKELETON_CORPUS}/exclusive.bpf.o",
    autoload(intruderr = false, reader = true, reader = false)
)]
pub struct Unknown;

#[bpf_skeleton("${BPF_SKELETON_CORPUS}/exclusive.bpf.o", autoload(intruder = 0))]
pub struct NotBool;

// Turning off the conflicting program lifts the exclusive conflict; turning
// it on (here: keeping it on) does not.
#[bpf_skeleton(
    "${BPF_SKELETON_CORPUS}/exclusive.bpf.o",
    exclusive(secret = reader),
    autoload(intruder = true, bystander = false)
)]
pub struct StillConflicting;

fn main() {}
