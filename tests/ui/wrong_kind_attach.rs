use bpf_skeleton::bpf_skeleton;

#[bpf_skeleton("${BPF_SKELETON_CORPUS}/skel_attach.bpf.o")]
pub struct SkelAttach;

fn main() {
    let skel = SkelAttach::open_and_load().unwrap();
    // `on_getppid` is a tracepoint program: it has no XDP attach.
    let _ = skel.progs.on_getppid.attach_xdp(1, Default::default());
    // `on_xdp` is an XDP program: no tracepoint attach either.
    let _ = skel.progs.on_xdp.attach_tracepoint("syscalls", "sys_enter_getppid");
}
