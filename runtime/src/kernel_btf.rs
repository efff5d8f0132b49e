//! The running kernel's BTF: the one place that reads
//! `/sys/kernel/btf/vmlinux`. It is mapped (or, where the kernel does not
//! allow mapping it, read) once per process, and only when an object needs
//! it (CO-RE relocations, BTF attach targets). Nothing is decoded up front:
//! [`Btf::from_shared`] builds an offset table of the records, and CO-RE
//! finds the few names an object asks for in place.

use std::os::fd::AsRawFd;
use std::sync::{Arc, OnceLock};

use crate::error::{Error, Result};
use crate::obj::btf::Btf;
use crate::obj::core::Target;

/// Where the kernel exposes its own BTF.
pub const VMLINUX: &str = "/sys/kernel/btf/vmlinux";

/// A read-only private mapping of a whole file, unmapped on drop.
struct Mapping {
    ptr: *mut libc::c_void,
    len: usize,
}

// SAFETY: the mapping is read-only (PROT_READ) for its whole life and owned
// by this value; sharing `&[u8]` views of it across threads is like sharing
// an immutable byte buffer.
unsafe impl Send for Mapping {}
// SAFETY: as above; no method mutates the mapping.
unsafe impl Sync for Mapping {}

impl Mapping {
    fn map(file: &std::fs::File) -> Option<Self> {
        let len = usize::try_from(file.metadata().ok()?.len()).ok()?;
        if len == 0 {
            return None;
        }
        // SAFETY: a fresh read-only private mapping of `len` bytes of an open
        // file; the kernel picks the address, so no existing memory is
        // affected. The result is checked against MAP_FAILED.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                file.as_raw_fd(),
                0,
            )
        };
        (ptr != libc::MAP_FAILED).then_some(Mapping { ptr, len })
    }
}

impl AsRef<[u8]> for Mapping {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: `ptr` is a live PROT_READ mapping of `len` bytes that lives
        // as long as `self`; the kernel's BTF is never modified after boot,
        // so the bytes do not change while borrowed.
        unsafe { std::slice::from_raw_parts(self.ptr.cast::<u8>(), self.len) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the region `map` created; no view of it
        // outlives `self` (views borrow `self`).
        unsafe {
            libc::munmap(self.ptr, self.len);
        }
    }
}

/// The BTF bytes of the file at `path`: mapped if possible (the kernel
/// allows mapping its own BTF from Linux 6.16), else read.
fn kernel_bytes(path: &std::path::Path) -> Result<Arc<dyn AsRef<[u8]> + Send + Sync>> {
    let io = |source| Error::Io {
        path: path.into(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    if let Some(m) = Mapping::map(&file) {
        return Ok(Arc::new(m));
    }
    let mut data = Vec::new();
    std::io::Read::read_to_end(&mut &file, &mut data).map_err(io)?;
    Ok(Arc::new(data))
}

/// The running kernel's BTF as a CO-RE target, prepared on first use and
/// shared by every later caller in the process.
pub fn target() -> Result<Arc<Target>> {
    static KERNEL: OnceLock<Arc<Target>> = OnceLock::new();
    if let Some(t) = KERNEL.get() {
        return Ok(Arc::clone(t));
    }
    let target = target_at(std::path::Path::new(VMLINUX))?;
    Ok(Arc::clone(KERNEL.get_or_init(|| target)))
}

/// The BTF in the file at `path` (e.g. a custom vmlinux BTF for a kernel
/// without `/sys/kernel/btf/vmlinux`) as a CO-RE target. Not cached: read
/// at every call.
pub fn target_at(path: &std::path::Path) -> Result<Arc<Target>> {
    let btf = Btf::from_shared(kernel_bytes(path)?).map_err(|e| Error::Io {
        path: path.into(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
    })?;
    Ok(Arc::new(Target::new(Arc::new(btf))))
}

/// The addresses of `names` in `/proc/kallsyms`, read once per call and only
/// when an object has typeless ksyms. As libbpf: a data symbol (`d`) whose
/// name has a `.llvm.<hash>` suffix also matches its name without it, and a
/// name listed at two different addresses is ambiguous (an error).
pub fn kallsyms(
    names: &[&str],
) -> std::result::Result<std::collections::HashMap<String, u64>, String> {
    use std::io::Read;
    let path = "/proc/kallsyms";
    // One read of the whole file, then a scan of its bytes: the kernel
    // generates ~100k lines, so per-line allocation would dominate.
    let mut data = Vec::with_capacity(8 << 20);
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut data))
        .map_err(|e| format!("{path}: {e}"))?;
    let mut found = std::collections::HashMap::new();
    for line in data.split(|&b| b == b'\n') {
        let mut it = line
            .split(|&b| b == b' ' || b == b'\t')
            .filter(|f| !f.is_empty());
        let (Some(addr), Some(ty), Some(name)) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        let name = match name.windows(6).position(|w| w == b".llvm.") {
            Some(i) if ty == b"d" => name.get(..i).unwrap_or(name),
            _ => name,
        };
        let Some(&wanted) = names.iter().find(|n| n.as_bytes() == name) else {
            continue;
        };
        let addr = std::str::from_utf8(addr)
            .ok()
            .and_then(|a| u64::from_str_radix(a, 16).ok())
            .ok_or_else(|| format!("{path}: bad address for `{wanted}`"))?;
        match found.get(wanted) {
            Some(&old) if old != addr => {
                return Err(format!(
                    "resolution is ambiguous in {path}: {old:#x} or {addr:#x}"
                ))
            }
            Some(_) => {}
            None => {
                found.insert(wanted.to_string(), addr);
            }
        }
    }
    Ok(found)
}

/// The record length after the 12-byte header of a BTF type of `kind`
/// with `vlen` entries (the kernel's layout), or `None` for a kind newer
/// than Linux 6.18.
fn record_tail(kind: u32, vlen: usize) -> Option<usize> {
    Some(match kind {
        1 | 14 | 17 => 4,
        3 => 12,
        4 | 5 | 15 | 19 => 12 * vlen,
        6 | 13 => 8 * vlen,
        2 | 7..=12 | 16 | 18 => 0,
        _ => return None,
    })
}

/// Whether split BTF `data` (a module's, on top of vmlinux `base`) defines
/// a `FUNC` (if `func`) or `VAR` named `name`.
fn split_btf_defines(data: &[u8], base: &Btf, name: &str, func: bool) -> Option<bool> {
    let u32_at = |at: usize| {
        data.get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    if data.get(..2)? != [0x9f, 0xeb] {
        return None;
    }
    let hdr_len = u32_at(4)? as usize;
    let (type_off, type_len) = (u32_at(8)? as usize, u32_at(12)? as usize);
    let (str_off, str_len) = (u32_at(16)? as usize, u32_at(20)? as usize);
    let types = data.get(hdr_len + type_off..hdr_len + type_off + type_len)?;
    let strings = data.get(hdr_len + str_off..hdr_len + str_off + str_len)?;
    let base_len = base.strings().len();
    let want_kind = if func { 12 } else { 14 };
    let mut pos = 0;
    while pos + 12 <= types.len() {
        let rd = |at: usize| {
            types
                .get(at..at + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        let (name_off, info) = (rd(pos)? as usize, rd(pos + 4)?);
        let kind = (info >> 24) & 0x1f;
        if kind == want_kind {
            let s = if name_off < base_len {
                base.strings().get(name_off..)?
            } else {
                strings.get(name_off - base_len..)?
            };
            let end = s.iter().position(|&b| b == 0).unwrap_or(s.len());
            if s.get(..end)? == name.as_bytes() {
                return Some(true);
            }
        }
        pos += 12 + record_tail(kind, (info & 0xffff) as usize)?;
    }
    Some(false)
}

/// The kernel module whose BTF (`/sys/kernel/btf/<module>`) defines a
/// `FUNC` (if `func`) or `VAR` named `name`, searched as libbpf does when
/// vmlinux does not have it. Read only when an object needs it.
pub fn module_defining(name: &str, func: bool) -> Result<Option<String>> {
    let base = target()?;
    let dir = "/sys/kernel/btf";
    let entries = match std::fs::read_dir(dir) {
        Ok(d) => d,
        Err(_) => return Ok(None),
    };
    let mut modules: Vec<_> = entries
        .filter_map(std::result::Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "vmlinux")
        .collect();
    modules.sort();
    for m in modules {
        let path = format!("{dir}/{m}");
        let data = std::fs::read(&path).map_err(|source| Error::Io {
            path: path.clone().into(),
            source,
        })?;
        match split_btf_defines(&data, base.btf(), name, func) {
            Some(true) => return Ok(Some(m)),
            Some(false) => {}
            None => {
                return Err(Error::Io {
                    path: path.into(),
                    source: std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "malformed module BTF",
                    ),
                })
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A BTF blob of `types` (u32 words) and `strings`.
    fn blob(types: &[u32], strings: &[u8]) -> Vec<u8> {
        let mut out = vec![0x9f, 0xeb, 1, 0];
        let tl = (types.len() * 4) as u32;
        for w in [24, 0, tl, tl, strings.len() as u32] {
            out.extend_from_slice(&w.to_le_bytes());
        }
        for w in types {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out.extend_from_slice(strings);
        out
    }

    #[test]
    fn split_btf_names_come_from_the_module_or_the_base() {
        // Base: [1] INT "int" (4 bytes, 32 bits); strings "\0int\0".
        let base = Btf::parse(&blob(&[1, 1 << 24, 4, 32], b"\0int\0")).unwrap();
        // Module: [2] FUNC_PROTO, [3] FUNC "mod_kfunc" (own string at base
        // length 5), [4] VAR named "int" (a base string).
        let module = blob(
            &[0, 13 << 24, 0, 5, 12 << 24 | 1, 2, 1, 14 << 24, 1, 1],
            b"mod_kfunc\0",
        );
        assert_eq!(
            split_btf_defines(&module, &base, "mod_kfunc", true),
            Some(true)
        );
        assert_eq!(
            split_btf_defines(&module, &base, "mod_kfunc", false),
            Some(false)
        );
        assert_eq!(split_btf_defines(&module, &base, "int", false), Some(true));
        assert_eq!(
            split_btf_defines(&module, &base, "other", true),
            Some(false)
        );
        assert_eq!(split_btf_defines(&module[..20], &base, "x", true), None);
    }
}
