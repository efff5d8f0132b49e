//! Global variables of a loaded skeleton: the global-data maps (`.data`,
//! `.bss`, `.rodata`, custom `.data.*` sections) and the live, typed views
//! of their mmapped contents.
//!
//! Everything here is stack-safe for sections of any size: whole sections
//! live on the heap ([`zeroed_box`]), never built on the stack, and the
//! memory shared with the programs is only touched through
//! [`Mmap`], atomically and with one width per variable.

use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU16, AtomicU32, AtomicU64, AtomicU8};
use std::sync::Arc;

use crate::error::{Error, Result, Subject};
use crate::map;
use crate::mmap::{Mmap, Span};
use crate::plain::Plain;

/// An all-zero `T` allocated directly on the heap: a 16 MiB section never
/// passes through the stack (as `Box::new(T::zeroed())` would in a debug
/// build).
pub fn zeroed_box<T: Plain>() -> Box<T> {
    let layout = std::alloc::Layout::new::<T>();
    if layout.size() == 0 {
        // SAFETY: a zero-sized `Box` holds a dangling, aligned pointer and
        // never allocates (`Box::new(T::zeroed())` would reserve the stack
        // frame for `T` even when not taken, in debug builds).
        return unsafe { Box::from_raw(std::ptr::NonNull::<T>::dangling().as_ptr()) };
    }
    // SAFETY: the layout has a non-zero size.
    let p = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<T>();
    if p.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    // SAFETY: `p` was allocated by the global allocator with `T`'s layout,
    // as `Box` requires, and holds zero bytes, a valid `T` (`T: Plain`
    // accepts every bit pattern).
    unsafe { Box::from_raw(p) }
}

/// A generated section type `T` is the section's size rounded up to its
/// alignment (at most 15 bytes of tail padding).
pub(crate) fn check_section_type<T>(name: &str, section_len: usize) -> Result<()> {
    let size = std::mem::size_of::<T>();
    if section_len <= size && size - section_len < 16 {
        Ok(())
    } else {
        Err(Error::invalid(
            Subject::map(name),
            format!("section is {section_len} bytes, the generated type {size}: rebuild"),
        ))
    }
}

/// A created global-data map of skeleton `S` whose one value is the section
/// `T` (the generated section struct, or a byte array without BTF).
/// `#[repr(transparent)]` over the untyped map, as every skeleton handle
/// (generated code converts whole handle structs; see `skel::Handles`).
#[repr(transparent)]
pub struct DataMap<S, T> {
    pub(crate) inner: map::Map,
    _skel: PhantomData<fn() -> (S, T)>,
}

impl<S, T> fmt::Debug for DataMap<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl<S, T: Plain> DataMap<S, T> {
    /// The section's contents as the kernel copies them out
    /// (`BPF_MAP_LOOKUP_ELEM`), on the heap.
    pub fn lookup(&self) -> Result<Box<T>> {
        let bytes = self.inner.lookup(&0u32.to_ne_bytes(), 0)?.ok_or_else(|| {
            Error::invalid(
                Subject::map(self.inner.name()),
                "the section's entry is missing",
            )
        })?;
        let mut v = zeroed_box::<T>();
        match v.as_bytes_mut().get_mut(..bytes.len()) {
            Some(dst) => dst.copy_from_slice(&bytes),
            None => {
                return Err(Error::invalid(
                    Subject::map(self.inner.name()),
                    format!(
                        "the kernel returned {} bytes for a section of {}",
                        bytes.len(),
                        std::mem::size_of::<T>()
                    ),
                ))
            }
        }
        Ok(v)
    }

    /// Replaces the section's contents with `BPF_MAP_UPDATE_ELEM` (refused
    /// by the kernel once the map is frozen, as `.rodata` is).
    pub fn update(&self, value: &T) -> Result<()> {
        let len = self.inner.def().value_size as usize;
        let bytes = value.as_bytes().get(..len).ok_or_else(|| {
            Error::invalid(
                Subject::map(self.inner.name()),
                "the section type is smaller than the map",
            )
        })?;
        self.inner.update(&0u32.to_ne_bytes(), bytes, 0)
    }
}

/// The live contents of a global-data section of type `T`, mapped into
/// this process and shared with the programs. Every access is atomic, each
/// variable always with the one width recorded for it (see
/// [`crate::mmap`]). Whole-section copies live on the heap. `.rodata`
/// views are read-only.
pub struct Globals<T> {
    mem: Arc<Mmap>,
    _t: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for Globals<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Globals")
            .field("len", &self.mem.len())
            .finish()
    }
}

impl<T: Plain> Globals<T> {
    /// The view of `map`'s mapping, whose variables are `vars` (offset,
    /// size and access width of each, sorted by offset): the mapping is
    /// accessed with these widths from now on. Fails if it was already
    /// accessed with other widths.
    #[doc(hidden)]
    pub fn new<S>(map: &DataMap<S, T>, vars: &[Span]) -> Result<Self> {
        let name = map.inner.name();
        let mem = map
            .inner
            .mmap()
            .ok_or_else(|| Error::invalid(Subject::map(name), "not a mapped global-data map"))?;
        check_section_type::<T>(name, mem.len())?;
        mem.set_layout(vars)
            .map_err(|e| Error::invalid(Subject::map(name), e))?;
        Ok(Globals {
            mem: Arc::clone(mem),
            _t: PhantomData,
        })
    }

    /// Whether the section can be written (not `.rodata`).
    pub fn is_writable(&self) -> bool {
        self.mem.is_writable()
    }

    /// A snapshot of the whole section on the heap, variable by variable
    /// (tail padding zero).
    pub fn read(&self) -> Box<T> {
        let mut v = zeroed_box::<T>();
        self.read_into(&mut v);
        v
    }

    /// Copies the whole section into `out` (tail padding untouched).
    pub fn read_into(&self, out: &mut T) {
        let len = self.mem.len();
        if let Some(dst) = out.as_bytes_mut().get_mut(..len) {
            self.mem.read(0, dst);
        }
    }

    /// Calls `f` with a heap snapshot of the section and returns its result.
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.read())
    }

    /// Calls `f` on a heap snapshot of the section, then writes back the
    /// granules `f` changed (others, possibly updated by programs in the
    /// meantime, are left alone). `None`, without calling `f`, on a
    /// read-only view.
    pub fn update<R>(&self, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        if !self.mem.is_writable() {
            return None;
        }
        let old = self.read();
        let mut new = zeroed_box::<T>();
        new.as_bytes_mut().copy_from_slice(old.as_bytes());
        let r = f(&mut new);
        let len = self.mem.len();
        if let (Some(o), Some(n)) = (old.as_bytes().get(..len), new.as_bytes().get(..len)) {
            self.mem.write_changed(0, o, n);
        }
        Some(r)
    }

    /// Overwrites the whole section, variable by variable; false on a
    /// read-only view.
    pub fn write(&self, value: &T) -> bool {
        let len = self.mem.len();
        value
            .as_bytes()
            .get(..len)
            .is_some_and(|b| self.mem.write(0, b))
    }

    /// Reads the field of type `F` at `offset` (generated accessors pass
    /// `offset_of!`, so the field is inside `T`, which fills the mapping).
    #[doc(hidden)]
    pub fn read_field<F: Plain>(&self, offset: usize) -> F {
        let mut v = F::zeroed();
        self.mem.read(offset, v.as_bytes_mut());
        v
    }

    /// Reads the field of type `F` at `offset` into a heap value (for
    /// large variables).
    #[doc(hidden)]
    pub fn read_field_boxed<F: Plain>(&self, offset: usize) -> Box<F> {
        let mut v = zeroed_box::<F>();
        self.mem.read(offset, v.as_bytes_mut());
        v
    }

    /// Writes the field of type `F` at `offset`; false on a read-only view.
    #[doc(hidden)]
    pub fn write_field<F: Plain>(&self, offset: usize, value: &F) -> bool {
        self.mem.write(offset, value.as_bytes())
    }

    /// The byte at `offset` as an atomic (writable views, variables
    /// accessed one byte at a time).
    #[doc(hidden)]
    pub fn atomic_u8(&self, offset: usize) -> Option<&AtomicU8> {
        self.mem.atomic_u8(offset)
    }

    /// The 16-bit word at `offset` as an atomic (writable views, variables
    /// accessed two bytes at a time).
    #[doc(hidden)]
    pub fn atomic_u16(&self, offset: usize) -> Option<&AtomicU16> {
        self.mem.atomic_u16(offset)
    }

    /// The 32-bit word at `offset` as an atomic (writable views, variables
    /// accessed four bytes at a time).
    #[doc(hidden)]
    pub fn atomic_u32(&self, offset: usize) -> Option<&AtomicU32> {
        self.mem.atomic_u32(offset)
    }

    /// The 64-bit word at `offset` as an atomic (writable views, variables
    /// accessed eight bytes at a time).
    #[doc(hidden)]
    pub fn atomic_u64(&self, offset: usize) -> Option<&AtomicU64> {
        self.mem.atomic_u64(offset)
    }
}
