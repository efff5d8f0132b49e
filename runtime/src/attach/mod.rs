//! Attaching loaded programs to their hooks. Each method returns a
//! [`Link`] that keeps the program attached until dropped.
//!
//! [`Program::attach`] follows libbpf's auto-attach conventions: the
//! section name says where (`tp/C/N`, `raw_tp/N`, `tp_btf/N`, `fentry/F`,
//! `fexit/F`, `fmod_ret/F`, `lsm/H`, `iter/I`, `kprobe/F[+off]`,
//! `kretprobe/F[+off]`, `ksyscall/S`, `kretsyscall/S`,
//! `uprobe/BINARY:FUNC[+off]`, `uretprobe/...`, `usdt/BINARY:PROVIDER:NAME`,
//! `kprobe.multi/PATTERN`, `kretprobe.multi/PATTERN`,
//! `uprobe.multi/BINARY:PATTERN`, `uretprobe.multi/...`). Sections that do not name
//! a target (`xdp`, `tc`, `tcx/ingress`, `socket`, `perf_event`, every
//! cgroup section, `sk_lookup`, or a bare `kprobe`) are not
//! auto-attachable, as in libbpf: [`Program::can_auto_attach`] says so and
//! the explicit methods take the missing target.
//!
//! The explicit methods check the program's type first, so a wrong kind
//! is an error naming the program and its section before any syscall.
//! Families: [`trace`] (tracepoints, raw tracepoints, BTF-typed tracing),
//! [`probe`] (kprobes, uprobes, perf events), [`usdt`], [`multi`] (kprobe.multi,
//! uprobe.multi), [`net`] (XDP, tcx, socket
//! filters, network namespaces), [`cgroup`], [`iter`].

pub mod cgroup;
mod elf;
pub mod iter;
pub mod multi;
pub mod net;
pub mod probe;
use crate::obj::auto_attach as section;
pub mod tc;
pub mod trace;
pub mod usdt;

use std::os::fd::BorrowedFd;

use crate::error::{Error, Result};
use crate::link::Link;
use crate::obj::section::{prog_type_name, ProgKind};
use crate::obj::ProgramDef;
use crate::prog::Program;

pub use iter::{Iter, IterTarget};
pub use multi::{KprobeMultiOptions, KprobeMultiTarget, UprobeMultiOptions, UprobeMultiTarget};
pub use net::{TcxDirection, XdpFlags};
pub use probe::{symbol_file_offset, KprobeOptions, UprobeOptions, UprobeTarget};
pub use section::AutoAttach;
pub use tc::TcOptions;
pub use trace::{TraceOptions, TracepointOptions};

impl Program {
    /// The program's fd, or an error naming it if it was not loaded.
    pub(crate) fn attach_fd(&self) -> Result<BorrowedFd<'_>> {
        self.fd().ok_or_else(|| {
            Error::invalid(
                self.subject(),
                "cannot attach: the program was not loaded (autoload was disabled)",
            )
        })
    }

    /// Fails unless the program's type is one of `types`, naming `method`.
    pub(crate) fn expect_type(&self, method: &str, types: &[u32]) -> Result<()> {
        if types.contains(&self.prog_type()) {
            return Ok(());
        }
        let wanted: Vec<&str> = types.iter().map(|&t| prog_type_name(t)).collect();
        Err(Error::invalid(
            self.subject(),
            format!(
                "{method} needs a {} program; this is a {} program (section `{}`)",
                wanted.join(" or "),
                prog_type_name(self.prog_type()),
                self.section()
            ),
        ))
    }

    /// What the section name says about where the program attaches, or
    /// `None` if it does not say (see the [module docs](crate::attach)).
    pub fn auto_attach_target(&self) -> Option<AutoAttach> {
        section::parse(self.section())
    }

    /// Whether [`attach`](Self::attach) can attach the program from its
    /// section name alone. A skeleton's `attach()` skips the others, as
    /// libbpf does.
    pub fn can_auto_attach(&self) -> bool {
        self.auto_attach_target().is_some()
    }

    /// Attaches the program where its section name says (libbpf's
    /// auto-attach). Fails for sections that do not name a target.
    pub fn attach(&self) -> Result<Link> {
        if self.prog_type() == crate::obj::struct_ops::PROG_TYPE {
            return Err(Error::invalid(
                self.subject(),
                "a struct_ops program does not attach on its own: register the struct_ops \
                 map that points at it (`Map::attach_struct_ops`, or the skeleton's `attach()`)",
            ));
        }
        let Some(target) = self.auto_attach_target() else {
            return Err(Error::invalid(
                self.subject(),
                format!(
                    "section `{}` does not say where to attach this {} program; \
                     use an explicit attach method",
                    self.section(),
                    prog_type_name(self.prog_type())
                ),
            ));
        };
        match target {
            AutoAttach::Tracepoint { category, name } => self.attach_tracepoint(&category, &name),
            AutoAttach::RawTracepoint { name } => self.attach_raw_tracepoint(&name),
            AutoAttach::Tracing => self.attach_trace(),
            AutoAttach::Iter => self.attach_iter(),
            AutoAttach::Usdt {
                binary,
                provider,
                name,
            } => self.attach_usdt(None, &binary, &provider, &name, 0),
            AutoAttach::Kprobe {
                symbol,
                offset,
                retprobe,
            } => self.attach_kprobe_with(
                &symbol,
                offset,
                &KprobeOptions {
                    retprobe: Some(retprobe),
                    ..KprobeOptions::default()
                },
            ),
            AutoAttach::Ksyscall { name, retprobe } => self.attach_ksyscall_with(
                &name,
                &KprobeOptions {
                    retprobe: Some(retprobe),
                    ..KprobeOptions::default()
                },
            ),
            AutoAttach::KprobeMulti { pattern, retprobe } => self.attach_kprobe_multi_with(
                KprobeMultiTarget::Pattern(&pattern),
                &KprobeMultiOptions {
                    retprobe: Some(retprobe),
                    ..KprobeMultiOptions::default()
                },
            ),
            AutoAttach::UprobeMulti {
                binary,
                pattern,
                retprobe,
            } => self.attach_uprobe_multi_with(
                None,
                &binary,
                UprobeMultiTarget::Pattern(&pattern),
                &UprobeMultiOptions {
                    retprobe: Some(retprobe),
                    ..UprobeMultiOptions::default()
                },
            ),
            AutoAttach::Uprobe {
                binary,
                symbol,
                offset,
                retprobe,
            } => {
                let target = match symbol {
                    Some(s) => UprobeTarget::Symbol(s, offset),
                    None => UprobeTarget::Offset(offset),
                };
                self.attach_uprobe_with(
                    None,
                    &binary,
                    target,
                    &UprobeOptions {
                        retprobe: Some(retprobe),
                        ..UprobeOptions::default()
                    },
                )
            }
        }
    }
}

/// Whether a program of this kind runs through a BPF trampoline (fentry,
/// fexit, fmod_ret, lsm), and the word for it.
pub(crate) fn trampoline_kind(kind: &ProgKind) -> Option<&'static str> {
    use crate::obj::section::attach_type as at;
    match kind.expected_attach_type? {
        at::TRACE_FENTRY => Some("fentry"),
        at::TRACE_FEXIT => Some("fexit"),
        at::MODIFY_RETURN => Some("fmod_ret"),
        at::LSM_MAC => Some("lsm"),
        _ => None,
    }
}

/// The message for a kernel that refuses BPF trampolines with EPERM.
pub(crate) fn trampoline_refused(kind: &str, prog: &str, target: &str, at_load: bool) -> String {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    format!(
        "BPF trampolines refused (EPERM): the kernel refused {} {kind} program `{prog}` \
         (target `{target}`){}: fentry, fexit, fmod_ret and lsm programs need BPF \
         trampolines, which this kernel does not offer (they need \
         CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS, a JIT with trampoline support and, for lsm, \
         CONFIG_BPF_LSM with `bpf` among the active LSMs){}",
        if at_load { "to load" } else { "to attach" },
        if at_load {
            " with an empty verifier log"
        } else {
            ""
        },
        if root {
            ""
        } else {
            ", or this process lacks CAP_BPF and CAP_PERFMON"
        }
    )
}

/// Turns the kernel's bare EPERM (with an empty verifier log) for a
/// trampoline program into an error saying why; other errors pass through.
/// Called by the loader.
pub(crate) fn explain_load_refusal(def: &ProgramDef, err: Error) -> Error {
    let Some(kind) = trampoline_kind(&def.kind) else {
        return err;
    };
    match &err {
        Error::Verifier { source, log, .. }
            if source.raw_os_error() == Some(libc::EPERM) && log.trim().is_empty() =>
        {
            let target = def
                .kind
                .attach_target
                .as_ref()
                .map(|t| t.btf_name().0)
                .unwrap_or_default();
            Error::HookUnavailable {
                program: def.name.clone(),
                hook: "BPF trampoline",
                message: trampoline_refused(kind, &def.name, &target, true),
            }
        }
        _ => err,
    }
}
