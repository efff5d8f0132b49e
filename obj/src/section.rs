//! Program types from section names, following libbpf's `SEC()` conventions.
//!
//! A rule `name` matches a section called exactly `name` or starting with
//! `name/`. A leading `?` on the section name means "not autoloaded" and is
//! stripped before matching.

/// Program types (`enum bpf_prog_type`).
#[allow(missing_docs)]
pub mod prog_type {
    pub const SOCKET_FILTER: u32 = 1;
    pub const KPROBE: u32 = 2;
    pub const SCHED_CLS: u32 = 3;
    pub const SCHED_ACT: u32 = 4;
    pub const TRACEPOINT: u32 = 5;
    pub const XDP: u32 = 6;
    pub const PERF_EVENT: u32 = 7;
    pub const CGROUP_SKB: u32 = 8;
    pub const CGROUP_SOCK: u32 = 9;
    pub const LWT_IN: u32 = 10;
    pub const LWT_OUT: u32 = 11;
    pub const LWT_XMIT: u32 = 12;
    pub const SOCK_OPS: u32 = 13;
    pub const SK_SKB: u32 = 14;
    pub const CGROUP_DEVICE: u32 = 15;
    pub const SK_MSG: u32 = 16;
    pub const RAW_TRACEPOINT: u32 = 17;
    pub const CGROUP_SOCK_ADDR: u32 = 18;
    pub const LWT_SEG6LOCAL: u32 = 19;
    pub const LIRC_MODE2: u32 = 20;
    pub const SK_REUSEPORT: u32 = 21;
    pub const FLOW_DISSECTOR: u32 = 22;
    pub const CGROUP_SYSCTL: u32 = 23;
    pub const RAW_TRACEPOINT_WRITABLE: u32 = 24;
    pub const CGROUP_SOCKOPT: u32 = 25;
    pub const TRACING: u32 = 26;
    pub const LSM: u32 = 29;
    pub const SK_LOOKUP: u32 = 30;
    pub const SYSCALL: u32 = 31;
    pub const NETFILTER: u32 = 32;
}

/// A short name for a program type, for docs and messages.
pub fn prog_type_name(t: u32) -> &'static str {
    use prog_type::*;
    match t {
        SOCKET_FILTER => "socket filter",
        KPROBE => "kprobe",
        SCHED_CLS => "tc classifier",
        SCHED_ACT => "tc action",
        TRACEPOINT => "tracepoint",
        XDP => "XDP",
        PERF_EVENT => "perf event",
        CGROUP_SKB => "cgroup skb",
        CGROUP_SOCK => "cgroup sock",
        LWT_IN | LWT_OUT | LWT_XMIT | LWT_SEG6LOCAL => "lightweight tunnel",
        SOCK_OPS => "sock_ops",
        SK_SKB => "sk_skb",
        CGROUP_DEVICE => "cgroup device",
        SK_MSG => "sk_msg",
        RAW_TRACEPOINT => "raw tracepoint",
        CGROUP_SOCK_ADDR => "cgroup sock_addr",
        LIRC_MODE2 => "lirc_mode2",
        SK_REUSEPORT => "sk_reuseport",
        FLOW_DISSECTOR => "flow dissector",
        CGROUP_SYSCTL => "cgroup sysctl",
        RAW_TRACEPOINT_WRITABLE => "writable raw tracepoint",
        CGROUP_SOCKOPT => "cgroup sockopt",
        TRACING => "tracing",
        LSM => "LSM",
        SK_LOOKUP => "sk_lookup",
        SYSCALL => "syscall",
        NETFILTER => "netfilter",
        _ => "unknown",
    }
}

/// Attach types (`enum bpf_attach_type`).
#[allow(missing_docs)]
pub mod attach_type {
    pub const CGROUP_INET_INGRESS: u32 = 0;
    pub const CGROUP_INET_EGRESS: u32 = 1;
    pub const CGROUP_INET_SOCK_CREATE: u32 = 2;
    pub const CGROUP_SOCK_OPS: u32 = 3;
    pub const SK_SKB_STREAM_PARSER: u32 = 4;
    pub const SK_SKB_STREAM_VERDICT: u32 = 5;
    pub const CGROUP_DEVICE: u32 = 6;
    pub const SK_MSG_VERDICT: u32 = 7;
    pub const CGROUP_INET4_BIND: u32 = 8;
    pub const CGROUP_INET6_BIND: u32 = 9;
    pub const CGROUP_INET4_CONNECT: u32 = 10;
    pub const CGROUP_INET6_CONNECT: u32 = 11;
    pub const CGROUP_INET4_POST_BIND: u32 = 12;
    pub const CGROUP_INET6_POST_BIND: u32 = 13;
    pub const CGROUP_UDP4_SENDMSG: u32 = 14;
    pub const CGROUP_UDP6_SENDMSG: u32 = 15;
    pub const LIRC_MODE2: u32 = 16;
    pub const FLOW_DISSECTOR: u32 = 17;
    pub const CGROUP_SYSCTL: u32 = 18;
    pub const CGROUP_UDP4_RECVMSG: u32 = 19;
    pub const CGROUP_UDP6_RECVMSG: u32 = 20;
    pub const CGROUP_GETSOCKOPT: u32 = 21;
    pub const CGROUP_SETSOCKOPT: u32 = 22;
    pub const TRACE_RAW_TP: u32 = 23;
    pub const TRACE_FENTRY: u32 = 24;
    pub const TRACE_FEXIT: u32 = 25;
    pub const MODIFY_RETURN: u32 = 26;
    pub const LSM_MAC: u32 = 27;
    pub const TRACE_ITER: u32 = 28;
    pub const CGROUP_INET4_GETPEERNAME: u32 = 29;
    pub const CGROUP_INET6_GETPEERNAME: u32 = 30;
    pub const CGROUP_INET4_GETSOCKNAME: u32 = 31;
    pub const CGROUP_INET6_GETSOCKNAME: u32 = 32;
    pub const XDP_DEVMAP: u32 = 33;
    pub const CGROUP_INET_SOCK_RELEASE: u32 = 34;
    pub const XDP_CPUMAP: u32 = 35;
    pub const SK_LOOKUP: u32 = 36;
    pub const XDP: u32 = 37;
    pub const SK_SKB_VERDICT: u32 = 38;
    pub const PERF_EVENT: u32 = 41;
    pub const NETFILTER: u32 = 45;
    pub const TCX_INGRESS: u32 = 46;
    pub const TCX_EGRESS: u32 = 47;
}

/// How a tracing-style program finds its attach target in vmlinux BTF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachTarget {
    /// `fentry/F`, `fexit/F`, `fmod_ret/F`: the `FUNC` named `F`.
    Func(String),
    /// `tp_btf/T`: the `TYPEDEF` named `btf_trace_T`.
    TracepointBtf(String),
    /// `lsm/H`: the `FUNC` named `bpf_lsm_H`.
    Lsm(String),
    /// `iter/I`: the `FUNC` named `bpf_iter_I`.
    Iter(String),
}

impl AttachTarget {
    /// The vmlinux BTF type name to look up, and whether it is a `FUNC`
    /// (else a `TYPEDEF`).
    pub fn btf_name(&self) -> (String, bool) {
        match self {
            AttachTarget::Func(f) => (f.clone(), true),
            AttachTarget::TracepointBtf(t) => (format!("btf_trace_{t}"), false),
            AttachTarget::Lsm(h) => (format!("bpf_lsm_{h}"), true),
            AttachTarget::Iter(i) => (format!("bpf_iter_{i}"), true),
        }
    }
}

/// What a section name says about the programs in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgKind {
    /// `enum bpf_prog_type`.
    pub prog_type: u32,
    /// `expected_attach_type` passed at load.
    pub expected_attach_type: Option<u32>,
    /// For tracing/LSM/iterator programs, the vmlinux BTF target.
    pub attach_target: Option<AttachTarget>,
    /// Extra `prog_flags` (sleepable, XDP frags).
    pub flags: u32,
    /// Whether the section name had the `?` (no autoload) prefix.
    pub autoload: bool,
}

const SLEEPABLE: u32 = 1 << 4;
const XDP_HAS_FRAGS: u32 = 1 << 5;

use attach_type as at;
use prog_type as pt;

/// The table: (name, prog type, expected attach type, flags).
/// Longer names come before their prefixes.
const RULES: &[(&str, u32, Option<u32>, u32)] = &[
    ("socket", pt::SOCKET_FILTER, None, 0),
    ("sk_reuseport/migrate", pt::SK_REUSEPORT, Some(40), 0),
    ("sk_reuseport", pt::SK_REUSEPORT, Some(39), 0),
    ("kprobe", pt::KPROBE, None, 0),
    ("kretprobe", pt::KPROBE, None, 0),
    ("uprobe.s", pt::KPROBE, None, SLEEPABLE),
    ("uprobe", pt::KPROBE, None, 0),
    ("uretprobe.s", pt::KPROBE, None, SLEEPABLE),
    ("uretprobe", pt::KPROBE, None, 0),
    ("ksyscall", pt::KPROBE, None, 0),
    ("kretsyscall", pt::KPROBE, None, 0),
    ("usdt", pt::KPROBE, None, 0),
    ("tc/ingress", pt::SCHED_CLS, Some(at::TCX_INGRESS), 0),
    ("tc/egress", pt::SCHED_CLS, Some(at::TCX_EGRESS), 0),
    ("tcx/ingress", pt::SCHED_CLS, Some(at::TCX_INGRESS), 0),
    ("tcx/egress", pt::SCHED_CLS, Some(at::TCX_EGRESS), 0),
    ("tc", pt::SCHED_CLS, None, 0),
    ("classifier", pt::SCHED_CLS, None, 0),
    ("action", pt::SCHED_ACT, None, 0),
    ("tracepoint", pt::TRACEPOINT, None, 0),
    ("tp", pt::TRACEPOINT, None, 0),
    ("raw_tracepoint.w", pt::RAW_TRACEPOINT_WRITABLE, None, 0),
    ("raw_tp.w", pt::RAW_TRACEPOINT_WRITABLE, None, 0),
    ("raw_tracepoint", pt::RAW_TRACEPOINT, None, 0),
    ("raw_tp", pt::RAW_TRACEPOINT, None, 0),
    ("tp_btf", pt::TRACING, Some(at::TRACE_RAW_TP), 0),
    ("fentry.s", pt::TRACING, Some(at::TRACE_FENTRY), SLEEPABLE),
    ("fentry", pt::TRACING, Some(at::TRACE_FENTRY), 0),
    ("fexit.s", pt::TRACING, Some(at::TRACE_FEXIT), SLEEPABLE),
    ("fexit", pt::TRACING, Some(at::TRACE_FEXIT), 0),
    (
        "fmod_ret.s",
        pt::TRACING,
        Some(at::MODIFY_RETURN),
        SLEEPABLE,
    ),
    ("fmod_ret", pt::TRACING, Some(at::MODIFY_RETURN), 0),
    ("lsm.s", pt::LSM, Some(at::LSM_MAC), SLEEPABLE),
    ("lsm", pt::LSM, Some(at::LSM_MAC), 0),
    ("iter.s", pt::TRACING, Some(at::TRACE_ITER), SLEEPABLE),
    ("iter", pt::TRACING, Some(at::TRACE_ITER), 0),
    ("syscall", pt::SYSCALL, None, SLEEPABLE),
    (
        "xdp.frags/devmap",
        pt::XDP,
        Some(at::XDP_DEVMAP),
        XDP_HAS_FRAGS,
    ),
    ("xdp/devmap", pt::XDP, Some(at::XDP_DEVMAP), 0),
    (
        "xdp.frags/cpumap",
        pt::XDP,
        Some(at::XDP_CPUMAP),
        XDP_HAS_FRAGS,
    ),
    ("xdp/cpumap", pt::XDP, Some(at::XDP_CPUMAP), 0),
    ("xdp.frags", pt::XDP, Some(at::XDP), XDP_HAS_FRAGS),
    ("xdp", pt::XDP, Some(at::XDP), 0),
    ("perf_event", pt::PERF_EVENT, None, 0),
    ("lwt_in", pt::LWT_IN, None, 0),
    ("lwt_out", pt::LWT_OUT, None, 0),
    ("lwt_xmit", pt::LWT_XMIT, None, 0),
    ("lwt_seg6local", pt::LWT_SEG6LOCAL, None, 0),
    ("sockops", pt::SOCK_OPS, Some(at::CGROUP_SOCK_OPS), 0),
    (
        "sk_skb/stream_parser",
        pt::SK_SKB,
        Some(at::SK_SKB_STREAM_PARSER),
        0,
    ),
    (
        "sk_skb/stream_verdict",
        pt::SK_SKB,
        Some(at::SK_SKB_STREAM_VERDICT),
        0,
    ),
    ("sk_skb/verdict", pt::SK_SKB, Some(at::SK_SKB_VERDICT), 0),
    ("sk_skb", pt::SK_SKB, None, 0),
    ("sk_msg", pt::SK_MSG, Some(at::SK_MSG_VERDICT), 0),
    ("lirc_mode2", pt::LIRC_MODE2, Some(at::LIRC_MODE2), 0),
    (
        "flow_dissector",
        pt::FLOW_DISSECTOR,
        Some(at::FLOW_DISSECTOR),
        0,
    ),
    (
        "cgroup_skb/ingress",
        pt::CGROUP_SKB,
        Some(at::CGROUP_INET_INGRESS),
        0,
    ),
    (
        "cgroup_skb/egress",
        pt::CGROUP_SKB,
        Some(at::CGROUP_INET_EGRESS),
        0,
    ),
    ("cgroup/skb", pt::CGROUP_SKB, None, 0),
    (
        "cgroup/sock_create",
        pt::CGROUP_SOCK,
        Some(at::CGROUP_INET_SOCK_CREATE),
        0,
    ),
    (
        "cgroup/sock_release",
        pt::CGROUP_SOCK,
        Some(at::CGROUP_INET_SOCK_RELEASE),
        0,
    ),
    (
        "cgroup/sock",
        pt::CGROUP_SOCK,
        Some(at::CGROUP_INET_SOCK_CREATE),
        0,
    ),
    (
        "cgroup/post_bind4",
        pt::CGROUP_SOCK,
        Some(at::CGROUP_INET4_POST_BIND),
        0,
    ),
    (
        "cgroup/post_bind6",
        pt::CGROUP_SOCK,
        Some(at::CGROUP_INET6_POST_BIND),
        0,
    ),
    ("cgroup/dev", pt::CGROUP_DEVICE, Some(at::CGROUP_DEVICE), 0),
    (
        "cgroup/bind4",
        pt::CGROUP_SOCK_ADDR,
        Some(at::CGROUP_INET4_BIND),
        0,
    ),
    (
        "cgroup/bind6",
        pt::CGROUP_SOCK_ADDR,
        Some(at::CGROUP_INET6_BIND),
        0,
    ),
    (
        "cgroup/connect4",
        pt::CGROUP_SOCK_ADDR,
        Some(at::CGROUP_INET4_CONNECT),
        0,
    ),
    (
        "cgroup/connect6",
        pt::CGROUP_SOCK_ADDR,
        Some(at::CGROUP_INET6_CONNECT),
        0,
    ),
    (
        "cgroup/sendmsg4",
        pt::CGROUP_SOCK_ADDR,
        Some(at::CGROUP_UDP4_SENDMSG),
        0,
    ),
    (
        "cgroup/sendmsg6",
        pt::CGROUP_SOCK_ADDR,
        Some(at::CGROUP_UDP6_SENDMSG),
        0,
    ),
    (
        "cgroup/recvmsg4",
        pt::CGROUP_SOCK_ADDR,
        Some(at::CGROUP_UDP4_RECVMSG),
        0,
    ),
    (
        "cgroup/recvmsg6",
        pt::CGROUP_SOCK_ADDR,
        Some(at::CGROUP_UDP6_RECVMSG),
        0,
    ),
    (
        "cgroup/getpeername4",
        pt::CGROUP_SOCK_ADDR,
        Some(at::CGROUP_INET4_GETPEERNAME),
        0,
    ),
    (
        "cgroup/getpeername6",
        pt::CGROUP_SOCK_ADDR,
        Some(at::CGROUP_INET6_GETPEERNAME),
        0,
    ),
    (
        "cgroup/getsockname4",
        pt::CGROUP_SOCK_ADDR,
        Some(at::CGROUP_INET4_GETSOCKNAME),
        0,
    ),
    (
        "cgroup/getsockname6",
        pt::CGROUP_SOCK_ADDR,
        Some(at::CGROUP_INET6_GETSOCKNAME),
        0,
    ),
    (
        "cgroup/sysctl",
        pt::CGROUP_SYSCTL,
        Some(at::CGROUP_SYSCTL),
        0,
    ),
    (
        "cgroup/getsockopt",
        pt::CGROUP_SOCKOPT,
        Some(at::CGROUP_GETSOCKOPT),
        0,
    ),
    (
        "cgroup/setsockopt",
        pt::CGROUP_SOCKOPT,
        Some(at::CGROUP_SETSOCKOPT),
        0,
    ),
    ("sk_lookup", pt::SK_LOOKUP, Some(at::SK_LOOKUP), 0),
    ("netfilter", pt::NETFILTER, Some(at::NETFILTER), 0),
];

/// Classifies a program section. `None` means the name follows no known
/// convention (the caller reports it with the program's name).
pub fn classify(section: &str) -> Option<ProgKind> {
    let (autoload, name) = match section.strip_prefix('?') {
        Some(rest) => (false, rest),
        None => (true, section),
    };
    RULES.iter().find_map(|&(rule, prog_type, attach, flags)| {
        let rest = name.strip_prefix(rule)?;
        let target = if rest.is_empty() {
            ""
        } else {
            rest.strip_prefix('/')?
        };
        let attach_target = match rule.trim_end_matches(".s") {
            "fentry" | "fexit" | "fmod_ret" => Some(AttachTarget::Func(target.to_string())),
            "tp_btf" => Some(AttachTarget::TracepointBtf(target.to_string())),
            "lsm" => Some(AttachTarget::Lsm(target.to_string())),
            "iter" => Some(AttachTarget::Iter(target.to_string())),
            _ => None,
        };
        Some(ProgKind {
            prog_type,
            expected_attach_type: attach,
            attach_target,
            flags,
            autoload,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conventions() {
        let k = classify("xdp").unwrap();
        assert_eq!(
            (k.prog_type, k.expected_attach_type),
            (pt::XDP, Some(at::XDP))
        );
        assert!(k.autoload);
        let k = classify("?tracepoint/syscalls/sys_enter_getpid").unwrap();
        assert_eq!(k.prog_type, pt::TRACEPOINT);
        assert!(!k.autoload);
        let k = classify("fentry.s/do_sys_open").unwrap();
        assert_eq!(
            k.attach_target,
            Some(AttachTarget::Func("do_sys_open".into()))
        );
        assert_eq!(k.flags, SLEEPABLE);
        let k = classify("cgroup_skb/egress").unwrap();
        assert_eq!(k.expected_attach_type, Some(at::CGROUP_INET_EGRESS));
        assert_eq!(
            classify("cgroup/connect4").unwrap().prog_type,
            pt::CGROUP_SOCK_ADDR
        );
        assert_eq!(classify("tc").unwrap().prog_type, pt::SCHED_CLS);
        assert_eq!(classify("classifier/foo").unwrap().prog_type, pt::SCHED_CLS);
        assert!(classify("xdpfoo").is_none());
        assert!(classify("mystery").is_none());
        assert_eq!(
            classify("lsm/file_open")
                .unwrap()
                .attach_target
                .unwrap()
                .btf_name(),
            ("bpf_lsm_file_open".to_string(), true)
        );
    }
}
