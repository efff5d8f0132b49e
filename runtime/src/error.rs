//! The runtime's one error type.

use std::fmt;
use std::io;

/// Everything that can go wrong between reading an object's bytes and
/// holding its maps and programs in the kernel.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The object is malformed. `location` names the section, symbol or
    /// offset; `message` says what is wrong there.
    Malformed {
        /// Where in the object, e.g. "section `xdp`, offset 0x48".
        location: String,
        /// What is wrong.
        message: String,
    },
    /// The object uses a feature this loader does not implement.
    Unsupported {
        /// Where in the object.
        location: String,
        /// The feature.
        feature: String,
    },
    /// A map or program name that the object does not define.
    NotFound {
        /// "map" or "program".
        kind: &'static str,
        /// The name asked for.
        name: String,
    },
    /// A setting or argument was rejected before any syscall (a
    /// `max_entries` of zero, a key of the wrong size, a program of another
    /// object...).
    InvalidArgument {
        /// The map or program it applies to.
        target: String,
        /// Why it was rejected.
        message: String,
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
    /// A `bpf()` syscall (or another system call) failed.
    Syscall {
        /// What was being done, e.g. "BPF_MAP_CREATE".
        op: &'static str,
        /// The object it was done for (map or program name), may be empty.
        target: String,
        /// The OS error.
        source: io::Error,
    },
    /// The verifier (or BTF checker) rejected a program or the object's BTF.
    /// `log` is the kernel's complete log.
    Verifier {
        /// The program (or "BTF").
        target: String,
        /// The errno returned by `BPF_PROG_LOAD` / `BPF_BTF_LOAD`.
        source: io::Error,
        /// The kernel's full log.
        log: String,
    },
    /// Reading the object file failed.
    Io {
        /// The path.
        path: String,
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
    pub(crate) fn malformed(location: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Malformed {
            location: location.into(),
            message: message.into(),
        }
    }

    pub(crate) fn unsupported(location: impl Into<String>, feature: impl Into<String>) -> Self {
        Error::Unsupported {
            location: location.into(),
            feature: feature.into(),
        }
    }

    pub(crate) fn invalid(target: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidArgument {
            target: target.into(),
            message: message.into(),
        }
    }

    pub(crate) fn syscall(op: &'static str, target: impl Into<String>, source: io::Error) -> Self {
        Error::Syscall {
            op,
            target: target.into(),
            source,
        }
    }

    /// The OS error number behind a failed syscall or verifier rejection.
    pub fn raw_os_error(&self) -> Option<i32> {
        match self {
            Error::Syscall { source, .. }
            | Error::Verifier { source, .. }
            | Error::Io { source, .. } => source.raw_os_error(),
            _ => None,
        }
    }

    /// The kernel's verifier log, for a verifier rejection.
    pub fn verifier_log(&self) -> Option<&str> {
        match self {
            Error::Verifier { log, .. } => Some(log),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Malformed { location, message } => {
                write!(f, "malformed BPF object: {location}: {message}")
            }
            Error::Unsupported { location, feature } => {
                write!(f, "unsupported in BPF object: {location}: {feature}")
            }
            Error::NotFound { kind, name } => write!(f, "the object has no {kind} named `{name}`"),
            Error::InvalidArgument { target, message } => write!(f, "`{target}`: {message}"),
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
            Error::Syscall { op, target, source } => {
                if target.is_empty() {
                    write!(f, "{op} failed: {source}")
                } else {
                    write!(f, "{op} failed for `{target}`: {source}")
                }
            }
            Error::Verifier {
                target,
                source,
                log,
            } => {
                write!(f, "the kernel rejected `{target}`: {source}")?;
                if log.trim().is_empty() {
                    write!(f, " (empty verifier log)")
                } else {
                    write!(f, "\nverifier log:\n{}", log.trim_end())
                }
            }
            Error::Io { path, source } => write!(f, "cannot read `{path}`: {source}"),
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

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Syscall { source, .. }
            | Error::Verifier { source, .. }
            | Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The runtime's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
