//! `bpf-skeleton`: typed BPF skeletons generated at compile time, loaded by
//! a pure-Rust runtime, with the kernel's exclusive maps (Linux 6.18).
//!
//! ```no_run
//! use bpf_skeleton::bpf_skeleton;
//!
//! /// The README's counter.
//! #[bpf_skeleton("tests/bpf/counter.bpf.o")]
//! pub struct Counter;
//!
//! # fn main() -> Result<(), bpf_skeleton::Error> {
//! let mut open = Counter::open()?;
//! open.maps.counts.set_exclusive(&open.progs.count_packets);
//! let skel = open.load()?;
//! let digest: [u8; 32] = skel.progs.count_packets.hash();
//! # Ok(()) }
//! ```
//!
//! See [`macro@bpf_skeleton`] for what is generated, with a complete
//! example, and [`runtime`] for the by-name API ([`OpenObject`],
//! [`Object`]) and the typed handles.

#![deny(missing_docs)]

/// Generates a typed skeleton for a clang-compiled BPF object: typed maps,
/// programs and global variables, checked at compile time.
///
/// # Example
///
/// A complete example, compiled and run as a doctest against the committed
/// object `tests/bpf/counter.bpf.o` (in your crate the path is relative to
/// your `Cargo.toml`, e.g. `"bpf/counter.bpf.o"`):
///
/// ```
/// use bpf_skeleton::bpf_skeleton;
///
/// /// Counts packets per protocol class; `debug_only` is not autoloaded.
/// #[bpf_skeleton("tests/bpf/counter.bpf.o")]
/// pub struct Counter;
///
/// fn main() -> Result<(), bpf_skeleton::Error> {
///     // Parsed and relocated; nothing is in the kernel yet.
///     let mut open = Counter::open()?;
///     // Open-time settings: exclusivity, globals, autoload, sizes.
///     open.maps.counts.set_exclusive(&open.progs.count_packets);
///     open.rodata.slot = 2;
///     assert!(!open.progs.debug_only.autoload());
///     // The digest the kernel will compute, known before load.
///     let digest = open.progs.count_packets.hash();
///
///     // Maps created (`counts` exclusive to `count_packets`), programs
///     // verified and loaded.
///     let skel = open.load()?;
///     assert_eq!(skel.progs.count_packets.hash(), digest);
///     // On Linux 6.18+ the kernel's prog tag is `digest[..8]`.
///     let tag = &digest[..8];
///     assert_eq!(tag.len(), 8);
///
///     // Run the XDP program once on a 64-byte packet: it counts into
///     // slot `rodata.slot` of `counts` and bumps `packets_seen` in `.bss`.
///     let out = skel.progs.count_packets.test_run(&[0u8; 64])?;
///     assert_eq!(out.retval, 2); // XDP_PASS
///     assert_eq!(skel.maps.counts.lookup(&2)?, Some(1));
///     assert_eq!(skel.bss.packets_seen(), 1);
///     assert_eq!(skel.rodata.slot(), 2);
///     for entry in skel.maps.counts.iter() {
///         let (slot, count) = entry?;
///         assert_eq!(count, u64::from(slot == 2));
///     }
///     // `debug_only` was not loaded: it has a digest but no fd.
///     assert!(skel.progs.debug_only.fd().is_none());
///     Ok(())
/// }
/// ```
#[doc(inline)]
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
