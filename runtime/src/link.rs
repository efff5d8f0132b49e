//! An attached program: [`Link`] owns the kernel object that keeps the
//! program attached and detaches it when dropped.
//!
//! Most hooks give a BPF link (`BPF_LINK_CREATE`, `BPF_RAW_TRACEPOINT_OPEN`):
//! closing its fd detaches, unless it is pinned on a bpffs, which keeps it
//! attached until the pin is removed. Two kinds have no BPF link: a socket
//! filter (detached with `SO_DETACH_BPF` on drop) and, on kernels before
//! 5.15, a perf event with the program set by ioctl (closing the event
//! detaches); those cannot be pinned, updated or queried.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result, Subject};
use crate::prog::Program;
use crate::sys as bpf;
use crate::sys;

/// `enum bpf_link_type` values, for [`LinkInfo::link_type`].
#[allow(missing_docs)]
pub mod link_type {
    pub const RAW_TRACEPOINT: u32 = 1;
    pub const TRACING: u32 = 2;
    pub const CGROUP: u32 = 3;
    pub const ITER: u32 = 4;
    pub const NETNS: u32 = 5;
    pub const XDP: u32 = 6;
    pub const PERF_EVENT: u32 = 7;
    pub const KPROBE_MULTI: u32 = 8;
    pub const STRUCT_OPS: u32 = 9;
    pub const NETFILTER: u32 = 10;
    pub const TCX: u32 = 11;
    pub const UPROBE_MULTI: u32 = 12;
    pub const NETKIT: u32 = 13;
}

/// What the kernel reports about a link (`bpf_link_info` prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkInfo {
    /// `enum bpf_link_type` (see [`link_type`]).
    pub link_type: u32,
    /// Kernel-wide link id.
    pub id: u32,
    /// The id of the attached program.
    pub prog_id: u32,
}

#[derive(Debug)]
enum Kind {
    /// A BPF link; `_perf` is the perf event it runs on, if any, kept open
    /// for the link's lifetime.
    Bpf { _perf: Option<OwnedFd> },
    /// A perf event with the program set by `PERF_EVENT_IOC_SET_BPF`.
    PerfIoctl,
    /// A socket filter: the fd is a duplicate of the socket.
    Socket,
    /// A `.struct_ops` map registered by its update: the fd is a duplicate
    /// of the map; dropping deletes its element, which unregisters it.
    StructOpsMap,
    /// A USDT attachment: a uprobe link per probe site (the fd duplicates
    /// the first one's), then the spec ids they use, freed after them.
    Usdt {
        probes: Vec<Link>,
        _specs: crate::attach::usdt::SpecIds,
    },
    /// A netlink tc filter (no tcx): the fd is the netlink socket it was
    /// created with, which deletes it on drop.
    TcFilter(crate::attach::tc::TcFilter),
}

/// An attached program. Dropping it detaches the program (unless the link
/// is pinned: then the pin keeps it attached until [`Link::unpin`] or
/// removing the pin file).
#[derive(Debug)]
#[must_use = "dropping a Link detaches its program"]
pub struct Link {
    fd: OwnedFd,
    kind: Kind,
    /// Program and hook, for messages.
    what: String,
    pin: Option<PathBuf>,
}

impl Link {
    pub(crate) fn bpf(fd: OwnedFd, what: String) -> Self {
        Link {
            fd,
            kind: Kind::Bpf { _perf: None },
            what,
            pin: None,
        }
    }

    pub(crate) fn perf_link(fd: OwnedFd, perf: OwnedFd, what: String) -> Self {
        Link {
            fd,
            kind: Kind::Bpf { _perf: Some(perf) },
            what,
            pin: None,
        }
    }

    pub(crate) fn perf_ioctl(perf: OwnedFd, what: String) -> Self {
        Link {
            fd: perf,
            kind: Kind::PerfIoctl,
            what,
            pin: None,
        }
    }

    pub(crate) fn socket(socket: OwnedFd, what: String) -> Self {
        Link {
            fd: socket,
            kind: Kind::Socket,
            what,
            pin: None,
        }
    }

    pub(crate) fn struct_ops_map(map: OwnedFd, what: String) -> Self {
        Link {
            fd: map,
            kind: Kind::StructOpsMap,
            what,
            pin: None,
        }
    }

    pub(crate) fn usdt(
        probes: Vec<Link>,
        specs: crate::attach::usdt::SpecIds,
        what: String,
    ) -> Result<Self> {
        let fd = match probes.first() {
            Some(first) => first.fd.try_clone(),
            None => return Err(Error::invalid(Subject::Link(what), "no USDT probe sites")),
        }
        .map_err(|e| Error::syscall("dup (USDT link)", Subject::Link(what.clone()), e))?;
        Ok(Link {
            fd,
            kind: Kind::Usdt {
                probes,
                _specs: specs,
            },
            what,
            pin: None,
        })
    }

    /// For a USDT attachment ([`Program::attach_usdt`]), its uprobe links,
    /// one per probe site; empty for any other link.
    pub fn usdt_probes(&self) -> &[Link] {
        match &self.kind {
            Kind::Usdt { probes, .. } => probes,
            _ => &[],
        }
    }

    pub(crate) fn tc_filter(
        netlink: OwnedFd,
        filter: crate::attach::tc::TcFilter,
        what: String,
    ) -> Self {
        Link {
            fd: netlink,
            kind: Kind::TcFilter(filter),
            what,
            pin: None,
        }
    }

    /// Whether this is a BPF link (pinnable, updatable, with [`info`]).
    ///
    /// [`info`]: Link::info
    pub fn is_bpf_link(&self) -> bool {
        matches!(self.kind, Kind::Bpf { .. })
    }

    /// The program and hook this link attaches, as used in messages
    /// (e.g. "`count` on tracepoint syscalls:sys_enter_getppid").
    pub fn description(&self) -> &str {
        &self.what
    }

    fn require_bpf(&self, op: &str) -> Result<()> {
        match self.kind {
            Kind::Bpf { .. } => Ok(()),
            Kind::PerfIoctl => Err(Error::invalid(
                Subject::Link(self.what.clone()),
                format!(
                    "cannot {op}: attached through a perf event ioctl, not a BPF link \
                     (this kernel has no perf BPF links, Linux 5.15)"
                ),
            )),
            Kind::Socket => Err(Error::invalid(
                Subject::Link(self.what.clone()),
                format!("cannot {op}: socket filters are attached with setsockopt, not a BPF link"),
            )),
            Kind::StructOpsMap => Err(Error::invalid(
                Subject::Link(self.what.clone()),
                format!(
                    "cannot {op}: a `.struct_ops` map is registered by its map update, not a \
                     BPF link (use `.struct_ops.link`, Linux 6.4, for a link)"
                ),
            )),
            Kind::Usdt { ref probes, .. } => Err(Error::invalid(
                Subject::Link(self.what.clone()),
                format!(
                    "cannot {op}: a USDT attachment is {} uprobe links, not one BPF link \
                     (see `usdt_probes`)",
                    probes.len()
                ),
            )),
            Kind::TcFilter(_) => Err(Error::invalid(
                Subject::Link(self.what.clone()),
                format!(
                    "cannot {op}: a tc filter made with netlink (this kernel has no tcx links, \
                     Linux 6.6), not a BPF link"
                ),
            )),
        }
    }

    /// Pins the link at `path` on a bpffs: it then stays attached after
    /// this `Link` (and the process) is gone, until the pin is removed.
    pub fn pin(&mut self, path: impl AsRef<Path>) -> Result<()> {
        self.require_bpf("pin")?;
        let path = path.as_ref();
        sys::obj_pin(self.fd.as_fd(), path).map_err(|e| {
            Error::syscall(
                "BPF_OBJ_PIN",
                Subject::Link(format!("{} at {}", self.what, path.display())),
                e,
            )
        })?;
        self.pin = Some(path.to_path_buf());
        Ok(())
    }

    /// Removes the pin made by [`pin`](Self::pin) (or the one this link was
    /// opened from): the link detaches when this `Link` is dropped.
    pub fn unpin(&mut self) -> Result<()> {
        let Some(path) = self.pin.take() else {
            return Err(Error::invalid(
                Subject::Link(self.what.clone()),
                "the link is not pinned",
            ));
        };
        std::fs::remove_file(&path)
            .map_err(|e| Error::syscall("unlink (unpin)", Subject::File(path.clone()), e))
    }

    /// Where the link is pinned, if it is.
    pub fn pin_path(&self) -> Option<&Path> {
        self.pin.as_deref()
    }

    /// Opens the link pinned at `path`. Fails if `path` holds a map or a
    /// program rather than a link.
    pub fn from_pin(path: impl AsRef<Path>) -> Result<Link> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let fd = sys::obj_get(path)
            .map_err(|e| Error::syscall("BPF_OBJ_GET", Subject::File(path.to_path_buf()), e))?;
        let kind =
            std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd())).map_err(|e| {
                Error::Io {
                    path: format!("/proc/self/fd/{}", fd.as_raw_fd()).into(),
                    source: e,
                }
            })?;
        // "bpf-link" on the kernels tested (6.1, 6.12, 6.18); "bpf_link" accepted too.
        if kind != Path::new("anon_inode:bpf-link") && kind != Path::new("anon_inode:bpf_link") {
            return Err(Error::invalid(
                Subject::File(path.to_path_buf()),
                format!("the pin is not a BPF link but {}", kind.display()),
            ));
        }
        Ok(Link {
            fd,
            kind: Kind::Bpf { _perf: None },
            what: format!("link pinned at {shown}"),
            pin: Some(path.to_path_buf()),
        })
    }

    /// Replaces the attached program by `prog` without a moment of
    /// detachment (`BPF_LINK_UPDATE`). The kernel supports this for XDP,
    /// tcx, cgroup, netns and iterator links, among others.
    pub fn update_program(&self, prog: &Program) -> Result<()> {
        self.require_bpf("update the program")?;
        let new = prog.loaded_fd()?;
        bpf::link_update(self.fd.as_fd(), new).map_err(|e| {
            let what = format!("{} (new program `{}`)", self.what, prog.name());
            match e.raw_os_error() {
                Some(libc::EINVAL | libc::EOPNOTSUPP | ENOTSUPP) => Error::AttachFailed {
                    what,
                    op: "BPF_LINK_UPDATE",
                    reason: "the kernel cannot replace the program of this kind of link, \
                             or the new program's type or attach type differs"
                        .into(),
                    source: e,
                },
                _ => Error::syscall("BPF_LINK_UPDATE", Subject::Link(what), e),
            }
        })
    }

    /// Detaches the program now (`BPF_LINK_DETACH`), even if the link is
    /// pinned or its fd shared; the link object remains, defunct.
    pub fn detach(&self) -> Result<()> {
        self.require_bpf("detach explicitly")?;
        bpf::link_detach(self.fd.as_fd()).map_err(|e| match e.raw_os_error() {
            Some(libc::EOPNOTSUPP | ENOTSUPP) => Error::AttachFailed {
                what: self.what.clone(),
                op: "BPF_LINK_DETACH",
                reason: "this kind of link cannot be detached explicitly; drop it \
                         (and remove its pin)"
                    .into(),
                source: e,
            },
            _ => Error::syscall("BPF_LINK_DETACH", Subject::Link(self.what.clone()), e),
        })
    }

    /// What the kernel reports about the link.
    pub fn info(&self) -> Result<LinkInfo> {
        self.require_bpf("query link info")?;
        let mut b = [0u8; 16];
        sys::obj_info(self.fd.as_fd(), &mut b).map_err(|e| {
            Error::syscall(
                "BPF_OBJ_GET_INFO_BY_FD",
                Subject::Link(self.what.clone()),
                e,
            )
        })?;
        Ok(LinkInfo {
            link_type: sys::ne_u32(&b, 0),
            id: sys::ne_u32(&b, 4),
            prog_id: sys::ne_u32(&b, 8),
        })
    }

    /// Opens the link with kernel-wide id `id` (`BPF_LINK_GET_FD_BY_ID`).
    pub fn from_id(id: u32) -> Result<Link> {
        let fd = bpf::link_get_fd_by_id(id).map_err(|e| {
            Error::syscall(
                "BPF_LINK_GET_FD_BY_ID",
                Subject::Link(format!("id {id}")),
                e,
            )
        })?;
        Ok(Link::bpf(fd, format!("link id {id}")))
    }
}

impl AsFd for Link {
    /// The BPF link's fd; for a socket filter, a duplicate of the socket;
    /// for a perf event attached by ioctl, the perf event; for a USDT
    /// attachment, a duplicate of its first uprobe link's; for a netlink tc
    /// filter, the netlink socket that deletes it.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        if let Kind::StructOpsMap = self.kind {
            // Unregistering, as libbpf's detach of a link-less struct_ops:
            // deleting the map's only element.
            let key = 0u32.to_ne_bytes();
            // SAFETY: a struct_ops map's key is 4 bytes; the fd is owned by
            // this link.
            let _ = unsafe { sys::map_delete(self.fd.as_fd(), &key) };
        }
        if let Kind::TcFilter(filter) = &self.kind {
            // Deleting the filter in the namespace of the socket that made
            // it; errors (the interface is gone, and the filter with it)
            // are ignored.
            if let Ok(dup) = self.fd.try_clone() {
                let _ = crate::attach::tc::delete_filter(
                    &mut crate::netlink::Socket::from_fd(dup),
                    filter,
                );
            }
        }
        if let Kind::Socket = self.kind {
            // Detaching the socket filter from the socket (closing our
            // duplicate alone would leave it attached).
            let zero: libc::c_int = 0;
            // SAFETY: SO_DETACH_BPF reads an int-sized option from a live
            // local; the socket fd is owned by this link.
            unsafe {
                libc::setsockopt(
                    self.fd.as_raw_fd(),
                    libc::SOL_SOCKET,
                    libc::SO_DETACH_BPF,
                    std::ptr::addr_of!(zero).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                );
            }
        }
    }
}

/// `ENOTSUPP` (524), the kernel-internal "not supported" that some bpf
/// commands leak to user space.
pub(crate) const ENOTSUPP: i32 = 524;
