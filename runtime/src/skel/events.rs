//! Ring buffers whose records have a declared type
//! (`#[bpf_skeleton(..., ringbuf(events = event))]`).

use std::fmt;
use std::marker::PhantomData;
use std::os::fd::{AsFd, BorrowedFd};
use std::time::Duration;

use crate::error::{Error, Result, Subject};
use crate::map;
use crate::plain::Plain;

/// A ring buffer of skeleton `S` whose records are `T`s. Each record is
/// copied out as a `T` (any alignment, every bit pattern valid: `T:
/// Plain`); a record whose size is not `size_of::<T>()` is consumed and
/// reported as an error after the batch, never reinterpreted.
#[repr(transparent)]
pub struct EventRingBuf<S, T> {
    inner: map::Map,
    _skel: PhantomData<fn() -> (S, T)>,
}

impl<S, T> fmt::Debug for EventRingBuf<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl<S, T> AsFd for EventRingBuf<S, T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl<S, T: Plain> EventRingBuf<S, T> {
    /// The map's name in the object.
    pub fn name(&self) -> &str {
        self.inner.name()
    }

    /// The untyped map.
    pub fn raw(&self) -> &map::Map {
        &self.inner
    }

    fn ring(&self) -> Result<&crate::ringbuf::RingBuffer> {
        self.inner
            .ring_buffer()
            .ok_or_else(|| Error::invalid(Subject::map(self.name()), "ring buffer is not mapped"))
    }

    /// Decodes each record for `f`; the records of the wrong size are
    /// counted into an error naming the map.
    fn typed<'a>(
        &'a self,
        mut f: impl FnMut(&T) + 'a,
        bad: &'a mut Option<(usize, usize)>,
    ) -> impl FnMut(&[u8]) + 'a {
        move |bytes: &[u8]| match T::from_bytes(bytes) {
            Some(v) => f(&v),
            None => {
                let (n, _) = bad.get_or_insert((0, bytes.len()));
                *n += 1;
            }
        }
    }

    fn check(&self, bad: Option<(usize, usize)>, n: usize) -> Result<usize> {
        match bad {
            None => Ok(n),
            Some((count, len)) => Err(Error::invalid(
                Subject::map(self.name()),
                format!(
                    "{count} of {n} ring buffer records were not a `{}` of {} bytes (the first \
                     was {len} bytes); they were consumed and skipped",
                    std::any::type_name::<T>(),
                    std::mem::size_of::<T>()
                ),
            )),
        }
    }

    /// Calls `f` with every record available now; returns how many
    /// records were consumed.
    pub fn consume(&self, f: impl FnMut(&T)) -> Result<usize> {
        let mut bad = None;
        let n = self.ring()?.consume(self.typed(f, &mut bad));
        self.check(bad, n)
    }

    /// Waits up to `timeout` for records, then consumes them. A wait
    /// interrupted by a signal (Ctrl-C) returns `Ok(0)`.
    pub fn poll(&self, timeout: Duration, f: impl FnMut(&T)) -> Result<usize> {
        let mut bad = None;
        let n = self
            .ring()?
            .poll(self.inner.as_fd(), timeout, self.typed(f, &mut bad))
            .map_err(|e| Error::syscall("poll", Subject::map(self.name()), e))?;
        self.check(bad, n)
    }
}
