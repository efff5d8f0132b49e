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
    /// `freplace/F`: the function `F` of a target BPF program (given at
    /// run time, not in vmlinux).
    Replace(String),
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
            AttachTarget::Replace(f) => (f.clone(), true),
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
    /// Whether the program type needs a BTF attach target (libbpf's
    /// `SEC_ATTACH_BTF`): without one in the section name it cannot load.
    pub needs_btf_target: bool,
    /// Extra `prog_flags` (sleepable, XDP frags).
    pub flags: u32,
    /// Whether the section name had the `?` (no autoload) prefix.
    pub autoload: bool,
    /// The libbpf `SEC()` rule that matched, e.g. `"kprobe.multi"` (empty
    /// when none did).
    pub rule: &'static str,
}

const SLEEPABLE: u32 = 1 << 4;
const XDP_HAS_FRAGS: u32 = 1 << 5;

use attach_type as at;
use prog_type as pt;

/// How a rule's name matches a section name (libbpf's `sec_def_matches`).
#[derive(Clone, Copy)]
enum Match {
    /// The section is exactly the name (`SEC("xdp")`).
    Exact,
    /// The name, alone or followed by `/` and anything (libbpf's `name+`).
    Plus,
}

/// What else a rule says (libbpf's `SEC_*` flags that change loading).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Extra {
    None,
    /// `BPF_F_SLEEPABLE`.
    Sleepable,
    /// `BPF_F_XDP_HAS_FRAGS`.
    Frags,
    /// The part after `/` names a BTF attach target (`SEC_ATTACH_BTF`).
    Btf,
    /// Both.
    BtfSleepable,
}

/// Program types without a constant above.
const STRUCT_OPS: u32 = 27;
const EXT: u32 = 28;
/// Attach types without a constant above.
const SK_REUSEPORT_SELECT: u32 = 39;
const SK_REUSEPORT_SELECT_OR_MIGRATE: u32 = 40;
const TRACE_KPROBE_MULTI: u32 = 42;
const LSM_CGROUP: u32 = 43;
const TRACE_UPROBE_MULTI: u32 = 48;
const CGROUP_UNIX_CONNECT: u32 = 49;
const CGROUP_UNIX_SENDMSG: u32 = 50;
const CGROUP_UNIX_RECVMSG: u32 = 51;
const CGROUP_UNIX_GETPEERNAME: u32 = 52;
const CGROUP_UNIX_GETSOCKNAME: u32 = 53;
const NETKIT_PRIMARY: u32 = 54;
const NETKIT_PEER: u32 = 55;
const TRACE_KPROBE_SESSION: u32 = 56;
const TRACE_UPROBE_SESSION: u32 = 57;
const TRACE_FSESSION: u32 = 58;

use Extra::{Btf, BtfSleepable, Frags, Sleepable};
use Match::{Exact, Plus};

/// libbpf 1.7's `section_defs`, entry by entry and in its order (the first
/// match wins): (name, how it matches, prog type, expected attach type,
/// extra). An expected attach type of 0 is passed as 0, as libbpf does.
#[rustfmt::skip]
const RULES: &[(&str, Match, u32, u32, Extra)] = &[
    ("socket", Exact, pt::SOCKET_FILTER, 0, Extra::None),
    ("sk_reuseport/migrate", Exact, pt::SK_REUSEPORT, SK_REUSEPORT_SELECT_OR_MIGRATE, Extra::None),
    ("sk_reuseport", Exact, pt::SK_REUSEPORT, SK_REUSEPORT_SELECT, Extra::None),
    ("kprobe", Plus, pt::KPROBE, 0, Extra::None),
    ("uprobe", Plus, pt::KPROBE, 0, Extra::None),
    ("uprobe.s", Plus, pt::KPROBE, 0, Sleepable),
    ("kretprobe", Plus, pt::KPROBE, 0, Extra::None),
    ("uretprobe", Plus, pt::KPROBE, 0, Extra::None),
    ("uretprobe.s", Plus, pt::KPROBE, 0, Sleepable),
    ("kprobe.multi", Plus, pt::KPROBE, TRACE_KPROBE_MULTI, Extra::None),
    ("kretprobe.multi", Plus, pt::KPROBE, TRACE_KPROBE_MULTI, Extra::None),
    ("kprobe.session", Plus, pt::KPROBE, TRACE_KPROBE_SESSION, Extra::None),
    ("uprobe.multi", Plus, pt::KPROBE, TRACE_UPROBE_MULTI, Extra::None),
    ("uretprobe.multi", Plus, pt::KPROBE, TRACE_UPROBE_MULTI, Extra::None),
    ("uprobe.session", Plus, pt::KPROBE, TRACE_UPROBE_SESSION, Extra::None),
    ("uprobe.multi.s", Plus, pt::KPROBE, TRACE_UPROBE_MULTI, Sleepable),
    ("uretprobe.multi.s", Plus, pt::KPROBE, TRACE_UPROBE_MULTI, Sleepable),
    ("uprobe.session.s", Plus, pt::KPROBE, TRACE_UPROBE_SESSION, Sleepable),
    ("ksyscall", Plus, pt::KPROBE, 0, Extra::None),
    ("kretsyscall", Plus, pt::KPROBE, 0, Extra::None),
    ("usdt", Plus, pt::KPROBE, 0, Extra::None),
    ("usdt.s", Plus, pt::KPROBE, 0, Sleepable),
    ("tc/ingress", Exact, pt::SCHED_CLS, at::TCX_INGRESS, Extra::None),
    ("tc/egress", Exact, pt::SCHED_CLS, at::TCX_EGRESS, Extra::None),
    ("tcx/ingress", Exact, pt::SCHED_CLS, at::TCX_INGRESS, Extra::None),
    ("tcx/egress", Exact, pt::SCHED_CLS, at::TCX_EGRESS, Extra::None),
    ("tc", Exact, pt::SCHED_CLS, 0, Extra::None),
    ("classifier", Exact, pt::SCHED_CLS, 0, Extra::None),
    ("action", Exact, pt::SCHED_ACT, 0, Extra::None),
    ("netkit/primary", Exact, pt::SCHED_CLS, NETKIT_PRIMARY, Extra::None),
    ("netkit/peer", Exact, pt::SCHED_CLS, NETKIT_PEER, Extra::None),
    ("tracepoint", Plus, pt::TRACEPOINT, 0, Extra::None),
    ("tp", Plus, pt::TRACEPOINT, 0, Extra::None),
    ("raw_tracepoint", Plus, pt::RAW_TRACEPOINT, 0, Extra::None),
    ("raw_tp", Plus, pt::RAW_TRACEPOINT, 0, Extra::None),
    ("raw_tracepoint.w", Plus, pt::RAW_TRACEPOINT_WRITABLE, 0, Extra::None),
    ("raw_tp.w", Plus, pt::RAW_TRACEPOINT_WRITABLE, 0, Extra::None),
    ("tp_btf", Plus, pt::TRACING, at::TRACE_RAW_TP, Btf),
    ("fentry", Plus, pt::TRACING, at::TRACE_FENTRY, Btf),
    ("fmod_ret", Plus, pt::TRACING, at::MODIFY_RETURN, Btf),
    ("fexit", Plus, pt::TRACING, at::TRACE_FEXIT, Btf),
    ("fentry.s", Plus, pt::TRACING, at::TRACE_FENTRY, BtfSleepable),
    ("fmod_ret.s", Plus, pt::TRACING, at::MODIFY_RETURN, BtfSleepable),
    ("fexit.s", Plus, pt::TRACING, at::TRACE_FEXIT, BtfSleepable),
    ("fsession", Plus, pt::TRACING, TRACE_FSESSION, Btf),
    ("fsession.s", Plus, pt::TRACING, TRACE_FSESSION, BtfSleepable),
    ("freplace", Plus, EXT, 0, Btf),
    ("lsm", Plus, pt::LSM, at::LSM_MAC, Btf),
    ("lsm.s", Plus, pt::LSM, at::LSM_MAC, BtfSleepable),
    ("lsm_cgroup", Plus, pt::LSM, LSM_CGROUP, Btf),
    ("iter", Plus, pt::TRACING, at::TRACE_ITER, Btf),
    ("iter.s", Plus, pt::TRACING, at::TRACE_ITER, BtfSleepable),
    ("syscall", Exact, pt::SYSCALL, 0, Sleepable),
    ("xdp.frags/devmap", Exact, pt::XDP, at::XDP_DEVMAP, Frags),
    ("xdp/devmap", Exact, pt::XDP, at::XDP_DEVMAP, Extra::None),
    ("xdp.frags/cpumap", Exact, pt::XDP, at::XDP_CPUMAP, Frags),
    ("xdp/cpumap", Exact, pt::XDP, at::XDP_CPUMAP, Extra::None),
    ("xdp.frags", Exact, pt::XDP, at::XDP, Frags),
    ("xdp", Exact, pt::XDP, at::XDP, Extra::None),
    ("perf_event", Exact, pt::PERF_EVENT, 0, Extra::None),
    ("lwt_in", Exact, pt::LWT_IN, 0, Extra::None),
    ("lwt_out", Exact, pt::LWT_OUT, 0, Extra::None),
    ("lwt_xmit", Exact, pt::LWT_XMIT, 0, Extra::None),
    ("lwt_seg6local", Exact, pt::LWT_SEG6LOCAL, 0, Extra::None),
    ("sockops", Exact, pt::SOCK_OPS, at::CGROUP_SOCK_OPS, Extra::None),
    ("sk_skb/stream_parser", Exact, pt::SK_SKB, at::SK_SKB_STREAM_PARSER, Extra::None),
    ("sk_skb/stream_verdict", Exact, pt::SK_SKB, at::SK_SKB_STREAM_VERDICT, Extra::None),
    ("sk_skb/verdict", Exact, pt::SK_SKB, at::SK_SKB_VERDICT, Extra::None),
    ("sk_skb", Exact, pt::SK_SKB, 0, Extra::None),
    ("sk_msg", Exact, pt::SK_MSG, at::SK_MSG_VERDICT, Extra::None),
    ("lirc_mode2", Exact, pt::LIRC_MODE2, at::LIRC_MODE2, Extra::None),
    ("flow_dissector", Exact, pt::FLOW_DISSECTOR, at::FLOW_DISSECTOR, Extra::None),
    ("cgroup_skb/ingress", Exact, pt::CGROUP_SKB, at::CGROUP_INET_INGRESS, Extra::None),
    ("cgroup_skb/egress", Exact, pt::CGROUP_SKB, at::CGROUP_INET_EGRESS, Extra::None),
    ("cgroup/skb", Exact, pt::CGROUP_SKB, 0, Extra::None),
    ("cgroup/sock_create", Exact, pt::CGROUP_SOCK, at::CGROUP_INET_SOCK_CREATE, Extra::None),
    ("cgroup/sock_release", Exact, pt::CGROUP_SOCK, at::CGROUP_INET_SOCK_RELEASE, Extra::None),
    ("cgroup/sock", Exact, pt::CGROUP_SOCK, at::CGROUP_INET_SOCK_CREATE, Extra::None),
    ("cgroup/post_bind4", Exact, pt::CGROUP_SOCK, at::CGROUP_INET4_POST_BIND, Extra::None),
    ("cgroup/post_bind6", Exact, pt::CGROUP_SOCK, at::CGROUP_INET6_POST_BIND, Extra::None),
    ("cgroup/bind4", Exact, pt::CGROUP_SOCK_ADDR, at::CGROUP_INET4_BIND, Extra::None),
    ("cgroup/bind6", Exact, pt::CGROUP_SOCK_ADDR, at::CGROUP_INET6_BIND, Extra::None),
    ("cgroup/connect4", Exact, pt::CGROUP_SOCK_ADDR, at::CGROUP_INET4_CONNECT, Extra::None),
    ("cgroup/connect6", Exact, pt::CGROUP_SOCK_ADDR, at::CGROUP_INET6_CONNECT, Extra::None),
    ("cgroup/connect_unix", Exact, pt::CGROUP_SOCK_ADDR, CGROUP_UNIX_CONNECT, Extra::None),
    ("cgroup/sendmsg4", Exact, pt::CGROUP_SOCK_ADDR, at::CGROUP_UDP4_SENDMSG, Extra::None),
    ("cgroup/sendmsg6", Exact, pt::CGROUP_SOCK_ADDR, at::CGROUP_UDP6_SENDMSG, Extra::None),
    ("cgroup/sendmsg_unix", Exact, pt::CGROUP_SOCK_ADDR, CGROUP_UNIX_SENDMSG, Extra::None),
    ("cgroup/recvmsg4", Exact, pt::CGROUP_SOCK_ADDR, at::CGROUP_UDP4_RECVMSG, Extra::None),
    ("cgroup/recvmsg6", Exact, pt::CGROUP_SOCK_ADDR, at::CGROUP_UDP6_RECVMSG, Extra::None),
    ("cgroup/recvmsg_unix", Exact, pt::CGROUP_SOCK_ADDR, CGROUP_UNIX_RECVMSG, Extra::None),
    ("cgroup/getpeername4", Exact, pt::CGROUP_SOCK_ADDR, at::CGROUP_INET4_GETPEERNAME, Extra::None),
    ("cgroup/getpeername6", Exact, pt::CGROUP_SOCK_ADDR, at::CGROUP_INET6_GETPEERNAME, Extra::None),
    ("cgroup/getpeername_unix", Exact, pt::CGROUP_SOCK_ADDR, CGROUP_UNIX_GETPEERNAME, Extra::None),
    ("cgroup/getsockname4", Exact, pt::CGROUP_SOCK_ADDR, at::CGROUP_INET4_GETSOCKNAME, Extra::None),
    ("cgroup/getsockname6", Exact, pt::CGROUP_SOCK_ADDR, at::CGROUP_INET6_GETSOCKNAME, Extra::None),
    ("cgroup/getsockname_unix", Exact, pt::CGROUP_SOCK_ADDR, CGROUP_UNIX_GETSOCKNAME, Extra::None),
    ("cgroup/sysctl", Exact, pt::CGROUP_SYSCTL, at::CGROUP_SYSCTL, Extra::None),
    ("cgroup/getsockopt", Exact, pt::CGROUP_SOCKOPT, at::CGROUP_GETSOCKOPT, Extra::None),
    ("cgroup/setsockopt", Exact, pt::CGROUP_SOCKOPT, at::CGROUP_SETSOCKOPT, Extra::None),
    ("cgroup/dev", Exact, pt::CGROUP_DEVICE, at::CGROUP_DEVICE, Extra::None),
    ("struct_ops", Plus, STRUCT_OPS, 0, Extra::None),
    ("struct_ops.s", Plus, STRUCT_OPS, 0, Sleepable),
    ("sk_lookup", Exact, pt::SK_LOOKUP, at::SK_LOOKUP, Extra::None),
    ("netfilter", Exact, pt::NETFILTER, at::NETFILTER, Extra::None),
];

/// Classifies a program section as libbpf 1.7 does. `None` means the name
/// matches none of libbpf's rules: such a program has no type, and loading
/// it is an error for that program alone (libbpf: "missing BPF prog type").
pub fn classify(section: &str) -> Option<ProgKind> {
    let (autoload, name) = match section.strip_prefix('?') {
        Some(rest) => (false, rest),
        None => (true, section),
    };
    RULES
        .iter()
        .find(|&&(rule, how, ..)| match how {
            Exact => name == rule,
            Plus => name
                .strip_prefix(rule)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/')),
        })
        .map(|&(rule, _, prog_type, attach, extra)| {
            let target = name
                .strip_prefix(rule)
                .and_then(|rest| rest.strip_prefix('/'))
                .unwrap_or("");
            let btf = matches!(extra, Btf | BtfSleepable);
            let attach_target =
                (btf && !target.is_empty()).then(|| match rule.trim_end_matches(".s") {
                    "tp_btf" => AttachTarget::TracepointBtf(target.to_string()),
                    "lsm" | "lsm_cgroup" => AttachTarget::Lsm(target.to_string()),
                    "iter" => AttachTarget::Iter(target.to_string()),
                    "freplace" => AttachTarget::Replace(target.to_string()),
                    _ => AttachTarget::Func(target.to_string()),
                });
            let flags = match extra {
                Sleepable | BtfSleepable => SLEEPABLE,
                Frags => XDP_HAS_FRAGS,
                _ => 0,
            };
            ProgKind {
                prog_type,
                expected_attach_type: Some(attach),
                attach_target,
                needs_btf_target: btf,
                flags,
                autoload,
                rule,
            }
        })
}

/// The kind of a program whose section follows no convention: no program
/// type (`BPF_PROG_TYPE_UNSPEC`), so it cannot be loaded; the object still
/// opens and its other programs load.
pub fn unknown(section: &str) -> ProgKind {
    ProgKind {
        prog_type: 0,
        expected_attach_type: None,
        attach_target: None,
        needs_btf_target: false,
        flags: 0,
        autoload: !section.starts_with('?'),
        rule: "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(section: &str) -> (u32, u32, u32) {
        let k = classify(section).unwrap_or_else(|| panic!("{section} not classified"));
        (
            k.prog_type,
            k.expected_attach_type.unwrap_or(u32::MAX),
            k.flags,
        )
    }

    #[test]
    fn libbpf_conventions() {
        // (section, prog type, expected attach type, flags), from libbpf
        // 1.7's section_defs.
        let cases: &[(&str, u32, u32, u32)] = &[
            ("socket", 1, 0, 0),
            ("sk_reuseport/migrate", 21, 40, 0),
            ("kprobe/do_unlinkat", 2, 0, 0),
            ("kretprobe", 2, 0, 0),
            ("uprobe.s//bin/true:main", 2, 0, SLEEPABLE),
            ("kprobe.multi/tcp_*", 2, 42, 0),
            ("kretprobe.multi/x", 2, 42, 0),
            ("kprobe.session/x", 2, 56, 0),
            ("uprobe.multi/x", 2, 48, 0),
            ("uretprobe.multi.s/x", 2, 48, SLEEPABLE),
            ("uprobe.session.s/x", 2, 57, SLEEPABLE),
            ("ksyscall/openat", 2, 0, 0),
            ("usdt/libc:setjmp", 2, 0, 0),
            ("usdt.s/x", 2, 0, SLEEPABLE),
            ("tc/ingress", 3, 46, 0),
            ("tcx/egress", 3, 47, 0),
            ("tc", 3, 0, 0),
            ("classifier", 3, 0, 0),
            ("action", 4, 0, 0),
            ("netkit/primary", 3, 54, 0),
            ("netkit/peer", 3, 55, 0),
            ("tp/syscalls/sys_enter_getpid", 5, 0, 0),
            ("raw_tp.w/x", 24, 0, 0),
            ("tp_btf/sched_switch", 26, 23, 0),
            ("fentry.s/do_sys_open", 26, 24, SLEEPABLE),
            ("fmod_ret/x", 26, 26, 0),
            ("fsession/x", 26, 58, 0),
            ("fsession.s/x", 26, 58, SLEEPABLE),
            ("freplace/handler", 28, 0, 0),
            ("lsm/file_open", 29, 27, 0),
            ("lsm_cgroup/socket_bind", 29, 43, 0),
            ("iter.s/task", 26, 28, SLEEPABLE),
            ("syscall", 31, 0, SLEEPABLE),
            ("xdp.frags/devmap", 6, 33, XDP_HAS_FRAGS),
            ("xdp.frags", 6, 37, XDP_HAS_FRAGS),
            ("xdp", 6, 37, 0),
            ("sk_skb/verdict", 14, 38, 0),
            ("cgroup_skb/ingress", 8, 0, 0),
            ("cgroup/connect_unix", 18, 49, 0),
            ("cgroup/sendmsg_unix", 18, 50, 0),
            ("cgroup/recvmsg_unix", 18, 51, 0),
            ("cgroup/getpeername_unix", 18, 52, 0),
            ("cgroup/getsockname_unix", 18, 53, 0),
            ("cgroup/dev", 15, 6, 0),
            ("struct_ops/cc_init", 27, 0, 0),
            ("struct_ops.s/x", 27, 0, SLEEPABLE),
            ("sk_lookup", 30, 36, 0),
            ("netfilter", 32, 45, 0),
        ];
        for &(section, ty, attach, flags) in cases {
            assert_eq!(kind(section), (ty, attach, flags), "{section}");
        }
        // libbpf's exact rules match only exactly; `name+` rules match the
        // name alone or followed by `/`.
        for section in [
            "xdp/foo",
            "classifier/foo",
            "tc/foo",
            "socket/1",
            "sk_lookup/x",
            "kprobe.multix",
            "xdpfoo",
            "mystery",
            "tracepointx/a",
        ] {
            assert!(classify(section).is_none(), "{section} must not match");
        }
        let k = classify("?tracepoint/syscalls/sys_enter_getpid").unwrap();
        assert!(!k.autoload);
        assert_eq!(k.rule, "tracepoint");
        assert_eq!(
            classify("fentry.s/do_sys_open").unwrap().attach_target,
            Some(AttachTarget::Func("do_sys_open".into()))
        );
        let bare = classify("fentry").unwrap();
        assert!(bare.needs_btf_target && bare.attach_target.is_none());
        assert_eq!(
            classify("lsm/file_open")
                .unwrap()
                .attach_target
                .unwrap()
                .btf_name(),
            ("bpf_lsm_file_open".to_string(), true)
        );
        assert_eq!(unknown("?mystery").prog_type, 0);
        assert!(!unknown("?mystery").autoload);
    }
}
