//! A program in the kernel.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use crate::error::{Error, Result, Subject};
use crate::obj::insn::{encode, Insn};
use crate::obj::{ProgKind, ProgramDef};
use crate::sys;

/// The result of [`Program::test_run`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRunOutput {
    /// The program's return value.
    pub retval: u32,
    /// Average run time in nanoseconds.
    pub duration_ns: u32,
    /// The packet data after the run (as much as fit the buffer).
    pub data_out: Vec<u8>,
}

/// A program of a loaded object. Programs whose autoload was disabled are
/// present (with their hash) but hold no file descriptor: [`fd`](Self::fd)
/// is `None` and every kernel operation returns an error (there is
/// deliberately no `AsFd` impl, which could only panic in that state).
#[derive(Debug)]
pub struct Program {
    pub(crate) def: ProgramDef,
    pub(crate) hash: [u8; 32],
    pub(crate) fd: Option<OwnedFd>,
    pub(crate) insn_count: usize,
    /// Whether a skeleton's `attach()` attaches it (set before load).
    pub(crate) autoattach: bool,
    /// The verifier log of its load, when a log level was set before load.
    pub(crate) log: Option<String>,
    /// For a loaded `usdt` program, its object's USDT spec map.
    pub(crate) usdt: Option<std::sync::Arc<crate::attach::usdt::Specs>>,
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
    /// The verifier's log of this program's load, if a log level was set
    /// before load ([`OpenProgram::set_log_level`](crate::OpenProgram::set_log_level)).
    pub fn verifier_log(&self) -> Option<&str> {
        self.log.as_deref()
    }

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
    ///
    /// On Linux 6.18 and later the kernel's program tag (`bpftool prog
    /// show`'s `tag`, `bpf_prog_info.tag`) is the first 8 bytes of this
    /// digest; earlier kernels compute the tag with SHA-1 over the same
    /// instructions, so there it is not a prefix of `hash()`.
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

    /// Whether a skeleton's `attach()` attaches it (set on the open
    /// program with `set_autoattach`).
    pub fn autoattach(&self) -> bool {
        self.autoattach
    }

    /// The program's fd, or `None` if it was not loaded.
    pub fn fd(&self) -> Option<BorrowedFd<'_>> {
        self.fd.as_ref().map(AsFd::as_fd)
    }

    pub(crate) fn subject(&self) -> Subject {
        Subject::program(self.name())
    }

    /// The program's fd, or an error naming it if it was not loaded.
    pub fn loaded_fd(&self) -> Result<BorrowedFd<'_>> {
        self.fd().ok_or_else(|| {
            Error::invalid(
                self.subject(),
                "the program was not loaded (autoload was disabled)",
            )
        })
    }

    /// Loads hand-assembled instructions as a program of its own, outside
    /// any object (libbpf's `bpf_prog_load`). A verifier rejection returns
    /// [`Error::Verifier`] with the complete log.
    pub fn load_raw(raw: &RawProgram<'_>) -> Result<Program> {
        let def = ProgramDef {
            name: raw.name.to_string(),
            section: String::new(),
            kind: ProgKind {
                prog_type: raw.prog_type,
                expected_attach_type: raw.expected_attach_type,
                attach_target: None,
                needs_btf_target: false,
                flags: 0,
                autoload: true,
                rule: "",
            },
            function: 0,
        };
        let code = encode(raw.insns);
        let license = crate::load::nul_terminated(raw.license);
        let opts = sys::ProgLoadOpts {
            prog_type: raw.prog_type,
            insns: &code,
            license: &license,
            name: raw.name,
            expected_attach_type: raw.expected_attach_type.unwrap_or(0),
            ..Default::default()
        };
        let fd = crate::load::prog_load_logged(&def, &opts)?;
        Ok(Program {
            hash: crate::hash::program_digest(raw.insns),
            insn_count: raw.insns.len(),
            def,
            fd: Some(fd),
            autoattach: true,
            log: None,
            usdt: None,
        })
    }

    /// What the kernel reports about the program.
    pub fn info(&self) -> Result<ProgramInfo> {
        let mut b = [0u8; 16];
        sys::obj_info(self.loaded_fd()?, &mut b)
            .map_err(|e| Error::syscall("BPF_OBJ_GET_INFO_BY_FD", self.subject(), e))?;
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
            .map_err(|e| Error::syscall("BPF_PROG_TEST_RUN", self.subject(), e))
    }

    /// Like [`test_run`](Self::test_run) with a context buffer (e.g. the
    /// arguments of a `syscall` program, which it may write back).
    pub fn test_run_with_ctx(&self, data: &[u8], ctx: &mut [u8]) -> Result<TestRunOutput> {
        sys::prog_test_run(self.loaded_fd()?, data, Some(ctx), 1)
            .map_err(|e| Error::syscall("BPF_PROG_TEST_RUN", self.subject(), e))
    }
}

/// Hand-assembled instructions to load with [`Program::load_raw`].
#[derive(Debug, Clone, Copy)]
pub struct RawProgram<'a> {
    /// The program's name (the kernel keeps 15 bytes).
    pub name: &'a str,
    /// `enum bpf_prog_type`.
    pub prog_type: u32,
    /// `expected_attach_type`, where the program type needs one.
    pub expected_attach_type: Option<u32>,
    /// The instructions, exactly as the kernel will hash them.
    pub insns: &'a [Insn],
    /// The license ("GPL" for GPL-only helpers).
    pub license: &'a str,
}
