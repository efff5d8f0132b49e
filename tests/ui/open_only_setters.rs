use bpf_skeleton::bpf_skeleton;

#[bpf_skeleton("${BPF_SKELETON_CORPUS}/counter.bpf.o")]
pub struct Counter;

fn main() {
    // Open-only setters on the loaded skeleton: each says to set it before
    // `load()`, on the open skeleton.
    let skel = Counter::open_and_load().unwrap();
    skel.progs.debug_only.set_autoload(true);
    skel.progs.count_packets.set_autoattach(false);
    skel.maps.counts.set_max_entries(8);
    skel.maps.rodata.set_exclusive(&skel.progs.count_packets);
    // A loaded global-data map has no `set_max_entries` to point at either.
    skel.maps.bss.set_max_entries(2);
    // A global-data map always has one entry: no setter.
    let mut open = Counter::open().unwrap();
    open.maps.bss.set_max_entries(2);
}
