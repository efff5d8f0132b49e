use bpf_skeleton::bpf_skeleton;

#[bpf_skeleton("${BPF_SKELETON_CORPUS}/counter.bpf.o")]
pub struct Counter;

fn main() {
    // Loaded-only operations on the open skeleton: each says to call `load()`.
    let open = Counter::open().unwrap();
    let _ = open.maps.counts.lookup(&0u32);
    let _ = open.maps.counts.update(&0u32, &1u64, 0);
    let _ = open.progs.count_packets.test_run(&[0u8; 64]);
    let _ = open.progs.count_packets.fd();
    let _ = open.progs.count_packets.attach();
}
