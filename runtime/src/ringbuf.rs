//! Consuming a `BPF_MAP_TYPE_RINGBUF` map from user space.
//!
//! The kernel's layout: at offset 0 one writable page holding the consumer
//! position; at offset `page` a read-only page holding the producer
//! position, followed by the data area mapped twice in a row, so that a
//! record wrapping around the end is contiguous. Each record starts with an
//! 8-byte header: a 32-bit length with the busy (bit 31) and discard
//! (bit 30) flags, and a page offset.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

const BUSY: u32 = 1 << 31;
const DISCARD: u32 = 1 << 30;
const HEADER: u64 = 8;

/// The two mappings of a ring buffer map, kernel-fed or user-fed: the
/// consumer position page, and the producer position page followed by the
/// data area mapped twice (so a record that wraps reads contiguously).
/// User space may write the consumer page of a ring buffer it drains, and
/// the producer side of a user ring buffer it feeds. Unmapped on drop.
#[derive(Debug)]
pub(crate) struct RingMaps {
    pub(crate) consumer: NonNull<u8>,
    pub(crate) producer: NonNull<u8>,
    pub(crate) page: usize,
    /// Data area size (the map's max_entries, a power of two).
    pub(crate) size: u64,
}

impl RingMaps {
    /// Maps the ring behind `fd`, whose data area is `size` bytes; with
    /// `user_produces` (a user ring buffer) the producer side is writable,
    /// otherwise the consumer page.
    pub(crate) fn new(fd: BorrowedFd<'_>, size: u32, user_produces: bool) -> io::Result<Self> {
        let page = crate::sys::page_size();
        if size == 0 || !size.is_power_of_two() {
            return Err(io::Error::other("ring buffer size is not a power of two"));
        }
        let (rw, ro) = (libc::PROT_READ | libc::PROT_WRITE, libc::PROT_READ);
        let (consumer_prot, producer_prot) = if user_produces { (ro, rw) } else { (rw, ro) };
        let consumer = map(fd, page, consumer_prot, 0)?;
        let producer_len = page + 2 * size as usize;
        let producer = match map(fd, producer_len, producer_prot, page) {
            Ok(p) => p,
            Err(e) => {
                // SAFETY: unmaps the consumer page mapped just above.
                unsafe { libc::munmap(consumer.as_ptr().cast(), page) };
                return Err(e);
            }
        };
        Ok(RingMaps {
            consumer,
            producer,
            page,
            size: u64::from(size),
        })
    }
}

impl Drop for RingMaps {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the two regions mapped in `new`; the
        // owners hand out no reference into them that outlives a call.
        unsafe {
            libc::munmap(self.consumer.as_ptr().cast(), self.page);
            libc::munmap(
                self.producer.as_ptr().cast(),
                self.page + 2 * self.size as usize,
            );
        }
    }
}

/// The mappings of one ring buffer.
#[derive(Debug)]
pub struct RingBuffer {
    maps: RingMaps,
    /// Serialises consumers: the protocol has one consumer at a time.
    lock: Mutex<()>,
}

// SAFETY: the mappings are process-wide; positions are accessed only
// atomically, record bytes only while the kernel cannot rewrite them (not
// yet consumed), and consumers are serialised by `lock`.
unsafe impl Send for RingBuffer {}
// SAFETY: see `Send`.
unsafe impl Sync for RingBuffer {}

fn map(fd: BorrowedFd<'_>, len: usize, prot: i32, offset: usize) -> io::Result<NonNull<u8>> {
    let off =
        libc::off_t::try_from(offset).map_err(|_| io::Error::other("mmap offset overflows"))?;
    // SAFETY: a fresh mapping chosen by the kernel, aliasing nothing.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            prot,
            libc::MAP_SHARED,
            fd.as_raw_fd(),
            off,
        )
    };
    if p == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    NonNull::new(p.cast::<u8>()).ok_or_else(|| io::Error::other("mmap returned NULL"))
}

impl RingBuffer {
    /// Maps the ring buffer behind `fd`, whose data area is `size` bytes.
    pub(crate) fn new(fd: BorrowedFd<'_>, size: u32) -> io::Result<Self> {
        Ok(RingBuffer {
            maps: RingMaps::new(fd, size, false)?,
            lock: Mutex::new(()),
        })
    }

    fn consumer_pos(&self) -> &AtomicU64 {
        // SAFETY: the consumer page is mapped read-write for the life of
        // `self`, page-aligned, and only accessed atomically.
        unsafe { AtomicU64::from_ptr(self.maps.consumer.as_ptr().cast::<u64>()) }
    }

    fn producer_pos(&self) -> u64 {
        // SAFETY: the producer page is mapped (read-only) for the life of
        // `self`, page-aligned; an atomic load does not write.
        unsafe { AtomicU64::from_ptr(self.maps.producer.as_ptr().cast::<u64>()) }
            .load(Ordering::Acquire)
    }

    /// Calls `f` with each available record, in order, and returns how many
    /// were delivered. Discarded records are skipped.
    pub fn consume(&self, mut f: impl FnMut(&[u8])) -> usize {
        let _guard = self
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mask = self.maps.size - 1;
        let mut cons = self.consumer_pos().load(Ordering::Acquire);
        let mut delivered = 0;
        loop {
            let prod = self.producer_pos();
            if cons >= prod {
                break;
            }
            let at = (cons & mask) as usize;
            // SAFETY: `at < size`, and the data area starts one page into
            // the producer mapping: the header is inside it, 8-aligned
            // (records are 8-byte aligned), read atomically.
            let len_word = unsafe {
                AtomicU32::from_ptr(
                    self.maps
                        .producer
                        .as_ptr()
                        .add(self.maps.page + at)
                        .cast::<u32>(),
                )
            }
            .load(Ordering::Acquire);
            if len_word & BUSY != 0 {
                break;
            }
            let len = u64::from(len_word & !(BUSY | DISCARD));
            if len_word & DISCARD == 0 && len + HEADER <= self.maps.size {
                // SAFETY: the record (at most `size` bytes from `at`, which
                // is < size) lies within the doubly mapped data area of
                // 2 * size bytes; the kernel does not rewrite it until the
                // consumer position moves past it, which happens below.
                let data = unsafe {
                    std::slice::from_raw_parts(
                        self.maps
                            .producer
                            .as_ptr()
                            .add(self.maps.page + at + HEADER as usize),
                        len as usize,
                    )
                };
                f(data);
                delivered += 1;
            }
            cons += (len + HEADER).next_multiple_of(8);
            self.consumer_pos().store(cons, Ordering::Release);
        }
        delivered
    }

    /// Waits up to `timeout` for data (the map fd polls readable), then
    /// consumes what is available. A wait interrupted by a signal returns
    /// `Ok(0)`.
    pub fn poll(
        &self,
        fd: BorrowedFd<'_>,
        timeout: Duration,
        f: impl FnMut(&[u8]),
    ) -> io::Result<usize> {
        let mut pfd = libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: one valid pollfd for the duration of the call.
        let r = unsafe { libc::poll(&mut pfd, 1, ms) };
        if r < 0 {
            let e = io::Error::last_os_error();
            // A signal (Ctrl-C) interrupted the wait: return normally with
            // no records, so a `while running { poll(..) }` loop can check
            // its flag; records left are consumed by the next call.
            if e.kind() == io::ErrorKind::Interrupted {
                return Ok(0);
            }
            return Err(e);
        }
        Ok(self.consume(f))
    }
}
