//! Maps without keys: queues and stacks (`push`, `pop`, `peek`) and bloom
//! filters (`push`, `contains`). The kernel takes a null key pointer for
//! them and the map's value size from the map, so every call checks the
//! value's length against the map's before the syscall.

use std::os::fd::AsFd;

use super::Map;
use crate::error::{Error, Result};
use crate::obj::maps::map_type;
use crate::sys;

impl Map {
    /// Refuses a map with keys (use `lookup`/`update` on those).
    fn check_keyless(&self, op: &str) -> Result<()> {
        if self.def.key_size == 0 {
            return Ok(());
        }
        Err(Error::invalid(
            self.subject(),
            format!(
                "`{op}` is for maps without keys (queue, stack, bloom filter); this {} map has \
                 {}-byte keys",
                map_type::name(self.def.map_type),
                self.def.key_size
            ),
        ))
    }

    /// Pushes `value` onto a queue or stack, or adds it to a bloom filter
    /// (`flags`: `BPF_EXIST` makes a full queue or stack drop its oldest
    /// value instead of failing with `E2BIG`).
    pub fn push(&self, value: &[u8], flags: u64) -> Result<()> {
        self.check_keyless("push")?;
        self.check_len("value", value.len(), self.def.value_size as usize)?;
        // SAFETY: value is exactly the map's value size (checked above).
        unsafe { sys::map_push(self.fd.as_fd(), value, flags) }
            .map_err(|e| Error::syscall("BPF_MAP_UPDATE_ELEM", self.subject(), e))
    }

    /// Removes and returns a queue's oldest or a stack's newest value;
    /// `None` when empty.
    pub fn pop(&self) -> Result<Option<Vec<u8>>> {
        self.check_keyless("pop")?;
        let mut value = vec![0u8; self.def.value_size as usize];
        // SAFETY: no key; value is allocated with the map's value size.
        let found = unsafe { sys::map_lookup_and_delete(self.fd.as_fd(), None, &mut value, 0) }
            .map_err(|e| Error::syscall("BPF_MAP_LOOKUP_AND_DELETE_ELEM", self.subject(), e))?;
        Ok(found.then_some(value))
    }

    /// Returns, without removing it, the value `pop` would return; `None`
    /// when empty.
    pub fn peek(&self) -> Result<Option<Vec<u8>>> {
        self.check_keyless("peek")?;
        let mut value = vec![0u8; self.def.value_size as usize];
        // SAFETY: value is allocated with the map's value size.
        let found = unsafe { sys::map_lookup_keyless(self.fd.as_fd(), &mut value, 0) }
            .map_err(|e| Error::syscall("BPF_MAP_LOOKUP_ELEM", self.subject(), e))?;
        Ok(found.then_some(value))
    }

    /// Whether a bloom filter may contain `value`: `false` is certain,
    /// `true` may be a false positive.
    pub fn contains(&self, value: &[u8]) -> Result<bool> {
        self.check_keyless("contains")?;
        self.check_len("value", value.len(), self.def.value_size as usize)?;
        // The kernel only reads a bloom filter's value buffer; a copy keeps
        // the `&[u8]` signature honest even if it wrote.
        let mut copy = value.to_vec();
        // SAFETY: copy is exactly the map's value size (checked above).
        unsafe { sys::map_lookup_keyless(self.fd.as_fd(), &mut copy, 0) }
            .map_err(|e| Error::syscall("BPF_MAP_LOOKUP_ELEM", self.subject(), e))
    }
}
