//! cgroup hooks: every `cgroup*` program type, attached to a cgroup v2
//! directory with the attach type its section gave at load.

use std::os::fd::{AsRawFd, BorrowedFd};

use crate::error::{Error, Result};
use crate::link::Link;
use crate::obj::section::prog_type;
use crate::prog::Program;
use crate::sys::{self as bpf, LinkExtra};

/// The program types that attach to cgroups.
const CGROUP_TYPES: &[u32] = &[
    prog_type::CGROUP_SKB,
    prog_type::CGROUP_SOCK,
    prog_type::CGROUP_SOCK_ADDR,
    prog_type::SOCK_OPS,
    prog_type::CGROUP_DEVICE,
    prog_type::CGROUP_SYSCTL,
    prog_type::CGROUP_SOCKOPT,
];

impl Program {
    /// Attaches a cgroup program to the cgroup v2 directory open as
    /// `cgroup` (an `O_RDONLY` fd of e.g. `/sys/fs/cgroup/x`), with a BPF
    /// link. The attach type is the one its section named
    /// (`cgroup/connect4`, `cgroup_skb/egress`...); a section that names
    /// none (`cgroup/skb`) is refused.
    pub fn attach_cgroup(&self, cgroup: BorrowedFd<'_>) -> Result<Link> {
        self.expect_type("attach_cgroup", CGROUP_TYPES)?;
        let Some(ty) = self.def.kind.expected_attach_type else {
            return Err(Error::invalid(
                self.subject(),
                format!(
                    "section `{}` does not name a cgroup attach type \
                     (use e.g. `cgroup_skb/ingress` or `cgroup_skb/egress`)",
                    self.section()
                ),
            ));
        };
        let what = format!(
            "`{}` on cgroup fd {} (section `{}`)",
            self.name(),
            cgroup.as_raw_fd(),
            self.section()
        );
        let fd = bpf::link_create(
            self.attach_fd()?,
            cgroup.as_raw_fd() as u32,
            ty,
            0,
            LinkExtra::None,
        )
        .map_err(|e| Error::AttachFailed {
            what: what.clone(),
            op: "BPF_LINK_CREATE",
            reason: match e.raw_os_error() {
                Some(libc::EBADF) => "the fd is not a cgroup v2 directory".into(),
                Some(libc::EINVAL) => "cgroup links need Linux 5.7".into(),
                _ => String::new(),
            },
            source: e,
        })?;
        Ok(Link::bpf(fd, what))
    }
}
