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
    /// `kprobe_multi`: exactly one of `syms` / `addrs` non-empty; `cookies`
    /// empty or as long.
    KprobeMulti {
        /// `BPF_F_KPROBE_MULTI_RETURN` (1) or 0.
        flags: u32,
        /// Kernel function names.
        syms: &'a [&'a CStr],
        /// Kernel function addresses.
        addrs: &'a [u64],
        /// One BPF cookie per function.
        cookies: &'a [u64],
    },
    /// `uprobe_multi`: `offsets`, and `ref_ctr_offsets` / `cookies` empty or
    /// as long.
    UprobeMulti {
        /// The binary.
        path: &'a CStr,
        /// File offsets of the probes.
        offsets: &'a [u64],
        /// Reference counter (semaphore) file offsets, one per probe.
        ref_ctr_offsets: &'a [u64],
        /// One BPF cookie per probe.
        cookies: &'a [u64],
        /// `BPF_F_UPROBE_MULTI_RETURN` (1) or 0.
        flags: u32,
        /// Only this process (0: every process).
        pid: u32,
    },
}

/// A u64 array for the kernel, or 0 for an empty one.
fn array(a: &[u64]) -> u64 {
    if a.is_empty() {
        0
    } else {
        a.as_ptr() as usize as u64
    }
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
    // The pointer array of `KprobeMulti::syms`, alive for the whole call.
    let sym_ptrs: Vec<u64>;
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
        LinkExtra::KprobeMulti {
            flags,
            syms,
            addrs,
            cookies,
        } => {
            let cnt = syms.len().max(addrs.len());
            if syms.is_empty() == addrs.is_empty() || (!cookies.is_empty() && cookies.len() != cnt)
            {
                return Err(io::Error::from_raw_os_error(libc::EINVAL));
            }
            sym_ptrs = syms.iter().map(|s| s.as_ptr() as usize as u64).collect();
            a.u32(16, flags);
            a.u32(
                20,
                u32::try_from(cnt).map_err(|_| io::Error::from_raw_os_error(libc::E2BIG))?,
            );
            a.u64(24, array(&sym_ptrs));
            a.u64(32, array(addrs));
            a.u64(40, array(cookies));
            48
        }
        LinkExtra::UprobeMulti {
            path,
            offsets,
            ref_ctr_offsets,
            cookies,
            flags,
            pid,
        } => {
            let cnt = offsets.len();
            if cnt == 0
                || (!ref_ctr_offsets.is_empty() && ref_ctr_offsets.len() != cnt)
                || (!cookies.is_empty() && cookies.len() != cnt)
            {
                return Err(io::Error::from_raw_os_error(libc::EINVAL));
            }
            a.u64(16, path.as_ptr() as usize as u64);
            a.u64(24, array(offsets));
            a.u64(32, array(ref_ctr_offsets));
            a.u64(40, array(cookies));
            a.u32(
                48,
                u32::try_from(cnt).map_err(|_| io::Error::from_raw_os_error(libc::E2BIG))?,
            );
            a.u32(52, flags);
            a.u32(56, pid);
            64
        }
    };
    // SAFETY: every pointer in the attr is borrowed from `extra` (or from
    // `sym_ptrs`, whose entries point at NUL-terminated strings borrowed
    // from `extra`) for the whole call; each array's length is the count
    // written beside it (checked above); the kernel only reads them.
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
