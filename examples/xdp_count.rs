//! An XDP frame counter on a veth pair: the example makes a private
//! network namespace (it disappears when the process exits, with the
//! pair), creates `veth-in` <-> `veth-out` in it with raw netlink (no
//! iproute2 needed; the helpers are the tests' own, tests/common/veth.rs),
//! attaches the counter to `veth-in`, sends frames out of `veth-out` and
//! prints the counts by EtherType.
//!
//! Run as root:
//!
//! ```sh
//! cargo run --example xdp_count              # 10 frames
//! cargo run --example xdp_count -- --frames 100
//! ```

use bpf_skeleton::bpf_skeleton;
use bpf_skeleton::runtime::attach::XdpFlags;
use veth::{create_veth, ifindex, send_frames, set_up, unshare_netns, ETH_P_TEST};

/// Network namespace and veth pair set-up (raw netlink and ioctls).
#[path = "../tests/common/veth.rs"]
mod veth;

#[bpf_skeleton("examples/bpf/xdp_count.bpf.o")]
struct XdpCount;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let frames = match std::env::args().nth(1).as_deref() {
        Some("--frames") => std::env::args()
            .nth(2)
            .ok_or("--frames needs a value")?
            .parse::<u64>()?,
        Some(a) => return Err(format!("unknown option {a}; use --frames N").into()),
        None => 10,
    };
    // A network namespace of our own: nothing on the host changes, and it
    // is removed, with the veth pair, when the process exits.
    unshare_netns()?;
    create_veth("veth-in", "veth-out")?;
    set_up("veth-in")?;
    set_up("veth-out")?;
    let (rx, tx) = (ifindex("veth-in")?, ifindex("veth-out")?);

    let skel = XdpCount::open_and_load()?;
    // A plain `xdp` section names no interface: attach it explicitly
    // (`attach_xdp` exists only on XDP programs).
    let link = skel.progs.count_frames.attach_xdp(rx, XdpFlags::DEFAULT)?;
    send_frames(tx, frames)?;
    // veth delivers on the peer's softirq: wait briefly for the last frames.
    let key = ETH_P_TEST.to_be();
    for _ in 0..100 {
        if skel.maps.frames.lookup(&key)? == Some(frames) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    drop(link);

    println!("{:<10} FRAMES", "ETHERTYPE");
    for entry in skel.maps.frames.iter() {
        let (proto, n) = entry?;
        println!("{:<#10x} {n}", u16::from_be(proto));
    }
    let got = skel.maps.frames.lookup(&key)?.unwrap_or(0);
    if got != frames {
        return Err(format!("sent {frames} frames of 0x88b5, counted {got}").into());
    }
    Ok(())
}
