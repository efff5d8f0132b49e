//! The `bpf()` commands behind links: `BPF_LINK_CREATE` and its relatives,
//! on the same `union bpf_attr` as the rest of the syscall layer. No
//! wrapper takes a raw pointer from its caller, so each is safe.

use std::ffi::CStr;
use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};

use super::{bpf, fd_from as owned, raw, Attr};

/// `enum bpf_cmd` values used here.
mod cmd {
    pub const RAW_TRACEPOINT_OPEN: u32 = 17;
    pub const LINK_CREATE: u32 = 28;
    pub const LINK_UPDATE: u32 = 29;
    pub const LINK_GET_FD_BY_ID: u32 = 30;
    pub const ITER_CREATE: u32 = 33;
    pub const LINK_DETACH: u32 = 34;
}

/// The target-specific tail of `link_create` (offset 16 onwards).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) enum LinkExtra<'a> {
    /// Nothing.
    #[default]
    None,
    /// `perf_event.bpf_cookie`.
    PerfCookie(u64),
    /// `tracing.target_btf_id` (0) and `tracing.cookie`.
    TracingCookie(u64),
    /// `iter_info` / `iter_info_len`: a `union bpf_iter_link_info`.
    Iter(&'a [u8]),
    /// `tcx.relative_fd` / `relative_id` and `expected_revision`.
    Tcx {
        /// Relative program, link fd or id (with the matching flag).
        relative: u32,
        /// Expected revision of the attachment point (0: any).
        expected_revision: u64,
    },
}

/// `BPF_LINK_CREATE`.
pub(crate) fn link_create(
    prog: BorrowedFd<'_>,
    target: u32,
    attach_type: u32,
    flags: u32,
    extra: LinkExtra<'_>,
) -> io::Result<OwnedFd> {
    let mut a = Attr::new();
    a.u32(0, raw(prog));
    a.u32(4, target);
    a.u32(8, attach_type);
    a.u32(12, flags);
    let size = match extra {
        LinkExtra::None => 16,
        LinkExtra::PerfCookie(c) => {
            a.u64(16, c);
            24
        }
        LinkExtra::TracingCookie(c) => {
            a.u64(24, c);
            32
        }
        LinkExtra::Iter(info) => {
            a.u64(16, info.as_ptr() as usize as u64);
            a.u32(24, info.len() as u32);
            28
        }
        LinkExtra::Tcx {
            relative,
            expected_revision,
        } => {
            a.u32(16, relative);
            a.u64(24, expected_revision);
            32
        }
    };
    // SAFETY: the only pointer is `iter_info`, borrowed from `extra` for the
    // whole call with its exact length; the kernel only reads it.
    owned(unsafe { bpf(cmd::LINK_CREATE, &mut a, size)? })
}

/// `BPF_RAW_TRACEPOINT_OPEN`: `name` for raw tracepoints, `None` for
/// programs whose target was fixed at load (tp_btf, fentry, lsm...).
/// A non-zero `cookie` needs Linux 6.10.
pub(crate) fn raw_tracepoint_open(
    prog: BorrowedFd<'_>,
    name: Option<&CStr>,
    cookie: u64,
) -> io::Result<OwnedFd> {
    let mut a = Attr::new();
    a.u64(0, name.map_or(0, |n| n.as_ptr() as usize as u64));
    a.u32(8, raw(prog));
    let size = if cookie != 0 {
        a.u64(16, cookie);
        24
    } else {
        16
    };
    // SAFETY: `name` is a NUL-terminated string borrowed for the call; the
    // kernel reads it up to its NUL.
    owned(unsafe { bpf(cmd::RAW_TRACEPOINT_OPEN, &mut a, size)? })
}

/// `BPF_LINK_UPDATE`: replaces the link's program.
pub(crate) fn link_update(link: BorrowedFd<'_>, prog: BorrowedFd<'_>) -> io::Result<()> {
    let mut a = Attr::new();
    a.u32(0, raw(link));
    a.u32(4, raw(prog));
    // SAFETY: no pointers.
    unsafe { bpf(cmd::LINK_UPDATE, &mut a, 16) }.map(drop)
}

/// `BPF_LINK_DETACH`: detaches the link now, even if pinned or shared.
pub(crate) fn link_detach(link: BorrowedFd<'_>) -> io::Result<()> {
    let mut a = Attr::new();
    a.u32(0, raw(link));
    // SAFETY: no pointers.
    unsafe { bpf(cmd::LINK_DETACH, &mut a, 4) }.map(drop)
}

/// `BPF_LINK_GET_FD_BY_ID`.
pub(crate) fn link_get_fd_by_id(id: u32) -> io::Result<OwnedFd> {
    let mut a = Attr::new();
    a.u32(0, id);
    // SAFETY: no pointers.
    owned(unsafe { bpf(cmd::LINK_GET_FD_BY_ID, &mut a, 12)? })
}

/// `BPF_ITER_CREATE`: a new readable instance of an iterator link.
pub(crate) fn iter_create(link: BorrowedFd<'_>) -> io::Result<OwnedFd> {
    let mut a = Attr::new();
    a.u32(0, raw(link));
    // SAFETY: no pointers.
    owned(unsafe { bpf(cmd::ITER_CREATE, &mut a, 8)? })
}
