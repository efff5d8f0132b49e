//! `bpf-skeleton`: typed BPF skeletons generated at compile time, loaded by
//! a pure-Rust runtime, with the kernel's exclusive maps.

#![deny(missing_docs)]

pub use bpf_skeleton_runtime as runtime;
pub use bpf_skeleton_runtime::{Error, Map, Object, OpenObject, Program, Result};
