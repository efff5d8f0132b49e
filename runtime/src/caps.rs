//! Which capability a refused `bpf()` call lacked.
//!
//! The kernel answers `EPERM` (or `EACCES`) both when a capability is
//! missing and for other reasons (root gets `EPERM` when a kernel refuses
//! BPF trampolines), so the errno alone proves nothing. The calling
//! thread's effective capability set (`capget`, per thread on Linux) does.

use std::io;

use std::fmt;

/// A Linux capability the `bpf()` syscall checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Capability {
    /// `CAP_BPF` (or `CAP_SYS_ADMIN` before Linux 5.8): maps, programs, BTF.
    Bpf,
    /// `CAP_PERFMON`: tracing programs (kprobes, tracepoints, fentry...).
    Perfmon,
    /// `CAP_NET_ADMIN`: networking programs (XDP, tc, cgroup skb...).
    NetAdmin,
    /// `CAP_SYS_ADMIN`.
    SysAdmin,
}

impl Capability {
    /// The capability's number (`linux/capability.h`).
    pub fn number(self) -> u32 {
        match self {
            Capability::NetAdmin => 12,
            Capability::SysAdmin => 21,
            Capability::Perfmon => 38,
            Capability::Bpf => 39,
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Capability::Bpf => "CAP_BPF",
            Capability::Perfmon => "CAP_PERFMON",
            Capability::NetAdmin => "CAP_NET_ADMIN",
            Capability::SysAdmin => "CAP_SYS_ADMIN",
        })
    }
}

/// `_LINUX_CAPABILITY_VERSION_3`: two 32-bit words per set.
const VERSION_3: u32 = 0x2008_0522;

/// The calling thread's effective capability set as a 64-bit mask, or
/// `None` if `capget` fails.
pub fn effective() -> Option<u64> {
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    let mut header = Header {
        version: VERSION_3,
        pid: 0,
    };
    let mut data = [Data::default(); 2];
    // SAFETY: `header` and `data` are valid, writable and of the sizes
    // capget expects for version 3 (a header and two data words); both live
    // for the whole call. pid 0 is the calling thread.
    let r = unsafe {
        libc::syscall(
            libc::SYS_capget,
            &mut header as *mut Header,
            data.as_mut_ptr(),
        )
    };
    if r != 0 {
        return None;
    }
    Some(u64::from(data[0].effective) | (u64::from(data[1].effective) << 32))
}

/// Program types whose loading needs `CAP_PERFMON` (tracing).
fn needs_perfmon(prog_type: u32) -> bool {
    // kprobe, tracepoint, perf_event, raw_tracepoint, raw_tracepoint_writable,
    // tracing, struct_ops, ext, lsm (the kernel's is_perfmon_prog_type).
    matches!(prog_type, 2 | 5 | 7 | 17 | 24 | 26 | 27 | 28 | 29)
}

/// Program types whose loading needs `CAP_NET_ADMIN` (networking).
fn needs_net_admin(prog_type: u32) -> bool {
    // sched_cls, sched_act, xdp, lwt_in/out/xmit/seg6local, sk_skb, sk_msg,
    // flow_dissector, cgroup_device, cgroup_sock, cgroup_sock_addr,
    // cgroup_sockopt, cgroup_sysctl, sock_ops, ext, netfilter (the kernel's
    // is_net_admin_prog_type; cgroup_skb and sk_reuseport need CAP_BPF only).
    matches!(
        prog_type,
        3 | 4 | 6 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16 | 18 | 19 | 22 | 23 | 25 | 28 | 32
    )
}

/// The capability whose absence explains `err` from `op`, if `err` is a
/// permission error and the thread really lacks it. `prog_type` is given
/// for `BPF_PROG_LOAD`.
pub(crate) fn missing_for(op: &str, prog_type: Option<u32>, err: &io::Error) -> Option<Capability> {
    if !matches!(err.raw_os_error(), Some(libc::EPERM) | Some(libc::EACCES)) {
        return None;
    }
    if !op.starts_with("BPF_") {
        return None;
    }
    let set = effective()?;
    let has = |c: Capability| set & (1u64 << c.number()) != 0;
    let admin = has(Capability::SysAdmin);
    if !has(Capability::Bpf) && !admin {
        return Some(Capability::Bpf);
    }
    match prog_type {
        Some(t) if needs_perfmon(t) && !has(Capability::Perfmon) && !admin => {
            Some(Capability::Perfmon)
        }
        Some(t) if needs_net_admin(t) && !has(Capability::NetAdmin) && !admin => {
            Some(Capability::NetAdmin)
        }
        _ => None,
    }
}
