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
//! relocation; no syscalls), [`hash`], [`open`] (settings before load),
//! [`load`] (kernel objects), [`map`] and [`prog`] (loaded handles), [`sys`]
//! (the raw `bpf()` calls).

#![deny(missing_docs)]

pub mod error;
pub mod hash;
pub mod load;
pub mod map;
pub mod mmap;
pub mod obj;
pub mod open;
pub mod perf;
pub mod plain;
pub mod probe;
pub mod prog;
pub mod ringbuf;
pub mod skel;
pub mod sys;

pub use error::{Error, Result};
pub use load::Object;
pub use map::{Map, MapInfo};
pub use obj::ObjectFile;
pub use open::{OpenCore, OpenMap, OpenObject, OpenProgram, DEFAULT_PIN_ROOT};
pub use plain::{Bool, Plain, I128, U128};
pub use prog::{Program, ProgramInfo};
pub use sys::TestRunOutput;
