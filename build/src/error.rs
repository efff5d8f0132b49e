//! The build crate's one error type.

use std::fmt;
use std::path::PathBuf;

/// What went wrong compiling BPF C or writing `vmlinux.h`.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The BTF blob is malformed or unsupported.
    Btf(bpf_skeleton_obj::Error),
    /// A BTF type the C header writer cannot express.
    Header {
        /// The BTF type id.
        id: u32,
        /// What is wrong with it.
        message: String,
    },
    /// Reading or writing a file failed.
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// No clang that targets BPF was found.
    NoClang {
        /// The candidates tried, with why each was refused.
        tried: Vec<String>,
    },
    /// The Rust target is big-endian; bpf-skeleton parses only
    /// little-endian (`bpfel`) objects.
    BigEndian {
        /// `CARGO_CFG_TARGET_ENDIAN` / `CARGO_CFG_TARGET_ARCH`.
        target: String,
    },
    /// A required environment variable (set by cargo for build scripts)
    /// is missing.
    Env {
        /// The variable.
        var: &'static str,
    },
    /// clang (or llvm-strip) failed on a source.
    Compile {
        /// The `.bpf.c` source.
        source_file: PathBuf,
        /// The command line.
        command: String,
        /// clang's standard error.
        stderr: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Btf(e) => write!(f, "BTF: {e}"),
            Error::Header { id, message } => {
                write!(f, "BTF type [{id}] cannot be written as C: {message}")
            }
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::NoClang { tried } => write!(
                f,
                "no clang that targets BPF was found (set $CLANG, or install the Debian \
                 package `clang-19`: apt-get install clang-19); tried: {}",
                tried.join("; ")
            ),
            Error::BigEndian { target } => write!(
                f,
                "target {target} is big-endian: bpf-skeleton only parses little-endian BPF \
                 objects (bpfel), so BPF C is not compiled for a big-endian target"
            ),
            Error::Env { var } => write!(
                f,
                "environment variable {var} is not set (run from a cargo build script)"
            ),
            Error::Compile {
                source_file,
                command,
                stderr,
            } => write!(
                f,
                "compiling {} failed: {command}\n{stderr}",
                source_file.display()
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Btf(e) => Some(e),
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<bpf_skeleton_obj::Error> for Error {
    fn from(e: bpf_skeleton_obj::Error) -> Self {
        Error::Btf(e)
    }
}

/// This crate's result type.
pub type Result<T> = std::result::Result<T, Error>;
