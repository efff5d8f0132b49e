//! Memory shared with the kernel: the mmapped value of a global-data map.
//!
//! BPF programs write this memory concurrently with user space, outside
//! Rust's knowledge. So Rust touches it only with atomic operations, and
//! each byte only ever with one width: racing atomic accesses of different
//! sizes to one location are undefined behaviour, just as racing non-atomic
//! ones are. A mapping carries a layout, fixed once, that splits it into
//! [`Span`]s (one per variable, plus the gaps between them), each accessed
//! with one width among 1, 2, 4 and 8 bytes: every copy in or out goes
//! granule by granule with that width (`AtomicU8`..`AtomicU64`, relaxed),
//! and the atomic views handed out ([`Mmap::atomic_u64`]...) are of that
//! width too. A variable accessed with width `w` is never torn at a
//! `w`-byte granule; a copy of a larger variable is a snapshot of each
//! granule, not of the whole.
//!
//! The layout is set by the first typed view of the section (generated
//! skeletons do it at load, before user code can touch the mapping); a
//! mapping first used raw gets a default layout of one span, with the
//! largest width dividing its size.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::ptr::NonNull;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicU16, AtomicU32, AtomicU64, AtomicU8};
use std::sync::OnceLock;

/// A run of bytes of a mapping, accessed with one atomic width.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    /// First byte.
    pub offset: usize,
    /// Bytes.
    pub len: usize,
    /// The access width in bytes: 1, 2, 4 or 8, dividing `offset` and `len`.
    pub width: usize,
}

impl Span {
    /// The span of a variable of `len` bytes at `offset`, accessed with
    /// [`access_width`]`(offset, len)`.
    pub const fn of_var(offset: usize, len: usize) -> Span {
        Span {
            offset,
            len,
            width: access_width(offset, len),
        }
    }

    fn end(&self) -> usize {
        self.offset + self.len
    }
}

pub use crate::obj::access_width;

/// A `MAP_SHARED` mapping of a mmapable array map's value.
#[derive(Debug)]
pub struct Mmap {
    ptr: NonNull<u8>,
    /// Bytes mapped (the value size rounded up to pages).
    mapped: usize,
    /// The value size: bytes accessible through this API.
    len: usize,
    writable: bool,
    /// Sorted spans covering `0..len` exactly, set once.
    layout: OnceLock<Box<[Span]>>,
}

// SAFETY: `Mmap` owns a process-wide shared mapping that is only accessed
// through atomic operations of one width per location (the layout, fixed
// once) and `&AtomicUN` references of that same width, never through
// plain references; such accesses are valid from any thread, and unmapping
// happens once, in Drop, when no borrow remains.
unsafe impl Send for Mmap {}
// SAFETY: see `Send`: concurrent `&Mmap` use performs only atomic
// operations, each location always with the same width.
unsafe impl Sync for Mmap {}

/// Loads the `w`-byte granule at `p` (relaxed; `w` at most 8 bytes, so
/// valid on read-only memory too) into the first `w` bytes of the result.
///
/// # Safety
/// `p` is `w`-aligned and valid for reads of `w` bytes for the call, and
/// that memory is only ever accessed atomically with width `w`.
unsafe fn load(p: *mut u8, w: usize) -> [u8; 8] {
    macro_rules! load_as {
        ($atomic:ty, $n:literal) => {{
            // SAFETY: the caller's contract, for this width.
            let v = unsafe { <$atomic>::from_ptr(p.cast()) }.load(Relaxed);
            let mut out = [0u8; 8];
            out[..$n].copy_from_slice(&v.to_ne_bytes());
            out
        }};
    }
    match w {
        8 => load_as!(AtomicU64, 8),
        4 => load_as!(AtomicU32, 4),
        2 => load_as!(AtomicU16, 2),
        _ => load_as!(AtomicU8, 1),
    }
}

/// Part of a range: a granule only partly inside it, or a run of whole
/// granules.
enum Piece {
    /// Bytes `inner` of the granule at `granule` are bytes `outer` of the
    /// range.
    Part {
        granule: usize,
        width: usize,
        inner: std::ops::Range<usize>,
        outer: std::ops::Range<usize>,
    },
    /// Whole granules from `start`: bytes `outer` of the range.
    Run {
        start: usize,
        width: usize,
        outer: std::ops::Range<usize>,
    },
}

/// Loads `dst.len() / w` consecutive `w`-byte granules from `p` into `dst`.
///
/// # Safety
/// As for [`load`], for every granule.
unsafe fn load_run(p: *mut u8, w: usize, dst: &mut [u8]) {
    macro_rules! run {
        ($atomic:ty, $n:literal) => {
            for (i, chunk) in dst.chunks_exact_mut($n).enumerate() {
                // SAFETY: the caller's contract, for granule `i`.
                let a = unsafe { <$atomic>::from_ptr(p.add(i * $n).cast()) };
                chunk.copy_from_slice(&a.load(Relaxed).to_ne_bytes());
            }
        };
    }
    match w {
        8 => run!(AtomicU64, 8),
        4 => run!(AtomicU32, 4),
        2 => run!(AtomicU16, 2),
        _ => run!(AtomicU8, 1),
    }
}

/// Stores `src` as consecutive `w`-byte granules from `p`, skipping those
/// equal in `old` (if given, of the same length).
///
/// # Safety
/// As for [`store`], for every granule.
unsafe fn store_run(p: *mut u8, w: usize, src: &[u8], old: Option<&[u8]>) {
    macro_rules! run {
        ($atomic:ty, $prim:ty, $n:literal) => {
            for (i, chunk) in src.chunks_exact($n).enumerate() {
                let at = i * $n;
                if old.is_some_and(|o| o.get(at..at + $n) == Some(chunk)) {
                    continue;
                }
                let mut b = [0u8; $n];
                b.copy_from_slice(chunk);
                // SAFETY: the caller's contract, for granule `i`.
                let a = unsafe { <$atomic>::from_ptr(p.add(at).cast()) };
                a.store(<$prim>::from_ne_bytes(b), Relaxed);
            }
        };
    }
    match w {
        8 => run!(AtomicU64, u64, 8),
        4 => run!(AtomicU32, u32, 4),
        2 => run!(AtomicU16, u16, 2),
        _ => run!(AtomicU8, u8, 1),
    }
}

/// Stores the first `w` bytes of `v` into the granule at `p` (relaxed);
/// if `merge` is given, only bytes `merge` of the granule are replaced,
/// atomically with respect to the others (a compare-exchange loop).
///
/// # Safety
/// As for [`load`], and the memory is writable.
unsafe fn store(p: *mut u8, w: usize, v: [u8; 8], merge: Option<std::ops::Range<usize>>) {
    macro_rules! store_as {
        ($atomic:ty, $prim:ty, $n:literal) => {{
            // SAFETY: the caller's contract, for this width.
            let a = unsafe { <$atomic>::from_ptr(p.cast()) };
            let mut new = [0u8; $n];
            new.copy_from_slice(&v[..$n]);
            match merge {
                None => a.store(<$prim>::from_ne_bytes(new), Relaxed),
                Some(r) => {
                    let _ = a.fetch_update(Relaxed, Relaxed, |old| {
                        let mut b = old.to_ne_bytes();
                        if let (Some(dst), Some(src)) = (b.get_mut(r.clone()), new.get(r.clone())) {
                            dst.copy_from_slice(src);
                        }
                        Some(<$prim>::from_ne_bytes(b))
                    });
                }
            }
        }};
    }
    match w {
        8 => store_as!(AtomicU64, u64, 8),
        4 => store_as!(AtomicU32, u32, 4),
        2 => store_as!(AtomicU16, u16, 2),
        _ => store_as!(AtomicU8, u8, 1),
    }
}

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
            layout: OnceLock::new(),
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

    /// The spans covering `0..len` given the variables' spans: checked
    /// (sorted, disjoint, in bounds, widths dividing offsets and lengths),
    /// with the gaps filled.
    fn complete(&self, vars: &[Span]) -> Result<Box<[Span]>, String> {
        let mut out = Vec::with_capacity(vars.len() * 2 + 1);
        let mut cursor = 0;
        for v in vars.iter().filter(|v| v.len > 0) {
            if !matches!(v.width, 1 | 2 | 4 | 8) || v.offset % v.width != 0 || v.len % v.width != 0
            {
                return Err(format!(
                    "variable at {} of {} bytes cannot be accessed {} bytes at a time",
                    v.offset, v.len, v.width
                ));
            }
            if v.offset < cursor || v.end() > self.len {
                return Err(format!(
                    "variable at {} of {} bytes overlaps another or overruns the {} mapped bytes",
                    v.offset, v.len, self.len
                ));
            }
            if v.offset > cursor {
                out.push(Span::of_var(cursor, v.offset - cursor));
            }
            out.push(*v);
            cursor = v.end();
        }
        if self.len > cursor {
            out.push(Span::of_var(cursor, self.len - cursor));
        }
        Ok(out.into_boxed_slice())
    }

    /// Fixes the access widths of the mapping from its variables' spans
    /// (sorted by offset; gaps between them are filled). Succeeds if the
    /// same layout is already set; fails if another one is (the memory may
    /// already have been accessed with other widths) or the spans are
    /// invalid.
    pub(crate) fn set_layout(&self, vars: &[Span]) -> Result<(), String> {
        let want = self.complete(vars)?;
        let have = self.layout.get_or_init(|| want.clone());
        if *have == want {
            Ok(())
        } else {
            Err("the mapping is already accessed with another layout of access widths".into())
        }
    }

    fn layout(&self) -> &[Span] {
        self.layout.get_or_init(|| {
            self.complete(&[])
                .unwrap_or_else(|_| vec![Span::of_var(0, self.len)].into_boxed_slice())
        })
    }

    /// The width every access to byte `offset` uses (`None` past the end).
    pub fn access_width(&self, offset: usize) -> Option<usize> {
        self.span_at(offset).map(|s| s.width)
    }

    fn span_at(&self, offset: usize) -> Option<&Span> {
        let spans = self.layout();
        spans.get(spans.partition_point(|s| s.end() <= offset))
    }

    fn in_bounds(&self, offset: usize, n: usize) -> bool {
        offset.checked_add(n).is_some_and(|end| end <= self.len)
    }

    /// Walks `[offset, offset + n)` (in bounds) span by span, calling `f`
    /// for each granule only partly inside the range and for each run of
    /// whole granules, in order.
    fn walk(&self, offset: usize, n: usize, mut f: impl FnMut(Piece)) {
        let end = offset + n;
        let mut at = offset;
        while at < end {
            let Some(span) = self.span_at(at) else { return };
            let w = span.width;
            let stop = span.end().min(end);
            if at % w != 0 || at + w > stop {
                let g = at - at % w;
                let upto = (g + w).min(stop);
                f(Piece::Part {
                    granule: g,
                    width: w,
                    inner: at - g..upto - g,
                    outer: at - offset..upto - offset,
                });
                at = upto;
            } else {
                let whole = (stop - at) / w * w;
                f(Piece::Run {
                    start: at,
                    width: w,
                    outer: at - offset..at + whole - offset,
                });
                at += whole;
            }
        }
    }

    /// Copies `out.len()` bytes at `offset` into `out`, each granule with
    /// its one atomic load. Returns false (and copies nothing) if the range
    /// is out of bounds.
    pub fn read(&self, offset: usize, out: &mut [u8]) -> bool {
        if !self.in_bounds(offset, out.len()) {
            return false;
        }
        let base = self.ptr.as_ptr();
        self.walk(offset, out.len(), |piece| match piece {
            Piece::Part {
                granule,
                width,
                inner,
                outer,
            } => {
                // SAFETY: the granule lies in one span of this width (spans
                // are width-aligned and a multiple of it long) inside `len
                // <= mapped`: aligned (page-aligned base), mapped for the
                // life of `self`, only ever accessed atomically with this
                // width.
                let word = unsafe { load(base.add(granule), width) };
                if let (Some(dst), Some(src)) = (out.get_mut(outer), word.get(inner)) {
                    dst.copy_from_slice(src);
                }
            }
            Piece::Run {
                start,
                width,
                outer,
            } => {
                if let Some(dst) = out.get_mut(outer) {
                    // SAFETY: as above, for every granule of the run.
                    unsafe { load_run(base.add(start), width, dst) };
                }
            }
        });
        true
    }

    /// Copies `data` to `offset`, each granule with its one atomic store
    /// (a granule only partly covered is merged with a compare-exchange).
    /// Returns false (and writes nothing) if the range is out of bounds or
    /// the mapping is read-only.
    pub fn write(&self, offset: usize, data: &[u8]) -> bool {
        self.write_if(offset, data, None)
    }

    /// Like [`write`](Self::write), but stores only the granules whose
    /// bytes in `data` differ from those in `old` (same length as `data`):
    /// writes back what a caller changed in a snapshot, leaving the rest to
    /// the programs.
    pub fn write_changed(&self, offset: usize, old: &[u8], data: &[u8]) -> bool {
        old.len() == data.len() && self.write_if(offset, data, Some(old))
    }

    fn write_if(&self, offset: usize, data: &[u8], old: Option<&[u8]>) -> bool {
        if !self.writable || !self.in_bounds(offset, data.len()) {
            return false;
        }
        let base = self.ptr.as_ptr();
        self.walk(offset, data.len(), |piece| match piece {
            Piece::Part {
                granule,
                width,
                inner,
                outer,
            } => {
                if old.is_some_and(|o| o.get(outer.clone()) == data.get(outer.clone())) {
                    return;
                }
                let mut word = [0u8; 8];
                if let (Some(dst), Some(src)) = (word.get_mut(inner.clone()), data.get(outer)) {
                    dst.copy_from_slice(src);
                }
                let merge = (inner.len() != width).then_some(inner);
                // SAFETY: as in `read`, and the mapping is writable.
                unsafe { store(base.add(granule), width, word, merge) };
            }
            Piece::Run {
                start,
                width,
                outer,
            } => {
                let old = old.and_then(|o| o.get(outer.clone()));
                if let Some(src) = data.get(outer) {
                    // SAFETY: as in `read`, and the mapping is writable.
                    unsafe { store_run(base.add(start), width, src, old) };
                }
            }
        });
        true
    }

    /// The `N`-byte word at `offset` as a pointer, if the mapping is
    /// writable and the word is one granule of a span of width `N`.
    fn word(&self, offset: usize, n: usize) -> Option<*mut u8> {
        let span = self.span_at(offset)?;
        if !self.writable || span.width != n || offset % n != 0 || !self.in_bounds(offset, n) {
            return None;
        }
        // SAFETY: `offset < len <= mapped`: inside the mapping.
        Some(unsafe { self.ptr.as_ptr().add(offset) })
    }
}

macro_rules! atomic_views {
    ($($name:ident: $atomic:ident, $n:literal;)*) => {
        impl Mmap {
            $(
                #[doc = concat!(
                    "The ", stringify!($n), "-byte word at `offset` as an atomic, if the mapping is \
                     writable and the word is a granule of a variable accessed ",
                    stringify!($n), " bytes at a time (see [`access_width`]). Programs \
                     updating it with `__sync_fetch_and_add` and user space using this atomic \
                     see each other's updates without tearing."
                )]
                pub fn $name(&self, offset: usize) -> Option<&$atomic> {
                    let p = self.word(offset, $n)?;
                    // SAFETY: `word` checked bounds, alignment to the width
                    // (page-aligned base) and that every Rust access to this
                    // granule uses this width; valid for the life of `&self`
                    // (unmapped only in Drop); writable, so read-modify-write
                    // operations cannot fault.
                    Some(unsafe { $atomic::from_ptr(p.cast()) })
                }
            )*
        }
    };
}
atomic_views! {
    atomic_u8: AtomicU8, 1;
    atomic_u16: AtomicU16, 2;
    atomic_u32: AtomicU32, 4;
    atomic_u64: AtomicU64, 8;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::{AsFd, FromRawFd, OwnedFd};

    /// A page of shared memory that is not a BPF map: the same mmap path.
    fn memfd() -> OwnedFd {
        // SAFETY: a NUL-terminated name; returns a new fd or -1.
        let fd = unsafe { libc::memfd_create(c"bpf-skeleton-mmap-test".as_ptr(), 0) };
        assert!(fd >= 0, "{}", io::Error::last_os_error());
        // SAFETY: `fd` is fresh and owned by nothing else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: plain syscall on an fd we own.
        assert_eq!(unsafe { libc::ftruncate(fd.as_raw_fd(), 4096) }, 0);
        fd
    }

    #[test]
    fn widths_follow_offset_and_size() {
        assert_eq!(access_width(0, 8), 8);
        assert_eq!(access_width(8, 4), 4);
        assert_eq!(access_width(8, 12), 4);
        assert_eq!(access_width(6, 8), 2);
        assert_eq!(access_width(16, 19), 1);
        assert_eq!(access_width(16, 32), 8);
    }

    #[test]
    fn one_layout_per_mapping_and_views_of_its_widths_only() {
        let fd = memfd();
        let m = Mmap::map(fd.as_fd(), 24, true).unwrap();
        let vars = [Span::of_var(0, 4), Span::of_var(8, 8), Span::of_var(16, 3)];
        assert_eq!(vars.map(|v| v.width), [4, 8, 1]);
        m.set_layout(&vars).unwrap();
        m.set_layout(&vars).unwrap();
        assert!(
            m.set_layout(&[Span::of_var(0, 24)]).is_err(),
            "another layout"
        );
        assert_eq!(m.access_width(4), Some(4), "the gap 4..8");
        assert_eq!(m.access_width(20), Some(1), "the gap 19..24");
        assert_eq!(m.access_width(24), None);
        assert!(m.atomic_u32(0).is_some());
        assert!(
            m.atomic_u64(0).is_none(),
            "0..4 is accessed 4 bytes at a time"
        );
        assert!(m.atomic_u16(0).is_none());
        assert!(
            m.atomic_u32(8).is_none(),
            "8..16 is accessed 8 bytes at a time"
        );
        assert!(m.atomic_u8(16).is_some());

        // A write covering part of a granule merges into it atomically.
        let word = m.atomic_u64(8).unwrap();
        word.store(0x1111_1111_1111_1111, Relaxed);
        assert!(m.write(10, &[0xaa, 0xbb]));
        assert_eq!(word.load(Relaxed), 0x1111_1111_bbaa_1111);
        let mut b = [0u8; 4];
        assert!(m.read(9, &mut b));
        assert_eq!(b, [0x11, 0xaa, 0xbb, 0x11]);
        assert!(!m.read(20, &mut [0u8; 5]), "out of bounds");
        assert!(!m.write(23, &[0, 0]), "out of bounds");

        // Only the granules that differ from the snapshot are written.
        let mut old = [0u8; 24];
        assert!(m.read(0, &mut old));
        m.atomic_u32(0).unwrap().store(5, Relaxed);
        let mut new = old;
        new[16] = 9;
        assert!(m.write_changed(0, &old, &new));
        assert_eq!(m.atomic_u32(0).unwrap().load(Relaxed), 5, "left alone");
        assert_eq!(m.atomic_u8(16).unwrap().load(Relaxed), 9);

        // Ranges across spans, with partial granules at both ends.
        let pattern: Vec<u8> = (0..24).map(|i| i as u8 * 3 + 1).collect();
        assert!(m.write(0, &pattern));
        assert!(m.write(3, &[0xee; 15]));
        let mut all = [0u8; 24];
        assert!(m.read(0, &mut all));
        let mut want = pattern.clone();
        want[3..18].fill(0xee);
        assert_eq!(all.to_vec(), want);
        let mut mid = [0u8; 17];
        assert!(m.read(5, &mut mid));
        assert_eq!(mid.to_vec(), want[5..22].to_vec());
        m.write(0, &[0; 24]);
        m.write(8, &0x1111_1111_bbaa_1111u64.to_ne_bytes());

        // Read-only: no writes, no atomic views; reads see the memory.
        let ro = Mmap::map(fd.as_fd(), 24, false).unwrap();
        assert!(!ro.write(0, &[1]));
        assert!(ro.atomic_u64(8).is_none());
        let mut w = [0u8; 8];
        assert!(ro.read(8, &mut w));
        assert_eq!(u64::from_ne_bytes(w), 0x1111_1111_bbaa_1111);
    }

    #[test]
    fn invalid_layouts_and_raw_use_first_are_refused() {
        let fd = memfd();
        let m = Mmap::map(fd.as_fd(), 24, true).unwrap();
        let bad = |spans: &[Span]| m.complete(spans).is_err();
        assert!(bad(&[Span {
            offset: 2,
            len: 4,
            width: 4
        }]));
        assert!(bad(&[Span {
            offset: 0,
            len: 6,
            width: 4
        }]));
        assert!(bad(&[Span {
            offset: 0,
            len: 3,
            width: 3
        }]));
        assert!(bad(&[Span::of_var(0, 8), Span::of_var(4, 4)]), "overlap");
        assert!(bad(&[Span::of_var(8, 4), Span::of_var(0, 4)]), "unsorted");
        assert!(bad(&[Span::of_var(16, 16)]), "overrun");
        // Raw use first fixes the default layout: one span.
        let mut b = [0u8; 1];
        assert!(m.read(0, &mut b));
        assert_eq!(m.access_width(0), Some(8));
        assert!(m.set_layout(&[Span::of_var(0, 4)]).is_err());
    }
}
