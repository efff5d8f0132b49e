use bpf_skeleton::bpf_skeleton;

#[bpf_skeleton("${BPF_SKELETON_CORPUS}/types.bpf.o")]
pub struct Types;

fn main() {
    let skel = Types::open_and_load().unwrap();
    // .rodata is frozen after load: readable; its setters and `write` say
    // to set it on the open skeleton.
    let _ = skel.rodata.magic();
    skel.rodata.set_magic(1);
    skel.rodata.write(&skel.rodata.read());
    // .bss has setters.
    skel.bss.set_hits(1);
}
