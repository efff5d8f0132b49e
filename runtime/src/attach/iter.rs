//! BPF iterators: an `iter/...` program attached as an iterator link,
//! each [`Link::open_iter`] a fresh readable pass over the kernel objects.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use crate::error::{Error, Result};
use crate::link::Link;
use crate::obj::section::{attach_type, prog_type};
use crate::prog::Program;
use crate::sys::{self as bpf, LinkExtra};

/// Iterator link parameters (`union bpf_iter_link_info`).
#[derive(Debug, Clone, Copy, Default)]
pub enum IterTarget<'a> {
    /// None: every object of the iterator's kind.
    #[default]
    All,
    /// Map-element iterators (`iter/bpf_map_elem`, `iter/bpf_sk_storage_map`...):
    /// the map to walk.
    Map(BorrowedFd<'a>),
    /// Task iterators: one thread (`tid`).
    Thread(u32),
    /// Task iterators: the threads of one process (`pid`).
    Process(u32),
    /// Task iterators: the process of a pidfd.
    PidFd(BorrowedFd<'a>),
    /// cgroup iterators: a cgroup (directory fd) and the walk order
    /// (`enum bpf_cgroup_iter_order`: 1 self only, 2 descendants pre-order,
    /// 3 descendants post-order, 4 ancestors up).
    Cgroup {
        /// The cgroup.
        fd: BorrowedFd<'a>,
        /// `enum bpf_cgroup_iter_order`.
        order: u32,
    },
}

impl IterTarget<'_> {
    /// The `union bpf_iter_link_info` bytes, or `None` for no parameters.
    fn encode(&self) -> Option<[u8; 16]> {
        let mut b = [0u8; 16];
        let mut put = |at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_ne_bytes());
        match *self {
            IterTarget::All => return None,
            IterTarget::Map(fd) => put(0, fd.as_raw_fd() as u32),
            IterTarget::Thread(tid) => put(0, tid),
            IterTarget::Process(pid) => put(4, pid),
            IterTarget::PidFd(fd) => put(8, fd.as_raw_fd() as u32),
            IterTarget::Cgroup { fd, order } => {
                put(0, order);
                put(4, fd.as_raw_fd() as u32);
            }
        }
        Some(b)
    }
}

/// One pass of an iterator: read it to the end to get what the program
/// wrote with `bpf_seq_write` / `bpf_seq_printf`.
#[derive(Debug)]
pub struct Iter {
    fd: OwnedFd,
}

impl Iter {
    /// Reads the whole pass.
    pub fn read_all(mut self) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        io::Read::read_to_end(&mut self, &mut out)?;
        Ok(out)
    }
}

impl io::Read for Iter {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            // SAFETY: the kernel writes at most `buf.len()` bytes into the
            // exclusively borrowed `buf`.
            let n = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            if n >= 0 {
                return Ok(n as usize);
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }
}

impl AsFd for Iter {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Program {
    /// Attaches an iterator program (`iter/...`) without parameters.
    /// Read it with [`Link::open_iter`].
    pub fn attach_iter(&self) -> Result<Link> {
        self.attach_iter_with(IterTarget::All)
    }

    /// Attaches an iterator program with link parameters (a map, a task,
    /// a cgroup).
    pub fn attach_iter_with(&self, target: IterTarget<'_>) -> Result<Link> {
        self.expect_type("attach_iter", &[prog_type::TRACING])?;
        if self.def.kind.expected_attach_type != Some(attach_type::TRACE_ITER) {
            return Err(Error::invalid(
                self.subject(),
                format!(
                    "attach_iter needs an `iter/` program; section is `{}`",
                    self.section()
                ),
            ));
        }
        let what = format!("`{}` as iterator ({target:?})", self.name());
        let info = target.encode();
        let extra = match &info {
            Some(b) => LinkExtra::Iter(b),
            None => LinkExtra::None,
        };
        let fd = bpf::link_create(self.attach_fd()?, 0, attach_type::TRACE_ITER, 0, extra)
            .map_err(|e| Error::AttachFailed {
                what: what.clone(),
                op: "BPF_LINK_CREATE",
                reason: match e.raw_os_error() {
                    Some(libc::EACCES) => "the program reads more of the map's key or value \
                                           than the map has"
                        .into(),
                    Some(libc::EINVAL) => "these parameters do not fit this iterator".into(),
                    _ => String::new(),
                },
                source: e,
            })?;
        Ok(Link::bpf(fd, what))
    }
}

impl Link {
    /// Starts a new pass of an iterator link (`BPF_ITER_CREATE`).
    pub fn open_iter(&self) -> Result<Iter> {
        let fd = bpf::iter_create(self.as_fd()).map_err(|e| Error::AttachFailed {
            what: self.description().to_string(),
            op: "BPF_ITER_CREATE",
            reason: if e.raw_os_error() == Some(libc::EINVAL) {
                "not an iterator link".into()
            } else {
                String::new()
            },
            source: e,
        })?;
        Ok(Iter { fd })
    }
}
