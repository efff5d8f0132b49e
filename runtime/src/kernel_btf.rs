//! The running kernel's BTF and symbols: the one place that reads
//! `/sys/kernel/btf/vmlinux`, the kernel modules' BTF and `/proc/kallsyms`.
//! vmlinux's BTF is mapped (or, where the kernel does not allow mapping
//! it, read) once per process, and only when an object needs it (CO-RE
//! relocations, BTF attach targets, typed ksyms). Nothing is decoded up
//! front: [`Btf::from_shared`] builds an offset table of the records, and
//! CO-RE finds the few names an object asks for in place. Module BTF is
//! read only when vmlinux lacks a name an object needs, as libbpf does.

use std::collections::HashMap;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::error::{Error, Result, Subject};
use crate::obj::btf::Btf;
use crate::obj::core::Target;
use crate::sys;

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

/// A BTF file's bytes: mapped if the kernel allows it (`/sys/kernel/btf`
/// files since Linux 6.16, any regular file), else read.
fn kernel_bytes(path: impl AsRef<std::path::Path>) -> Result<Arc<dyn AsRef<[u8]> + Send + Sync>> {
    let path = path.as_ref();
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

/// The running kernel's BTF (vmlinux), indexed on first use and shared by
/// every later caller in the process, with the CO-RE target over it. Its
/// target searches the kernel modules' BTF for candidates vmlinux lacks
/// (as libbpf does).
fn vmlinux() -> Result<&'static (Arc<Btf>, Arc<Target>)> {
    static KERNEL: OnceLock<(Arc<Btf>, Arc<Target>)> = OnceLock::new();
    if let Some(k) = KERNEL.get() {
        return Ok(k);
    }
    let btf = Arc::new(Btf::from_shared(kernel_bytes(VMLINUX)?)?);
    let target = Target::new(Arc::clone(&btf)).with_module_source(Arc::new(|| match modules() {
        Ok(list) => Ok(list.into_iter().map(|m| Arc::clone(&m.target)).collect()),
        Err(e) => Err(crate::obj::Error::Unsupported {
            location: "kernel module BTF".into(),
            feature: format!("searching it for CO-RE candidates failed: {e}"),
        }),
    }));
    Ok(KERNEL.get_or_init(|| (btf, Arc::new(target))))
}

/// The running kernel's BTF as a CO-RE target, prepared on first use and
/// shared by every later caller in the process.
pub fn target() -> Result<Arc<Target>> {
    Ok(Arc::clone(&vmlinux()?.1))
}

/// A kernel module's BTF (split BTF on top of vmlinux) and the fd that
/// names it to the kernel: in `fd_array` for its kfuncs, in the `ld_imm64`
/// of its typed ksyms. The fd is this value's, closed when it drops.
#[derive(Debug)]
pub struct ModuleBtf {
    name: String,
    id: u32,
    fd: OwnedFd,
    target: Arc<Target>,
}

impl ModuleBtf {
    /// The module's name (`/sys/kernel/btf/<name>`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The BTF object's id.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The BTF object's fd.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The module's BTF: its own types after vmlinux's ids.
    pub fn btf(&self) -> &Btf {
        self.target.btf()
    }

    /// The module's BTF as a CO-RE target (its own types are the
    /// candidates).
    pub fn target(&self) -> &Arc<Target> {
        &self.target
    }
}

/// The raw BTF the kernel holds for the BTF object `fd` (a loaded
/// object's, see [`crate::Object::btf_fd`], or a module's).
pub fn btf_data(fd: BorrowedFd<'_>) -> Result<Vec<u8>> {
    let info = |data| {
        sys::btf_info(fd, data)
            .map_err(|e| Error::syscall("BPF_OBJ_GET_INFO_BY_FD", Subject::Btf, e))
    };
    let size = info(None)?.size;
    let mut data = vec![0u8; size as usize];
    let again = info(Some(&mut data))?;
    if again.size != size {
        return Err(Error::syscall(
            "BPF_OBJ_GET_INFO_BY_FD",
            Subject::Btf,
            std::io::Error::other("the BTF object changed size while read"),
        ));
    }
    Ok(data)
}

/// The kernel modules' BTF objects present now, in BTF id order (as
/// libbpf's `load_module_btfs`): every BTF object the kernel made other
/// than vmlinux, each opened by id, its data read through its fd and
/// parsed on top of vmlinux (parsed once per BTF id per process; the fds
/// are the caller's). A kernel without module BTF, or a caller without
/// the privilege to walk BTF ids, has none (as libbpf).
pub fn modules() -> Result<Vec<Arc<ModuleBtf>>> {
    static PARSED: OnceLock<Mutex<HashMap<u32, Arc<Target>>>> = OnceLock::new();
    let base = Arc::clone(&vmlinux()?.0);
    let walk = |e: std::io::Error| Error::syscall("BPF_BTF_GET_NEXT_ID", Subject::Btf, e);
    let mut out = Vec::new();
    let mut id = 0;
    loop {
        id = match sys::btf_get_next_id(id) {
            Ok(next) => next,
            Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT)) => break,
            // Not allowed to walk ids (libbpf skips module BTFs), or a
            // kernel without BTF ids.
            Err(e) if matches!(e.raw_os_error(), Some(libc::EPERM | libc::EINVAL)) => break,
            Err(e) => return Err(walk(e)),
        };
        let fd = match sys::btf_get_fd_by_id(id) {
            Ok(fd) => fd,
            // Unloaded since the walk saw it.
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => continue,
            Err(e) => return Err(Error::syscall("BPF_BTF_GET_FD_BY_ID", Subject::Btf, e)),
        };
        let info = sys::btf_info(fd.as_fd(), None)
            .map_err(|e| Error::syscall("BPF_OBJ_GET_INFO_BY_FD", Subject::Btf, e))?;
        if !info.kernel_btf || info.name == "vmlinux" {
            continue;
        }
        let cached = PARSED
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
            .cloned();
        let target = match cached {
            Some(t) => t,
            None => {
                let data = btf_data(fd.as_fd())?;
                let btf =
                    Btf::from_shared_split(Arc::new(data), Arc::clone(&base)).map_err(|e| {
                        Error::io(
                            format!("/sys/kernel/btf/{}", info.name),
                            std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
                        )
                    })?;
                let t = Arc::new(Target::new(Arc::new(btf)));
                PARSED
                    .get_or_init(Default::default)
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(id, Arc::clone(&t));
                t
            }
        };
        out.push(Arc::new(ModuleBtf {
            name: info.name,
            id,
            fd,
            target,
        }));
    }
    Ok(out)
}

/// The BTF in the file at `path` (e.g. a custom vmlinux BTF for a kernel
/// without `/sys/kernel/btf/vmlinux`) as a CO-RE target. Not cached: read
/// at every call. As with libbpf's custom BTF path, kernel modules are not
/// searched for its missing candidates.
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
