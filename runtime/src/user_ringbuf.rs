//! Producing into a `BPF_MAP_TYPE_USER_RINGBUF` map from user space;
//! programs drain it with `bpf_user_ringbuf_drain`.
//!
//! The kernel's layout, the mirror of a ring buffer's: at offset 0 the
//! consumer position, which the kernel advances and user space may only map
//! read-only; at offset `page` the producer position, writable, followed by
//! the data area mapped twice in a row (so that a record wrapping around the
//! end is contiguous). A record is an 8-byte header (a 32-bit length with
//! the busy bit 31, and 32 bits of padding) and the data, rounded up to 8
//! bytes. The producer writes the header busy, publishes the new producer
//! position (release), writes the data, then clears the busy bit (release):
//! the kernel stops draining at a busy record. Every access to the shared
//! pages is atomic.

use std::io;
use std::os::fd::BorrowedFd;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::Mutex;

use crate::ringbuf::RingMaps;

const BUSY: u32 = 1 << 31;
const HEADER: u64 = 8;

/// The mappings of one user ring buffer, and its (single) producer.
#[derive(Debug)]
pub struct UserRingBuffer {
    maps: RingMaps,
    /// Serialises producers: the protocol has one producer at a time.
    lock: Mutex<()>,
}

// SAFETY: the mappings are process-wide; every access to them is atomic,
// and producers are serialised by `lock`.
unsafe impl Send for UserRingBuffer {}
// SAFETY: see `Send`.
unsafe impl Sync for UserRingBuffer {}

/// Why a record was not submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitError {
    /// The record (with its 8-byte header, rounded up to 8) is larger than
    /// the whole data area.
    TooLarge,
    /// Not enough free space until programs drain more.
    Full,
}

impl UserRingBuffer {
    /// Maps the user ring buffer behind `fd`, whose data area is `size`
    /// bytes.
    pub(crate) fn new(fd: BorrowedFd<'_>, size: u32) -> io::Result<Self> {
        Ok(UserRingBuffer {
            maps: RingMaps::new(fd, size, true)?,
            lock: Mutex::new(()),
        })
    }

    fn consumer_pos(&self) -> u64 {
        // SAFETY: the consumer page is mapped (read-only) for the life of
        // `self`, page-aligned; an atomic load does not write.
        unsafe { AtomicU64::from_ptr(self.maps.consumer.as_ptr().cast::<u64>()) }
            .load(Ordering::Acquire)
    }

    fn producer_pos(&self) -> &AtomicU64 {
        // SAFETY: the producer page is mapped read-write for the life of
        // `self`, page-aligned, and only accessed atomically.
        unsafe { AtomicU64::from_ptr(self.maps.producer.as_ptr().cast::<u64>()) }
    }

    /// The data area at `pos` (taken modulo its size): a pointer into the
    /// first of its two mappings, so that `size` bytes from it are mapped.
    fn data_at(&self, pos: u64) -> *mut u8 {
        let off = (pos & (self.maps.size - 1)) as usize;
        // SAFETY: `page + off` with `off < size` is inside the producer
        // mapping of `page + 2 * size` bytes.
        unsafe { self.maps.producer.as_ptr().add(self.maps.page + off) }
    }

    /// Bytes free for records now.
    pub fn available(&self) -> u64 {
        let used = self
            .producer_pos()
            .load(Ordering::Acquire)
            .wrapping_sub(self.consumer_pos());
        self.maps.size.saturating_sub(used)
    }

    /// Appends `record` for programs to drain.
    pub fn submit(&self, record: &[u8]) -> Result<(), SubmitError> {
        let len = u32::try_from(record.len()).map_err(|_| SubmitError::TooLarge)?;
        if len & BUSY != 0 {
            return Err(SubmitError::TooLarge);
        }
        let total = (u64::from(len) + HEADER).next_multiple_of(8);
        if total > self.maps.size {
            return Err(SubmitError::TooLarge);
        }
        let _one = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let prod = self.producer_pos().load(Ordering::Relaxed);
        if self.maps.size - prod.wrapping_sub(self.consumer_pos()).min(self.maps.size) < total {
            return Err(SubmitError::Full);
        }
        let hdr = self.data_at(prod);
        // SAFETY: `hdr` is 8-byte aligned (positions advance by multiples
        // of 8 in a page-aligned area), inside the mapping, and free: the
        // kernel has consumed up to `consumer_pos`, and the free space
        // checked above covers `total` bytes from `prod`. The shared bytes
        // are accessed only atomically.
        let (len_word, pad) = unsafe {
            (
                AtomicU32::from_ptr(hdr.cast::<u32>()),
                AtomicU32::from_ptr(hdr.add(4).cast::<u32>()),
            )
        };
        len_word.store(len | BUSY, Ordering::Relaxed);
        pad.store(0, Ordering::Relaxed);
        self.producer_pos().store(prod + total, Ordering::Release);
        // SAFETY: the record's data follows its header; with the double
        // mapping, `total - 8 <= size` bytes from it are mapped even across
        // the end of the area, and they are ours until the busy bit clears.
        let data = unsafe { hdr.add(HEADER as usize) };
        let mut words = record.chunks_exact(8);
        let mut at = 0usize;
        for w in words.by_ref() {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            // SAFETY: 8-aligned (data is 8-aligned, `at` a multiple of 8),
            // inside this record's reserved space.
            unsafe { AtomicU64::from_ptr(data.add(at).cast::<u64>()) }
                .store(u64::from_ne_bytes(b), Ordering::Relaxed);
            at += 8;
        }
        for &b in words.remainder() {
            // SAFETY: inside this record's reserved space.
            unsafe { AtomicU8::from_ptr(data.add(at)) }.store(b, Ordering::Relaxed);
            at += 1;
        }
        // Publish: the data written above happens before the kernel sees
        // the record as not busy.
        len_word.store(len, Ordering::Release);
        Ok(())
    }
}
