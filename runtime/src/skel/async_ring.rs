//! An async ring buffer consumer for tokio (cargo feature `tokio`): the
//! rings of a [`RingBufPoller`] waited on through tokio's [`AsyncFd`] on
//! the poller's `epoll` fd, records delivered typed (or raw) by the same
//! callbacks as the blocking [`RingBufPoller::poll`].

use std::os::fd::{AsRawFd, RawFd};

use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

use super::events::EventRingBuf;
use super::poller::RingBufPoller;
use super::RingBuf;
use crate::error::{Error, Result, Subject};
use crate::plain::Plain;

/// The poller, seen by tokio as its `epoll` fd.
struct Epoll<'a>(RingBufPoller<'a>);

impl AsRawFd for Epoll<'_> {
    fn as_raw_fd(&self) -> RawFd {
        self.0.epoll_fd()
    }
}

/// Ring buffers consumed asynchronously: [`poll_async`](Self::poll_async)
/// waits without blocking the thread until records arrive, then hands each
/// to its ring's callback.
///
/// ```ignore
/// let mut events = AsyncRingBuf::typed(&skel.maps.events, |e: &types::Event| ...)?;
/// loop {
///     tokio::select! {
///         n = events.poll_async() => { n?; }
///         _ = tokio::signal::ctrl_c() => break,
///     }
/// }
/// ```
///
/// Create it inside a tokio runtime with I/O enabled. Like the callbacks
/// it holds, it is not `Send`: run it on the task that made it (a
/// current-thread runtime, `LocalSet`, or `block_on`). Dropping a pending
/// `poll_async` loses nothing: records are consumed only when it returns.
pub struct AsyncRingBuf<'a> {
    fd: AsyncFd<Epoll<'a>>,
}

impl std::fmt::Debug for AsyncRingBuf<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncRingBuf")
            .field("poller", &self.fd.get_ref().0)
            .finish()
    }
}

impl<'a> AsyncRingBuf<'a> {
    /// Waits on every ring of `poller` through tokio.
    pub fn new(poller: RingBufPoller<'a>) -> Result<Self> {
        // tokio panics without a runtime: refuse instead.
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::invalid(
                Subject::Object,
                "AsyncRingBuf must be created inside a tokio runtime (with I/O enabled)",
            ));
        }
        // SAFETY: the fd is the poller's epoll `OwnedFd`, which the poller
        // (owned by the `AsyncFd` from here on) neither closes nor replaces
        // while it lives; `as_raw_fd` always returns that same fd.
        let fd = unsafe { AsyncFd::register_with_interest(Epoll(poller), Interest::READABLE) }
            .map_err(|e| {
                Error::syscall(
                    "registering the ring buffers' epoll fd with tokio (a runtime without \
                     I/O enabled?)",
                    Subject::Object,
                    e.into_parts().1,
                )
            })?;
        Ok(AsyncRingBuf { fd })
    }

    /// One ring buffer of typed records (`ringbuf(map = record)`).
    pub fn typed<S, T: Plain>(
        ring: &'a EventRingBuf<S, T>,
        f: impl FnMut(&T) + 'a,
    ) -> Result<Self> {
        let mut poller = RingBufPoller::new()?;
        poller.add(ring, f)?;
        Self::new(poller)
    }

    /// One ring buffer of raw records.
    pub fn raw<S>(ring: &'a RingBuf<S>, f: impl FnMut(&[u8]) + 'a) -> Result<Self> {
        let mut poller = RingBufPoller::new()?;
        poller.add_raw(ring, f)?;
        Self::new(poller)
    }

    /// Waits until at least one ring has records, consumes every ready
    /// record (calling the rings' callbacks) and returns how many. A ring
    /// whose records fail to decode gives its error, as the blocking poll
    /// does.
    pub async fn poll_async(&mut self) -> Result<usize> {
        loop {
            let mut ready = self.fd.readable_mut().await.map_err(|e| {
                Error::syscall("waiting for ring buffer records", Subject::Object, e)
            })?;
            let n = ready.get_inner_mut().0.consume()?;
            if n > 0 {
                return Ok(n);
            }
            // Nothing there: wait for the next wakeup. Readiness that
            // arrived after this guard was taken is kept by tokio.
            ready.clear_ready();
        }
    }

    /// Consumes whatever is available now, without waiting.
    pub fn consume(&mut self) -> Result<usize> {
        self.fd.get_mut().0.consume()
    }
}
