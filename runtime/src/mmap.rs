//! Memory shared with the kernel: the mmapped value of a global-data map.
//!
//! BPF programs write this memory concurrently with user space, outside
//! Rust's knowledge. So no `&T` or `&mut T` to it is ever handed out, except
//! `&AtomicU32` / `&AtomicU64` for naturally aligned words (atomics are made
//! for memory written concurrently). Everything else is copied in and out
//! with volatile byte accesses: a read is a snapshot that can tear if a
//! program writes the same bytes at that moment without atomics.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, AtomicU64};

/// A `MAP_SHARED` mapping of a mmapable array map's value.
#[derive(Debug)]
pub struct Mmap {
    ptr: NonNull<u8>,
    /// Bytes mapped (the value size rounded up to pages).
    mapped: usize,
    /// The value size: bytes accessible through this API.
    len: usize,
    writable: bool,
}

// SAFETY: `Mmap` owns a process-wide shared mapping that is only accessed
// through volatile byte copies and atomic references, never through plain
// references; the same accesses are valid from any thread, and unmapping
// happens once, in Drop, when no borrow remains.
unsafe impl Send for Mmap {}
// SAFETY: see `Send`: concurrent `&Mmap` use performs only volatile byte
// copies (which may observe torn values but are not undefined behaviour for
// memory shared with the kernel) and atomic operations.
unsafe impl Sync for Mmap {}

impl Mmap {
    /// Maps `len` bytes of the array map behind `fd` (created with
    /// `BPF_F_MMAPABLE`). Read-only for frozen maps (`.rodata`).
    pub(crate) fn map(fd: BorrowedFd<'_>, len: usize, writable: bool) -> io::Result<Self> {
        let page = crate::sys::page_size();
        let mapped = len.max(1).div_ceil(page) * page;
        let prot = if writable {
            libc::PROT_READ | libc::PROT_WRITE
        } else {
            libc::PROT_READ
        };
        // SAFETY: a fresh mapping chosen by the kernel (addr NULL) of
        // `mapped` bytes of the map fd; it aliases no Rust object.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                mapped,
                prot,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let ptr =
            NonNull::new(p.cast::<u8>()).ok_or_else(|| io::Error::other("mmap returned NULL"))?;
        Ok(Mmap {
            ptr,
            mapped,
            len,
            writable,
        })
    }

    /// Bytes accessible (the map's value size).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the mapping is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether [`write`](Self::write) is allowed (not for `.rodata`).
    pub fn is_writable(&self) -> bool {
        self.writable
    }

    fn in_bounds(&self, offset: usize, n: usize) -> bool {
        offset.checked_add(n).is_some_and(|end| end <= self.len)
    }

    /// Copies `out.len()` bytes at `offset` into `out`. Returns false (and
    /// copies nothing) if the range is out of bounds.
    pub fn read(&self, offset: usize, out: &mut [u8]) -> bool {
        if !self.in_bounds(offset, out.len()) {
            return false;
        }
        for (i, b) in out.iter_mut().enumerate() {
            // SAFETY: offset + i < len <= mapped: inside the live mapping,
            // readable; volatile because the kernel may write it.
            *b = unsafe { self.ptr.as_ptr().add(offset + i).read_volatile() };
        }
        true
    }

    /// Copies `data` to `offset`. Returns false (and writes nothing) if the
    /// range is out of bounds or the mapping is read-only.
    pub fn write(&self, offset: usize, data: &[u8]) -> bool {
        if !self.writable || !self.in_bounds(offset, data.len()) {
            return false;
        }
        for (i, &b) in data.iter().enumerate() {
            // SAFETY: in bounds of a writable shared mapping; volatile
            // because programs read and write it concurrently.
            unsafe { self.ptr.as_ptr().add(offset + i).write_volatile(b) };
        }
        true
    }

    /// The 4-byte word at `offset` as an atomic, if the mapping is writable
    /// and the word in bounds and aligned. Programs updating it with
    /// `__sync_fetch_and_add` and user space using this atomic see each
    /// other's updates without tearing.
    pub fn atomic_u32(&self, offset: usize) -> Option<&AtomicU32> {
        if !self.writable || !self.in_bounds(offset, 4) || offset % 4 != 0 {
            return None;
        }
        // SAFETY: in bounds, 4-byte aligned (page-aligned base), valid for
        // the lifetime of `&self` (unmapped only in Drop); the memory is
        // only ever accessed atomically or with volatile copies, never
        // through a non-atomic reference; the mapping is writable, so
        // atomic read-modify-write operations cannot fault.
        Some(unsafe { AtomicU32::from_ptr(self.ptr.as_ptr().add(offset).cast::<u32>()) })
    }

    /// The 8-byte word at `offset` as an atomic, under the same conditions
    /// as [`atomic_u32`](Self::atomic_u32).
    pub fn atomic_u64(&self, offset: usize) -> Option<&AtomicU64> {
        if !self.writable || !self.in_bounds(offset, 8) || offset % 8 != 0 {
            return None;
        }
        // SAFETY: as for `atomic_u32`, with 8-byte alignment.
        Some(unsafe { AtomicU64::from_ptr(self.ptr.as_ptr().add(offset).cast::<u64>()) })
    }
}

impl Drop for Mmap {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the region mapped in `map`; no borrow of
        // it can outlive `self`.
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), self.mapped);
        }
    }
}
