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

fn io(source: std::io::Error) -> Error {
    Error::Io {
        path: VMLINUX.into(),
        source,
    }
}

/// The kernel's BTF bytes: mapped if the kernel allows it (Linux 6.16 and
/// later), else read.
fn kernel_bytes() -> Result<Arc<dyn AsRef<[u8]> + Send + Sync>> {
    let file = std::fs::File::open(VMLINUX).map_err(io)?;
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
    let target = Arc::new(Target::new(Arc::new(Btf::from_shared(kernel_bytes()?)?)));
    Ok(Arc::clone(KERNEL.get_or_init(|| target)))
}

/// Whether the kernel exposes BTF for any module (`/sys/kernel/btf/<module>`
/// besides `vmlinux`).
pub fn module_btfs_present() -> bool {
    std::fs::read_dir("/sys/kernel/btf").is_ok_and(|d| {
        d.filter_map(std::result::Result::ok)
            .any(|e| e.file_name() != "vmlinux")
    })
}

/// The addresses of `names` in `/proc/kallsyms`, read once per call and only
/// when an object has typeless ksyms. As libbpf: a data symbol (`d`) whose
/// name has a `.llvm.<hash>` suffix also matches its name without it, and a
/// name listed at two different addresses is ambiguous (an error).
pub fn kallsyms(
    names: &[&str],
) -> std::result::Result<std::collections::HashMap<String, u64>, String> {
    use std::io::BufRead;
    let path = "/proc/kallsyms";
    let f = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let mut found = std::collections::HashMap::new();
    for line in std::io::BufReader::new(f).lines() {
        let line = line.map_err(|e| format!("{path}: {e}"))?;
        let mut it = line.split_whitespace();
        let (Some(addr), Some(ty), Some(name)) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        let name = match name.find(".llvm.") {
            Some(i) if ty == "d" => name.get(..i).unwrap_or(name),
            _ => name,
        };
        if !names.contains(&name) {
            continue;
        }
        let addr = u64::from_str_radix(addr, 16)
            .map_err(|_| format!("{path}: bad address in `{line}`"))?;
        match found.get(name) {
            Some(&old) if old != addr => {
                return Err(format!(
                    "resolution is ambiguous in {path}: {old:#x} or {addr:#x}"
                ))
            }
            Some(_) => {}
            None => {
                found.insert(name.to_string(), addr);
            }
        }
    }
    Ok(found)
}
