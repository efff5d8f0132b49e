//! A minimal rtnetlink client (`NETLINK_ROUTE`, libc only): requests built
//! from a fixed header and attributes, sent on a socket that remembers its
//! network namespace, answered by an acknowledgement and, for `NLM_F_ECHO`,
//! the kernel's copy of what it created. Used by the tc filter attach
//! ([`crate::attach::tc`]) where tcx links are missing.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// `nlmsghdr` flags and types used here.
pub(crate) const NLM_F_REQUEST: u16 = 0x1;
pub(crate) const NLM_F_ACK: u16 = 0x4;
pub(crate) const NLM_F_ECHO: u16 = 0x8;
pub(crate) const NLM_F_REPLACE: u16 = 0x100;
pub(crate) const NLM_F_EXCL: u16 = 0x200;
pub(crate) const NLM_F_CREATE: u16 = 0x400;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const HEADER: usize = 16;

/// One request: a `nlmsghdr`, the family header, then attributes (each
/// 4-byte aligned; nests patched with their length when closed).
#[derive(Debug)]
pub(crate) struct Message {
    buf: Vec<u8>,
}

impl Message {
    /// A message of type `ty` with `flags` and the family header `fixed`.
    pub(crate) fn new(ty: u16, flags: u16, fixed: &[u8]) -> Self {
        let mut buf = Vec::with_capacity(256);
        buf.extend_from_slice(&0u32.to_ne_bytes()); // length, set in `bytes`
        buf.extend_from_slice(&ty.to_ne_bytes());
        buf.extend_from_slice(&flags.to_ne_bytes());
        buf.extend_from_slice(&0u32.to_ne_bytes()); // sequence, set when sent
        buf.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel's
        buf.extend_from_slice(fixed);
        buf.resize(buf.len().next_multiple_of(4), 0);
        Message { buf }
    }

    /// Appends attribute `ty` holding `payload`.
    pub(crate) fn attr(&mut self, ty: u16, payload: &[u8]) -> &mut Self {
        self.buf
            .extend_from_slice(&((4 + payload.len()) as u16).to_ne_bytes());
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        self.buf.extend_from_slice(payload);
        self.buf.resize(self.buf.len().next_multiple_of(4), 0);
        self
    }

    /// Opens nested attribute `ty`; close it with [`end_nest`](Self::end_nest).
    pub(crate) fn begin_nest(&mut self, ty: u16) -> usize {
        let at = self.buf.len();
        self.attr(ty, &[]);
        at
    }

    /// Closes the nest opened at `at`: its length covers what followed.
    pub(crate) fn end_nest(&mut self, at: usize) {
        let len = (self.buf.len() - at) as u16;
        if let Some(l) = self.buf.get_mut(at..at + 2) {
            l.copy_from_slice(&len.to_ne_bytes());
        }
    }

    fn bytes(&mut self, seq: u32) -> &[u8] {
        let len = self.buf.len() as u32;
        self.buf[0..4].copy_from_slice(&len.to_ne_bytes());
        self.buf[8..12].copy_from_slice(&seq.to_ne_bytes());
        &self.buf
    }
}

/// A reply message: its type and the bytes after its `nlmsghdr`.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) ty: u16,
    pub(crate) payload: Vec<u8>,
}

/// The attributes in `bytes` (after a message's family header): type
/// (nested/byte-order bits cleared) and payload; stops at the first
/// malformed one.
pub(crate) fn attrs(mut bytes: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        let len = usize::from(u16::from_ne_bytes([*bytes.first()?, *bytes.get(1)?]));
        let ty = u16::from_ne_bytes([*bytes.get(2)?, *bytes.get(3)?]) & 0x3fff;
        let payload = bytes.get(4..len)?;
        bytes = bytes.get(len.next_multiple_of(4)..).unwrap_or(&[]);
        Some((ty, payload))
    })
}

/// A `NETLINK_ROUTE` socket of the network namespace it was opened in.
#[derive(Debug)]
pub(crate) struct Socket {
    fd: OwnedFd,
    seq: u32,
}

impl Socket {
    /// Opens a socket in the calling thread's network namespace.
    pub(crate) fn route() -> io::Result<Self> {
        // SAFETY: socket has no memory preconditions.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_ROUTE,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a new fd that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // Extended acks off: the ack is the error code and our header only.
        Ok(Socket { fd, seq: 0 })
    }

    /// The socket's fd.
    pub(crate) fn into_fd(self) -> OwnedFd {
        self.fd
    }

    /// Wraps a socket fd made by [`route`](Self::route).
    pub(crate) fn from_fd(fd: OwnedFd) -> Self {
        Socket { fd, seq: 0 }
    }

    /// Sends `msg` (which must ask for an ack) and returns the replies
    /// before the ack, or the error the kernel acknowledged with.
    pub(crate) fn request(&mut self, msg: &mut Message) -> io::Result<Vec<Reply>> {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let bytes = msg.bytes(seq);
        // SAFETY: sends `bytes.len()` bytes from a live buffer.
        let n = unsafe { libc::send(self.fd.as_raw_fd(), bytes.as_ptr().cast(), bytes.len(), 0) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut replies = Vec::new();
        let mut buf = vec![0u8; 32 * 1024];
        loop {
            // SAFETY: receives at most `buf.len()` bytes into a buffer we own.
            let n =
                unsafe { libc::recv(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
            if n < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            let mut rest = buf.get(..n as usize).unwrap_or(&[]);
            while rest.len() >= HEADER {
                let len = u32::from_ne_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
                let ty = u16::from_ne_bytes([rest[4], rest[5]]);
                let rseq = u32::from_ne_bytes([rest[8], rest[9], rest[10], rest[11]]);
                if len < HEADER || len > rest.len() {
                    return Err(io::Error::other("malformed netlink reply"));
                }
                let payload = &rest[HEADER..len];
                rest = rest.get(len.next_multiple_of(4)..).unwrap_or(&[]);
                if rseq != seq {
                    continue;
                }
                match ty {
                    NLMSG_ERROR => {
                        let code = payload
                            .get(..4)
                            .map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
                            .ok_or_else(|| io::Error::other("short netlink ack"))?;
                        return if code == 0 {
                            Ok(replies)
                        } else {
                            Err(io::Error::from_raw_os_error(-code))
                        };
                    }
                    NLMSG_DONE => return Ok(replies),
                    _ => replies.push(Reply {
                        ty,
                        payload: payload.to_vec(),
                    }),
                }
            }
        }
    }
}
