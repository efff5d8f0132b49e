use bpf_skeleton::bpf_skeleton;

#[bpf_skeleton("${BPF_SKELETON_CORPUS}/skel_attach.bpf.o")]
pub struct SkelAttach;

fn main() {
    let skel = SkelAttach::open_and_load().unwrap();
    // A plain `xdp` section does not name an interface: no `attach()`.
    let _ = skel.progs.on_xdp.attach();
}
