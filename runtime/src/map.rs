//! A map in the kernel, with raw-byte operations.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::Arc;

use crate::error::{Error, Result, Subject};
use crate::mmap::Mmap;
use crate::obj::maps::{map_type, MapOrigin};
use crate::obj::MapDef;
use crate::ringbuf::RingBuffer;
use crate::sys;

mod keyless;

/// Update flags (`BPF_ANY`, `BPF_NOEXIST`, `BPF_EXIST`, `BPF_F_LOCK`).
pub mod flags {
    /// Create or replace.
    pub const ANY: u64 = 0;
    /// Create only: fail if the key exists.
    pub const NOEXIST: u64 = 1;
    /// Replace only: fail if the key does not exist.
    pub const EXIST: u64 = 2;
    /// Take the value's `bpf_spin_lock` while copying.
    pub const LOCK: u64 = 4;
}

/// A created map. Closed when dropped.
#[derive(Debug)]
pub struct Map {
    pub(crate) def: MapDef,
    pub(crate) fd: OwnedFd,
    pub(crate) exclusive: Option<String>,
    pub(crate) mmap: Option<Arc<Mmap>>,
    pub(crate) ring: Option<RingBuffer>,
    pub(crate) user_ring: Option<crate::user_ringbuf::UserRingBuffer>,
    pub(crate) pin_path: Option<std::path::PathBuf>,
    /// A struct_ops map's kernel value (see [`crate::struct_ops`]).
    pub(crate) struct_ops: Option<crate::struct_ops::KernelValue>,
}

/// A map to create directly, outside any object (libbpf's
/// `bpf_map_create`): see [`Map::create`].
#[derive(Debug, Clone, Default)]
pub struct MapSpec {
    /// The map's name (the kernel keeps 15 bytes).
    pub name: String,
    /// `enum bpf_map_type`.
    pub map_type: u32,
    /// Key size in bytes.
    pub key_size: u32,
    /// Value size in bytes.
    pub value_size: u32,
    /// Maximum entries.
    pub max_entries: u32,
    /// `map_flags`.
    pub map_flags: u32,
    /// `map_extra`.
    pub map_extra: u64,
    /// Makes the map exclusive to the program whose digest this is (Linux
    /// 6.18): the kernel refuses every other program that uses the map.
    pub excl_prog_hash: Option<[u8; 32]>,
}

/// What the kernel reports about a map (`bpf_map_info` prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapInfo {
    /// `enum bpf_map_type`.
    pub map_type: u32,
    /// Kernel-wide map id.
    pub id: u32,
    /// Key size.
    pub key_size: u32,
    /// Value size.
    pub value_size: u32,
    /// Max entries.
    pub max_entries: u32,
    /// Flags.
    pub map_flags: u32,
    /// The kernel's (truncated) name.
    pub name: String,
    /// `map_extra`.
    pub map_extra: u64,
}

/// `BPF_MAP_CREATE`'s attributes for `def`'s shape (type, sizes, max
/// entries, flags, NUMA node, name, `map_extra`); no BTF, inner map or
/// exclusive hash, which callers add.
pub(crate) fn create_opts(def: &MapDef) -> sys::MapCreateOpts<'_> {
    sys::MapCreateOpts {
        map_type: def.map_type,
        key_size: def.key_size,
        value_size: def.value_size,
        max_entries: def.max_entries,
        map_flags: def.map_flags,
        numa_node: def.numa_node,
        name: &def.name,
        map_extra: def.map_extra,
        ..Default::default()
    }
}

impl Map {
    /// Creates a map from `spec`, outside any object. With
    /// `excl_prog_hash`, the map is exclusive to the program with that
    /// digest (for example [`Program::hash`](crate::Program::hash) of a
    /// program another object will load).
    pub fn create(spec: &MapSpec) -> Result<Map> {
        let mut def = crate::obj::MapDef::standalone(&spec.name, spec.map_type);
        def.key_size = spec.key_size;
        def.value_size = spec.value_size;
        def.max_entries = spec.max_entries;
        def.map_flags = spec.map_flags;
        def.map_extra = spec.map_extra;
        let fd = sys::map_create(&sys::MapCreateOpts {
            excl_prog_hash: spec.excl_prog_hash.as_ref(),
            ..create_opts(&def)
        })
        .map_err(|e| Error::syscall("BPF_MAP_CREATE", Subject::map(&spec.name), e))?;
        let exclusive = spec.excl_prog_hash.map(|h| crate::hash::hex(&h));
        Map::new(def, fd, exclusive)
    }

    /// The map's name in the object.
    pub fn name(&self) -> &str {
        &self.def.name
    }

    /// The definition it was created from (with settings applied).
    pub fn def(&self) -> &MapDef {
        &self.def
    }

    /// `enum bpf_map_type`.
    pub fn map_type(&self) -> u32 {
        self.def.map_type
    }

    /// Key size in bytes.
    pub fn key_size(&self) -> u32 {
        self.def.key_size
    }

    /// Value size in bytes (per CPU for per-CPU maps).
    pub fn value_size(&self) -> u32 {
        self.def.value_size
    }

    /// Maximum entries.
    pub fn max_entries(&self) -> u32 {
        self.def.max_entries
    }

    /// The program this map was created exclusive to (for a map made with
    /// [`Map::create`], the hex digest it was given), if any. For a reused
    /// map, set only once the load proved the existing map exclusive to
    /// that program.
    pub fn exclusive_program(&self) -> Option<&str> {
        self.exclusive.as_deref()
    }

    /// For a map-of-maps: creates a new map shaped like its inner maps
    /// (the object's `__array(values, ...)` definition), to insert with
    /// [`update`](Self::update) (key, the new map's fd as a `u32`).
    pub fn create_inner(&self) -> Result<Map> {
        let inner = self
            .def
            .inner
            .as_deref()
            .ok_or_else(|| Error::invalid(self.subject(), "not a map-of-maps"))?;
        let fd = sys::map_create(&create_opts(inner))
            .map_err(|e| Error::syscall("BPF_MAP_CREATE", Subject::map(&inner.name), e))?;
        Map::new(inner.clone(), fd, None)
    }

    /// A second handle to the same kernel map (its fd duplicated), without
    /// the mmapped value or ring buffer consumer of the first.
    pub fn try_clone(&self) -> Result<Map> {
        let fd = self
            .fd
            .try_clone()
            .map_err(|e| Error::syscall("dup", self.subject(), e))?;
        Ok(Map {
            def: self.def.clone(),
            fd,
            exclusive: self.exclusive.clone(),
            mmap: self.mmap.clone(),
            ring: None,
            user_ring: None,
            pin_path: None,
            struct_ops: self.struct_ops.clone(),
        })
    }

    /// Where the map is pinned, if this object pinned or reused it there.
    pub fn pin_path(&self) -> Option<&std::path::Path> {
        self.pin_path.as_deref()
    }

    /// Pins the map at `path` (a file on a bpffs): the map then outlives
    /// this process until the file is removed.
    pub fn pin(&mut self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let path = path.as_ref();
        sys::obj_pin(self.fd.as_fd(), path).map_err(|e| match e.raw_os_error() {
            Some(libc::EPERM | libc::EACCES) => Error::syscall("BPF_OBJ_PIN", self.subject(), e),
            _ => Error::io(path, e),
        })?;
        self.pin_path = Some(path.to_path_buf());
        Ok(())
    }

    /// Removes the map's pin file (the map itself lives while anything
    /// holds it).
    pub fn unpin(&mut self) -> Result<()> {
        if let Some(path) = self.pin_path.take() {
            std::fs::remove_file(&path).map_err(|source| Error::io(path, source))?;
        }
        Ok(())
    }

    /// For a global-data map: its value, mapped into this process and
    /// shared with the kernel (read-only for `.rodata`).
    pub fn mmap(&self) -> Option<&Arc<Mmap>> {
        self.mmap.as_ref()
    }

    /// For a ring buffer map: its consumer.
    pub fn ring_buffer(&self) -> Option<&RingBuffer> {
        self.ring.as_ref()
    }

    /// The producer of a user ring buffer map (`None` for other map types,
    /// and for a [`try_clone`](Self::try_clone): one producer per map).
    pub fn user_ring_buffer(&self) -> Option<&crate::user_ringbuf::UserRingBuffer> {
        self.user_ring.as_ref()
    }

    pub(crate) fn new(def: MapDef, fd: OwnedFd, exclusive: Option<String>) -> Result<Self> {
        let mut map = Map {
            def,
            fd,
            exclusive,
            mmap: None,
            ring: None,
            user_ring: None,
            pin_path: None,
            struct_ops: None,
        };
        if let MapOrigin::Data { read_only } = map.def.origin {
            let m = Mmap::map(map.fd.as_fd(), map.def.value_size as usize, !read_only)
                .map_err(|e| Error::syscall("mmap", map.subject(), e))?;
            map.mmap = Some(Arc::new(m));
        } else if map.def.map_type == map_type::RINGBUF {
            let r = RingBuffer::new(map.fd.as_fd(), map.def.max_entries)
                .map_err(|e| Error::syscall("mmap (ring buffer)", map.subject(), e))?;
            map.ring = Some(r);
        } else if map.def.map_type == map_type::USER_RINGBUF {
            let r = crate::user_ringbuf::UserRingBuffer::new(map.fd.as_fd(), map.def.max_entries)
                .map_err(|e| Error::syscall("mmap (user ring buffer)", map.subject(), e))?;
            map.user_ring = Some(r);
        }
        Ok(map)
    }

    /// Bytes a lookup returns: the value size, or for per-CPU maps one
    /// 8-byte aligned slot per possible CPU.
    pub fn value_buffer_len(&self) -> Result<usize> {
        let size = self.def.value_size as usize;
        if map_type::is_per_cpu(self.def.map_type) {
            let cpus = sys::possible_cpus()
                .map_err(|e| Error::syscall("reading possible CPUs", self.subject(), e))?;
            Ok(size.next_multiple_of(8) * cpus)
        } else {
            Ok(size)
        }
    }

    pub(crate) fn subject(&self) -> Subject {
        Subject::map(self.name())
    }

    /// Refuses a buffer whose length is not `expected`, naming the map and
    /// both sizes.
    fn check_len(&self, what: &'static str, found: usize, expected: usize) -> Result<()> {
        if found != expected {
            return Err(Error::SizeMismatch {
                map: self.name().to_string(),
                what,
                expected,
                found,
            });
        }
        Ok(())
    }

    fn check_key(&self, key: &[u8]) -> Result<()> {
        self.check_len("key", key.len(), self.def.key_size as usize)
    }

    /// Looks `key` up; `None` if absent.
    pub fn lookup(&self, key: &[u8], flags: u64) -> Result<Option<Vec<u8>>> {
        let mut value = vec![0u8; self.value_buffer_len()?];
        Ok(self.lookup_into(key, &mut value, flags)?.then_some(value))
    }

    /// Looks `key` up into `value`, which must be exactly
    /// [`value_buffer_len`](Self::value_buffer_len) bytes (no allocation).
    /// Returns whether the key was present; a buffer of another length is
    /// refused before the syscall, untouched.
    pub fn lookup_into(&self, key: &[u8], value: &mut [u8], flags: u64) -> Result<bool> {
        self.check_key(key)?;
        self.check_len("value", value.len(), self.value_buffer_len()?)?;
        // SAFETY: key is exactly the map's key size and value exactly its
        // full value buffer (checked just above; `def` holds the sizes the
        // map was created with, or was checked against the kernel's for a
        // reused map).
        unsafe { sys::map_lookup(self.fd.as_fd(), key, value, flags) }
            .map_err(|e| Error::syscall("BPF_MAP_LOOKUP_ELEM", self.subject(), e))
    }

    /// Inserts or replaces `key` (flags: `BPF_ANY` 0, `BPF_NOEXIST` 1,
    /// `BPF_EXIST` 2, `BPF_F_LOCK` 4).
    pub fn update(&self, key: &[u8], value: &[u8], flags: u64) -> Result<()> {
        self.check_key(key)?;
        self.check_len("value", value.len(), self.value_buffer_len()?)?;
        // SAFETY: key and value lengths checked just above.
        unsafe { sys::map_update(self.fd.as_fd(), key, value, flags) }
            .map_err(|e| Error::syscall("BPF_MAP_UPDATE_ELEM", self.subject(), e))
    }

    /// Deletes `key`; `false` if it was absent.
    pub fn delete(&self, key: &[u8]) -> Result<bool> {
        self.check_key(key)?;
        // SAFETY: key length checked just above.
        unsafe { sys::map_delete(self.fd.as_fd(), key) }
            .map_err(|e| Error::syscall("BPF_MAP_DELETE_ELEM", self.subject(), e))
    }

    /// Looks `key` up and deletes it in one step
    /// (`BPF_MAP_LOOKUP_AND_DELETE_ELEM`; hash and LRU maps, per-CPU ones
    /// too, Linux 5.14+; `flags` may be `BPF_F_LOCK`); `None` if absent.
    pub fn lookup_and_delete(&self, key: &[u8], flags: u64) -> Result<Option<Vec<u8>>> {
        self.check_key(key)?;
        let mut value = vec![0u8; self.value_buffer_len()?];
        // SAFETY: key is exactly the map's key size (checked just above) and
        // value is allocated with its full value buffer length.
        let found =
            unsafe { sys::map_lookup_and_delete(self.fd.as_fd(), Some(key), &mut value, flags) }
                .map_err(|e| Error::syscall("BPF_MAP_LOOKUP_AND_DELETE_ELEM", self.subject(), e))?;
        Ok(found.then_some(value))
    }

    /// The key after `key` (the first key for `None`); `None` at the end.
    pub fn next_key(&self, key: Option<&[u8]>) -> Result<Option<Vec<u8>>> {
        if let Some(k) = key {
            self.check_key(k)?;
        }
        let mut next = vec![0u8; self.def.key_size as usize];
        // SAFETY: `key` (if any) was checked to be the key size, and `next`
        // is allocated with the key size.
        let more = unsafe { sys::map_next_key(self.fd.as_fd(), key, &mut next) }
            .map_err(|e| Error::syscall("BPF_MAP_GET_NEXT_KEY", self.subject(), e))?;
        Ok(more.then_some(next))
    }

    /// Iterates over the keys (a snapshot taken step by step, as the
    /// kernel's `GET_NEXT_KEY` allows; concurrent updates may be seen).
    pub fn keys(&self) -> Keys<'_> {
        Keys {
            map: self,
            last: None,
            done: false,
        }
    }

    /// Reads the whole map with `BPF_MAP_LOOKUP_BATCH`, `batch` entries per
    /// syscall: (key, value) byte pairs. Hash, LRU and array maps support
    /// it; others return the kernel's error (`EINVAL`/`ENOTSUPP`).
    pub fn lookup_batch(&self, batch: u32) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let ks = self.def.key_size as usize;
        let vs = self.value_buffer_len()?;
        let batch = batch.max(1);
        let mut keys = vec![0u8; ks * batch as usize];
        let mut values = vec![0u8; vs * batch as usize];
        let mut token = vec![0u8; ks.max(8)];
        let mut next = vec![0u8; ks.max(8)];
        let mut out = Vec::new();
        let mut first = true;
        loop {
            let mut count = batch;
            // SAFETY: keys and values hold `batch` (= count) keys and full
            // values; both batch tokens hold max(key size, 8) bytes, at
            // least what any map type's batch position needs.
            let more = unsafe {
                sys::map_lookup_batch(
                    self.fd.as_fd(),
                    (!first).then_some(token.as_slice()),
                    &mut next,
                    &mut keys,
                    &mut values,
                    &mut count,
                )
            }
            .map_err(|e| Error::syscall("BPF_MAP_LOOKUP_BATCH", self.subject(), e))?;
            for i in 0..count.min(batch) as usize {
                let k = keys.get(i * ks..(i + 1) * ks).unwrap_or_default().to_vec();
                let v = values
                    .get(i * vs..(i + 1) * vs)
                    .unwrap_or_default()
                    .to_vec();
                out.push((k, v));
            }
            if !more {
                return Ok(out);
            }
            std::mem::swap(&mut token, &mut next);
            first = false;
        }
    }

    /// Writes many entries with one `BPF_MAP_UPDATE_BATCH`: `keys` and
    /// `values` are the concatenated keys and values (same count).
    pub fn update_batch(&self, keys: &[u8], values: &[u8], flags: u64) -> Result<()> {
        let ks = self.def.key_size as usize;
        let vs = self.value_buffer_len()?;
        if ks == 0 || vs == 0 {
            return Err(Error::invalid(
                self.subject(),
                "batch updates need non-empty keys and values",
            ));
        }
        let n = keys.len() / ks;
        self.check_len("keys", keys.len(), n * ks)?;
        self.check_len("values", values.len(), n * vs)?;
        let count =
            u32::try_from(n).map_err(|_| Error::invalid(self.subject(), "batch too large"))?;
        // SAFETY: keys holds exactly n keys and values exactly n full values
        // (checked just above), n = count.
        unsafe { sys::map_update_batch(self.fd.as_fd(), keys, values, count, flags) }
            .map(drop)
            .map_err(|(e, _done)| Error::syscall("BPF_MAP_UPDATE_BATCH", self.subject(), e))
    }

    /// Freezes the map: user space can no longer write it (programs can).
    pub fn freeze(&self) -> Result<()> {
        sys::map_freeze(self.fd.as_fd())
            .map_err(|e| Error::syscall("BPF_MAP_FREEZE", self.subject(), e))
    }

    /// What the kernel reports about the map.
    pub fn info(&self) -> Result<MapInfo> {
        info_of(self.fd.as_fd())
            .map_err(|e| Error::syscall("BPF_OBJ_GET_INFO_BY_FD", self.subject(), e))
    }
}

/// `BPF_OBJ_GET_INFO_BY_FD` for a map fd.
pub(crate) fn info_of(fd: BorrowedFd<'_>) -> std::io::Result<MapInfo> {
    {
        let mut b = [0u8; 88];
        sys::obj_info(fd, &mut b)?;
        let name_bytes = b.get(24..40).unwrap_or_default();
        let end = name_bytes
            .iter()
            .position(|&c| c == 0)
            .unwrap_or(name_bytes.len());
        Ok(MapInfo {
            map_type: sys::ne_u32(&b, 0),
            id: sys::ne_u32(&b, 4),
            key_size: sys::ne_u32(&b, 8),
            value_size: sys::ne_u32(&b, 12),
            max_entries: sys::ne_u32(&b, 16),
            map_flags: sys::ne_u32(&b, 20),
            name: String::from_utf8_lossy(name_bytes.get(..end).unwrap_or_default()).into_owned(),
            map_extra: sys::ne_u64(&b, 80),
        })
    }
}

impl AsFd for Map {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// Iterator over a map's keys; see [`Map::keys`].
#[derive(Debug)]
pub struct Keys<'a> {
    map: &'a Map,
    last: Option<Vec<u8>>,
    done: bool,
}

impl Iterator for Keys<'_> {
    type Item = Result<Vec<u8>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.map.next_key(self.last.as_deref()) {
            Ok(Some(k)) => {
                self.last = Some(k.clone());
                Some(Ok(k))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
