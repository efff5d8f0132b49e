//! `bpf-skeleton`: typed BPF skeletons generated at compile time, loaded by
//! a pure-Rust runtime, with the kernel's exclusive maps (Linux 6.18).
//!
//! ```ignore
//! use bpf_skeleton::bpf_skeleton;
//!
//! #[bpf_skeleton("bpf/counter.bpf.o")]
//! pub struct Counter;
//!
//! let mut open = Counter::open()?;
//! open.maps.counts.set_exclusive(&open.progs.count_packets);
//! let skel = open.load()?;
//! let digest: [u8; 32] = skel.progs.count_packets.hash();
//! ```
//!
//! See [`macro@bpf_skeleton`] for what is generated, and [`runtime`] for the
//! by-name API.

#![deny(missing_docs)]

pub use bpf_skeleton_macros::bpf_skeleton;
/// The runtime (the `bpf-skeleton-runtime` crate): the by-name API
/// ([`OpenObject`], [`Object`]), the typed handles generated skeletons use
/// ([`runtime::skel`]) and the live global views ([`runtime::global`]).
///
/// A real module rather than a renamed crate re-export, so that the
/// compiler's messages print its types under a path users can write
/// (`bpf_skeleton::runtime::skel::Map`), not under the runtime crate's own
/// name.
pub mod runtime {
    #[doc(inline)]
    pub use bpf_skeleton_runtime::*;
}
pub use bpf_skeleton_runtime::{Error, Map, Object, OpenObject, Program, Result};
