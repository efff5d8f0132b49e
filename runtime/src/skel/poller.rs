//! Polling several ring buffers of a skeleton with one `epoll` wait.

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

use super::events::EventRingBuf;
use super::RingBuf;
use crate::error::{Error, Result, Subject};
use crate::plain::Plain;

/// One ring buffer's consumer: consumes what is available, calling the
/// user's callback per record.
type Consumer<'a> = Box<dyn FnMut() -> Result<usize> + 'a>;

/// Several ring buffers waited on together (one `epoll` fd), each with
/// its own callback, typed or raw:
///
/// ```ignore
/// let mut rings = RingBufPoller::new()?;
/// rings.add(&skel.maps.execs, |e: &types::Exec| ...)?;
/// rings.add_raw(&skel.maps.log, |bytes| ...)?;
/// while !stop { rings.poll(Duration::from_millis(100))?; }
/// ```
pub struct RingBufPoller<'a> {
    epoll: OwnedFd,
    consumers: Vec<Consumer<'a>>,
}

impl fmt::Debug for RingBufPoller<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RingBufPoller")
            .field("epoll", &self.epoll)
            .field("rings", &self.consumers.len())
            .finish()
    }
}

impl<'a> RingBufPoller<'a> {
    /// An empty poller (an `epoll` instance).
    pub fn new() -> Result<Self> {
        // SAFETY: epoll_create1 has no memory preconditions.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(Error::syscall(
                "epoll_create1",
                Subject::Object,
                io::Error::last_os_error(),
            ));
        }
        // SAFETY: a new fd that nothing else owns.
        let epoll = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(RingBufPoller {
            epoll,
            consumers: Vec::new(),
        })
    }

    fn register(&mut self, fd: impl AsFd, name: &str, consumer: Consumer<'a>) -> Result<()> {
        let mut ev = libc::epoll_event {
            events: libc::EPOLLIN as u32,
            u64: self.consumers.len() as u64,
        };
        // SAFETY: both fds are open for the call; `ev` is a valid
        // epoll_event we own.
        let r = unsafe {
            libc::epoll_ctl(
                self.epoll.as_raw_fd(),
                libc::EPOLL_CTL_ADD,
                fd.as_fd().as_raw_fd(),
                &mut ev,
            )
        };
        if r < 0 {
            return Err(Error::syscall(
                "epoll_ctl",
                Subject::map(name),
                io::Error::last_os_error(),
            ));
        }
        self.consumers.push(consumer);
        Ok(())
    }

    /// Adds a ring buffer with typed records (`ringbuf(map = record)`).
    pub fn add<S, T: Plain>(
        &mut self,
        ring: &'a EventRingBuf<S, T>,
        mut f: impl FnMut(&T) + 'a,
    ) -> Result<&mut Self> {
        self.register(ring, ring.name(), Box::new(move || ring.consume(&mut f)))?;
        Ok(self)
    }

    /// Adds a ring buffer of raw records.
    pub fn add_raw<S>(
        &mut self,
        ring: &'a RingBuf<S>,
        mut f: impl FnMut(&[u8]) + 'a,
    ) -> Result<&mut Self> {
        self.register(ring, ring.name(), Box::new(move || ring.consume(&mut f)))?;
        Ok(self)
    }

    /// Waits up to `timeout` for any ring to have records, then consumes
    /// the ready ones; returns how many records were consumed. A wait
    /// interrupted by a signal returns `Ok(0)`. The first ring whose
    /// records fail to decode ends the call with its error, after every
    /// ready ring was consumed.
    pub fn poll(&mut self, timeout: Duration) -> Result<usize> {
        let n = self.consumers.len().clamp(1, 64);
        let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; n];
        let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: `events` holds `n` writable epoll_events.
        let r =
            unsafe { libc::epoll_wait(self.epoll.as_raw_fd(), events.as_mut_ptr(), n as i32, ms) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                return Ok(0);
            }
            return Err(Error::syscall("epoll_wait", Subject::Object, e));
        }
        let mut total = 0;
        let mut first_err = None;
        for ev in events.iter().take(r as usize) {
            let index = ev.u64 as usize;
            if let Some(consume) = self.consumers.get_mut(index) {
                match consume() {
                    Ok(k) => total += k,
                    Err(e) => {
                        first_err.get_or_insert(e);
                    }
                }
            }
        }
        first_err.map_or(Ok(total), Err)
    }

    /// The `epoll` fd the rings are registered with (for async runtimes).
    #[cfg(feature = "tokio")]
    pub(crate) fn epoll_fd(&self) -> std::os::fd::RawFd {
        self.epoll.as_raw_fd()
    }

    /// Consumes every ring's available records without waiting.
    pub fn consume(&mut self) -> Result<usize> {
        let mut total = 0;
        for consume in &mut self.consumers {
            total += consume()?;
        }
        Ok(total)
    }
}
