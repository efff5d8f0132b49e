use bpf_skeleton::bpf_skeleton;

// clang's constant pools (`.rodata.cst16` here) are loaded but internal: no
// public field, and not a map `exclusive(...)` knows or lists.
#[bpf_skeleton("${BPF_SKELETON_CORPUS}/mapkinds.bpf.o", exclusive(rodata_cst16 = exercise))]
pub struct MapKinds;

#[bpf_skeleton("${BPF_SKELETON_CORPUS}/mapkinds.bpf.o")]
pub struct Fine;

fn main() {
    let skel = Fine::open_and_load().unwrap();
    let _ = skel.maps.rodata_cst16.raw();
}
