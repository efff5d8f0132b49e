//! The pure-Rust runtime behind `bpf-skeleton`: parses clang-compiled BPF
//! objects, relocates their programs, computes each program's SHA-256
//! digest exactly as the kernel does, creates maps (optionally exclusive to
//! one program, Linux 6.18) and loads programs with the `bpf()` syscall.
//! No libbpf, no C.
//!
//! ```no_run
//! use bpf_skeleton_runtime::OpenObject;
//! # fn main() -> Result<(), bpf_skeleton_runtime::Error> {
//! let mut open = OpenObject::from_file("counter.bpf.o")?;
//! open.set_exclusive("counts", "count_packets")?;
//! let obj = open.load()?;
//! let prog = obj.program("count_packets")?;
//! println!("{}", bpf_skeleton_runtime::hash::hex(&prog.hash()));
//! # Ok(()) }
//! ```
//!
//! The layers, in the order data flows: [`obj`] (bytes to object model,
//! relocation; no syscalls; its own crate), [`hash`], [`kernel_btf`] (the
//! running kernel's BTF), [`open`] (settings before load), [`load`] (kernel
//! objects; [`struct_ops`] builds the kernel value of struct_ops maps and
//! registers them), [`map`] and [`prog`] (loaded handles); then [`attach`]
//! (programs to hooks, giving a [`link::Link`]) with [`perf_event`] under
//! it; [`ringbuf`] and [`perf`] consume what programs write, [`user_ringbuf`]
//! produces what they drain. Skeletons use [`skel`] (typed handles) and [`global`] (global
//! variables, through [`mmap`]). The raw `bpf()` calls live in a private
//! `sys` module: every public function checks buffer lengths against the
//! map's real sizes before the kernel sees a pointer.

#![deny(missing_docs)]

pub mod attach;
mod caps;
mod core_failure;
pub mod error;
pub mod externs;
pub mod global;
pub mod kernel_btf;
pub mod link;
pub mod load;
pub mod map;
pub mod mmap;
mod netlink;
pub mod open;
pub mod options;
pub mod perf;
pub mod perf_event;
pub mod plain;
pub mod probe;
pub mod prog;
pub mod ringbuf;
pub mod skel;
pub mod struct_ops;
mod sys;
pub mod user_ringbuf;

pub use attach::{
    AutoAttach, Iter, IterTarget, KprobeMultiOptions, KprobeMultiTarget, KprobeOptions, TcOptions,
    TcxDirection, TraceOptions, TracepointOptions, UprobeMultiOptions, UprobeMultiTarget,
    UprobeOptions, UprobeTarget, XdpFlags,
};
/// The object model (bytes to relocated programs, no syscalls), from the
/// `bpf-skeleton-obj` crate.
pub use bpf_skeleton_obj as obj;
/// The kernel's program digest, from the `bpf-skeleton-obj` crate.
pub use bpf_skeleton_obj::hash;
pub use error::{Capability, Error, Result, ReuseOrigin, Subject};
pub use link::{Link, LinkInfo};
pub use load::Object;
pub use map::{Map, MapInfo, MapSpec};
pub use obj::ObjectFile;
pub use open::{OpenCore, OpenMap, OpenObject, OpenProgram, DEFAULT_PIN_ROOT};
pub use options::OpenOptions;
pub use plain::{Bool, Plain, I128, U128};
pub use prog::{Program, ProgramInfo, RawProgram, TestRunOutput};
pub use sys::{online_cpus, page_size, possible_cpus};
