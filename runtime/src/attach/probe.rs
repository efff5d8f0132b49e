//! Probes through perf events: kprobes, kernel syscall probes, uprobes,
//! and user-supplied perf events. The program runs on a perf event through
//! a BPF link (`BPF_LINK_CREATE` with `BPF_PERF_EVENT`, Linux 5.15) or,
//! on older kernels, `PERF_EVENT_IOC_SET_BPF`.

use std::ffi::CString;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::elf;
use crate::error::{Error, Result, Subject};
use crate::link::Link;
use crate::obj::section::prog_type;
use crate::perf_event;
use crate::prog::Program;
use crate::sys as bpf;

/// `BPF_PERF_EVENT` attach type.
const ATTACH_PERF_EVENT: u32 = 41;

/// Options for [`Program::attach_kprobe_with`] and
/// [`Program::attach_ksyscall_with`].
#[derive(Debug, Clone, Default)]
pub struct KprobeOptions {
    /// A return probe (`kretprobe`). `None`: as the section says
    /// (`kretprobe/`, `kretsyscall/`).
    pub retprobe: Option<bool>,
    /// The BPF cookie the program reads with `bpf_get_attach_cookie`.
    pub cookie: u64,
}

/// Options for [`Program::attach_uprobe_with`].
#[derive(Debug, Clone, Default)]
pub struct UprobeOptions {
    /// A return probe (`uretprobe`). `None`: as the section says.
    pub retprobe: Option<bool>,
    /// The BPF cookie the program reads with `bpf_get_attach_cookie`.
    pub cookie: u64,
    /// File offset of the USDT-style semaphore (reference counter) the
    /// kernel increments while the probe is attached; 0 for none.
    pub ref_ctr_offset: u64,
}

/// Where in a binary a uprobe goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UprobeTarget {
    /// A function found in the binary's symbol tables, plus an offset
    /// into it.
    Symbol(String, u64),
    /// A raw file offset.
    Offset(u64),
}

impl From<&str> for UprobeTarget {
    fn from(s: &str) -> Self {
        UprobeTarget::Symbol(s.to_string(), 0)
    }
}

impl From<String> for UprobeTarget {
    fn from(s: String) -> Self {
        UprobeTarget::Symbol(s, 0)
    }
}

impl From<u64> for UprobeTarget {
    fn from(off: u64) -> Self {
        UprobeTarget::Offset(off)
    }
}

impl From<(&str, u64)> for UprobeTarget {
    fn from((s, off): (&str, u64)) -> Self {
        UprobeTarget::Symbol(s.to_string(), off)
    }
}

/// The file offset of `symbol` (a function or data, e.g. a USDT-style
/// semaphore for [`UprobeOptions::ref_ctr_offset`]) in the ELF file
/// `binary`, resolved like [`Program::attach_uprobe`] resolves binaries.
pub fn symbol_file_offset(binary: impl AsRef<Path>, symbol: &str) -> Result<u64> {
    let binary = binary.as_ref();
    let subject = || Subject::File(binary.to_path_buf());
    let path = elf::resolve_binary(binary).map_err(|m| Error::invalid(subject(), m))?;
    elf::symbol_offset(&path, symbol, false).map_err(|m| Error::invalid(subject(), m))
}

/// Runs `prog` on the perf event `perf` (which the link keeps open).
pub(crate) fn attach_perf_fd(
    prog: &Program,
    perf: OwnedFd,
    cookie: u64,
    what: String,
) -> Result<Link> {
    let prog_fd = prog.attach_fd()?;
    let extra = if cookie != 0 {
        bpf::LinkExtra::PerfCookie(cookie)
    } else {
        bpf::LinkExtra::None
    };
    let enable = |perf: BorrowedFd<'_>, what: &str| {
        perf_event::enable(perf).map_err(|e| Error::AttachFailed {
            what: what.to_string(),
            op: "PERF_EVENT_IOC_ENABLE",
            reason: String::new(),
            source: e,
        })
    };
    let target = std::os::fd::AsRawFd::as_raw_fd(&perf) as u32;
    match bpf::link_create(prog_fd, target, ATTACH_PERF_EVENT, 0, extra) {
        Ok(link) => {
            enable(perf.as_fd(), &what)?;
            Ok(Link::perf_link(link, perf, what))
        }
        // Before Linux 5.15 there is no perf BPF link: set the program
        // with an ioctl (no cookie possible then).
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) && cookie == 0 => {
            perf_event::set_bpf(perf.as_fd(), prog_fd).map_err(|e| Error::AttachFailed {
                what: what.clone(),
                op: "PERF_EVENT_IOC_SET_BPF",
                reason: String::new(),
                source: e,
            })?;
            enable(perf.as_fd(), &what)?;
            Ok(Link::perf_ioctl(perf, what))
        }
        Err(e) => Err(Error::AttachFailed {
            what,
            reason: if e.raw_os_error() == Some(libc::EINVAL) && cookie != 0 {
                "BPF cookies on perf events need Linux 5.15".into()
            } else {
                String::new()
            },
            op: "BPF_LINK_CREATE",
            source: e,
        }),
    }
}

/// The `__<arch>_sys_` prefix of syscall entry points on kernels with
/// syscall wrappers (all supported architectures since Linux 4.17-5.x).
fn syscall_prefix() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "__x64_sys_",
        "x86" => "__ia32_sys_",
        "aarch64" => "__arm64_sys_",
        "s390x" => "__s390x_sys_",
        "riscv64" => "__riscv_sys_",
        "powerpc64" => "sys_",
        _ => "sys_",
    }
}

/// Whether the kernel was built with kprobes at all (its symbol table has
/// `register_kprobe`), to say which option is missing.
pub(crate) fn kernel_has_kprobes() -> Option<bool> {
    let text = std::fs::read_to_string("/proc/kallsyms").ok()?;
    Some(text.lines().any(|l| l.ends_with(" register_kprobe")))
}

impl Program {
    /// Fails for a program loaded for a multi link (`kprobe.multi`,
    /// `uprobe.multi`...), which the kernel does not run on a perf event.
    fn expect_single_probe(&self, method: &str) -> Result<()> {
        match self.def.kind.expected_attach_type {
            Some(t) if t != 0 => Err(Error::invalid(
                self.subject(),
                format!(
                    "{method} needs a single-probe program; section `{}` loads it for a multi \
                     link: use attach_kprobe_multi or attach_uprobe_multi",
                    self.section()
                ),
            )),
            _ => Ok(()),
        }
    }

    fn retprobe_from_section(&self, explicit: Option<bool>) -> bool {
        explicit.unwrap_or_else(|| {
            let s = self.section().trim_start_matches('?');
            ["kretprobe", "kretsyscall", "uretprobe"]
                .iter()
                .any(|p| s.starts_with(p))
        })
    }

    /// Attaches a kprobe program to kernel function `symbol` at `offset`
    /// (a kretprobe if the section says `kretprobe`).
    pub fn attach_kprobe(&self, symbol: &str, offset: u64) -> Result<Link> {
        self.attach_kprobe_with(symbol, offset, &KprobeOptions::default())
    }

    /// [`attach_kprobe`](Self::attach_kprobe) with options.
    pub fn attach_kprobe_with(
        &self,
        symbol: &str,
        offset: u64,
        opts: &KprobeOptions,
    ) -> Result<Link> {
        self.expect_type("attach_kprobe", &[prog_type::KPROBE])?;
        self.expect_single_probe("attach_kprobe")?;
        let retprobe = self.retprobe_from_section(opts.retprobe);
        let kind = if retprobe { "kretprobe" } else { "kprobe" };
        let what = format!("`{}` on {kind} {symbol}+0x{offset:x}", self.name());
        let pmu = perf_event::pmu("kprobe").map_err(|e| {
            Error::syscall(
                "reading the kprobe PMU",
                Subject::File("/sys/bus/event_source".into()),
                e,
            )
        })?;
        let Some(pmu) = pmu else {
            let why = match kernel_has_kprobes() {
                Some(true) => {
                    "this kernel has kprobes but no kprobe PMU \
                               (/sys/bus/event_source/devices/kprobe): it is built without \
                               CONFIG_KPROBE_EVENTS"
                }
                _ => {
                    "this kernel is built without CONFIG_KPROBES \
                      (no kprobe PMU in /sys/bus/event_source/devices)"
                }
            };
            return Err(Error::HookUnavailable {
                program: self.name().into(),
                hook: "kprobe",
                message: format!("kprobes are not available: {why}"),
            });
        };
        let sym = CString::new(symbol)
            .map_err(|_| Error::invalid(self.subject(), "kprobe symbol contains a NUL byte"))?;
        let config = if retprobe {
            1u64 << pmu.retprobe_bit
        } else {
            0
        };
        let perf = perf_event::Attr::new(pmu.ty, config)
            .config2(offset)
            .open_with_string(&sym, -1, 0)
            .map_err(|e| Error::AttachFailed {
                what: what.clone(),
                op: "perf_event_open",
                reason: match e.raw_os_error() {
                    Some(libc::ENOENT | libc::EINVAL) => format!(
                        "the kernel has no probeable function `{symbol}` (or offset 0x{offset:x} \
                         is not an instruction boundary in it)"
                    ),
                    _ => String::new(),
                },
                source: e,
            })?;
        attach_perf_fd(self, perf, opts.cookie, what)
    }

    /// Attaches a kprobe program to the entry of system call `name`
    /// (`openat`), through its architecture-specific kernel function
    /// (`__x64_sys_openat` on x86-64); a kretprobe if the section says
    /// `kretsyscall`.
    pub fn attach_ksyscall(&self, name: &str) -> Result<Link> {
        self.attach_ksyscall_with(name, &KprobeOptions::default())
    }

    /// [`attach_ksyscall`](Self::attach_ksyscall) with options.
    pub fn attach_ksyscall_with(&self, name: &str, opts: &KprobeOptions) -> Result<Link> {
        let symbol = format!("{}{name}", syscall_prefix());
        self.attach_kprobe_with(&symbol, 0, opts)
    }

    /// Attaches a uprobe program to `target` (a function, resolved in the
    /// ELF symbol tables, or a file offset) in `binary` (an executable or
    /// shared library; a bare name is searched like libbpf does). `pid`
    /// `None` probes every process; a uretprobe if the section says
    /// `uretprobe`.
    pub fn attach_uprobe(
        &self,
        pid: Option<i32>,
        binary: impl AsRef<Path>,
        target: impl Into<UprobeTarget>,
    ) -> Result<Link> {
        self.attach_uprobe_with(pid, binary, target, &UprobeOptions::default())
    }

    /// [`attach_uprobe`](Self::attach_uprobe) with options.
    pub fn attach_uprobe_with(
        &self,
        pid: Option<i32>,
        binary: impl AsRef<Path>,
        target: impl Into<UprobeTarget>,
        opts: &UprobeOptions,
    ) -> Result<Link> {
        self.expect_type("attach_uprobe", &[prog_type::KPROBE])?;
        self.expect_single_probe("attach_uprobe")?;
        let target = target.into();
        let retprobe = self.retprobe_from_section(opts.retprobe);
        let binary = binary.as_ref();
        let kind = if retprobe { "uretprobe" } else { "uprobe" };
        let place = match &target {
            UprobeTarget::Symbol(s, 0) => s.clone(),
            UprobeTarget::Symbol(s, o) => format!("{s}+0x{o:x}"),
            UprobeTarget::Offset(o) => format!("0x{o:x}"),
        };
        let what = format!("`{}` on {kind} {}:{place}", self.name(), binary.display());
        let path = elf::resolve_binary(binary).map_err(|m| Error::invalid(self.subject(), m))?;
        let offset = match &target {
            UprobeTarget::Offset(o) => *o,
            UprobeTarget::Symbol(s, o) => elf::symbol_offset(&path, s, true)
                .map_err(|m| Error::invalid(self.subject(), m))?
                .checked_add(*o)
                .ok_or_else(|| Error::invalid(self.subject(), "uprobe offset overflows"))?,
        };
        if opts.ref_ctr_offset > u64::from(u32::MAX) {
            return Err(Error::invalid(
                self.subject(),
                "ref_ctr_offset does not fit the kernel's 32 bits",
            ));
        }
        let pmu = perf_event::pmu("uprobe")
            .map_err(|e| {
                Error::syscall(
                    "reading the uprobe PMU",
                    Subject::File("/sys/bus/event_source".into()),
                    e,
                )
            })?
            .ok_or_else(|| Error::HookUnavailable {
                program: self.name().into(),
                hook: "uprobe",
                message: "uprobes are not available: this kernel is built without \
                          CONFIG_UPROBE_EVENTS (no uprobe PMU in /sys/bus/event_source/devices)"
                    .into(),
            })?;
        let c_path = CString::new(path.as_os_str().as_bytes())
            .map_err(|_| Error::invalid(self.subject(), "binary path contains a NUL byte"))?;
        let mut config = opts.ref_ctr_offset << 32;
        if retprobe {
            config |= 1u64 << pmu.retprobe_bit;
        }
        let (pid, cpu) = match pid {
            Some(p) => (p, -1),
            None => (-1, 0),
        };
        let perf = perf_event::Attr::new(pmu.ty, config)
            .config2(offset)
            .open_with_string(&c_path, pid, cpu)
            .map_err(|e| Error::AttachFailed {
                what: what.clone(),
                op: "perf_event_open",
                reason: match e.raw_os_error() {
                    Some(libc::ESRCH) => format!("no process {pid}"),
                    Some(libc::EINVAL) => format!(
                        "the kernel refused offset 0x{offset:x} in `{}`",
                        path.display()
                    ),
                    _ => String::new(),
                },
                source: e,
            })?;
        attach_perf_fd(self, perf, opts.cookie, what)
    }

    /// Runs the program on a perf event the caller opened (e.g. a software
    /// or hardware event sampled with `sample_period`; see
    /// [`perf_event::open`]). The link holds its own reference to the
    /// event.
    pub fn attach_perf_event(&self, perf_fd: BorrowedFd<'_>) -> Result<Link> {
        self.attach_perf_event_with(perf_fd, 0)
    }

    /// [`attach_perf_event`](Self::attach_perf_event) with a BPF cookie.
    pub fn attach_perf_event_with(&self, perf_fd: BorrowedFd<'_>, cookie: u64) -> Result<Link> {
        self.expect_type(
            "attach_perf_event",
            &[
                prog_type::PERF_EVENT,
                prog_type::KPROBE,
                prog_type::TRACEPOINT,
            ],
        )?;
        let what = format!(
            "`{}` on perf event fd {}",
            self.name(),
            std::os::fd::AsRawFd::as_raw_fd(&perf_fd)
        );
        let own = perf_fd
            .try_clone_to_owned()
            .map_err(|e| Error::syscall("dup (perf event fd)", self.subject(), e))?;
        attach_perf_fd(self, own, cookie, what)
    }
}
