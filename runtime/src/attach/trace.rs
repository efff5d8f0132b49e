//! Tracepoints (through perf events), raw tracepoints and BTF-typed
//! tracing programs (`tp_btf`, `fentry`, `fexit`, `fmod_ret`, `lsm`).

use std::ffi::CString;

use super::probe::attach_perf_fd;
use crate::error::{Error, Result, Subject};
use crate::link::Link;
use crate::obj::section::prog_type;
use crate::perf_event::{self, TracepointIdError};
use crate::prog::Program;
use crate::sys as bpf;

/// Options for [`Program::attach_tracepoint_with`].
#[derive(Debug, Clone, Default)]
pub struct TracepointOptions {
    /// The BPF cookie the program reads with `bpf_get_attach_cookie`.
    pub cookie: u64,
}

/// Options for [`Program::attach_raw_tracepoint_with`] and
/// [`Program::attach_trace_with`].
#[derive(Debug, Clone, Default)]
pub struct TraceOptions {
    /// The BPF cookie the program reads with `bpf_get_attach_cookie`
    /// (Linux 6.10 for raw tracepoints).
    pub cookie: u64,
}

fn c_string(prog: &Program, what: &str, s: &str) -> Result<CString> {
    CString::new(s)
        .map_err(|_| Error::invalid(prog.subject(), format!("{what} contains a NUL byte")))
}

impl Program {
    /// Attaches a tracepoint program to tracepoint
    /// `category:name` (e.g. `syscalls`, `sys_enter_openat`) through a
    /// perf event. The id is read from tracefs (any mounted tracefs, or
    /// `tracing/` under debugfs).
    pub fn attach_tracepoint(&self, category: &str, name: &str) -> Result<Link> {
        self.attach_tracepoint_with(category, name, &TracepointOptions::default())
    }

    /// [`attach_tracepoint`](Self::attach_tracepoint) with options.
    pub fn attach_tracepoint_with(
        &self,
        category: &str,
        name: &str,
        opts: &TracepointOptions,
    ) -> Result<Link> {
        // The kernel runs only tracepoint programs on tracepoint events.
        self.expect_type("attach_tracepoint", &[prog_type::TRACEPOINT])?;
        let what = format!("`{}` on tracepoint {category}:{name}", self.name());
        if [category, name]
            .iter()
            .any(|s| s.is_empty() || s.contains('/') || s.starts_with('.'))
        {
            return Err(Error::invalid(
                self.subject(),
                format!("bad tracepoint name {category}:{name}"),
            ));
        }
        let id = perf_event::tracepoint_id(category, name).map_err(|e| match e {
            TracepointIdError::NoTracefs => Error::HookUnavailable {
                program: self.name().into(),
                hook: "tracepoint",
                message: "tracepoints are not available: tracefs is not mounted \
                          (mount -t tracefs nodev /sys/kernel/tracing)"
                    .into(),
            },
            TracepointIdError::NoEvent(path) => Error::HookUnavailable {
                program: self.name().into(),
                hook: "tracepoint",
                message: format!(
                    "this kernel has no tracepoint {category}:{name} ({} does not exist)",
                    path.display()
                ),
            },
            TracepointIdError::Io(path, source) => {
                Error::syscall("reading a tracepoint id", Subject::File(path), source)
            }
        })?;
        let perf = perf_event::Attr::new(perf_event::TYPE_TRACEPOINT, id)
            .open(-1, 0)
            .map_err(|e| Error::AttachFailed {
                what: what.clone(),
                op: "perf_event_open",
                reason: String::new(),
                source: e,
            })?;
        attach_perf_fd(self, perf, opts.cookie, what)
    }

    /// Attaches a raw tracepoint program to raw tracepoint `name`
    /// (`BPF_RAW_TRACEPOINT_OPEN`).
    pub fn attach_raw_tracepoint(&self, name: &str) -> Result<Link> {
        self.attach_raw_tracepoint_with(name, &TraceOptions::default())
    }

    /// [`attach_raw_tracepoint`](Self::attach_raw_tracepoint) with options.
    pub fn attach_raw_tracepoint_with(&self, name: &str, opts: &TraceOptions) -> Result<Link> {
        self.expect_type(
            "attach_raw_tracepoint",
            &[
                prog_type::RAW_TRACEPOINT,
                prog_type::RAW_TRACEPOINT_WRITABLE,
            ],
        )?;
        let what = format!("`{}` on raw tracepoint {name}", self.name());
        let c = c_string(self, "raw tracepoint name", name)?;
        let fd =
            bpf::raw_tracepoint_open(self.attach_fd()?, Some(&c), opts.cookie).map_err(|e| {
                let reason = match e.raw_os_error() {
                    Some(libc::ENOENT) => format!("this kernel has no raw tracepoint `{name}`"),
                    Some(libc::E2BIG) if opts.cookie != 0 => {
                        "raw tracepoint cookies need Linux 6.10".into()
                    }
                    _ => String::new(),
                };
                Error::AttachFailed {
                    what: what.clone(),
                    op: "BPF_RAW_TRACEPOINT_OPEN",
                    reason,
                    source: e,
                }
            })?;
        Ok(Link::bpf(fd, what))
    }

    /// Attaches a BTF-typed tracing program (`tp_btf`, `fentry`, `fexit`,
    /// `fmod_ret`, `lsm`) to the target fixed at load from its section.
    pub fn attach_trace(&self) -> Result<Link> {
        self.attach_trace_with(&TraceOptions::default())
    }

    /// [`attach_trace`](Self::attach_trace) with options.
    pub fn attach_trace_with(&self, opts: &TraceOptions) -> Result<Link> {
        self.expect_type("attach_trace", &[prog_type::TRACING, prog_type::LSM])?;
        let kind = &self.def.kind;
        let target = kind
            .attach_target
            .as_ref()
            .map(|t| t.btf_name().0)
            .unwrap_or_default();
        if kind.expected_attach_type == Some(crate::obj::section::attach_type::TRACE_ITER) {
            return Err(Error::invalid(
                self.subject(),
                "iterator programs attach with attach_iter",
            ));
        }
        let what = format!(
            "`{}` on {target} (section `{}`)",
            self.name(),
            self.section()
        );
        let trampoline = super::trampoline_kind(kind);
        let prog = self.attach_fd()?;
        let res = if opts.cookie != 0 {
            bpf::link_create(
                prog,
                0,
                kind.expected_attach_type.unwrap_or(0),
                0,
                bpf::LinkExtra::TracingCookie(opts.cookie),
            )
        } else {
            bpf::raw_tracepoint_open(prog, None, 0)
        };
        let fd = res.map_err(|e| {
            if let (Some(word), Some(libc::EPERM)) = (trampoline, e.raw_os_error()) {
                return Error::HookUnavailable {
                    program: self.name().into(),
                    hook: "BPF trampoline",
                    message: super::trampoline_refused(word, self.name(), &target, false),
                };
            }
            Error::AttachFailed {
                what: what.clone(),
                op: if opts.cookie != 0 {
                    "BPF_LINK_CREATE"
                } else {
                    "BPF_RAW_TRACEPOINT_OPEN"
                },
                reason: String::new(),
                source: e,
            }
        })?;
        Ok(Link::bpf(fd, what))
    }
}
