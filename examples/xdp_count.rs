//! An XDP frame counter on a veth pair: the example makes a private
//! network namespace (it disappears when the process exits, with the
//! pair), creates `veth-in` <-> `veth-out` in it with raw netlink (no
//! iproute2 needed), attaches the counter to `veth-in`, sends frames out of
//! `veth-out` and prints the counts by EtherType.
//!
//! Run as root:
//!
//! ```sh
//! cargo run --example xdp_count              # 10 frames
//! cargo run --example xdp_count -- --frames 100
//! ```

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use bpf_skeleton::bpf_skeleton;
use bpf_skeleton::runtime::attach::XdpFlags;

#[bpf_skeleton("examples/bpf/xdp_count.bpf.o")]
struct XdpCount;

/// IEEE 802 local experimental EtherType 1, used for the test frames.
const ETH_P_TEST: u16 = 0x88b5;

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
    // SAFETY: unshare has no memory preconditions (single-threaded here).
    check(unsafe { libc::unshare(libc::CLONE_NEWNET) })?;
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

fn check(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

fn ifindex(name: &str) -> io::Result<u32> {
    let c = CString::new(name)?;
    // SAFETY: a NUL-terminated name.
    match unsafe { libc::if_nametoindex(c.as_ptr()) } {
        0 => Err(io::Error::last_os_error()),
        i => Ok(i),
    }
}

/// Brings interface `name` up (SIOCGIFFLAGS, then SIOCSIFFLAGS with IFF_UP).
fn set_up(name: &str) -> io::Result<()> {
    // SAFETY: a datagram socket, owned at once.
    let s =
        unsafe { OwnedFd::from_raw_fd(check(libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0))?) };
    // struct ifreq: the name in the first 16 bytes, the flags after.
    let mut r = [0u8; 40];
    r[..name.len()].copy_from_slice(name.as_bytes());
    // SAFETY: both ioctls read and write a 40-byte struct ifreq we own.
    unsafe {
        check(libc::ioctl(
            s.as_raw_fd(),
            libc::SIOCGIFFLAGS,
            r.as_mut_ptr(),
        ))?;
        let flags = i16::from_ne_bytes([r[16], r[17]]) | libc::IFF_UP as i16;
        r[16..18].copy_from_slice(&flags.to_ne_bytes());
        check(libc::ioctl(
            s.as_raw_fd(),
            libc::SIOCSIFFLAGS,
            r.as_mut_ptr(),
        ))?;
    }
    Ok(())
}

/// Appends a netlink attribute (aligned to 4 bytes).
fn rtattr(buf: &mut Vec<u8>, ty: u16, payload: &[u8]) {
    buf.extend_from_slice(&((4 + payload.len()) as u16).to_ne_bytes());
    buf.extend_from_slice(&ty.to_ne_bytes());
    buf.extend_from_slice(payload);
    buf.resize(buf.len().next_multiple_of(4), 0);
}

/// Creates veth pair `a` <-> `b` (RTM_NEWLINK of kind "veth", the peer in
/// IFLA_INFO_DATA / VETH_INFO_PEER) and checks the kernel's ack.
fn create_veth(a: &str, b: &str) -> io::Result<()> {
    const RTM_NEWLINK: u16 = 16;
    const IFLA_IFNAME: u16 = 3;
    const IFLA_LINKINFO: u16 = 18;
    const IFLA_INFO_KIND: u16 = 1;
    const IFLA_INFO_DATA: u16 = 2;
    const VETH_INFO_PEER: u16 = 1;
    let name = |s: &str| [s.as_bytes(), &[0]].concat();
    let ifinfomsg = [0u8; 16];
    let mut peer = ifinfomsg.to_vec();
    rtattr(&mut peer, IFLA_IFNAME, &name(b));
    let mut data = Vec::new();
    rtattr(&mut data, VETH_INFO_PEER, &peer);
    let mut info = Vec::new();
    rtattr(&mut info, IFLA_INFO_KIND, b"veth");
    rtattr(&mut info, IFLA_INFO_DATA, &data);
    let mut body = ifinfomsg.to_vec();
    rtattr(&mut body, IFLA_IFNAME, &name(a));
    rtattr(&mut body, IFLA_LINKINFO, &info);
    let flags =
        (libc::NLM_F_REQUEST | libc::NLM_F_ACK | libc::NLM_F_CREATE | libc::NLM_F_EXCL) as u16;
    let mut msg = Vec::new();
    msg.extend_from_slice(&((16 + body.len()) as u32).to_ne_bytes());
    msg.extend_from_slice(&RTM_NEWLINK.to_ne_bytes());
    msg.extend_from_slice(&flags.to_ne_bytes());
    msg.extend_from_slice(&1u32.to_ne_bytes()); // sequence number
    msg.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel
    msg.extend_from_slice(&body);
    // SAFETY: a netlink socket, owned at once.
    let s = unsafe {
        OwnedFd::from_raw_fd(check(libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            libc::NETLINK_ROUTE,
        ))?)
    };
    let mut ack = [0u8; 1024];
    // SAFETY: send and recv on owned buffers of their length.
    let n = unsafe {
        if libc::send(s.as_raw_fd(), msg.as_ptr().cast(), msg.len(), 0) < 0 {
            return Err(io::Error::last_os_error());
        }
        libc::recv(s.as_raw_fd(), ack.as_mut_ptr().cast(), ack.len(), 0)
    };
    // An NLMSG_ERROR ack: 16-byte header, then the error code (0: success).
    let err = match ack.get(16..20) {
        Some(e) if n >= 20 => i32::from_ne_bytes([e[0], e[1], e[2], e[3]]),
        _ => return Err(io::Error::other("short netlink reply")),
    };
    if err != 0 {
        return Err(io::Error::from_raw_os_error(-err));
    }
    Ok(())
}

/// Sends `n` broadcast Ethernet frames of EtherType 0x88b5 out of `ifindex`.
fn send_frames(ifindex: u32, n: u64) -> io::Result<()> {
    let mut frame = [0u8; 60];
    frame[..6].fill(0xff);
    frame[6..12].copy_from_slice(&[0x02, 0, 0, 0, 0, 1]);
    frame[12..14].copy_from_slice(&ETH_P_TEST.to_be_bytes());
    // SAFETY: a packet socket, owned at once.
    let s = unsafe {
        OwnedFd::from_raw_fd(check(libc::socket(
            libc::AF_PACKET,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            0,
        ))?)
    };
    // SAFETY: all-zero is a valid sockaddr_ll.
    let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_protocol = ETH_P_TEST.to_be();
    sll.sll_ifindex = ifindex as i32;
    sll.sll_halen = 6;
    sll.sll_addr[..6].fill(0xff);
    for _ in 0..n {
        // SAFETY: the frame and a sockaddr_ll of its size, both owned.
        let r = unsafe {
            libc::sendto(
                s.as_raw_fd(),
                frame.as_ptr().cast(),
                frame.len(),
                0,
                std::ptr::addr_of!(sll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as u32,
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}
