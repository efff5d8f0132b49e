//! Network hooks: XDP and tcx on an interface, socket filters, and the
//! per-network-namespace hooks (sk_lookup, flow dissector).

use std::os::fd::{AsRawFd, BorrowedFd};

use crate::error::{Error, Result};
use crate::link::Link;
use crate::obj::section::{attach_type, prog_type};
use crate::prog::Program;
use crate::sys::{self as bpf, LinkExtra};

/// `XDP_FLAGS_*` for [`Program::attach_xdp`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct XdpFlags(pub u32);

impl XdpFlags {
    /// Let the kernel choose (native if the driver supports it).
    pub const DEFAULT: XdpFlags = XdpFlags(0);
    /// `XDP_FLAGS_SKB_MODE`: generic XDP, for any interface.
    pub const SKB_MODE: XdpFlags = XdpFlags(1 << 1);
    /// `XDP_FLAGS_DRV_MODE`: native XDP in the driver.
    pub const DRV_MODE: XdpFlags = XdpFlags(1 << 2);
    /// `XDP_FLAGS_HW_MODE`: offloaded to the NIC.
    pub const HW_MODE: XdpFlags = XdpFlags(1 << 3);
}

/// Which side of an interface a tcx program runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcxDirection {
    /// Packets received.
    Ingress,
    /// Packets sent.
    Egress,
}

fn link_err(what: &str, op: &'static str, e: std::io::Error, reason: String) -> Error {
    Error::AttachFailed {
        what: what.to_string(),
        op,
        reason,
        source: e,
    }
}

/// Whether interface `ifindex` exists in the calling thread's network
/// namespace.
pub(crate) fn interface_exists(ifindex: u32) -> bool {
    let mut name = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: if_indextoname writes at most IF_NAMESIZE bytes into `name`.
    !unsafe { libc::if_indextoname(ifindex, name.as_mut_ptr()) }.is_null()
}

impl Program {
    /// Attaches an XDP program to interface `ifindex` with a BPF link.
    pub fn attach_xdp(&self, ifindex: u32, flags: XdpFlags) -> Result<Link> {
        self.expect_type("attach_xdp", &[prog_type::XDP])?;
        let what = format!("`{}` on XDP of ifindex {ifindex}", self.name());
        let fd = bpf::link_create(
            self.attach_fd()?,
            ifindex,
            attach_type::XDP,
            flags.0,
            LinkExtra::None,
        )
        .map_err(|e| {
            let reason = match e.raw_os_error() {
                Some(libc::ENODEV | libc::EINVAL) if !interface_exists(ifindex) => {
                    format!("no interface with index {ifindex}")
                }
                Some(libc::EBUSY) => "another XDP program is attached to the interface".into(),
                Some(libc::EOPNOTSUPP) => {
                    "the driver does not support this XDP mode (try XdpFlags::SKB_MODE)".into()
                }
                Some(libc::EINVAL) => "XDP links need Linux 5.9 (or the flags are invalid)".into(),
                _ => String::new(),
            };
            link_err(&what, "BPF_LINK_CREATE", e, reason)
        })?;
        Ok(Link::bpf(fd, what))
    }

    /// Attaches a tc program (`tc`, `tcx/ingress`, `tcx/egress`...) to
    /// interface `ifindex` with a tcx link (Linux 6.6), after the programs
    /// already there.
    ///
    /// On kernels without tcx links it falls back to a netlink `cls_bpf`
    /// filter ([`attach_tc`](Self::attach_tc) with default options); that
    /// link is not a BPF link ([`Link::is_bpf_link`] is false).
    pub fn attach_tcx(&self, ifindex: u32, direction: TcxDirection) -> Result<Link> {
        self.expect_type("attach_tcx", &[prog_type::SCHED_CLS])?;
        let (ty, side) = match direction {
            TcxDirection::Ingress => (attach_type::TCX_INGRESS, "ingress"),
            TcxDirection::Egress => (attach_type::TCX_EGRESS, "egress"),
        };
        if let Some(expected) = self.def.kind.expected_attach_type {
            if expected != ty {
                return Err(Error::invalid(
                    self.subject(),
                    format!(
                        "section `{}` loads the program for the other direction than {side}",
                        self.section()
                    ),
                ));
            }
        }
        if matches!(crate::probe::link(crate::probe::Link::Tcx), Ok(false)) {
            return self.attach_tc(ifindex, direction, &super::tc::TcOptions::default());
        }
        let what = format!("`{}` on tcx {side} of ifindex {ifindex}", self.name());
        let fd = bpf::link_create(
            self.attach_fd()?,
            ifindex,
            ty,
            0,
            LinkExtra::Tcx {
                relative: 0,
                expected_revision: 0,
            },
        )
        .map_err(|e| {
            let reason = match e.raw_os_error() {
                Some(libc::ENODEV | libc::EINVAL) if !interface_exists(ifindex) => {
                    format!("no interface with index {ifindex}")
                }
                Some(libc::EINVAL) => "tcx links need Linux 6.6".into(),
                _ => String::new(),
            };
            link_err(&what, "BPF_LINK_CREATE", e, reason)
        })?;
        Ok(Link::bpf(fd, what))
    }

    /// Attaches a socket filter to `socket` (`SO_ATTACH_BPF`). The link
    /// keeps a duplicate of the socket and detaches the filter
    /// (`SO_DETACH_BPF`) when dropped. Such links cannot be pinned.
    pub fn attach_socket(&self, socket: BorrowedFd<'_>) -> Result<Link> {
        self.expect_type("attach_socket", &[prog_type::SOCKET_FILTER])?;
        let what = format!("`{}` on socket fd {}", self.name(), socket.as_raw_fd());
        let prog: libc::c_int = self.attach_fd()?.as_raw_fd();
        let own = socket
            .try_clone_to_owned()
            .map_err(|e| Error::syscall("dup (socket fd)", self.subject(), e))?;
        // SAFETY: SO_ATTACH_BPF reads an int (the program fd) from a live
        // local of exactly the length passed.
        let r = unsafe {
            libc::setsockopt(
                own.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_ATTACH_BPF,
                std::ptr::addr_of!(prog).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if r < 0 {
            let e = std::io::Error::last_os_error();
            let reason = match e.raw_os_error() {
                Some(libc::ENOTSOCK) => "the fd is not a socket".into(),
                _ => String::new(),
            };
            return Err(link_err(&what, "setsockopt(SO_ATTACH_BPF)", e, reason));
        }
        Ok(Link::socket(own, what))
    }

    /// Attaches an `sk_lookup` or `flow_dissector` program to the network
    /// namespace `netns` (an fd of `/proc/<pid>/ns/net`).
    pub fn attach_netns(&self, netns: BorrowedFd<'_>) -> Result<Link> {
        self.expect_type(
            "attach_netns",
            &[prog_type::SK_LOOKUP, prog_type::FLOW_DISSECTOR],
        )?;
        let ty = if self.prog_type() == prog_type::SK_LOOKUP {
            attach_type::SK_LOOKUP
        } else {
            attach_type::FLOW_DISSECTOR
        };
        let what = format!(
            "`{}` on network namespace fd {}",
            self.name(),
            netns.as_raw_fd()
        );
        let fd = bpf::link_create(
            self.attach_fd()?,
            netns.as_raw_fd() as u32,
            ty,
            0,
            LinkExtra::None,
        )
        .map_err(|e| {
            let reason = match e.raw_os_error() {
                Some(libc::EINVAL) => {
                    "the fd is not a network namespace (open /proc/<pid>/ns/net)".into()
                }
                _ => String::new(),
            };
            link_err(&what, "BPF_LINK_CREATE", e, reason)
        })?;
        Ok(Link::bpf(fd, what))
    }
}
