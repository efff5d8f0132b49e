//! The object model's one error type: what is wrong with an object's
//! bytes, and where.

use std::fmt;

/// A malformed or unsupported BPF object, or a name it does not define.
/// Every variant names the place in the object: a section, symbol, BTF type
/// id or byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// The object uses a feature this crate does not implement.
    Unsupported {
        /// Where in the object.
        location: String,
        /// The feature.
        feature: String,
    },
    /// A map or program name (or index) that the object does not define.
    NotFound {
        /// "map" or "program".
        kind: &'static str,
        /// The name asked for.
        name: String,
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

    /// Where in the object the error is (section, symbol, type or offset),
    /// or the name asked for.
    pub fn location(&self) -> &str {
        match self {
            Error::Malformed { location, .. } | Error::Unsupported { location, .. } => location,
            Error::NotFound { name, .. } => name,
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
        }
    }
}

impl std::error::Error for Error {}

/// The object model's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
