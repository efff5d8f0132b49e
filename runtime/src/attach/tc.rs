//! tc classifiers through netlink, where tcx links (Linux 6.6) are
//! missing: a `clsact` qdisc on the interface (created if absent, left in
//! place afterwards, as libbpf's `bpf_tc_attach` leaves it) and a `cls_bpf`
//! filter in direct-action mode on its ingress or egress hook, naming the
//! program by fd and `name:[id]`. The [`Link`] deletes the filter when
//! dropped, through the netlink socket it was created with (so in that
//! socket's network namespace, whatever thread drops it).

use crate::error::{Error, Result};
use crate::link::Link;
use crate::netlink::{self, Message, Socket};
use crate::obj::section::prog_type;
use crate::prog::Program;

use super::TcxDirection;

/// `RTM_*` message types.
const RTM_NEWQDISC: u16 = 36;
const RTM_NEWTFILTER: u16 = 44;
const RTM_DELTFILTER: u16 = 45;
/// `TCA_*` attributes.
const TCA_KIND: u16 = 1;
const TCA_OPTIONS: u16 = 2;
/// `TCA_BPF_*` attributes of `cls_bpf`.
const TCA_BPF_FD: u16 = 6;
const TCA_BPF_NAME: u16 = 7;
const TCA_BPF_FLAGS: u16 = 8;
const TCA_BPF_FLAG_ACT_DIRECT: u32 = 1;
/// `TC_H_CLSACT` (= `TC_H_INGRESS`) and its minor hook numbers.
const TC_H_CLSACT: u32 = 0xffff_fff1;
const TC_H_MIN_INGRESS: u32 = 0xfff2;
const TC_H_MIN_EGRESS: u32 = 0xfff3;
/// `ETH_P_ALL`: the filter sees every protocol.
const ETH_P_ALL: u16 = 3;

/// Options of [`Program::attach_tc`], as libbpf's `bpf_tc_opts`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TcOptions {
    /// The filter's handle; 0 lets the kernel choose one.
    pub handle: u32,
    /// The filter's priority (lower runs first); 0 lets the kernel choose.
    pub priority: u16,
    /// Replace a filter with the same handle and priority instead of
    /// failing with `EEXIST`.
    pub replace: bool,
}

/// Where a netlink tc filter sits, to delete it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TcFilter {
    pub(crate) ifindex: u32,
    pub(crate) parent: u32,
    pub(crate) handle: u32,
    pub(crate) priority: u16,
}

/// A `struct tcmsg`: family, ifindex, handle, parent, info.
fn tcmsg(ifindex: u32, handle: u32, parent: u32, info: u32) -> [u8; 20] {
    let mut m = [0u8; 20];
    m[4..8].copy_from_slice(&ifindex.to_ne_bytes());
    m[8..12].copy_from_slice(&handle.to_ne_bytes());
    m[12..16].copy_from_slice(&parent.to_ne_bytes());
    m[16..20].copy_from_slice(&info.to_ne_bytes());
    m
}

fn info(priority: u16) -> u32 {
    (u32::from(priority) << 16) | u32::from(ETH_P_ALL.to_be())
}

/// Deletes `filter` (`RTM_DELTFILTER`) through `sock`.
pub(crate) fn delete_filter(sock: &mut Socket, filter: &TcFilter) -> std::io::Result<()> {
    let mut msg = Message::new(
        RTM_DELTFILTER,
        netlink::NLM_F_REQUEST | netlink::NLM_F_ACK,
        &tcmsg(
            filter.ifindex,
            filter.handle,
            filter.parent,
            info(filter.priority),
        ),
    );
    msg.attr(TCA_KIND, b"bpf\0");
    sock.request(&mut msg).map(drop)
}

impl Program {
    /// Attaches a tc classifier to interface `ifindex` with netlink, as
    /// libbpf's `bpf_tc_attach`: a `clsact` qdisc (created if missing) and
    /// a direct-action `cls_bpf` filter on `direction`'s hook. Works on
    /// every kernel with `sch_ingress` and `cls_bpf`; [`attach_tcx`]
    /// uses it by itself where tcx is missing. The link is not a BPF link
    /// (it cannot be pinned); dropping it deletes the filter.
    ///
    /// [`attach_tcx`]: Program::attach_tcx
    pub fn attach_tc(
        &self,
        ifindex: u32,
        direction: TcxDirection,
        opts: &TcOptions,
    ) -> Result<Link> {
        self.expect_type("attach_tc", &[prog_type::SCHED_CLS])?;
        let side = match direction {
            TcxDirection::Ingress => "ingress",
            TcxDirection::Egress => "egress",
        };
        let what = format!(
            "`{}` on tc {side} of ifindex {ifindex} (netlink cls_bpf filter)",
            self.name()
        );
        let fail = |op: &'static str, e: std::io::Error, reason: String| Error::AttachFailed {
            what: what.clone(),
            op,
            reason,
            source: e,
        };
        let no_such = |e: &std::io::Error| {
            e.raw_os_error() == Some(libc::ENODEV)
                || (e.raw_os_error() == Some(libc::EINVAL)
                    && !super::net::interface_exists(ifindex))
        };
        let prog_fd = self.attach_fd()?;
        let id = self.info()?.id;
        let mut sock = Socket::route().map_err(|e| fail("socket(AF_NETLINK)", e, String::new()))?;

        // The clsact qdisc, unless it is there already.
        let mut qdisc = Message::new(
            RTM_NEWQDISC,
            netlink::NLM_F_REQUEST
                | netlink::NLM_F_ACK
                | netlink::NLM_F_CREATE
                | netlink::NLM_F_EXCL,
            &tcmsg(ifindex, 0xffff_0000, TC_H_CLSACT, 0),
        );
        qdisc.attr(TCA_KIND, b"clsact\0");
        match sock.request(&mut qdisc) {
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {}
            Err(e) => {
                let reason = if no_such(&e) {
                    format!("no interface with index {ifindex}")
                } else if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::EOPNOTSUPP)) {
                    "the kernel has no clsact qdisc (CONFIG_NET_SCH_INGRESS; load the \
                     sch_ingress module)"
                        .into()
                } else {
                    String::new()
                };
                return Err(fail("RTM_NEWQDISC clsact", e, reason));
            }
        }

        let minor = match direction {
            TcxDirection::Ingress => TC_H_MIN_INGRESS,
            TcxDirection::Egress => TC_H_MIN_EGRESS,
        };
        let parent = (TC_H_CLSACT & 0xffff_0000) | minor;
        let mut flags = netlink::NLM_F_REQUEST
            | netlink::NLM_F_ACK
            | netlink::NLM_F_CREATE
            | netlink::NLM_F_ECHO;
        flags |= if opts.replace {
            netlink::NLM_F_REPLACE
        } else {
            netlink::NLM_F_EXCL
        };
        let mut filter = Message::new(
            RTM_NEWTFILTER,
            flags,
            &tcmsg(ifindex, opts.handle, parent, info(opts.priority)),
        );
        filter.attr(TCA_KIND, b"bpf\0");
        let nest = filter.begin_nest(TCA_OPTIONS);
        let fd = std::os::fd::AsRawFd::as_raw_fd(&prog_fd) as u32;
        filter.attr(TCA_BPF_FD, &fd.to_ne_bytes());
        // The kernel's program name (at most 15 bytes) and id, as libbpf.
        let short: String = self.name().chars().take(15).collect();
        filter.attr(TCA_BPF_NAME, format!("{short}:[{id}]\0").as_bytes());
        filter.attr(TCA_BPF_FLAGS, &TCA_BPF_FLAG_ACT_DIRECT.to_ne_bytes());
        filter.end_nest(nest);
        let replies = sock.request(&mut filter).map_err(|e| {
            let reason = if no_such(&e) {
                format!("no interface with index {ifindex}")
            } else {
                match e.raw_os_error() {
                    Some(libc::ENOENT | libc::EOPNOTSUPP) => {
                        "the kernel has no cls_bpf classifier (CONFIG_NET_CLS_BPF; load the \
                         cls_bpf module)"
                            .into()
                    }
                    Some(libc::EEXIST) => format!(
                        "a filter with handle {:#x} and priority {} exists (TcOptions::replace)",
                        opts.handle, opts.priority
                    ),
                    _ => String::new(),
                }
            };
            fail("RTM_NEWTFILTER cls_bpf", e, reason)
        })?;
        // The echo says which handle and priority the kernel chose.
        let created = replies
            .iter()
            .filter(|r| r.ty == RTM_NEWTFILTER)
            .find_map(|r| {
                let m = r.payload.get(..20)?;
                let word = |at: usize| u32::from_ne_bytes([m[at], m[at + 1], m[at + 2], m[at + 3]]);
                let bpf = netlink::attrs(r.payload.get(20..)?)
                    .any(|(ty, p)| ty == TCA_KIND && p.starts_with(b"bpf\0"));
                (bpf && word(4) == ifindex && word(12) == parent).then(|| TcFilter {
                    ifindex,
                    parent,
                    handle: word(8),
                    priority: (word(16) >> 16) as u16,
                })
            });
        let Some(created) = created else {
            return Err(fail(
                "RTM_NEWTFILTER cls_bpf",
                std::io::Error::from_raw_os_error(libc::ENOENT),
                "the kernel acknowledged the filter but did not echo it".into(),
            ));
        };
        let what = format!(
            "{what}, handle {:#x} priority {}",
            created.handle, created.priority
        );
        Ok(Link::tc_filter(sock.into_fd(), created, what))
    }
}
