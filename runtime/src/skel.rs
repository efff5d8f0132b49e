//! Typed handles for generated skeletons.
//!
//! Each handle carries the skeleton type `S` it belongs to, so that the
//! compiler rejects mixing skeletons: [`OpenMap::set_exclusive`] takes only
//! an [`OpenProgram<S>`] of the same skeleton. Open handles exist only
//! before load and loaded handles only after, so a method that is valid in
//! one state does not exist in the other.
//!
//! `S` appears only as `PhantomData<fn() -> S>`: it does not affect
//! `Send`/`Sync`, which follow from the owned fields (file descriptors and
//! plain data), so skeletons are `Send + Sync` with no `unsafe impl`.
//!
//! Every handle is `#[repr(transparent)]` over its untyped item, so that
//! the generated `Maps`, `Progs`, `OpenMaps` and `OpenProgs` (each
//! `#[repr(C)]`, all fields handles over one item type) are laid out like
//! arrays of the untyped items and are built from and taken apart into
//! vectors of them without code per field (see [`Handles`]).

use std::fmt;
use std::marker::PhantomData;
use std::os::fd::{AsFd, BorrowedFd};

use crate::error::{Error, Result, Subject};
use crate::global::{check_section_type, zeroed_box, DataMap};
use crate::plain::Plain;
use crate::prog::TestRunOutput;
use crate::{map, open, prog};

#[cfg(feature = "tokio")]
mod async_ring;
mod attach;
mod events;
#[doc(hidden)]
pub mod layout;
mod misuse;
mod poller;
mod table;
#[cfg(feature = "tokio")]
pub use async_ring::AsyncRingBuf;
pub use attach::{
    attach_all, kind, Auto, AutoAttachable, CgroupProgram, IterProgram, KprobeMultiProgram,
    LinkSlots, Manual, NetnsProgram, PerfEventProgram, ProbeProgram, RawTracepointProgram,
    SocketProgram, TcProgram, TraceProgram, TracepointProgram, UprobeMultiProgram, UsdtProgram,
    XdpProgram,
};
pub use events::EventRingBuf;
pub use misuse::{
    MapsAreCreatedByLoad, ProgramsAreLoadedByLoad, RodataIsFrozenByLoad, SetMapBeforeLoad,
    SetProgramBeforeLoad,
};
pub use poller::RingBufPoller;
pub use table::{
    handles, into_items, load_table, open_table, open_table_with, Handles, MapEntry, Shape, Table,
};

type Marker<S> = PhantomData<fn() -> S>;
/// A typed map's marker: skeleton, key and value types.
type Typed<S, K, V> = PhantomData<fn() -> (S, K, V)>;

/// A map of skeleton `S` before load. `X` is [`RunTimeExclusivity`] (its
/// exclusivity is chosen with [`OpenMap::set_exclusive`] and
/// [`OpenMap::clear_exclusive`]) or, for a map declared in
/// `#[bpf_skeleton(exclusive(map = prog))]`, [`DeclaredExclusive`]: then
/// nothing can clear or move its exclusivity.
#[repr(transparent)]
pub struct OpenMap<S, X = RunTimeExclusivity> {
    inner: open::OpenMap,
    _skel: PhantomData<fn() -> (S, X)>,
}

/// A global-data map (`.data`, `.rodata`, `.bss`, custom sections) of
/// skeleton `S` before load. It always has exactly one entry, so it has no
/// `set_max_entries`. `X` as for [`OpenMap`].
#[repr(transparent)]
pub struct OpenDataMap<S, X = RunTimeExclusivity> {
    inner: open::OpenMap,
    _skel: PhantomData<fn() -> (S, X)>,
}

/// The exclusivity of an open map is chosen at run time (the default).
#[derive(Debug)]
pub enum RunTimeExclusivity {}

/// The open map was declared exclusive in `#[bpf_skeleton(exclusive(map =
/// prog))]`: the skeleton makes it exclusive at open, and its handle has no
/// `set_exclusive`, `clear_exclusive` or `raw_mut`.
#[derive(Debug)]
pub enum DeclaredExclusive {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::RunTimeExclusivity {}
}

/// Open maps whose exclusivity may change at run time: only
/// [`RunTimeExclusivity`].
#[diagnostic::on_unimplemented(
    message = "this map was declared exclusive in `#[bpf_skeleton(exclusive(...))]`: its \
               exclusivity cannot be changed or cleared at run time",
    label = "declared exclusive at compile time",
    note = "remove the map from `exclusive(...)` to choose its exclusivity at run time"
)]
pub trait ExclusivityAtRunTime: sealed::Sealed {}
impl ExclusivityAtRunTime for RunTimeExclusivity {}

/// A program of skeleton `S` before load.
#[repr(transparent)]
pub struct OpenProgram<S> {
    inner: open::OpenProgram,
    _skel: Marker<S>,
}

/// A created key/value map of skeleton `S`, with keys `K` and values `V`
/// (types generated from the object's BTF, Rust primitives, or byte arrays
/// for maps without BTF). A wrong key or value type does not compile.
#[repr(transparent)]
pub struct Map<S, K, V> {
    inner: map::Map,
    _skel: Typed<S, K, V>,
}

/// A created per-CPU map: every key holds one `V` per possible CPU.
#[repr(transparent)]
pub struct PerCpuMap<S, K, V> {
    inner: map::Map,
    _skel: Typed<S, K, V>,
}

/// A created ring buffer: programs submit records, user space consumes them.
#[repr(transparent)]
pub struct RingBuf<S> {
    inner: map::Map,
    _skel: Marker<S>,
}

/// A created program array (tail calls): slots hold programs.
#[repr(transparent)]
pub struct ProgArray<S> {
    inner: map::Map,
    _skel: Marker<S>,
}

/// A created perf event array: programs write records with
/// `bpf_perf_event_output`; user space reads them through a
/// [`PerfBuffer`](crate::perf::PerfBuffer).
#[repr(transparent)]
pub struct PerfEventArray<S> {
    inner: map::Map,
    _skel: Marker<S>,
}

/// A created map-of-maps (array or hash of maps) with keys `K`: its values
/// are maps shaped like the object's inner definition.
#[repr(transparent)]
pub struct MapOfMaps<S, K> {
    inner: map::Map,
    _skel: PhantomData<fn() -> (S, K)>,
}

/// A created map of a kind without typed operations here (queues, stacks,
/// bloom filters...): raw access only.
#[repr(transparent)]
pub struct RawMap<S> {
    inner: map::Map,
    _skel: Marker<S>,
}

/// A created struct_ops map (`.struct_ops` or `.struct_ops.link`): the
/// kernel ops it holds (e.g. a `tcp_congestion_ops`) are registered by
/// [`attach_struct_ops`](Self::attach_struct_ops), which the skeleton's
/// `attach()` calls too.
#[repr(transparent)]
pub struct StructOpsMap<S> {
    inner: map::Map,
    _skel: Marker<S>,
}

impl<S> StructOpsMap<S> {
    /// Registers the ops with the kernel (libbpf's
    /// `bpf_map__attach_struct_ops`); dropping the returned [`Link`]
    /// unregisters them. See [`map::Map::attach_struct_ops`].
    pub fn attach_struct_ops(&self) -> Result<crate::link::Link> {
        self.inner.attach_struct_ops()
    }
}

/// A program of loaded skeleton `S`, of kind `K` (a [`kind`] marker
/// deciding which typed attach methods it has) and auto-attachability `A`
/// ([`Auto`]: its section names its hook, it has `attach()`; or
/// [`Manual`]). See the `attach` methods.
#[repr(transparent)]
pub struct Program<S, K = kind::Other, A = Manual> {
    inner: prog::Program,
    _skel: ProgMarker<S, K, A>,
}

/// A program handle's marker: skeleton, kind and auto-attachability.
type ProgMarker<S, K, A> = PhantomData<fn() -> (S, K, A)>;

macro_rules! debug_via_inner {
    ($($t:ident $(<$($p:ident),*>)?),*) => {$(
        impl<S $($(, $p)*)?> fmt::Debug for $t<S $($(, $p)*)?> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.inner.fmt(f)
            }
        }
    )*};
}
debug_via_inner!(
    OpenMap<X>,
    OpenDataMap<X>,
    OpenProgram,
    Map<K, V>,
    PerCpuMap<K, V>,
    RingBuf,
    ProgArray,
    PerfEventArray,
    MapOfMaps<K>,
    RawMap,
    StructOpsMap,
    Program<K, A>
);

impl<S, X> OpenMap<S, X> {
    /// The map's name in the object.
    pub fn name(&self) -> &str {
        self.inner.name()
    }

    /// The maximum number of entries the map will be created with.
    pub fn max_entries(&self) -> u32 {
        self.inner.max_entries()
    }

    /// Changes the number of entries (for ring buffers, the size in bytes).
    /// `load()` refuses 0 before any syscall.
    pub fn set_max_entries(&mut self, n: u32) {
        self.inner.set_max_entries_deferred(n);
    }

    /// Uses an existing map instead of creating one (see
    /// [`crate::OpenMap::reuse_fd`]).
    pub fn reuse_fd(&mut self, fd: impl AsFd) -> Result<()> {
        self.inner.reuse_fd(fd)
    }

    /// Pins the map at `path` at load, reusing a compatible map already
    /// pinned there (see [`crate::OpenMap::set_pin_path`]).
    pub fn set_pin_path(&mut self, path: Option<impl Into<std::path::PathBuf>>) {
        self.inner.set_pin_path(path);
    }

    /// Where the map will be pinned, if anywhere.
    pub fn pin_path(&self) -> Option<&std::path::Path> {
        self.inner.pin_path()
    }

    /// Changes the map's type (see [`crate::OpenMap::set_type`]). The
    /// handle keeps its kind: its typed operations are for the type the
    /// object declared.
    pub fn set_type(&mut self, map_type: u32) -> Result<()> {
        self.inner.set_type(map_type)
    }

    /// Changes the key size (see [`crate::OpenMap::set_key_size`]). On a
    /// map whose handle has a typed key, `load()` then fails naming the
    /// map: the key type no longer fits.
    pub fn set_key_size(&mut self, size: u32) -> Result<()> {
        self.inner.set_key_size(size)
    }

    /// Changes the value size (see [`crate::OpenMap::set_value_size`]),
    /// e.g. a stack-trace map's frames. On a map whose handle has a typed
    /// value, `load()` then fails naming the map: the value type no longer
    /// fits.
    pub fn set_value_size(&mut self, size: u32) -> Result<()> {
        self.inner.set_value_size(size)
    }

    /// Replaces the map's flags (see [`crate::OpenMap::set_map_flags`]).
    pub fn set_map_flags(&mut self, flags: u32) -> Result<()> {
        self.inner.set_map_flags(flags)
    }

    /// Creates the map on NUMA node `node`, setting `BPF_F_NUMA_NODE`
    /// (see [`crate::OpenMap::set_numa_node`]).
    pub fn set_numa_node(&mut self, node: u32) {
        self.inner.set_numa_node(node);
    }

    /// Sets `map_extra` (see [`crate::OpenMap::set_map_extra`]).
    pub fn set_map_extra(&mut self, extra: u64) {
        self.inner.set_map_extra(extra);
    }

    /// Sets a map-of-maps' inner map template (see
    /// [`crate::OpenMap::set_inner_map`]).
    pub fn set_inner_map(&mut self, spec: &map::MapSpec) -> Result<()> {
        self.inner.set_inner_map(spec)
    }
}

impl<S, X> OpenDataMap<S, X> {
    /// The section's name (`.rodata`, `.data.custom`...).
    pub fn name(&self) -> &str {
        self.inner.name()
    }

    /// The section's initial contents as `T` (the generated section
    /// struct): the skeleton's typed field starts from this.
    #[doc(hidden)]
    pub fn initial_typed<T: Plain>(&self) -> Result<Box<T>> {
        let bytes = self.inner.initial_value().unwrap_or_default();
        check_section_type::<T>(self.name(), bytes.len())?;
        let mut v = zeroed_box::<T>();
        if let Some(dst) = v.as_bytes_mut().get_mut(..bytes.len()) {
            dst.copy_from_slice(&bytes);
        }
        Ok(v)
    }

    /// Sets the section's initial contents from the typed field at load.
    /// An all-zero value of a section that the file does not initialise
    /// (`.bss`) is left unmaterialised.
    #[doc(hidden)]
    pub fn set_initial_typed<T: Plain>(&mut self, value: &T) {
        let len = self.inner.def().value_size as usize;
        let Some(bytes) = value.as_bytes().get(..len) else {
            return;
        };
        if self.inner.def().initial_value.is_none() && bytes.iter().all(|&b| b == 0) {
            return;
        }
        if let Some(dst) = self.inner.initial_value_mut() {
            if dst.len() == bytes.len() {
                dst.copy_from_slice(bytes);
            }
        }
    }
}

/// Accessors shared by both open map types.
macro_rules! open_map_common {
    ($($t:ident),*) => {$(
        impl<S, X> $t<S, X> {
            /// Makes this map exclusive to `prog`, a program of the same
            /// skeleton: at load the map is created with the program's hash
            /// and the kernel refuses every other program that references
            /// it. A second call replaces the first. Loading fails before
            /// any syscall if another autoloaded program uses the map. Not
            /// available on a map declared exclusive in the attribute.
            pub fn set_exclusive(&mut self, prog: &OpenProgram<S>)
            where
                X: ExclusivityAtRunTime,
            {
                self.inner
                    .set_exclusive_by_index(prog.inner.index, prog.inner.name());
            }

            /// Removes any exclusivity. Not available on a map declared
            /// exclusive in the attribute.
            pub fn clear_exclusive(&mut self)
            where
                X: ExclusivityAtRunTime,
            {
                self.inner.clear_exclusive();
            }

            /// The program this map will be exclusive to, if any.
            pub fn exclusive_program(&self) -> Option<&str> {
                self.inner.exclusive_program()
            }

            /// The untyped open map.
            pub fn raw(&self) -> &open::OpenMap {
                &self.inner
            }

            /// The untyped open map, mutably (its exclusivity can be changed
            /// through it, so a map declared exclusive has no `raw_mut`).
            pub fn raw_mut(&mut self) -> &mut open::OpenMap
            where
                X: ExclusivityAtRunTime,
            {
                &mut self.inner
            }
        }
    )*};
}
open_map_common!(OpenMap, OpenDataMap);

impl<S> OpenProgram<S> {
    /// The program's name in the object.
    pub fn name(&self) -> &str {
        self.inner.name()
    }

    /// Whether `load()` loads it.
    pub fn autoload(&self) -> bool {
        self.inner.autoload()
    }

    /// Includes or excludes the program from loading.
    pub fn set_autoload(&mut self, autoload: bool) {
        self.inner.set_autoload(autoload);
    }

    /// The SHA-256 digest the kernel will compute for this program.
    ///
    /// On Linux 6.18 and later the kernel's program tag (`bpftool prog
    /// show`'s `tag`, `bpf_prog_info.tag`) is the first 8 bytes of this
    /// digest; earlier kernels compute the tag with SHA-1 over the same
    /// instructions, so there it is not a prefix of `hash()`.
    pub fn hash(&self) -> [u8; 32] {
        self.inner.hash()
    }

    /// The untyped open program.
    pub fn raw(&self) -> &open::OpenProgram {
        &self.inner
    }

    /// Changes the program type (see [`crate::OpenProgram::set_prog_type`];
    /// the hash does not change, `attach()` then skips the program).
    pub fn set_prog_type(&mut self, prog_type: u32) {
        self.inner.set_prog_type(prog_type);
    }

    /// Changes `expected_attach_type` (see
    /// [`crate::OpenProgram::set_expected_attach_type`]).
    pub fn set_expected_attach_type(&mut self, attach_type: u32) {
        self.inner.set_expected_attach_type(attach_type);
    }

    /// Replaces `prog_flags`, e.g. `BPF_F_SLEEPABLE` (see
    /// [`crate::OpenProgram::set_flags`]).
    pub fn set_flags(&mut self, flags: u32) {
        self.inner.set_flags(flags);
    }

    /// Sets the attach target by name, resolved in the kernel's BTF at load
    /// (see [`crate::OpenProgram::set_attach_target`]).
    pub fn set_attach_target(&mut self, name: &str) -> Result<()> {
        self.inner.set_attach_target(name)
    }

    /// Sets the attach target as a vmlinux BTF id (see
    /// [`crate::OpenProgram::set_attach_btf_id`]).
    pub fn set_attach_btf_id(&mut self, id: u32) {
        self.inner.set_attach_btf_id(id);
    }

    /// Loads with verifier log level `level`; the log is then kept
    /// (`Program::verifier_log`). See [`crate::OpenProgram::set_log_level`].
    pub fn set_log_level(&mut self, level: u32) {
        self.inner.set_log_level(level);
    }

    /// The verifier log buffer size (see [`crate::OpenProgram::set_log_size`]).
    pub fn set_log_size(&mut self, bytes: usize) {
        self.inner.set_log_size(bytes);
    }
}

/// Accessors every loaded map handle has.
macro_rules! loaded_map_common {
    ($($t:ident $(<$($p:ident),*>)?),*) => {$(
        impl<S $($(, $p)*)?> $t<S $($(, $p)*)?> {
            /// The map's name in the object.
            pub fn name(&self) -> &str {
                self.inner.name()
            }

            /// The program this map was created exclusive to, if any.
            pub fn exclusive_program(&self) -> Option<&str> {
                self.inner.exclusive_program()
            }

            /// The untyped map (raw-byte operations, kernel info).
            pub fn raw(&self) -> &map::Map {
                &self.inner
            }

            /// Freezes the map against writes from user space (programs can
            /// still write it).
            pub fn freeze(&self) -> Result<()> {
                self.inner.freeze()
            }

            /// Where the map is pinned, if it is.
            pub fn pin_path(&self) -> Option<&std::path::Path> {
                self.inner.pin_path()
            }

            /// Pins the map at `path` on a bpffs.
            pub fn pin(&mut self, path: impl AsRef<std::path::Path>) -> Result<()> {
                self.inner.pin(path)
            }

            /// Removes the map's pin file.
            pub fn unpin(&mut self) -> Result<()> {
                self.inner.unpin()
            }
        }

        impl<S $($(, $p)*)?> AsFd for $t<S $($(, $p)*)?> {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.inner.as_fd()
            }
        }
    )*};
}
loaded_map_common!(
    Map<K, V>,
    PerCpuMap<K, V>,
    RingBuf,
    ProgArray,
    PerfEventArray,
    MapOfMaps<K>,
    RawMap,
    StructOpsMap,
    DataMap<T>
);

impl<S, K: Plain> MapOfMaps<S, K> {
    /// Puts `map` (shaped like the inner definition) at `key`.
    pub fn set(&self, key: &K, map: &impl AsFd) -> Result<()> {
        let raw = std::os::fd::AsRawFd::as_raw_fd(&map.as_fd()) as u32;
        self.inner.update(key.as_bytes(), &raw.to_ne_bytes(), 0)
    }

    /// Removes the map at `key`; `false` if there was none.
    pub fn delete(&self, key: &K) -> Result<bool> {
        self.inner.delete(key.as_bytes())
    }

    /// The kernel id of the map at `key`, if any.
    pub fn inner_id(&self, key: &K) -> Result<Option<u32>> {
        Ok(self
            .inner
            .lookup(key.as_bytes(), 0)?
            .and_then(|v| u32::from_bytes(&v)))
    }

    /// Creates a new (untyped) map shaped like the inner definition.
    pub fn create_inner(&self) -> Result<map::Map> {
        self.inner.create_inner()
    }
}

impl<S> PerfEventArray<S> {
    /// Opens a ring of `pages_per_cpu` pages (a power of two) on every
    /// online CPU and stores them in the map; read records from it.
    pub fn open_buffer(&self, pages_per_cpu: usize) -> Result<crate::perf::PerfBuffer> {
        crate::perf::PerfBuffer::new(&self.inner, pages_per_cpu)
    }
}

/// A map's entries from its keys and a lookup of each: a key deleted
/// while iterating (the lookup finds nothing) is skipped; errors are
/// passed on.
fn entries<'a, K: 'a, V: 'a>(
    keys: impl Iterator<Item = Result<K>> + 'a,
    lookup: impl Fn(&K) -> Result<Option<V>> + 'a,
) -> impl Iterator<Item = Result<(K, V)>> + 'a {
    keys.filter_map(move |k| match k {
        Ok(k) => match lookup(&k) {
            Ok(Some(v)) => Some(Ok((k, v))),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        },
        Err(e) => Some(Err(e)),
    })
}

fn decode<T: Plain>(bytes: &[u8], what: &str, name: &str) -> Result<T> {
    T::from_bytes(bytes).ok_or_else(|| {
        Error::invalid(
            Subject::map(name),
            format!(
                "the kernel returned {} bytes for a {} of {} bytes",
                bytes.len(),
                what,
                std::mem::size_of::<T>()
            ),
        )
    })
}

impl<S, K: Plain, V: Plain> Map<S, K, V> {
    /// The value for `key`, `None` if absent.
    pub fn lookup(&self, key: &K) -> Result<Option<V>> {
        match self.inner.lookup(key.as_bytes(), 0)? {
            Some(v) => Ok(Some(decode(&v, "value", self.name())?)),
            None => Ok(None),
        }
    }

    /// Inserts or replaces (see [`map::flags`]).
    pub fn update(&self, key: &K, value: &V, flags: u64) -> Result<()> {
        self.inner.update(key.as_bytes(), value.as_bytes(), flags)
    }

    /// Deletes `key`; `false` if it was absent.
    pub fn delete(&self, key: &K) -> Result<bool> {
        self.inner.delete(key.as_bytes())
    }

    /// The keys, walked with `BPF_MAP_GET_NEXT_KEY`.
    pub fn keys(&self) -> impl Iterator<Item = Result<K>> + '_ {
        self.inner
            .keys()
            .map(|k| k.and_then(|k| decode(&k, "key", self.name())))
    }

    /// The entries; keys deleted while iterating are skipped.
    pub fn iter(&self) -> impl Iterator<Item = Result<(K, V)>> + '_ {
        entries(self.keys(), |k| self.lookup(k))
    }

    /// All entries with `BPF_MAP_LOOKUP_BATCH` (hash, LRU and array maps),
    /// 256 per syscall.
    pub fn lookup_batch(&self) -> Result<Vec<(K, V)>> {
        self.inner
            .lookup_batch(256)?
            .into_iter()
            .map(|(k, v)| {
                Ok((
                    decode(&k, "key", self.name())?,
                    decode(&v, "value", self.name())?,
                ))
            })
            .collect()
    }

    /// Writes all `entries` with one `BPF_MAP_UPDATE_BATCH`.
    pub fn update_batch(&self, entries: &[(K, V)], flags: u64) -> Result<()> {
        let keys: Vec<u8> = entries
            .iter()
            .flat_map(|(k, _)| k.as_bytes().to_vec())
            .collect();
        let values: Vec<u8> = entries
            .iter()
            .flat_map(|(_, v)| v.as_bytes().to_vec())
            .collect();
        self.inner.update_batch(&keys, &values, flags)
    }
}

impl<S, K: Plain, V: Plain> PerCpuMap<S, K, V> {
    fn slot() -> usize {
        std::mem::size_of::<V>().next_multiple_of(8)
    }

    /// One value per possible CPU for `key`, `None` if absent.
    pub fn lookup(&self, key: &K) -> Result<Option<Vec<V>>> {
        let Some(bytes) = self.inner.lookup(key.as_bytes(), 0)? else {
            return Ok(None);
        };
        let size = std::mem::size_of::<V>();
        bytes
            .chunks(Self::slot())
            .map(|c| decode(c.get(..size).unwrap_or(c), "value", self.name()))
            .collect::<Result<Vec<V>>>()
            .map(Some)
    }

    /// Sets `key` to one value per possible CPU (`values.len()` must be
    /// the number of possible CPUs).
    pub fn update(&self, key: &K, values: &[V], flags: u64) -> Result<()> {
        let slot = Self::slot();
        let mut buf = vec![0u8; slot * values.len()];
        for (chunk, v) in buf.chunks_mut(slot).zip(values) {
            if let Some(dst) = chunk.get_mut(..std::mem::size_of::<V>()) {
                dst.copy_from_slice(v.as_bytes());
            }
        }
        self.inner.update(key.as_bytes(), &buf, flags)
    }

    /// Deletes `key`; `false` if it was absent.
    pub fn delete(&self, key: &K) -> Result<bool> {
        self.inner.delete(key.as_bytes())
    }

    /// The keys.
    pub fn keys(&self) -> impl Iterator<Item = Result<K>> + '_ {
        self.inner
            .keys()
            .map(|k| k.and_then(|k| decode(&k, "key", self.name())))
    }
}

impl<S> RingBuf<S> {
    fn ring(&self) -> Result<&crate::ringbuf::RingBuffer> {
        self.inner
            .ring_buffer()
            .ok_or_else(|| Error::invalid(Subject::map(self.name()), "ring buffer is not mapped"))
    }

    /// Calls `f` with every record available now; returns how many.
    pub fn consume(&self, f: impl FnMut(&[u8])) -> Result<usize> {
        Ok(self.ring()?.consume(f))
    }

    /// Waits up to `timeout` for records, then consumes them.
    pub fn poll(&self, timeout: std::time::Duration, f: impl FnMut(&[u8])) -> Result<usize> {
        self.ring()?
            .poll(self.inner.as_fd(), timeout, f)
            .map_err(|e| Error::syscall("poll", Subject::map(self.name()), e))
    }
}

impl<S> ProgArray<S> {
    /// Puts `prog` (a loaded program of the same skeleton) in slot `index`.
    pub fn set<K, A>(&self, index: u32, prog: &Program<S, K, A>) -> Result<()> {
        let fd = prog.fd().ok_or_else(|| {
            Error::invalid(Subject::program(prog.name()), "the program was not loaded")
        })?;
        let raw = std::os::fd::AsRawFd::as_raw_fd(&fd) as u32;
        self.inner
            .update(&index.to_ne_bytes(), &raw.to_ne_bytes(), 0)
    }

    /// Empties slot `index`; `false` if it was empty.
    pub fn clear(&self, index: u32) -> Result<bool> {
        self.inner.delete(&index.to_ne_bytes())
    }
}

impl<S, K, A> Program<S, K, A> {
    /// The program's name in the object.
    pub fn name(&self) -> &str {
        self.inner.name()
    }

    /// The SHA-256 digest of the program, equal to the kernel's.
    ///
    /// On Linux 6.18 and later the kernel's program tag (`bpftool prog
    /// show`'s `tag`, `bpf_prog_info.tag`) is the first 8 bytes of this
    /// digest; earlier kernels compute the tag with SHA-1 over the same
    /// instructions, so there it is not a prefix of `hash()`.
    pub fn hash(&self) -> [u8; 32] {
        self.inner.hash()
    }

    /// Whether it was loaded (its autoload was on).
    pub fn is_loaded(&self) -> bool {
        self.inner.is_loaded()
    }

    /// Its fd, `None` if it was not loaded.
    pub fn fd(&self) -> Option<BorrowedFd<'_>> {
        self.inner.fd()
    }

    /// Runs it once on `data` with `BPF_PROG_TEST_RUN`.
    pub fn test_run(&self, data: &[u8]) -> Result<TestRunOutput> {
        self.inner.test_run(data)
    }

    /// The verifier log of its load, if a log level was set before load.
    pub fn verifier_log(&self) -> Option<&str> {
        self.inner.verifier_log()
    }

    /// The untyped program.
    pub fn raw(&self) -> &prog::Program {
        &self.inner
    }
}

mod kinds;
pub use kinds::{BloomFilter, Queue, Stack, UserRingBuf};
