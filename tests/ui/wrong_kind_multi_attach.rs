use bpf_skeleton::bpf_skeleton;

#[bpf_skeleton("${BPF_SKELETON_CORPUS}/multiprobe.bpf.o")]
pub struct Multiprobe;

fn main() {
    let skel = Multiprobe::open_and_load().unwrap();
    // `kpm` is a kprobe.multi program: no single kprobe attach.
    let _ = skel.progs.kpm.attach_kprobe("do_unlinkat", 0);
    // `upm` is a uprobe.multi program: no kprobe.multi attach either.
    let _ = skel.progs.upm.attach_kprobe_multi("tcp_*");
    // And a kprobe.multi program has no uprobe.multi attach.
    let _ = skel.progs.kpm.attach_uprobe_multi(None, "/bin/true", "main");
}
