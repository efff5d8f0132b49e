//! Network namespaces and veth pairs for packet hooks, with raw netlink and
//! ioctls (no iproute2): the tests' and the XDP example's one copy (the
//! example includes this file with `#[path]`). libc and std only.
#![allow(dead_code)]

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// The EtherType of test frames: IEEE 802 local experimental 1.
pub const ETH_P_TEST: u16 = 0x88b5;

fn check(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// Moves the calling thread into a new network namespace of its own; it
/// vanishes, with its interfaces, when the last thread in it is gone.
pub fn unshare_netns() -> io::Result<()> {
    // SAFETY: unshare has no memory preconditions.
    check(unsafe { libc::unshare(libc::CLONE_NEWNET) }).map(drop)
}

/// The index of interface `name`.
pub fn ifindex(name: &str) -> io::Result<u32> {
    let c = CString::new(name)?;
    // SAFETY: a NUL-terminated name.
    match unsafe { libc::if_nametoindex(c.as_ptr()) } {
        0 => Err(io::Error::last_os_error()),
        i => Ok(i),
    }
}

/// Brings interface `name` up (SIOCGIFFLAGS, then SIOCSIFFLAGS with IFF_UP).
pub fn set_up(name: &str) -> io::Result<()> {
    // SAFETY: a datagram socket, owned at once.
    let s =
        unsafe { OwnedFd::from_raw_fd(check(libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0))?) };
    // struct ifreq: the name in the first 16 bytes, the flags after.
    let mut r = [0u8; 40];
    let name = name.as_bytes();
    r.get_mut(..name.len())
        .ok_or_else(|| io::Error::other("interface name too long"))?
        .copy_from_slice(name);
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

/// Creates veth pair `a` <-> `b` in the calling thread's network namespace
/// (RTM_NEWLINK of kind "veth", the peer in IFLA_INFO_DATA /
/// VETH_INFO_PEER) and checks the kernel's ack.
pub fn create_veth(a: &str, b: &str) -> io::Result<()> {
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

/// Sends `n` broadcast Ethernet frames of EtherType [`ETH_P_TEST`] out of
/// `ifindex`.
pub fn send_frames(ifindex: u32, n: u64) -> io::Result<()> {
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

/// Runs `f(ifindex of a, ifindex of b)` on a new thread in a new network
/// namespace holding the veth pair `a` <-> `b`, both up; panics on setup
/// failure (for tests).
pub fn with_veth<T: Send + 'static>(
    a: &'static str,
    b: &'static str,
    f: impl FnOnce(u32, u32) -> T + Send + 'static,
) -> T {
    std::thread::spawn(move || {
        unshare_netns().expect("unshare(CLONE_NEWNET)");
        create_veth(a, b).expect("RTM_NEWLINK veth");
        set_up(a).expect("set the veth up");
        set_up(b).expect("set the veth up");
        f(ifindex(a).expect("ifindex"), ifindex(b).expect("ifindex"))
    })
    .join()
    .unwrap_or_else(|e| std::panic::resume_unwind(e))
}
