//! A uprobe and a uretprobe on a function of this program itself: the BPF
//! side counts the calls, sums the argument and keeps the last return
//! value, in `.bss`.
//!
//! Run as root (x86-64: the BPF side reads the argument and return
//! registers):
//!
//! ```sh
//! cargo run --example uprobe
//! ```

use bpf_skeleton::bpf_skeleton;
use bpf_skeleton::runtime::attach::UprobeOptions;

#[bpf_skeleton("examples/bpf/uprobe.bpf.o")]
struct Uprobe;

/// The probed function: an exported symbol of this executable, never
/// inlined, so that it has an address the uprobe can be placed at.
#[no_mangle]
#[inline(never)]
pub extern "C" fn bpf_skeleton_example_square(x: u64) -> u64 {
    std::hint::black_box(x * x)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let skel = Uprobe::open_and_load()?;
    let exe = std::env::current_exe()?;
    let pid = Some(std::process::id() as i32);
    let symbol = "bpf_skeleton_example_square";
    // `on_entry`/`on_return` have bare `uprobe`/`uretprobe` sections (no
    // binary named), so they are attached explicitly; `attach_uprobe`
    // exists only on kprobe-type programs.
    let _entry = skel.progs.on_entry.attach_uprobe(pid, &exe, symbol)?;
    let _ret = skel.progs.on_return.attach_uprobe_with(
        pid,
        &exe,
        symbol,
        &UprobeOptions {
            retprobe: Some(true),
            ..UprobeOptions::default()
        },
    )?;

    let mut sum = 0;
    for x in 1..=5 {
        sum += x;
        println!("square({x}) = {}", bpf_skeleton_example_square(x));
    }
    let (calls, arg_sum, last) = (skel.bss.calls(), skel.bss.arg_sum(), skel.bss.last_ret());
    println!("the uprobe saw {calls} calls, arguments summing to {arg_sum}; last return {last}");
    if (calls, arg_sum, last) != (5, sum, 25) {
        return Err(format!("expected 5 calls summing to {sum}, last return 25").into());
    }
    Ok(())
}
