//! A map in the kernel, with raw-byte operations.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::mmap::Mmap;
use crate::obj::maps::{map_type, MapOrigin};
use crate::obj::MapDef;
use crate::ringbuf::RingBuffer;
use crate::sys;

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
    pub(crate) pin_path: Option<std::path::PathBuf>,
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
}

impl Map {
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

    /// The program this map was created exclusive to, if any.
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
            .ok_or_else(|| Error::invalid(self.name(), "not a map-of-maps"))?;
        let fd = sys::map_create(&sys::MapCreateOpts {
            map_type: inner.map_type,
            key_size: inner.key_size,
            value_size: inner.value_size,
            max_entries: inner.max_entries,
            map_flags: inner.map_flags,
            numa_node: inner.numa_node,
            name: &inner.name,
            map_extra: inner.map_extra,
            ..Default::default()
        })
        .map_err(|e| Error::syscall("BPF_MAP_CREATE", &inner.name, e))?;
        Map::new(inner.clone(), fd, None)
    }

    /// Where the map is pinned, if this object pinned or reused it there.
    pub fn pin_path(&self) -> Option<&std::path::Path> {
        self.pin_path.as_deref()
    }

    /// Pins the map at `path` (a file on a bpffs): the map then outlives
    /// this process until the file is removed.
    pub fn pin(&mut self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let path = path.as_ref();
        sys::obj_pin(self.fd.as_fd(), path).map_err(|e| {
            Error::syscall(
                "BPF_OBJ_PIN",
                format!("{} at {}", self.name(), path.display()),
                e,
            )
        })?;
        self.pin_path = Some(path.to_path_buf());
        Ok(())
    }

    /// Removes the map's pin file (the map itself lives while anything
    /// holds it).
    pub fn unpin(&mut self) -> Result<()> {
        if let Some(path) = self.pin_path.take() {
            std::fs::remove_file(&path).map_err(|source| Error::Io {
                path: path.display().to_string(),
                source,
            })?;
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

    pub(crate) fn new(def: MapDef, fd: OwnedFd, exclusive: Option<String>) -> Result<Self> {
        let mut map = Map {
            def,
            fd,
            exclusive,
            mmap: None,
            ring: None,
            pin_path: None,
        };
        if let MapOrigin::Data { read_only } = map.def.origin {
            let m = Mmap::map(map.fd.as_fd(), map.def.value_size as usize, !read_only)
                .map_err(|e| Error::syscall("mmap", map.name(), e))?;
            map.mmap = Some(Arc::new(m));
        } else if map.def.map_type == map_type::RINGBUF {
            let r = RingBuffer::new(map.fd.as_fd(), map.def.max_entries)
                .map_err(|e| Error::syscall("mmap (ring buffer)", map.name(), e))?;
            map.ring = Some(r);
        }
        Ok(map)
    }

    /// Bytes a lookup returns: the value size, or for per-CPU maps one
    /// 8-byte aligned slot per possible CPU.
    pub fn value_buffer_len(&self) -> Result<usize> {
        let size = self.def.value_size as usize;
        if map_type::is_per_cpu(self.def.map_type) {
            let cpus = sys::possible_cpus()
                .map_err(|e| Error::syscall("reading possible CPUs", self.name(), e))?;
            Ok(size.next_multiple_of(8) * cpus)
        } else {
            Ok(size)
        }
    }

    fn check_key(&self, key: &[u8]) -> Result<()> {
        if key.len() != self.def.key_size as usize {
            return Err(Error::invalid(
                self.name(),
                format!(
                    "key is {} bytes, the map's keys are {}",
                    key.len(),
                    self.def.key_size
                ),
            ));
        }
        Ok(())
    }

    /// Looks `key` up; `None` if absent.
    pub fn lookup(&self, key: &[u8], flags: u64) -> Result<Option<Vec<u8>>> {
        self.check_key(key)?;
        let mut value = vec![0u8; self.value_buffer_len()?];
        let found = sys::map_lookup(self.fd.as_fd(), key, &mut value, flags)
            .map_err(|e| Error::syscall("BPF_MAP_LOOKUP_ELEM", self.name(), e))?;
        Ok(found.then_some(value))
    }

    /// Inserts or replaces `key` (flags: `BPF_ANY` 0, `BPF_NOEXIST` 1,
    /// `BPF_EXIST` 2, `BPF_F_LOCK` 4).
    pub fn update(&self, key: &[u8], value: &[u8], flags: u64) -> Result<()> {
        self.check_key(key)?;
        let want = self.value_buffer_len()?;
        if value.len() != want {
            return Err(Error::invalid(
                self.name(),
                format!("value is {} bytes, the map needs {want}", value.len()),
            ));
        }
        sys::map_update(self.fd.as_fd(), key, value, flags)
            .map_err(|e| Error::syscall("BPF_MAP_UPDATE_ELEM", self.name(), e))
    }

    /// Deletes `key`; `false` if it was absent.
    pub fn delete(&self, key: &[u8]) -> Result<bool> {
        self.check_key(key)?;
        sys::map_delete(self.fd.as_fd(), key)
            .map_err(|e| Error::syscall("BPF_MAP_DELETE_ELEM", self.name(), e))
    }

    /// The key after `key` (the first key for `None`); `None` at the end.
    pub fn next_key(&self, key: Option<&[u8]>) -> Result<Option<Vec<u8>>> {
        if let Some(k) = key {
            self.check_key(k)?;
        }
        let mut next = vec![0u8; self.def.key_size as usize];
        let more = sys::map_next_key(self.fd.as_fd(), key, &mut next)
            .map_err(|e| Error::syscall("BPF_MAP_GET_NEXT_KEY", self.name(), e))?;
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
            let more = sys::map_lookup_batch(
                self.fd.as_fd(),
                (!first).then_some(token.as_slice()),
                &mut next,
                &mut keys,
                &mut values,
                &mut count,
            )
            .map_err(|e| Error::syscall("BPF_MAP_LOOKUP_BATCH", self.name(), e))?;
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
        if ks == 0
            || keys.len() % ks != 0
            || vs == 0
            || values.len() % vs != 0
            || keys.len() / ks != values.len() / vs
        {
            return Err(Error::invalid(
                self.name(),
                format!(
                    "batch of {} key bytes and {} value bytes is not N keys of {ks} and N values of {vs}",
                    keys.len(),
                    values.len()
                ),
            ));
        }
        let n = u32::try_from(keys.len() / ks)
            .map_err(|_| Error::invalid(self.name(), "batch too large"))?;
        sys::map_update_batch(self.fd.as_fd(), keys, values, n, flags)
            .map(drop)
            .map_err(|(e, done)| {
                Error::syscall(
                    "BPF_MAP_UPDATE_BATCH",
                    format!("{} (after {done} of {n} entries)", self.name()),
                    e,
                )
            })
    }

    /// Freezes the map: user space can no longer write it (programs can).
    pub fn freeze(&self) -> Result<()> {
        sys::map_freeze(self.fd.as_fd())
            .map_err(|e| Error::syscall("BPF_MAP_FREEZE", self.name(), e))
    }

    /// What the kernel reports about the map.
    pub fn info(&self) -> Result<MapInfo> {
        let mut b = [0u8; 40];
        sys::obj_info(self.fd.as_fd(), &mut b)
            .map_err(|e| Error::syscall("BPF_OBJ_GET_INFO_BY_FD", self.name(), e))?;
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
