use bpf_skeleton::bpf_skeleton;

#[bpf_skeleton("${BPF_SKELETON_CORPUS}/counter.bpf.o")]
pub struct Counter;

fn main() {
    let skel = Counter::open_and_load().unwrap();
    skel.progs.debug_only.set_autoload(true);
    skel.maps.counts.set_max_entries(8);
    // A loaded-only operation does not exist before load.
    let mut open = Counter::open().unwrap();
    let _ = open.progs.count_packets.test_run(&[0u8; 64]);
    // A global-data map always has one entry: no setter.
    open.maps.bss.set_max_entries(2);
}
