//! A program in the kernel.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use crate::error::{Error, Result};
use crate::obj::ProgramDef;
use crate::sys::{self, TestRunOutput};

/// A program of a loaded object. Programs whose autoload was disabled are
/// present (with their hash) but hold no file descriptor.
#[derive(Debug)]
pub struct Program {
    pub(crate) def: ProgramDef,
    pub(crate) hash: [u8; 32],
    pub(crate) fd: Option<OwnedFd>,
    pub(crate) insn_count: usize,
}

/// What the kernel reports about a program (`bpf_prog_info` prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramInfo {
    /// `enum bpf_prog_type`.
    pub prog_type: u32,
    /// Kernel-wide program id.
    pub id: u32,
    /// The prog tag: the first 8 bytes of the kernel's SHA-256 digest.
    pub tag: [u8; 8],
}

impl Program {
    /// The program's name in the object.
    pub fn name(&self) -> &str {
        &self.def.name
    }

    /// The ELF section it came from.
    pub fn section(&self) -> &str {
        &self.def.section
    }

    /// `enum bpf_prog_type`.
    pub fn prog_type(&self) -> u32 {
        self.def.kind.prog_type
    }

    /// The SHA-256 digest of the instructions passed to the kernel, equal
    /// to the kernel's own program digest.
    pub fn hash(&self) -> [u8; 32] {
        self.hash
    }

    /// Instructions passed to the kernel.
    pub fn insn_count(&self) -> usize {
        self.insn_count
    }

    /// Whether the program was loaded (its autoload was on).
    pub fn is_loaded(&self) -> bool {
        self.fd.is_some()
    }

    /// The program's fd, or `None` if it was not loaded.
    pub fn fd(&self) -> Option<BorrowedFd<'_>> {
        self.fd.as_ref().map(AsFd::as_fd)
    }

    fn loaded_fd(&self) -> Result<BorrowedFd<'_>> {
        self.fd().ok_or_else(|| {
            Error::invalid(
                self.name(),
                "the program was not loaded (autoload was disabled)",
            )
        })
    }

    /// What the kernel reports about the program.
    pub fn info(&self) -> Result<ProgramInfo> {
        let mut b = [0u8; 16];
        sys::obj_info(self.loaded_fd()?, &mut b)
            .map_err(|e| Error::syscall("BPF_OBJ_GET_INFO_BY_FD", self.name(), e))?;
        let mut tag = [0u8; 8];
        tag.copy_from_slice(b.get(8..16).unwrap_or(&[0; 8]));
        Ok(ProgramInfo {
            prog_type: sys::ne_u32(&b, 0),
            id: sys::ne_u32(&b, 4),
            tag,
        })
    }

    /// Runs the program once in the kernel on `data` (`BPF_PROG_TEST_RUN`;
    /// for XDP, tc, socket filters, raw tracepoints, syscall programs...).
    pub fn test_run(&self, data: &[u8]) -> Result<TestRunOutput> {
        sys::prog_test_run(self.loaded_fd()?, data, None, 1)
            .map_err(|e| Error::syscall("BPF_PROG_TEST_RUN", self.name(), e))
    }

    /// Like [`test_run`](Self::test_run) with a context buffer (e.g. the
    /// arguments of a `syscall` program, which it may write back).
    pub fn test_run_with_ctx(&self, data: &[u8], ctx: &mut [u8]) -> Result<TestRunOutput> {
        sys::prog_test_run(self.loaded_fd()?, data, Some(ctx), 1)
            .map_err(|e| Error::syscall("BPF_PROG_TEST_RUN", self.name(), e))
    }
}

impl AsFd for Program {
    /// # Panics
    /// If the program was not loaded because its autoload was disabled;
    /// use [`Program::fd`] to check first.
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self.fd() {
            Some(fd) => fd,
            None => panic!(
                "program `{}` has no fd: its autoload was disabled, so it was not loaded",
                self.name()
            ),
        }
    }
}
