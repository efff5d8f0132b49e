//! The runtime's one error type.
//!
//! Every variant says *what* it is about ([`Subject`]: a map, a program,
//! the object's BTF...) as data a program can match on, keeps the OS error
//! (as [`std::io::Error`], also returned by `source()`) and, for verifier
//! rejections, the kernel's complete log as its own field.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// What an error is about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Subject {
    /// The object as a whole.
    Object,
    /// A map, by its name in the object.
    Map(String),
    /// A program, by its name in the object.
    Program(String),
    /// The object's BTF.
    Btf,
    /// The running kernel (its BTF, its symbols, its features).
    Kernel,
    /// A file: a binary to probe, a tracefs or sysfs file, a pin.
    File(std::path::PathBuf),
    /// A link, by its description (program and hook).
    Link(String),
    /// A kernel feature being probed ("bpf_cookie", "program type 26"...).
    Feature(String),
}

impl Subject {
    /// A map by name.
    pub fn map(name: impl Into<String>) -> Self {
        Subject::Map(name.into())
    }

    /// A program by name.
    pub fn program(name: impl Into<String>) -> Self {
        Subject::Program(name.into())
    }

    /// The map's or program's name, if the subject has one.
    pub fn name(&self) -> Option<&str> {
        match self {
            Subject::Map(n) | Subject::Program(n) => Some(n),
            _ => None,
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Object => f.write_str("the object"),
            Subject::Map(n) => write!(f, "map `{n}`"),
            Subject::Program(n) => write!(f, "program `{n}`"),
            Subject::Btf => f.write_str("the object's BTF"),
            Subject::Kernel => f.write_str("the running kernel"),
            Subject::File(p) => write!(f, "`{}`", p.display()),
            Subject::Link(d) => write!(f, "link {d}"),
            Subject::Feature(name) => write!(f, "kernel feature `{name}`"),
        }
    }
}

/// Where an existing map that an object reuses comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReuseOrigin {
    /// A map pinned at this path (`set_pin_path`, `LIBBPF_PIN_BY_NAME`).
    Pin(PathBuf),
    /// A file descriptor handed in with `reuse_fd`.
    Fd,
}

impl fmt::Display for ReuseOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReuseOrigin::Pin(p) => write!(f, "the map pinned at {}", p.display()),
            ReuseOrigin::Fd => f.write_str("the map given to reuse_fd"),
        }
    }
}

pub use crate::caps::Capability;

/// Everything that can go wrong between reading an object's bytes and
/// holding its maps and programs in the kernel.
///
/// `Debug` prints the same readable text as `Display` (a verifier log on
/// its own lines), so `fn main() -> Result<(), Error>` reports usefully.
#[non_exhaustive]
pub enum Error {
    /// The object's bytes are malformed or use an unsupported feature
    /// (from the object model, which names the section, symbol or offset).
    Object(bpf_skeleton_obj::Error),
    /// A map or program name that the object does not define.
    NotFound(Subject),
    /// A program (or map) needs something this loader or the object cannot
    /// give it. Only that program's load fails; an object whose other
    /// programs are fine still opens, and the program is only a problem
    /// when it is autoloaded.
    Unsupported {
        /// The program or map.
        subject: Subject,
        /// What it needs, and why it cannot have it.
        what: String,
    },
    /// A setting or argument was rejected before any syscall (a
    /// `max_entries` of zero, a program of another object...).
    InvalidArgument {
        /// The map or program it applies to.
        subject: Subject,
        /// Why it was rejected.
        message: String,
    },
    /// A key or value buffer whose length is not the map's: refused before
    /// the kernel could read or write past it.
    SizeMismatch {
        /// The map.
        map: String,
        /// What the buffer holds: "key", "value", "keys", "values".
        what: &'static str,
        /// The length the map needs.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// Another autoloaded program references a map made exclusive to a
    /// different program: the kernel would refuse it with `EACCES`.
    ExclusiveConflict {
        /// The exclusive map.
        map: String,
        /// The program the map is exclusive to.
        designated: String,
        /// The other program that references the map.
        other: String,
    },
    /// A map asked to be exclusive is an existing map (pinned or given to
    /// `reuse_fd`) that could not be proven exclusive to its program. The
    /// kernel cannot make an existing map exclusive, so the load is refused
    /// rather than continuing without exclusivity.
    ExclusiveReuse {
        /// The map.
        map: String,
        /// The program it was asked to be exclusive to.
        program: String,
        /// Where the existing map comes from.
        origin: ReuseOrigin,
        /// Why exclusivity could not be proven.
        reason: String,
    },
    /// An existing map (pinned or given to `reuse_fd`) does not have the
    /// shape the object defines. Checked before the map is used at all.
    ReuseMismatch {
        /// The map.
        map: String,
        /// Where the existing map comes from.
        origin: ReuseOrigin,
        /// The attribute that differs: "type", "key size", "value size",
        /// "max entries", "flags" or "map_extra".
        field: &'static str,
        /// The object's value.
        expected: u64,
        /// The existing map's value.
        found: u64,
    },
    /// The instructions about to be submitted do not hash to the digest an
    /// exclusive map was created with (or that `hash()` reported): refused
    /// before `BPF_PROG_LOAD`.
    DigestMismatch {
        /// The program.
        program: String,
        /// The digest reported and used for exclusive maps.
        expected: [u8; 32],
        /// The digest of the instructions that would be submitted.
        submitted: [u8; 32],
    },
    /// A system call failed.
    Syscall {
        /// What was being done, e.g. "BPF_MAP_CREATE".
        op: &'static str,
        /// What it was done for.
        subject: Subject,
        /// The OS error.
        source: io::Error,
    },
    /// The kernel refused an operation (`EPERM`/`EACCES`) and this thread
    /// lacks the capability it needs: not a verifier rejection.
    MissingCapability {
        /// What was being done.
        op: &'static str,
        /// What it was done for.
        subject: Subject,
        /// The capability missing from the thread's effective set.
        capability: Capability,
        /// The OS error.
        source: io::Error,
    },
    /// The verifier (or BTF checker) rejected a program or the object's
    /// BTF. `log` is the kernel's complete log.
    Verifier {
        /// The program (or the object's BTF).
        subject: Subject,
        /// The errno returned by `BPF_PROG_LOAD` / `BPF_BTF_LOAD`.
        source: io::Error,
        /// The kernel's full log.
        log: String,
    },
    /// Reading or removing a file failed.
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The hook a program would attach to does not exist on this kernel
    /// (or this kernel refuses it); `message` says which and why, e.g.
    /// "kprobes are not available: this kernel is built without
    /// CONFIG_KPROBES".
    HookUnavailable {
        /// The program.
        program: String,
        /// The hook family ("kprobe", "tracepoint", "BPF trampoline"...).
        hook: &'static str,
        /// Which hook is missing and why.
        message: String,
    },
    /// Attaching a program (or changing a link) failed in the kernel.
    AttachFailed {
        /// The program and its target, e.g. "`count` on XDP ifindex 3".
        what: String,
        /// The call that failed, e.g. "BPF_LINK_CREATE".
        op: &'static str,
        /// What the error means here (may be empty).
        reason: String,
        /// The OS error.
        source: io::Error,
    },
    /// The running kernel lacks a feature that the object or a setting
    /// needs; found by [`crate::probe`] before any map or pin was created.
    KernelLacks {
        /// What was asked for, e.g. "map `counts` exclusive to program
        /// `count_packets`".
        requested: String,
        /// The kernel feature, e.g. "exclusive maps".
        feature: &'static str,
        /// The first Linux version that has it, e.g. "6.18".
        minimum: &'static str,
        /// The running kernel's release (`uname -r`).
        kernel: String,
    },
}

impl Error {
    pub(crate) fn invalid(subject: Subject, message: impl Into<String>) -> Self {
        Error::InvalidArgument {
            subject,
            message: message.into(),
        }
    }

    /// A failed syscall. `EPERM`/`EACCES` while this thread lacks the
    /// capability `op` needs become [`Error::MissingCapability`].
    pub(crate) fn syscall(op: &'static str, subject: Subject, source: io::Error) -> Self {
        match crate::caps::missing_for(op, None, &source) {
            Some(capability) => Error::MissingCapability {
                op,
                subject,
                capability,
                source,
            },
            None => Error::Syscall {
                op,
                subject,
                source,
            },
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// The OS error behind a failed syscall, capability check or verifier
    /// rejection.
    pub fn os_error(&self) -> Option<&io::Error> {
        match self {
            Error::Syscall { source, .. }
            | Error::MissingCapability { source, .. }
            | Error::Verifier { source, .. }
            | Error::Io { source, .. }
            | Error::AttachFailed { source, .. } => Some(source),
            _ => None,
        }
    }

    /// The OS error number behind a failed syscall or verifier rejection.
    pub fn raw_os_error(&self) -> Option<i32> {
        self.os_error().and_then(io::Error::raw_os_error)
    }

    /// The kernel's verifier log, for a verifier rejection.
    pub fn verifier_log(&self) -> Option<&str> {
        match self {
            Error::Verifier { log, .. } => Some(log),
            _ => None,
        }
    }

    /// What the error is about, where it is about one map, program or the
    /// kernel.
    pub fn subject(&self) -> Option<Subject> {
        match self {
            Error::NotFound(s)
            | Error::InvalidArgument { subject: s, .. }
            | Error::Unsupported { subject: s, .. }
            | Error::Syscall { subject: s, .. }
            | Error::MissingCapability { subject: s, .. }
            | Error::Verifier { subject: s, .. } => Some(s.clone()),
            Error::SizeMismatch { map, .. }
            | Error::ExclusiveConflict { map, .. }
            | Error::ExclusiveReuse { map, .. }
            | Error::ReuseMismatch { map, .. } => Some(Subject::Map(map.clone())),
            Error::DigestMismatch { program, .. } | Error::HookUnavailable { program, .. } => {
                Some(Subject::Program(program.clone()))
            }
            _ => None,
        }
    }
}

fn hex8(d: &[u8; 32]) -> String {
    d.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Object(e) => e.fmt(f),
            Error::NotFound(Subject::Map(n)) => write!(f, "the object has no map named `{n}`"),
            Error::NotFound(Subject::Program(n)) => {
                write!(f, "the object has no program named `{n}`")
            }
            Error::NotFound(s) => write!(f, "{s} not found"),
            Error::InvalidArgument { subject, message } => write!(f, "{subject}: {message}"),
            Error::Unsupported { subject, what } => write!(f, "{subject} cannot be loaded: {what}"),
            Error::SizeMismatch {
                map,
                what,
                expected,
                found,
            } => write!(
                f,
                "map `{map}`: the {what} buffer is {found} bytes, the map's {what} are {expected} bytes"
            ),
            Error::ExclusiveConflict {
                map,
                designated,
                other,
            } => write!(
                f,
                "map `{map}` is exclusive to program `{designated}`, but program `{other}` \
                 also uses it and would be refused by the kernel; disable its autoload or \
                 make the map exclusive to it instead"
            ),
            Error::ExclusiveReuse {
                map,
                program,
                origin,
                reason,
            } => write!(
                f,
                "map `{map}` was asked to be exclusive to program `{program}`, but it is \
                 {origin}, an existing map, and the kernel cannot make an existing map \
                 exclusive: {reason}. Remove the pin (or do not reuse the fd) so that the \
                 map is created exclusive, or do not ask for exclusivity"
            ),
            Error::ReuseMismatch {
                map,
                origin,
                field,
                expected,
                found,
            } => write!(
                f,
                "map `{map}`: {origin} has {field} {found:#x}, the object defines {expected:#x}"
            ),
            Error::DigestMismatch {
                program,
                expected,
                submitted,
            } => write!(
                f,
                "program `{program}`: the instructions to submit hash to {}..., not to the \
                 digest {}... reported by hash() and given to its exclusive maps; refusing \
                 to load a program no exclusive map names",
                hex8(submitted),
                hex8(expected)
            ),
            Error::Syscall {
                op,
                subject,
                source,
            } => write!(f, "{op} failed for {subject}: {source}"),
            Error::MissingCapability {
                op,
                subject,
                capability,
                source,
            } => write!(
                f,
                "{op} failed for {subject}: {source}: this thread lacks {capability} \
                 (run as root or grant the capability)"
            ),
            Error::Verifier {
                subject,
                source,
                log,
            } => {
                write!(f, "the kernel rejected {subject}: {source}")?;
                if log.trim().is_empty() {
                    write!(f, " (empty verifier log)")
                } else {
                    write!(f, "\nverifier log:\n{}", log.trim_end())
                }
            }
            Error::Io { path, source } => write!(f, "`{}`: {source}", path.display()),
            Error::HookUnavailable {
                program, message, ..
            } => write!(f, "`{program}`: {message}"),
            Error::AttachFailed {
                what,
                op,
                reason,
                source,
            } => {
                write!(f, "attaching {what} failed: {op}: {source}")?;
                if reason.is_empty() {
                    Ok(())
                } else {
                    write!(f, ": {reason}")
                }
            }
            Error::KernelLacks {
                requested,
                feature,
                minimum,
                kernel,
            } => write!(
                f,
                "{requested}: this kernel (Linux {kernel}) has no {feature}, \
                 which need Linux {minimum} or later"
            ),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Object(e) => Some(e),
            _ => self
                .os_error()
                .map(|e| e as &(dyn std::error::Error + 'static)),
        }
    }
}

impl From<bpf_skeleton_obj::Error> for Error {
    fn from(e: bpf_skeleton_obj::Error) -> Self {
        Error::Object(e)
    }
}

/// The runtime's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
