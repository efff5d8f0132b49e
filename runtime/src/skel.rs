//! Typed handles for generated skeletons.
//!
//! Each handle carries the skeleton type `S` it belongs to, so that the
//! compiler rejects mixing skeletons: [`OpenMap::set_exclusive`] takes only
//! an [`OpenProgram<S>`] of the same skeleton. Open handles exist only
//! before load and loaded handles only after, so a method that is valid in
//! one state does not exist in the other.
//!
//! `S` appears only as `PhantomData<fn() -> S>`: it does not affect
//! `Send`/`Sync`, which follow from the owned fields (file descriptors and
//! plain data), so skeletons are `Send + Sync` with no `unsafe impl`.

use std::fmt;
use std::marker::PhantomData;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use crate::error::{Error, Result};
use crate::open::{OpenCore, OpenObject};
use crate::sys::TestRunOutput;
use crate::{map, open, prog, Object};

type Marker<S> = PhantomData<fn() -> S>;

/// A map of skeleton `S` before load.
pub struct OpenMap<S> {
    inner: open::OpenMap,
    _skel: Marker<S>,
}

/// A global-data map (`.data`, `.rodata`, `.bss`, custom sections) of
/// skeleton `S` before load. It always has exactly one entry, so it has no
/// `set_max_entries`.
pub struct OpenDataMap<S> {
    inner: open::OpenMap,
    _skel: Marker<S>,
}

/// A program of skeleton `S` before load.
pub struct OpenProgram<S> {
    inner: open::OpenProgram,
    _skel: Marker<S>,
}

/// A created map of skeleton `S`.
pub struct Map<S> {
    inner: map::Map,
    _skel: Marker<S>,
}

/// A program of loaded skeleton `S`.
pub struct Program<S> {
    inner: prog::Program,
    _skel: Marker<S>,
}

macro_rules! debug_via_inner {
    ($($t:ident),*) => {$(
        impl<S> fmt::Debug for $t<S> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.inner.fmt(f)
            }
        }
    )*};
}
debug_via_inner!(OpenMap, OpenDataMap, OpenProgram, Map, Program);

impl<S> OpenMap<S> {
    /// The map's name in the object.
    pub fn name(&self) -> &str {
        self.inner.name()
    }

    /// Makes this map exclusive to `prog`, a program of the same skeleton:
    /// at load the map is created with the program's hash and the kernel
    /// refuses every other program that references it. A second call
    /// replaces the first. Loading fails before any syscall if another
    /// autoloaded program uses the map.
    pub fn set_exclusive(&mut self, prog: &OpenProgram<S>) {
        self.inner
            .set_exclusive_by_index(prog.inner.index, prog.inner.name());
    }

    /// The maximum number of entries the map will be created with.
    pub fn max_entries(&self) -> u32 {
        self.inner.max_entries()
    }

    /// Changes the number of entries (for ring buffers, the size in bytes).
    /// `load()` refuses 0 before any syscall.
    pub fn set_max_entries(&mut self, n: u32) {
        self.inner.set_max_entries_deferred(n);
    }

    /// Uses an existing map instead of creating one (see
    /// [`crate::OpenMap::reuse_fd`]).
    pub fn reuse_fd(&mut self, fd: impl AsFd) -> Result<()> {
        self.inner.reuse_fd(fd)
    }
}

impl<S> OpenDataMap<S> {
    /// The section's name (`.rodata`, `.data.custom`...).
    pub fn name(&self) -> &str {
        self.inner.name()
    }

    /// Makes this map exclusive to `prog`, a program of the same skeleton:
    /// at load the map is created with the program's hash and the kernel
    /// refuses every other program that references it. A second call
    /// replaces the first. Loading fails before any syscall if another
    /// autoloaded program uses the map.
    pub fn set_exclusive(&mut self, prog: &OpenProgram<S>) {
        self.inner
            .set_exclusive_by_index(prog.inner.index, prog.inner.name());
    }

    /// The section's initial contents, written into the map at load (an
    /// untouched `.bss` reads as zeroes).
    pub fn initial_value(&self) -> std::borrow::Cow<'_, [u8]> {
        self.inner.initial_value().unwrap_or_default()
    }

    /// The section's initial contents, mutably: set configuration in
    /// `const volatile` `.rodata` variables here before load.
    pub fn initial_value_mut(&mut self) -> &mut [u8] {
        self.inner.initial_value_mut().unwrap_or_default()
    }
}

/// Accessors shared by both open map types.
macro_rules! open_map_common {
    ($($t:ident),*) => {$(
        impl<S> $t<S> {
            /// Removes any exclusivity.
            pub fn clear_exclusive(&mut self) {
                self.inner.clear_exclusive();
            }

            /// The program this map will be exclusive to, if any.
            pub fn exclusive_program(&self) -> Option<&str> {
                self.inner.exclusive_program()
            }

            /// The untyped open map.
            pub fn raw(&self) -> &open::OpenMap {
                &self.inner
            }

            /// The untyped open map, mutably.
            pub fn raw_mut(&mut self) -> &mut open::OpenMap {
                &mut self.inner
            }
        }
    )*};
}
open_map_common!(OpenMap, OpenDataMap);

impl<S> OpenProgram<S> {
    /// The program's name in the object.
    pub fn name(&self) -> &str {
        self.inner.name()
    }

    /// Whether `load()` loads it.
    pub fn autoload(&self) -> bool {
        self.inner.autoload()
    }

    /// Includes or excludes the program from loading.
    pub fn set_autoload(&mut self, autoload: bool) {
        self.inner.set_autoload(autoload);
    }

    /// The SHA-256 digest the kernel will compute for this program.
    pub fn hash(&self) -> [u8; 32] {
        self.inner.hash()
    }

    /// The untyped open program.
    pub fn raw(&self) -> &open::OpenProgram {
        &self.inner
    }
}

impl<S> Map<S> {
    /// The map's name in the object.
    pub fn name(&self) -> &str {
        self.inner.name()
    }

    /// The program this map was created exclusive to, if any.
    pub fn exclusive_program(&self) -> Option<&str> {
        self.inner.exclusive_program()
    }

    /// The untyped map, with raw-byte lookup, update, delete and iteration.
    pub fn raw(&self) -> &map::Map {
        &self.inner
    }

    /// Freezes the map against writes from user space.
    pub fn freeze(&self) -> Result<()> {
        self.inner.freeze()
    }
}

impl<S> AsFd for Map<S> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl<S> Program<S> {
    /// The program's name in the object.
    pub fn name(&self) -> &str {
        self.inner.name()
    }

    /// The SHA-256 digest of the program, equal to the kernel's.
    pub fn hash(&self) -> [u8; 32] {
        self.inner.hash()
    }

    /// Whether it was loaded (its autoload was on).
    pub fn is_loaded(&self) -> bool {
        self.inner.is_loaded()
    }

    /// Its fd, `None` if it was not loaded.
    pub fn fd(&self) -> Option<BorrowedFd<'_>> {
        self.inner.fd()
    }

    /// Runs it once on `data` with `BPF_PROG_TEST_RUN`.
    pub fn test_run(&self, data: &[u8]) -> Result<TestRunOutput> {
        self.inner.test_run(data)
    }

    /// The untyped program.
    pub fn raw(&self) -> &prog::Program {
        &self.inner
    }
}

impl<S> AsFd for Program<S> {
    /// # Panics
    /// If the program was not loaded because its autoload was disabled;
    /// [`Program::fd`] returns an `Option` instead.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

fn mismatch(kind: &str, index: usize, name: &str) -> Error {
    Error::invalid(
        name,
        format!(
            "the embedded object has no {kind} #{index} named `{name}`: it changed \
             since the skeleton was generated; rebuild"
        ),
    )
}

/// The parts of an open object, taken one by one by generated `open()`.
#[doc(hidden)]
#[derive(Debug)]
pub struct OpenParts {
    core: OpenCore,
    maps: Vec<Option<open::OpenMap>>,
    progs: Vec<Option<open::OpenProgram>>,
}

impl OpenParts {
    /// Splits an open object.
    pub fn new(obj: OpenObject) -> Self {
        let (core, maps, progs) = obj.into_parts();
        OpenParts {
            core,
            maps: maps.into_iter().map(Some).collect(),
            progs: progs.into_iter().map(Some).collect(),
        }
    }

    /// Takes map `index`, checking its name.
    pub fn map<S>(&mut self, index: usize, name: &str) -> Result<OpenMap<S>> {
        match self.maps.get_mut(index).and_then(Option::take) {
            Some(inner) if inner.name() == name => Ok(OpenMap {
                inner,
                _skel: PhantomData,
            }),
            _ => Err(mismatch("map", index, name)),
        }
    }

    /// Takes global-data map `index`, checking its name and kind.
    pub fn data_map<S>(&mut self, index: usize, name: &str) -> Result<OpenDataMap<S>> {
        match self.maps.get_mut(index).and_then(Option::take) {
            Some(inner) if inner.name() == name && inner.def().is_data() => Ok(OpenDataMap {
                inner,
                _skel: PhantomData,
            }),
            _ => Err(mismatch("data map", index, name)),
        }
    }

    /// Takes program `index`, checking its name.
    pub fn program<S>(&mut self, index: usize, name: &str) -> Result<OpenProgram<S>> {
        match self.progs.get_mut(index).and_then(Option::take) {
            Some(inner) if inner.name() == name => Ok(OpenProgram {
                inner,
                _skel: PhantomData,
            }),
            _ => Err(mismatch("program", index, name)),
        }
    }

    /// The shared core, once every map and program was taken.
    pub fn finish(self) -> Result<OpenCore> {
        if self.maps.iter().any(Option::is_some) || self.progs.iter().any(Option::is_some) {
            return Err(Error::invalid(
                "skeleton",
                "the embedded object has more maps or programs than the skeleton: rebuild",
            ));
        }
        Ok(self.core)
    }
}

/// Reassembles and loads an open object from typed parts.
#[doc(hidden)]
pub fn load_parts(
    core: OpenCore,
    maps: Vec<open::OpenMap>,
    progs: Vec<open::OpenProgram>,
) -> Result<LoadedParts> {
    let obj = OpenObject::from_parts(core, maps, progs)?.load()?;
    Ok(LoadedParts::new(obj))
}

/// Unwraps a typed open map (for generated `load()`).
#[doc(hidden)]
pub fn open_map_inner<S>(m: OpenMap<S>) -> open::OpenMap {
    m.inner
}

/// Unwraps a typed open data map (for generated `load()`).
#[doc(hidden)]
pub fn open_data_map_inner<S>(m: OpenDataMap<S>) -> open::OpenMap {
    m.inner
}

/// Unwraps a typed open program (for generated `load()`).
#[doc(hidden)]
pub fn open_program_inner<S>(p: OpenProgram<S>) -> open::OpenProgram {
    p.inner
}

/// The parts of a loaded object, taken one by one by generated `load()`.
#[doc(hidden)]
#[derive(Debug)]
pub struct LoadedParts {
    maps: Vec<Option<map::Map>>,
    progs: Vec<Option<prog::Program>>,
    btf: Option<OwnedFd>,
}

impl LoadedParts {
    fn new(obj: Object) -> Self {
        let (maps, progs, btf) = obj.into_parts();
        LoadedParts {
            maps: maps.into_iter().map(Some).collect(),
            progs: progs.into_iter().map(Some).collect(),
            btf,
        }
    }

    /// Takes map `index`, checking its name.
    pub fn map<S>(&mut self, index: usize, name: &str) -> Result<Map<S>> {
        match self.maps.get_mut(index).and_then(Option::take) {
            Some(inner) if inner.name() == name => Ok(Map {
                inner,
                _skel: PhantomData,
            }),
            _ => Err(mismatch("map", index, name)),
        }
    }

    /// Takes program `index`, checking its name.
    pub fn program<S>(&mut self, index: usize, name: &str) -> Result<Program<S>> {
        match self.progs.get_mut(index).and_then(Option::take) {
            Some(inner) if inner.name() == name => Ok(Program {
                inner,
                _skel: PhantomData,
            }),
            _ => Err(mismatch("program", index, name)),
        }
    }

    /// The object's BTF fd, kept alive by the skeleton.
    pub fn btf(&mut self) -> Option<OwnedFd> {
        self.btf.take()
    }
}
