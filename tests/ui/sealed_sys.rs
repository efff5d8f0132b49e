// The raw bpf() layer is private: user code cannot hand the kernel a
// buffer shorter than the map's value (the public Map API checks lengths).
use bpf_skeleton::runtime::sys::map_lookup;

fn main() {}
