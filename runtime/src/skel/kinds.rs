//! Typed handles for the map kinds without keys (queues, stacks, bloom
//! filters), and the typed operations of key/value maps beyond lookup and
//! update: `lookup_and_delete`, `BPF_F_LOCK` lookups and updates of values
//! holding a `bpf_spin_lock`, and per-CPU iteration and batch lookup.
//! Every call goes through [`map::Map`], which checks buffer lengths
//! against the map's sizes before the kernel sees a pointer.

use std::fmt;
use std::marker::PhantomData;
use std::os::fd::{AsFd, BorrowedFd};

use super::{decode, Map, PerCpuMap};
use crate::error::{Error, Result, Subject};
use crate::map;
use crate::plain::Plain;
use crate::user_ringbuf::SubmitError;

// `BPF_F_LOCK`: take the value's `bpf_spin_lock` around the copy.
use crate::map::flags::LOCK as BPF_F_LOCK;

/// A created queue (FIFO) of `V`s.
#[repr(transparent)]
pub struct Queue<S, V> {
    inner: map::Map,
    _skel: PhantomData<fn() -> (S, V)>,
}

/// A created stack (LIFO) of `V`s.
#[repr(transparent)]
pub struct Stack<S, V> {
    inner: map::Map,
    _skel: PhantomData<fn() -> (S, V)>,
}

/// A created bloom filter of `V`s: membership tests may give false
/// positives, never false negatives.
#[repr(transparent)]
pub struct BloomFilter<S, V> {
    inner: map::Map,
    _skel: PhantomData<fn() -> (S, V)>,
}

/// A created user ring buffer: user space submits records, programs drain
/// them with `bpf_user_ringbuf_drain`.
#[repr(transparent)]
pub struct UserRingBuf<S> {
    inner: map::Map,
    _skel: PhantomData<fn() -> S>,
}

debug_via_inner!(Queue<V>, Stack<V>, BloomFilter<V>, UserRingBuf);
loaded_map_common!(Queue<V>, Stack<V>, BloomFilter<V>, UserRingBuf);

impl<S> UserRingBuf<S> {
    fn ring(&self) -> Result<&crate::user_ringbuf::UserRingBuffer> {
        self.inner.user_ring_buffer().ok_or_else(|| {
            Error::invalid(Subject::map(self.name()), "user ring buffer is not mapped")
        })
    }

    /// Appends `record` for programs to drain. Refused, naming the map, if
    /// the record (plus an 8-byte header, rounded up to 8 bytes) is larger
    /// than the buffer, or if there is not that much free space now
    /// ([`available`](Self::available)).
    pub fn submit(&self, record: &[u8]) -> Result<()> {
        let ring = self.ring()?;
        ring.submit(record).map_err(|e| {
            let why = match e {
                SubmitError::TooLarge => format!(
                    "a {}-byte record does not fit in the {}-byte user ring buffer",
                    record.len(),
                    self.inner.def.max_entries
                ),
                SubmitError::Full => format!(
                    "the user ring buffer is full ({} bytes free, the record needs {}): \
                     programs free space by draining it",
                    ring.available(),
                    (record.len() + 8).next_multiple_of(8)
                ),
            };
            Error::invalid(Subject::map(self.name()), why)
        })
    }

    /// Appends a plain value as one record.
    pub fn submit_value<T: Plain>(&self, value: &T) -> Result<()> {
        self.submit(value.as_bytes())
    }

    /// Bytes free for records now (each takes its length plus 8, rounded up
    /// to 8).
    pub fn available(&self) -> Result<u64> {
        Ok(self.ring()?.available())
    }
}

macro_rules! queue_like {
    ($($t:ident: $pop:literal),*) => {$(
        impl<S, V: Plain> $t<S, V> {
            /// Adds `value`; a full map refuses it (`E2BIG`) unless `flags`
            /// is `BPF_EXIST` (2), which drops the value `pop` would return
            /// first.
            pub fn push(&self, value: &V, flags: u64) -> Result<()> {
                self.inner.push(value.as_bytes(), flags)
            }

            #[doc = concat!("Removes and returns the ", $pop, " value; `None` when empty.")]
            pub fn pop(&self) -> Result<Option<V>> {
                match self.inner.pop()? {
                    Some(v) => Ok(Some(decode(&v, "value", self.name())?)),
                    None => Ok(None),
                }
            }

            #[doc = concat!("The ", $pop, " value, left in place; `None` when empty.")]
            pub fn peek(&self) -> Result<Option<V>> {
                match self.inner.peek()? {
                    Some(v) => Ok(Some(decode(&v, "value", self.name())?)),
                    None => Ok(None),
                }
            }
        }
    )*};
}
queue_like!(Queue: "oldest", Stack: "newest");

impl<S, V: Plain> BloomFilter<S, V> {
    /// Adds `value`.
    pub fn push(&self, value: &V) -> Result<()> {
        self.inner.push(value.as_bytes(), 0)
    }

    /// Whether `value` may have been added: `false` is certain, `true` may
    /// be a false positive.
    pub fn contains(&self, value: &V) -> Result<bool> {
        self.inner.contains(value.as_bytes())
    }
}

impl<S, K: Plain, V: Plain> Map<S, K, V> {
    /// Returns and deletes the value at `key` in one step (hash and LRU
    /// maps, Linux 5.14+); `None` if absent.
    pub fn lookup_and_delete(&self, key: &K) -> Result<Option<V>> {
        match self.inner.lookup_and_delete(key.as_bytes(), 0)? {
            Some(v) => Ok(Some(decode(&v, "value", self.name())?)),
            None => Ok(None),
        }
    }

    /// Like [`lookup`](Self::lookup), holding the value's `bpf_spin_lock`
    /// while the kernel copies it (`BPF_F_LOCK`), so the copy is consistent
    /// with programs that update it under the lock. The lock field itself
    /// reads as zero. The kernel refuses (`EINVAL`) a value without a
    /// `bpf_spin_lock`.
    pub fn lookup_locked(&self, key: &K) -> Result<Option<V>> {
        match self.inner.lookup(key.as_bytes(), BPF_F_LOCK)? {
            Some(v) => Ok(Some(decode(&v, "value", self.name())?)),
            None => Ok(None),
        }
    }

    /// Like [`update`](Self::update), holding the existing value's
    /// `bpf_spin_lock` while the kernel writes it (`BPF_F_LOCK` is added to
    /// `flags`); the lock field of `value` is ignored. The kernel refuses
    /// (`EINVAL`) a value without a `bpf_spin_lock`.
    pub fn update_locked(&self, key: &K, value: &V, flags: u64) -> Result<()> {
        self.inner
            .update(key.as_bytes(), value.as_bytes(), flags | BPF_F_LOCK)
    }
}

impl<S, K: Plain, V: Plain> PerCpuMap<S, K, V> {
    /// One `V` per possible CPU from the kernel's per-CPU buffer (one
    /// 8-byte aligned slot per CPU).
    fn per_cpu(&self, bytes: &[u8]) -> Result<Vec<V>> {
        let size = std::mem::size_of::<V>();
        bytes
            .chunks(Self::slot())
            .map(|c| decode(c.get(..size).unwrap_or(c), "value", self.name()))
            .collect()
    }

    /// The entries, each key with one value per possible CPU; keys deleted
    /// while iterating are skipped.
    pub fn iter(&self) -> impl Iterator<Item = Result<(K, Vec<V>)>> + '_ {
        super::entries(self.keys(), |k| self.lookup(k))
    }

    /// All entries with `BPF_MAP_LOOKUP_BATCH`, 256 per syscall.
    pub fn lookup_batch(&self) -> Result<Vec<(K, Vec<V>)>> {
        self.inner
            .lookup_batch(256)?
            .into_iter()
            .map(|(k, v)| Ok((decode(&k, "key", self.name())?, self.per_cpu(&v)?)))
            .collect()
    }

    /// Returns and deletes the values at `key` in one step (per-CPU hash
    /// and LRU maps, Linux 5.14+); `None` if absent.
    pub fn lookup_and_delete(&self, key: &K) -> Result<Option<Vec<V>>> {
        match self.inner.lookup_and_delete(key.as_bytes(), 0)? {
            Some(v) => Ok(Some(self.per_cpu(&v)?)),
            None => Ok(None),
        }
    }
}
