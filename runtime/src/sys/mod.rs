//! The thin `bpf()` system-call layer, private to the runtime. Each command
//! fills a zeroed `union bpf_attr` at the kernel's documented offsets and
//! returns an [`OwnedFd`] for anything that creates a kernel object.
//!
//! Sealed by construction: where the kernel takes the length of a buffer
//! from the map rather than from us (element lookups, updates, batches), the
//! function is `unsafe` and states the length it needs; every other buffer
//! is passed with its own length. The public, safe APIs
//! ([`Map`](crate::Map), [`Program`](crate::Program)) check lengths against
//! the map's real key and value sizes before calling these.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

mod link;
pub(crate) use link::{
    iter_create, link_create, link_detach, link_get_fd_by_id, link_update, raw_tracepoint_open,
    LinkExtra,
};

/// `enum bpf_cmd` values used here.
mod cmd {
    pub const MAP_CREATE: u32 = 0;
    pub const MAP_LOOKUP_ELEM: u32 = 1;
    pub const MAP_UPDATE_ELEM: u32 = 2;
    pub const MAP_DELETE_ELEM: u32 = 3;
    pub const MAP_GET_NEXT_KEY: u32 = 4;
    pub const PROG_LOAD: u32 = 5;
    pub const OBJ_PIN: u32 = 6;
    pub const OBJ_GET: u32 = 7;
    pub const PROG_TEST_RUN: u32 = 10;
    pub const OBJ_GET_INFO_BY_FD: u32 = 15;
    pub const BTF_LOAD: u32 = 18;
    pub const BTF_GET_FD_BY_ID: u32 = 19;
    pub const BTF_GET_NEXT_ID: u32 = 23;
    pub const MAP_LOOKUP_AND_DELETE_ELEM: u32 = 21;
    pub const MAP_FREEZE: u32 = 22;
    pub const MAP_LOOKUP_BATCH: u32 = 24;
    pub const MAP_UPDATE_BATCH: u32 = 26;
}

/// Size of the largest `union bpf_attr` prefix used here.
const ATTR_BYTES: usize = 168;

/// A zeroed, 8-byte aligned `union bpf_attr`.
#[repr(C, align(8))]
struct Attr([u8; ATTR_BYTES]);

impl Attr {
    fn new() -> Self {
        Attr([0; ATTR_BYTES])
    }
    fn put(&mut self, off: usize, bytes: &[u8]) {
        if let Some(dst) = self.0.get_mut(off..off + bytes.len()) {
            dst.copy_from_slice(bytes);
        }
    }
    fn u32(&mut self, off: usize, v: u32) {
        self.put(off, &v.to_ne_bytes());
    }
    fn u64(&mut self, off: usize, v: u64) {
        self.put(off, &v.to_ne_bytes());
    }
    fn ptr<T>(&mut self, off: usize, p: *const T) {
        self.u64(off, p as usize as u64);
    }
    fn get_u32(&self, off: usize) -> u32 {
        let mut b = [0u8; 4];
        if let Some(src) = self.0.get(off..off + 4) {
            b.copy_from_slice(src);
        }
        u32::from_ne_bytes(b)
    }
    /// Copies a kernel object name (at most 15 bytes, NUL-terminated) made
    /// of the characters the kernel accepts.
    fn name(&mut self, off: usize, name: &str) {
        let mut buf = [0u8; 16];
        for (dst, c) in buf.iter_mut().zip(name.bytes().take(15)) {
            *dst = if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' {
                c
            } else {
                b'_'
            };
        }
        self.put(off, &buf);
    }
}

/// Issues `bpf(cmd, attr, size)`.
///
/// # Safety
/// Every pointer stored in `attr` must point to memory that lives until
/// this returns and that is valid for the kernel to read (and, for output
/// buffers, write) for the length the command implies: the length stored
/// beside it in `attr`, or for map elements the map's key and value sizes.
unsafe fn bpf(command: u32, attr: &mut Attr, size: usize) -> io::Result<i64> {
    // SAFETY: `attr` is a valid, writable buffer of at least `size` bytes
    // (size <= ATTR_BYTES) that lives for the whole call; the pointers in it
    // satisfy this function's contract, upheld by the caller.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            command as libc::c_long,
            attr.0.as_mut_ptr(),
            size.min(ATTR_BYTES) as libc::c_long,
        )
    };
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret as i64)
    }
}

fn fd_from(ret: i64) -> io::Result<OwnedFd> {
    let raw = i32::try_from(ret).map_err(|_| io::Error::other("bpf() returned a bad fd"))?;
    // SAFETY: the kernel just returned `raw` as a new file descriptor that
    // nothing else owns; wrapping it makes it closed exactly once.
    Ok(unsafe { OwnedFd::from_raw_fd(raw) })
}

fn raw(fd: BorrowedFd<'_>) -> u32 {
    fd.as_raw_fd() as u32
}

/// Options for [`map_create`]: `BPF_MAP_CREATE`'s attributes.
#[derive(Debug, Clone, Default)]
pub struct MapCreateOpts<'a> {
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
    /// NUMA node (with `BPF_F_NUMA_NODE`).
    pub numa_node: u32,
    /// For a map-of-maps: a map shaped like the inner maps.
    pub inner_map_fd: Option<BorrowedFd<'a>>,
    /// Map name (truncated to 15 bytes).
    pub name: &'a str,
    /// BTF object describing key and value.
    pub btf_fd: Option<BorrowedFd<'a>>,
    /// BTF type id of the key.
    pub btf_key_type_id: u32,
    /// BTF type id of the value.
    pub btf_value_type_id: u32,
    /// `map_extra`.
    pub map_extra: u64,
    /// The SHA-256 digest of the only program allowed to use the map
    /// (Linux 6.18 exclusive maps): `excl_prog_hash` at offset 80 and
    /// `excl_prog_hash_size` = 32 at offset 88.
    pub excl_prog_hash: Option<&'a [u8; 32]>,
    /// For a struct_ops map: the kernel's `struct bpf_struct_ops_<name>`
    /// id (`btf_vmlinux_value_type_id`, offset 60).
    pub btf_vmlinux_value_type_id: u32,
}

/// `BPF_MAP_CREATE`.
pub fn map_create(o: &MapCreateOpts<'_>) -> io::Result<OwnedFd> {
    let mut a = Attr::new();
    a.u32(0, o.map_type);
    a.u32(4, o.key_size);
    a.u32(8, o.value_size);
    a.u32(12, o.max_entries);
    a.u32(16, o.map_flags);
    if let Some(inner) = o.inner_map_fd {
        a.u32(20, raw(inner));
    }
    a.u32(24, o.numa_node);
    a.name(28, o.name);
    if let Some(btf) = o.btf_fd {
        a.u32(48, raw(btf));
        a.u32(52, o.btf_key_type_id);
        a.u32(56, o.btf_value_type_id);
    }
    a.u32(60, o.btf_vmlinux_value_type_id);
    a.u64(64, o.map_extra);
    if let Some(hash) = o.excl_prog_hash {
        a.ptr(80, hash.as_ptr());
        a.u32(88, hash.len() as u32);
    }
    // SAFETY: the only pointer is the 32-byte hash, borrowed for the call,
    // with its size (32) beside it.
    fd_from(unsafe { bpf(cmd::MAP_CREATE, &mut a, 92) }?)
}

/// Options for [`prog_load`]: `BPF_PROG_LOAD`'s attributes.
#[derive(Debug, Default)]
pub struct ProgLoadOpts<'a> {
    /// `enum bpf_prog_type`.
    pub prog_type: u32,
    /// Encoded instructions (8 bytes each).
    pub insns: &'a [u8],
    /// License string.
    pub license: &'a std::ffi::CStr,
    /// `kern_version`.
    pub kern_version: u32,
    /// `prog_flags`.
    pub prog_flags: u32,
    /// Program name (truncated to 15 bytes).
    pub name: &'a str,
    /// `expected_attach_type`.
    pub expected_attach_type: u32,
    /// The object's BTF.
    pub prog_btf_fd: Option<BorrowedFd<'a>>,
    /// `bpf_func_info` records (8 bytes each).
    pub func_info: &'a [u8],
    /// `bpf_line_info` records (16 bytes each).
    pub line_info: &'a [u8],
    /// `attach_btf_id` (vmlinux BTF id for tracing programs).
    pub attach_btf_id: u32,
    /// `fd_array`: the module BTF fds that kfunc calls name by index (the
    /// instruction's `off`); slot 0 is unused, as in libbpf.
    pub fd_array: &'a [i32],
    /// `attach_btf_obj_fd` (offset 112): the kernel module BTF that
    /// `attach_btf_id` is in; `None` for vmlinux.
    pub attach_btf_obj_fd: Option<BorrowedFd<'a>>,
}

/// `BPF_PROG_LOAD`, with an optional verifier log (level, buffer). On
/// failure also returns the log size the kernel needed (`log_true_size`),
/// so the caller can retry with a large enough buffer.
pub fn prog_load(
    o: &ProgLoadOpts<'_>,
    log: Option<(u32, &mut [u8])>,
) -> Result<OwnedFd, (io::Error, u32)> {
    let mut a = Attr::new();
    a.u32(0, o.prog_type);
    a.u32(4, (o.insns.len() / 8) as u32);
    a.ptr(8, o.insns.as_ptr());
    a.ptr(16, o.license.as_ptr());
    let log_ptr = match log {
        Some((level, buf)) if level > 0 && !buf.is_empty() => {
            a.u32(24, level);
            a.u32(28, buf.len().min(u32::MAX as usize >> 2) as u32);
            buf.as_mut_ptr()
        }
        _ => std::ptr::null_mut(),
    };
    a.ptr(32, log_ptr);
    a.u32(40, o.kern_version);
    a.u32(44, o.prog_flags);
    a.name(48, o.name);
    a.u32(68, o.expected_attach_type);
    if let Some(btf) = o.prog_btf_fd {
        a.u32(72, raw(btf));
        if !o.func_info.is_empty() {
            a.u32(76, 8);
            a.ptr(80, o.func_info.as_ptr());
            a.u32(88, (o.func_info.len() / 8) as u32);
        }
        if !o.line_info.is_empty() {
            a.u32(92, 16);
            a.ptr(96, o.line_info.as_ptr());
            a.u32(104, (o.line_info.len() / 16) as u32);
        }
    }
    a.u32(108, o.attach_btf_id);
    if let Some(fd) = o.attach_btf_obj_fd {
        a.u32(112, raw(fd));
    }
    if !o.fd_array.is_empty() {
        a.ptr(120, o.fd_array.as_ptr());
    }
    // SAFETY: insns, license (NUL-terminated), log, func_info and
    // line_info are borrowed slices passed with their own lengths (record
    // counts derived from the slice lengths), alive for the call. The
    // kernel reads `fd_array` only at the indices the kfunc calls name,
    // which the loader took from this very array (in bounds).
    match unsafe { bpf(cmd::PROG_LOAD, &mut a, 144) } {
        Ok(ret) => fd_from(ret).map_err(|e| (e, 0)),
        Err(e) => Err((e, a.get_u32(140))),
    }
}

/// `BPF_BTF_LOAD`, with an optional log buffer.
pub fn btf_load(data: &[u8], log: Option<&mut [u8]>) -> Result<OwnedFd, (io::Error, u32)> {
    let mut a = Attr::new();
    a.ptr(0, data.as_ptr());
    a.u32(16, data.len() as u32);
    if let Some(buf) = log {
        if !buf.is_empty() {
            a.ptr(8, buf.as_mut_ptr());
            a.u32(20, buf.len().min(u32::MAX as usize >> 2) as u32);
            a.u32(24, 1);
        }
    }
    // SAFETY: `data` and the log are borrowed slices passed with their
    // lengths.
    match unsafe { bpf(cmd::BTF_LOAD, &mut a, 32) } {
        Ok(ret) => fd_from(ret).map_err(|e| (e, 0)),
        Err(e) => Err((e, a.get_u32(28))),
    }
}

/// One `BPF_MAP_*_ELEM` command.
///
/// # Safety
/// `key` and `value` are null or valid for the map's key size and full
/// value buffer, for reads (and writes for lookups), until this returns.
unsafe fn elem(
    command: u32,
    fd: BorrowedFd<'_>,
    key: *const u8,
    value: *const u8,
    flags: u64,
) -> io::Result<()> {
    let mut a = Attr::new();
    a.u32(0, raw(fd));
    a.ptr(8, key);
    a.ptr(16, value);
    a.u64(24, flags);
    // SAFETY: the caller guarantees key and value for the map's sizes.
    unsafe { bpf(command, &mut a, 32) }.map(drop)
}

/// `BPF_MAP_LOOKUP_ELEM`: `Ok(false)` when the key is absent.
///
/// # Safety
/// `key` must be at least the map's key size and `value` at least its full
/// value buffer (the value size, or for per-CPU maps one 8-byte aligned slot
/// per possible CPU): the kernel reads and writes that many bytes.
pub unsafe fn map_lookup(
    fd: BorrowedFd<'_>,
    key: &[u8],
    value: &mut [u8],
    flags: u64,
) -> io::Result<bool> {
    let (k, v) = (key.as_ptr(), value.as_mut_ptr());
    // SAFETY: the caller guarantees the lengths (this function's contract).
    absent_is_false(unsafe { elem(cmd::MAP_LOOKUP_ELEM, fd, k, v, flags) })
}

/// `BPF_MAP_UPDATE_ELEM`.
///
/// # Safety
/// `key` and `value` must be at least the map's key size and full value
/// buffer (see [`map_lookup`]): the kernel reads that many bytes.
pub unsafe fn map_update(
    fd: BorrowedFd<'_>,
    key: &[u8],
    value: &[u8],
    flags: u64,
) -> io::Result<()> {
    let (k, v) = (key.as_ptr(), value.as_ptr());
    // SAFETY: the caller guarantees the lengths (this function's contract).
    unsafe { elem(cmd::MAP_UPDATE_ELEM, fd, k, v, flags) }
}

/// `BPF_MAP_DELETE_ELEM`: `Ok(false)` when the key was absent.
///
/// # Safety
/// `key` must be at least the map's key size: the kernel reads that many.
pub unsafe fn map_delete(fd: BorrowedFd<'_>, key: &[u8]) -> io::Result<bool> {
    let k = key.as_ptr();
    // SAFETY: the caller guarantees the key length; no value pointer.
    absent_is_false(unsafe { elem(cmd::MAP_DELETE_ELEM, fd, k, std::ptr::null(), 0) })
}

/// `BPF_MAP_GET_NEXT_KEY`: `Ok(false)` after the last key. `key` `None`
/// asks for the first key.
///
/// # Safety
/// `key` (if given) and `next` must be at least the map's key size: the
/// kernel reads and writes that many bytes.
pub unsafe fn map_next_key(
    fd: BorrowedFd<'_>,
    key: Option<&[u8]>,
    next: &mut [u8],
) -> io::Result<bool> {
    let k = key.map_or(std::ptr::null(), <[u8]>::as_ptr);
    let n = next.as_mut_ptr();
    // SAFETY: the caller guarantees the lengths (this function's contract).
    absent_is_false(unsafe { elem(cmd::MAP_GET_NEXT_KEY, fd, k, n, 0) })
}

/// `BPF_MAP_LOOKUP_ELEM` with no key, for maps without keys: a queue's or
/// stack's next value (peek, the kernel writes it into `value`), or a bloom
/// filter's membership test (the kernel reads `value` and answers
/// `Ok(false)` for "certainly absent"). `Ok(false)` when empty or absent.
///
/// # Safety
/// `value` must be at least the map's value size: the kernel reads and
/// writes that many bytes.
pub unsafe fn map_lookup_keyless(
    fd: BorrowedFd<'_>,
    value: &mut [u8],
    flags: u64,
) -> io::Result<bool> {
    let v = value.as_mut_ptr();
    // SAFETY: the caller guarantees the value length; the key pointer is
    // null, as the kernel requires for a map whose key size is 0.
    absent_is_false(unsafe { elem(cmd::MAP_LOOKUP_ELEM, fd, std::ptr::null(), v, flags) })
}

/// `BPF_MAP_UPDATE_ELEM` with no key: pushes `value` onto a queue or stack,
/// or adds it to a bloom filter.
///
/// # Safety
/// `value` must be at least the map's value size: the kernel reads that
/// many bytes.
pub unsafe fn map_push(fd: BorrowedFd<'_>, value: &[u8], flags: u64) -> io::Result<()> {
    let v = value.as_ptr();
    // SAFETY: the caller guarantees the value length; null key as above.
    unsafe { elem(cmd::MAP_UPDATE_ELEM, fd, std::ptr::null(), v, flags) }
}

/// `BPF_MAP_LOOKUP_AND_DELETE_ELEM`: copies the value at `key` (or, with no
/// key, a queue's or stack's next value: pop) into `value` and deletes it.
/// `Ok(false)` when absent or empty.
///
/// # Safety
/// `key` (if given) must be at least the map's key size and `value` at
/// least its full value buffer (see [`map_lookup`]): the kernel reads and
/// writes that many bytes.
pub unsafe fn map_lookup_and_delete(
    fd: BorrowedFd<'_>,
    key: Option<&[u8]>,
    value: &mut [u8],
    flags: u64,
) -> io::Result<bool> {
    let k = key.map_or(std::ptr::null(), <[u8]>::as_ptr);
    let v = value.as_mut_ptr();
    // SAFETY: the caller guarantees the lengths (this function's contract).
    absent_is_false(unsafe { elem(cmd::MAP_LOOKUP_AND_DELETE_ELEM, fd, k, v, flags) })
}

/// `ENOENT` (no such key, no next key, batch exhausted) as `Ok(false)`.
fn absent_is_false(r: io::Result<()>) -> io::Result<bool> {
    match r {
        Ok(()) => Ok(true),
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(false),
        Err(e) => Err(e),
    }
}

/// `BPF_MAP_LOOKUP_BATCH`: reads up to `*count` entries starting after
/// the opaque position `in_batch` (`None` for the start) into `keys` and
/// `values`, sets `*count` to the number read and fills `out_batch` with the
/// position to continue from. Returns `Ok(false)` when the map is
/// exhausted (the entries read in that last call are still valid).
///
/// # Safety
/// `keys` and `values` must hold at least `*count` keys and full values,
/// and `in_batch`/`out_batch` at least the map type's batch token size
/// (the key size for arrays and hashes, 4 bytes at least): the kernel reads
/// and writes that many bytes.
pub unsafe fn map_lookup_batch(
    fd: BorrowedFd<'_>,
    in_batch: Option<&[u8]>,
    out_batch: &mut [u8],
    keys: &mut [u8],
    values: &mut [u8],
    count: &mut u32,
) -> io::Result<bool> {
    let mut a = Attr::new();
    a.ptr(0, in_batch.map_or(std::ptr::null(), <[u8]>::as_ptr));
    a.ptr(8, out_batch.as_mut_ptr());
    a.ptr(16, keys.as_mut_ptr());
    a.ptr(24, values.as_mut_ptr());
    a.u32(32, *count);
    a.u32(36, raw(fd));
    // SAFETY: the caller guarantees the lengths (this function's contract).
    let r = unsafe { bpf(cmd::MAP_LOOKUP_BATCH, &mut a, 56) };
    *count = a.get_u32(32);
    absent_is_false(r.map(drop))
}

/// `BPF_MAP_UPDATE_BATCH`: writes `count` keys and values. Returns how
/// many the kernel processed (all of them on success).
///
/// # Safety
/// `keys` and `values` must hold at least `count` keys and full values:
/// the kernel reads that many bytes.
pub unsafe fn map_update_batch(
    fd: BorrowedFd<'_>,
    keys: &[u8],
    values: &[u8],
    count: u32,
    elem_flags: u64,
) -> Result<u32, (io::Error, u32)> {
    let mut a = Attr::new();
    a.ptr(16, keys.as_ptr());
    a.ptr(24, values.as_ptr());
    a.u32(32, count);
    a.u32(36, raw(fd));
    a.u64(40, elem_flags);
    // SAFETY: the caller guarantees the lengths (this function's contract).
    match unsafe { bpf(cmd::MAP_UPDATE_BATCH, &mut a, 56) } {
        Ok(_) => Ok(a.get_u32(32)),
        Err(e) => Err((e, a.get_u32(32))),
    }
}

fn c_path(path: &std::path::Path) -> io::Result<std::ffi::CString> {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path contains a NUL byte"))
}

/// `BPF_BTF_GET_NEXT_ID`: the id of the next BTF object after `id`
/// (`ENOENT` after the last).
pub fn btf_get_next_id(id: u32) -> io::Result<u32> {
    let mut a = Attr::new();
    a.u32(0, id);
    // SAFETY: no pointers.
    unsafe { bpf(cmd::BTF_GET_NEXT_ID, &mut a, 12) }?;
    Ok(a.get_u32(4))
}

/// `BPF_BTF_GET_FD_BY_ID`.
pub fn btf_get_fd_by_id(id: u32) -> io::Result<OwnedFd> {
    let mut a = Attr::new();
    a.u32(0, id);
    // SAFETY: no pointers.
    fd_from(unsafe { bpf(cmd::BTF_GET_FD_BY_ID, &mut a, 12) }?)
}

/// What `BPF_OBJ_GET_INFO_BY_FD` says of a BTF object.
#[derive(Debug, Clone)]
pub struct BtfInfo {
    /// Its name (`vmlinux`, a module's name, or empty for a program's).
    pub name: String,
    /// Whether the kernel made it (vmlinux or a module), not a loader.
    pub kernel_btf: bool,
    /// The size of its raw data.
    pub size: u32,
}

/// `BPF_OBJ_GET_INFO_BY_FD` of a BTF object (`struct bpf_btf_info`), with
/// its raw data copied into `data` when given (the data is copied only if
/// `data` is large enough: compare [`BtfInfo::size`] with its length).
pub fn btf_info(fd: BorrowedFd<'_>, data: Option<&mut [u8]>) -> io::Result<BtfInfo> {
    let mut name = [0u8; 64];
    // struct bpf_btf_info: btf (u64), btf_size, id, name (u64), name_len,
    // kernel_btf.
    #[repr(C, align(8))]
    struct Info([u8; 32]);
    let mut info = Info([0; 32]);
    let (ptr, len) = match data {
        Some(d) => (d.as_mut_ptr(), u32::try_from(d.len()).unwrap_or(u32::MAX)),
        None => (std::ptr::null_mut(), 0),
    };
    info.0[0..8].copy_from_slice(&(ptr as usize as u64).to_ne_bytes());
    info.0[8..12].copy_from_slice(&len.to_ne_bytes());
    info.0[16..24].copy_from_slice(&(name.as_mut_ptr() as usize as u64).to_ne_bytes());
    info.0[24..28].copy_from_slice(&(name.len() as u32).to_ne_bytes());
    let mut a = Attr::new();
    a.u32(0, raw(fd));
    a.u32(4, 32);
    a.ptr(8, info.0.as_mut_ptr());
    // SAFETY: the info buffer (32 bytes, its length beside it) and the two
    // buffers it points to (the data, `len` bytes, and the name, 64 bytes,
    // each with its length in the info) are borrowed for the call; the
    // kernel writes at most those lengths.
    unsafe { bpf(cmd::OBJ_GET_INFO_BY_FD, &mut a, 16) }?;
    let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    Ok(BtfInfo {
        size: ne_u32(&info.0, 8),
        name: String::from_utf8_lossy(name.get(..end).unwrap_or_default()).into_owned(),
        kernel_btf: ne_u32(&info.0, 28) != 0,
    })
}

/// `BPF_OBJ_PIN`: pins the object behind `fd` at `path` (on a bpffs).
pub fn obj_pin(fd: BorrowedFd<'_>, path: &std::path::Path) -> io::Result<()> {
    let p = c_path(path)?;
    let mut a = Attr::new();
    a.ptr(0, p.as_ptr());
    a.u32(8, raw(fd));
    // SAFETY: the path is a NUL-terminated string borrowed for the call.
    unsafe { bpf(cmd::OBJ_PIN, &mut a, 16) }.map(drop)
}

/// `BPF_OBJ_GET`: opens the object pinned at `path`.
pub fn obj_get(path: &std::path::Path) -> io::Result<OwnedFd> {
    let p = c_path(path)?;
    let mut a = Attr::new();
    a.ptr(0, p.as_ptr());
    // SAFETY: the path is a NUL-terminated string borrowed for the call.
    fd_from(unsafe { bpf(cmd::OBJ_GET, &mut a, 16) }?)
}

/// `BPF_MAP_FREEZE`: no more writes from user space.
pub fn map_freeze(fd: BorrowedFd<'_>) -> io::Result<()> {
    let mut a = Attr::new();
    a.u32(0, raw(fd));
    // SAFETY: no pointers.
    unsafe { bpf(cmd::MAP_FREEZE, &mut a, 4) }.map(drop)
}

/// `BPF_OBJ_GET_INFO_BY_FD` into `info` (a `bpf_prog_info`,
/// `bpf_map_info`... prefix). Returns the length the kernel filled.
pub fn obj_info(fd: BorrowedFd<'_>, info: &mut [u8]) -> io::Result<u32> {
    let mut a = Attr::new();
    a.u32(0, raw(fd));
    a.u32(4, u32::try_from(info.len()).unwrap_or(u32::MAX));
    a.ptr(8, info.as_mut_ptr());
    // SAFETY: `info` is a borrowed buffer passed with its length (the
    // kernel writes at most info_len bytes).
    unsafe { bpf(cmd::OBJ_GET_INFO_BY_FD, &mut a, 16) }?;
    Ok(a.get_u32(4))
}

pub use crate::prog::TestRunOutput;

/// `BPF_PROG_TEST_RUN` with packet data `data_in` (and optional context).
/// With empty `data_in` (syscall programs) no data buffer or repeat count
/// is passed, as the kernel requires. The kernel may write the context
/// back (syscall programs do), hence `&mut`.
pub fn prog_test_run(
    fd: BorrowedFd<'_>,
    data_in: &[u8],
    ctx_in: Option<&mut [u8]>,
    repeat: u32,
) -> io::Result<TestRunOutput> {
    // Program types without packet data (syscall, raw tracepoints) want
    // both data pointers NULL.
    let mut out = if data_in.is_empty() {
        Vec::new()
    } else {
        vec![0u8; data_in.len() + 256]
    };
    let mut a = Attr::new();
    a.u32(0, raw(fd));
    if !data_in.is_empty() {
        a.u32(8, data_in.len() as u32);
        a.u32(12, out.len() as u32);
        a.ptr(16, data_in.as_ptr());
        a.ptr(24, out.as_mut_ptr());
        a.u32(32, repeat);
    }
    if let Some(ctx) = ctx_in {
        a.u32(40, ctx.len() as u32);
        a.ptr(48, ctx.as_mut_ptr());
    }
    // SAFETY: data_in, the output buffer and ctx are borrowed slices passed
    // with their lengths; the kernel writes at most data_size_out bytes of
    // output and ctx_size_in bytes of context.
    unsafe { bpf(cmd::PROG_TEST_RUN, &mut a, 76) }?;
    let size_out = a.get_u32(12) as usize;
    out.truncate(size_out.min(out.len()));
    Ok(TestRunOutput {
        retval: a.get_u32(4),
        duration_ns: a.get_u32(36),
        data_out: out,
    })
}

/// The native-endian `u32` at byte `at` of a kernel info buffer (0 if
/// the kernel filled less).
pub(crate) fn ne_u32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |s| u32::from_ne_bytes([s[0], s[1], s[2], s[3]]))
}

/// The native-endian `u64` at byte `at` of a kernel info buffer (0 if
/// the kernel filled less).
pub(crate) fn ne_u64(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    if let Some(s) = b.get(at..at + 8) {
        w.copy_from_slice(s);
    }
    u64::from_ne_bytes(w)
}

/// The system's page size.
pub fn page_size() -> usize {
    // SAFETY: sysconf has no memory-safety preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(p).ok().filter(|&p| p > 0).unwrap_or(4096)
}

/// The number of possible CPUs (`/sys/devices/system/cpu/possible`): the
/// highest possible CPU + 1, the number of values a per-CPU map holds for
/// each key.
pub fn possible_cpus() -> io::Result<usize> {
    let cpus = read_cpu_list("/sys/devices/system/cpu/possible")?;
    Ok(cpus.iter().max().map_or(0, |&m| m as usize + 1))
}

/// The online CPUs (`/sys/devices/system/cpu/online`).
pub fn online_cpus() -> io::Result<Vec<u32>> {
    read_cpu_list("/sys/devices/system/cpu/online")
}

fn read_cpu_list(path: &str) -> io::Result<Vec<u32>> {
    let text = std::fs::read_to_string(path)?;
    parse_cpu_list(text.trim()).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("bad CPU list `{text}` in {path}"),
        )
    })
}

/// Parses a kernel CPU list (`0-3,8,10-11`); `None` if malformed or empty.
fn parse_cpu_list(s: &str) -> Option<Vec<u32>> {
    let mut cpus = Vec::new();
    for part in s.split(',').filter(|p| !p.is_empty()) {
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (a.trim().parse().ok()?, b.trim().parse().ok()?),
            None => {
                let c: u32 = part.trim().parse().ok()?;
                (c, c)
            }
        };
        if a > b {
            return None;
        }
        cpus.extend(a..=b);
    }
    (!cpus.is_empty()).then_some(cpus)
}

#[cfg(test)]
mod tests {
    #[test]
    fn cpu_ranges() {
        let count =
            |s: &str| super::parse_cpu_list(s).map(|v| v.iter().max().map_or(0, |&m| m + 1));
        assert_eq!(count("0-3"), Some(4));
        assert_eq!(count("0"), Some(1));
        assert_eq!(count("0-1,4-7"), Some(8));
        assert_eq!(count("x"), None);
        assert_eq!(super::parse_cpu_list("0-1,4-5"), Some(vec![0, 1, 4, 5]));
        assert_eq!(super::parse_cpu_list("3-1"), None);
    }
}
