//! The running kernel's BTF: the one place that reads
//! `/sys/kernel/btf/vmlinux`. It is read and prepared once per process,
//! and only when an object needs it (CO-RE relocations, BTF attach
//! targets).

use std::sync::{Arc, OnceLock};

use crate::error::{Error, Result};
use crate::obj::btf::Btf;
use crate::obj::core::Target;

/// Where the kernel exposes its own BTF.
pub const VMLINUX: &str = "/sys/kernel/btf/vmlinux";

/// The running kernel's BTF as a CO-RE target, read and prepared on first
/// use and shared by every later caller in the process.
pub fn target() -> Result<Arc<Target>> {
    static KERNEL: OnceLock<Arc<Target>> = OnceLock::new();
    if let Some(t) = KERNEL.get() {
        return Ok(Arc::clone(t));
    }
    let data = std::fs::read(VMLINUX).map_err(|source| Error::Io {
        path: VMLINUX.into(),
        source,
    })?;
    let target = Arc::new(Target::new(Arc::new(Btf::parse(&data)?)));
    Ok(Arc::clone(KERNEL.get_or_init(|| target)))
}
