//! Methods that exist on the wrong state only to say what to do.
//!
//! Open handles and loaded handles have different methods (see the module
//! docs of [`crate::skel`]). Calling a loaded-only method on an open handle,
//! or an open-only setter on a loaded one, would otherwise say only "no
//! method named `lookup` found". Here each such method also exists on the
//! wrong state, behind a `Self:` bound on a trait that nothing implements
//! and whose `#[diagnostic::on_unimplemented]` message names the fix ("maps
//! are created by `load()`: call it first"). None of these methods can be
//! called: the bound never holds, so their bodies are unreachable by
//! construction (they match on the trait's uninhabited return value).

// `match never() {}` in a function returning `Result<Infallible>` is
// reported as unreachable (the uninhabited value is coerced): it is, by design.
#![allow(unreachable_code)]

use std::convert::Infallible;

use super::{
    BloomFilter, DataMap, Map, MapOfMaps, OpenDataMap, OpenMap, OpenProgram, PerCpuMap,
    PerfEventArray, ProgArray, Program, Queue, RawMap, RingBuf, Stack, StructOpsMap, UserRingBuf,
};
use crate::error::Result;

mod never {
    /// Implemented by nothing.
    pub trait Never {}
}

/// Implemented by nothing: the bound of the loaded-only map methods on open
/// maps.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "maps are created by `load()`: call it first",
    label = "this map is not created yet",
    note = "`let skel = open.load()?;` returns the loaded skeleton; use `skel.maps.<name>` there"
)]
pub trait MapsAreCreatedByLoad: never::Never {
    /// Never called.
    fn never(&self) -> Infallible;
}

/// Implemented by nothing: the bound of the loaded-only program methods on
/// open programs.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "programs are loaded by `load()`: call it first",
    label = "this program is not loaded yet",
    note = "`let skel = open.load()?;` returns the loaded skeleton; use `skel.progs.<name>` there"
)]
pub trait ProgramsAreLoadedByLoad: never::Never {
    /// Never called.
    fn never(&self) -> Infallible;
}

/// Implemented by nothing: the bound of the open-only setters on loaded
/// maps.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "this map was created by `load()`: set this on the open skeleton, before `load()`",
    label = "already created",
    note = "`let mut open = Skeleton::open()?;` then `open.maps.<name>.<setter>(...)`, then `open.load()?`"
)]
pub trait SetMapBeforeLoad: never::Never {
    /// Never called.
    fn never(&self) -> Infallible;
}

/// Implemented by nothing: the bound of the open-only setters on loaded
/// programs.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "this program was loaded by `load()`: set this on the open skeleton, before `load()`",
    label = "already loaded",
    note = "`let mut open = Skeleton::open()?;` then `open.progs.<name>.<setter>(...)`, then `open.load()?`"
)]
pub trait SetProgramBeforeLoad: never::Never {
    /// Never called.
    fn never(&self) -> Infallible;
}

/// Implemented by nothing: the bound of the setters generated for the
/// read-only globals (`.rodata`) of a loaded skeleton.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`.rodata` is frozen by `load()`: set read-only globals on the open skeleton",
    label = "read-only after load",
    note = "`let mut open = Skeleton::open()?; open.rodata.<name> = value;` then `open.load()?`"
)]
pub trait RodataIsFrozenByLoad: never::Never {
    /// Never called.
    fn never(&self) -> Infallible;
}

macro_rules! loaded_only_on_open_maps {
    ($($t:ident),*) => {$(
        #[doc(hidden)]
        impl<S, X> $t<S, X> {
            /// Loaded maps only: calls `load()` first.
            pub fn lookup<K>(&self, _key: &K) -> Result<Infallible>
            where
                Self: MapsAreCreatedByLoad,
            {
                match MapsAreCreatedByLoad::never(self) {}
            }

            /// Loaded maps only: call `load()` first.
            pub fn update<K, V>(&self, _key: &K, _value: &V, _flags: u64) -> Result<Infallible>
            where
                Self: MapsAreCreatedByLoad,
            {
                match MapsAreCreatedByLoad::never(self) {}
            }

            /// Loaded maps only: call `load()` first.
            pub fn delete<K>(&self, _key: &K) -> Result<Infallible>
            where
                Self: MapsAreCreatedByLoad,
            {
                match MapsAreCreatedByLoad::never(self) {}
            }

            /// Loaded maps only: call `load()` first.
            pub fn keys(&self) -> Infallible
            where
                Self: MapsAreCreatedByLoad,
            {
                match MapsAreCreatedByLoad::never(self) {}
            }

            /// Loaded maps only: call `load()` first.
            pub fn iter(&self) -> Infallible
            where
                Self: MapsAreCreatedByLoad,
            {
                match MapsAreCreatedByLoad::never(self) {}
            }

            /// Loaded maps only: call `load()` first.
            pub fn as_fd(&self) -> Infallible
            where
                Self: MapsAreCreatedByLoad,
            {
                match MapsAreCreatedByLoad::never(self) {}
            }

            /// Loaded maps only: call `load()` first.
            pub fn freeze(&self) -> Result<Infallible>
            where
                Self: MapsAreCreatedByLoad,
            {
                match MapsAreCreatedByLoad::never(self) {}
            }
        }
    )*};
}
loaded_only_on_open_maps!(OpenMap, OpenDataMap);

#[doc(hidden)]
impl<S> OpenProgram<S> {
    /// Loaded programs only: call `load()` first.
    pub fn attach(&self) -> Result<Infallible>
    where
        Self: ProgramsAreLoadedByLoad,
    {
        match ProgramsAreLoadedByLoad::never(self) {}
    }

    /// Loaded programs only: call `load()` first.
    pub fn fd(&self) -> Infallible
    where
        Self: ProgramsAreLoadedByLoad,
    {
        match ProgramsAreLoadedByLoad::never(self) {}
    }

    /// Loaded programs only: call `load()` first.
    pub fn as_fd(&self) -> Infallible
    where
        Self: ProgramsAreLoadedByLoad,
    {
        match ProgramsAreLoadedByLoad::never(self) {}
    }

    /// Loaded programs only: call `load()` first.
    pub fn test_run(&self, _data: &[u8]) -> Result<Infallible>
    where
        Self: ProgramsAreLoadedByLoad,
    {
        match ProgramsAreLoadedByLoad::never(self) {}
    }

    /// Loaded programs only: call `load()` first.
    pub fn is_loaded(&self) -> Infallible
    where
        Self: ProgramsAreLoadedByLoad,
    {
        match ProgramsAreLoadedByLoad::never(self) {}
    }
}

/// Exclusivity setters: every open map has them.
macro_rules! exclusivity_on_loaded_maps {
    ($($t:ident $(<$($p:ident),*>)?),*) => {$(
        #[doc(hidden)]
        impl<S $($(, $p)*)?> $t<S $($(, $p)*)?> {
            /// Open maps only: set it before `load()`.
            pub fn set_exclusive<P>(&self, _prog: &P) -> Infallible
            where
                Self: SetMapBeforeLoad,
            {
                match SetMapBeforeLoad::never(self) {}
            }

            /// Open maps only: set it before `load()`.
            pub fn clear_exclusive(&self) -> Infallible
            where
                Self: SetMapBeforeLoad,
            {
                match SetMapBeforeLoad::never(self) {}
            }
        }
    )*};
}
exclusivity_on_loaded_maps!(
    Map<K, V>,
    PerCpuMap<K, V>,
    RingBuf,
    ProgArray,
    PerfEventArray,
    MapOfMaps<K>,
    RawMap,
    StructOpsMap,
    DataMap<T>,
    Queue<V>,
    Stack<V>,
    BloomFilter<V>,
    UserRingBuf
);

/// Size, reuse and pin setters: open maps other than global data (a data
/// map always has one entry) have them.
macro_rules! sizing_on_loaded_maps {
    ($($t:ident $(<$($p:ident),*>)?),*) => {$(
        #[doc(hidden)]
        impl<S $($(, $p)*)?> $t<S $($(, $p)*)?> {
            /// Open maps only: set it before `load()`.
            pub fn set_max_entries(&self, _n: u32) -> Infallible
            where
                Self: SetMapBeforeLoad,
            {
                match SetMapBeforeLoad::never(self) {}
            }

            /// Open maps only: set it before `load()`.
            pub fn reuse_fd<F>(&self, _fd: F) -> Infallible
            where
                Self: SetMapBeforeLoad,
            {
                match SetMapBeforeLoad::never(self) {}
            }

            /// Open maps only: set it before `load()` (a loaded map has
            /// `pin`).
            pub fn set_pin_path<P>(&self, _path: P) -> Infallible
            where
                Self: SetMapBeforeLoad,
            {
                match SetMapBeforeLoad::never(self) {}
            }

            /// Open maps only: set it before `load()`.
            pub fn set_type<P>(&self, _value: P) -> Infallible
            where
                Self: SetMapBeforeLoad,
            {
                match SetMapBeforeLoad::never(self) {}
            }

            /// Open maps only: set it before `load()`.
            pub fn set_key_size<P>(&self, _value: P) -> Infallible
            where
                Self: SetMapBeforeLoad,
            {
                match SetMapBeforeLoad::never(self) {}
            }

            /// Open maps only: set it before `load()`.
            pub fn set_value_size<P>(&self, _value: P) -> Infallible
            where
                Self: SetMapBeforeLoad,
            {
                match SetMapBeforeLoad::never(self) {}
            }

            /// Open maps only: set it before `load()`.
            pub fn set_map_flags<P>(&self, _value: P) -> Infallible
            where
                Self: SetMapBeforeLoad,
            {
                match SetMapBeforeLoad::never(self) {}
            }

            /// Open maps only: set it before `load()`.
            pub fn set_numa_node<P>(&self, _value: P) -> Infallible
            where
                Self: SetMapBeforeLoad,
            {
                match SetMapBeforeLoad::never(self) {}
            }

            /// Open maps only: set it before `load()`.
            pub fn set_map_extra<P>(&self, _value: P) -> Infallible
            where
                Self: SetMapBeforeLoad,
            {
                match SetMapBeforeLoad::never(self) {}
            }

            /// Open maps only: set it before `load()`.
            pub fn set_inner_map<P>(&self, _value: P) -> Infallible
            where
                Self: SetMapBeforeLoad,
            {
                match SetMapBeforeLoad::never(self) {}
            }
        }
    )*};
}
sizing_on_loaded_maps!(
    Map<K, V>,
    PerCpuMap<K, V>,
    RingBuf,
    ProgArray,
    PerfEventArray,
    MapOfMaps<K>,
    RawMap,
    StructOpsMap,
    Queue<V>,
    Stack<V>,
    BloomFilter<V>,
    UserRingBuf
);

#[doc(hidden)]
impl<S, K, A> Program<S, K, A> {
    /// Open programs only: set it before `load()`.
    pub fn set_autoload(&self, _autoload: bool) -> Infallible
    where
        Self: SetProgramBeforeLoad,
    {
        match SetProgramBeforeLoad::never(self) {}
    }

    /// Open programs only: set it before `load()` (`attach()` of the
    /// loaded skeleton then skips the program).
    pub fn set_autoattach(&self, _autoattach: bool) -> Infallible
    where
        Self: SetProgramBeforeLoad,
    {
        match SetProgramBeforeLoad::never(self) {}
    }

    /// Open programs only: set it before `load()`.
    pub fn set_prog_type<P>(&self, _value: P) -> Infallible
    where
        Self: SetProgramBeforeLoad,
    {
        match SetProgramBeforeLoad::never(self) {}
    }

    /// Open programs only: set it before `load()`.
    pub fn set_expected_attach_type<P>(&self, _value: P) -> Infallible
    where
        Self: SetProgramBeforeLoad,
    {
        match SetProgramBeforeLoad::never(self) {}
    }

    /// Open programs only: set it before `load()`.
    pub fn set_flags<P>(&self, _value: P) -> Infallible
    where
        Self: SetProgramBeforeLoad,
    {
        match SetProgramBeforeLoad::never(self) {}
    }

    /// Open programs only: set it before `load()`.
    pub fn set_attach_target<P>(&self, _value: P) -> Infallible
    where
        Self: SetProgramBeforeLoad,
    {
        match SetProgramBeforeLoad::never(self) {}
    }

    /// Open programs only: set it before `load()`.
    pub fn set_attach_btf_id<P>(&self, _value: P) -> Infallible
    where
        Self: SetProgramBeforeLoad,
    {
        match SetProgramBeforeLoad::never(self) {}
    }

    /// Open programs only: set it before `load()`.
    pub fn set_log_level<P>(&self, _value: P) -> Infallible
    where
        Self: SetProgramBeforeLoad,
    {
        match SetProgramBeforeLoad::never(self) {}
    }

    /// Open programs only: set it before `load()`.
    pub fn set_log_size<P>(&self, _value: P) -> Infallible
    where
        Self: SetProgramBeforeLoad,
    {
        match SetProgramBeforeLoad::never(self) {}
    }
}
