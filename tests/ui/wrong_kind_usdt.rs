mod usdt {
    use bpf_skeleton::bpf_skeleton;
    #[bpf_skeleton("${BPF_SKELETON_CORPUS}/usdt.bpf.o")]
    pub struct Usdt;
}
mod tp {
    use bpf_skeleton::bpf_skeleton;
    #[bpf_skeleton("${BPF_SKELETON_CORPUS}/skel_attach.bpf.o")]
    pub struct SkelAttach;
}

fn main() {
    let u = usdt::Usdt::open_and_load().unwrap();
    // `three` is a usdt program: no plain uprobe attach (its arguments come
    // from the USDT spec its attach_usdt writes).
    let _ = u.progs.three.attach_uprobe(None, "/bin/true", "main");
    let t = tp::SkelAttach::open_and_load().unwrap();
    // `on_getppid` is a tracepoint program: no USDT attach.
    let _ = t.progs.on_getppid.attach_usdt(None, "/bin/true", "p", "n", 0);
}
