//! The skeleton table: what the generated code knows about its object
//! (map and program names in order, the sizes each typed handle expects,
//! declared exclusivity and autoload), as `static` data that one
//! non-generic function checks and applies, and the conversions between
//! the generated handle structs and vectors of untyped items.
//!
//! Generated `open()` and `load()` are a constant amount of code whatever
//! the number of maps and programs. A `?` per field of a struct under
//! construction costs the compiler time quadratic in the number of fields
//! (every early return drops every field already built): that made a
//! 200-program skeleton take 28 s to compile (issue 10). Here the checks
//! run once, in the runtime, and the handle structs are converted whole.

use std::mem::{align_of, size_of};
use std::os::fd::OwnedFd;

use crate::error::{Error, Result, Subject};
use crate::open::{self, OpenCore, OpenObject};
use crate::{map, prog};

/// Everything generated code knows about its object, in object order.
#[doc(hidden)]
#[derive(Debug)]
pub struct Table {
    /// The maps, in the object's order.
    pub maps: &'static [MapEntry],
    /// The programs' names, in the object's order.
    pub progs: &'static [&'static str],
    /// `exclusive(map = prog)` pairs, as (map index, program index).
    pub exclusive: &'static [(usize, usize)],
    /// `autoload(prog = bool)` settings, as (program index, autoload).
    pub autoload: &'static [(usize, bool)],
}

/// One map of a [`Table`].
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct MapEntry {
    /// The map's name in the object.
    pub name: &'static str,
    /// What its typed handles expect.
    pub shape: Shape,
}

/// What a map's typed handles expect of it.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// A global-data section (`OpenDataMap`, then `Map<S, u32, [u8; n]>`).
    Data {
        /// The section's size.
        value_size: usize,
    },
    /// Key and value sizes of the typed handle (`size_of` of its `K`, `V`).
    Sized {
        /// Key size in bytes.
        key: usize,
        /// Value size in bytes.
        value: usize,
    },
    /// Any sizes (perf event arrays, raw maps).
    Any,
}

/// A struct of typed handles that is laid out exactly like an array of
/// `Item`s: the generated `OpenMaps` (`Item` = [`open::OpenMap`]),
/// `OpenProgs` ([`open::OpenProgram`]), `Maps` ([`map::Map`]) and `Progs`
/// ([`prog::Program`]).
///
/// # Safety
/// Implement only for a `#[repr(C)]` struct with at least one field, every
/// field of which is one of this module's `#[repr(transparent)]` handles
/// over `Item` (e.g. `OpenMap<S, X>` and `OpenDataMap<S, X>` over
/// `open::OpenMap`, `Map<S, K, V>` over `map::Map`), and whose fields are
/// in the order of the object's items, as the skeleton's [`Table`] lists
/// them. Then the struct is `[Item; n]` in memory, and each field's typed
/// handle holds the item [`Table`]'s checks were made for.
#[doc(hidden)]
pub unsafe trait Handles: Sized {
    /// The untyped item every field wraps.
    type Item;
}

fn layout_error<T>(n: usize) -> Error {
    Error::invalid(
        Subject::Object,
        format!(
            "{n} items do not make a `{}`: the object changed since the skeleton was \
             generated; rebuild",
            std::any::type_name::<T>()
        ),
    )
}

/// Whether `T` is laid out as `[T::Item; n]`.
fn array_layout<T: Handles>(n: usize) -> bool {
    n > 0
        && size_of::<T::Item>() > 0
        && n.checked_mul(size_of::<T::Item>()) == Some(size_of::<T>())
        && align_of::<T>() == align_of::<T::Item>()
}

/// The handle struct `T` made of `items` (checked against the skeleton's
/// [`Table`] by [`open_table`] or [`load_table`]).
#[doc(hidden)]
pub fn handles<T: Handles>(items: Vec<T::Item>) -> Result<T> {
    if !array_layout::<T>(items.len()) {
        return Err(layout_error::<T>(items.len()));
    }
    let raw = Box::into_raw(items.into_boxed_slice());
    // SAFETY: `raw` owns a heap allocation of `n` initialised `Item`s with
    // the layout of `[Item; n]` (size `n * size_of::<Item>()`, alignment
    // `align_of::<Item>()`), which is the size and alignment of `T` (checked
    // just above), so it is a valid allocation for `Box<T>` to own and
    // free. `Handles` promises that `T` is `[Item; n]` in memory: each field
    // is a `#[repr(transparent)]` handle over `Item` (its only non-zero-sized
    // field), fields in order with no padding between (`#[repr(C)]`, all of
    // `Item`'s size and alignment). So the bytes are a valid `T`.
    let boxed = unsafe { Box::from_raw(raw.cast::<T>()) };
    Ok(*boxed)
}

/// The untyped items of the handle struct `t`, in field order.
#[doc(hidden)]
pub fn into_items<T: Handles>(t: T) -> Result<Vec<T::Item>> {
    let n = size_of::<T>()
        .checked_div(size_of::<T::Item>())
        .unwrap_or_default();
    if !array_layout::<T>(n) {
        return Err(layout_error::<T>(n));
    }
    let raw = Box::into_raw(Box::new(t));
    // SAFETY: the converse of `handles`: `raw` owns a heap allocation of
    // `T`, which `Handles` and the check above make `[Item; n]` in size,
    // alignment and contents, i.e. the allocation `Box<[Item]>` of length
    // `n` expects.
    let items =
        unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(raw.cast::<T::Item>(), n)) };
    Ok(items.into_vec())
}

fn mismatch(kind: &str, index: usize, name: &str) -> Error {
    let subject = if kind == "program" {
        Subject::program(name)
    } else {
        Subject::map(name)
    };
    Error::invalid(
        subject,
        format!(
            "the embedded object has no {kind} #{index} named `{name}`: it changed \
             since the skeleton was generated; rebuild"
        ),
    )
}

fn counts(maps: usize, progs: usize, table: &Table) -> Result<()> {
    if maps == table.maps.len() && progs == table.progs.len() {
        return Ok(());
    }
    Err(Error::invalid(
        Subject::Object,
        format!(
            "the embedded object has {maps} maps and {progs} programs, the skeleton {} and {}: \
             rebuild",
            table.maps.len(),
            table.progs.len()
        ),
    ))
}

/// An open object split for the generated `open()`.
#[doc(hidden)]
pub type Opened = (OpenCore, Vec<open::OpenMap>, Vec<open::OpenProgram>);

/// Parses and relocates `object`, checks it against `table` (names in
/// order, data maps where the skeleton has them), applies the declared
/// exclusivity and autoload settings, and splits it.
#[doc(hidden)]
pub fn open_table(object: &[u8], table: &Table) -> Result<Opened> {
    open_table_with(object, table, &crate::OpenOptions::default())
}

/// [`open_table`] with open options (a skeleton's `open_with`).
#[doc(hidden)]
pub fn open_table_with(
    object: &[u8],
    table: &Table,
    options: &crate::OpenOptions,
) -> Result<Opened> {
    let (core, mut maps, mut progs) = OpenObject::from_bytes_with(object, options)?.into_parts();
    counts(maps.len(), progs.len(), table)?;
    for (i, (m, e)) in maps.iter().zip(table.maps).enumerate() {
        let data = matches!(e.shape, Shape::Data { .. });
        if m.name() != e.name || data != m.def().is_data() {
            return Err(mismatch(if data { "data map" } else { "map" }, i, e.name));
        }
    }
    for (i, (p, name)) in progs.iter().zip(table.progs).enumerate() {
        if p.name() != *name {
            return Err(mismatch("program", i, name));
        }
    }
    for &(p, on) in table.autoload {
        progs
            .get_mut(p)
            .ok_or_else(|| mismatch("program", p, "(autoload)"))?
            .set_autoload(on);
    }
    for &(m, p) in table.exclusive {
        let prog = progs
            .get(p)
            .ok_or_else(|| mismatch("program", p, "(exclusive)"))?;
        maps.get_mut(m)
            .ok_or_else(|| mismatch("map", m, "(exclusive)"))?
            .set_exclusive_by_index(p, prog.name());
    }
    Ok((core, maps, progs))
}

/// A loaded object split for the generated `load()`.
#[doc(hidden)]
pub type Loaded = (Vec<map::Map>, Vec<prog::Program>, Option<OwnedFd>);

/// Checks that the declared exclusivity is still in place, loads, and
/// checks the loaded maps' sizes against the typed handles.
#[doc(hidden)]
pub fn load_table(
    core: OpenCore,
    maps: Vec<open::OpenMap>,
    progs: Vec<open::OpenProgram>,
    table: &Table,
) -> Result<Loaded> {
    counts(maps.len(), progs.len(), table)?;
    for &(m, p) in table.exclusive {
        let (Some(map), Some(prog)) = (maps.get(m), progs.get(p)) else {
            return Err(mismatch("map", m, "(exclusive)"));
        };
        if map.exclusive_program() != Some(prog.name()) {
            return Err(Error::invalid(
                Subject::map(map.name()),
                format!(
                    "declared exclusive to `{}` in #[bpf_skeleton(exclusive(...))], but its \
                     exclusivity was changed at run time; a declared exclusivity cannot be \
                     cleared or moved",
                    prog.name()
                ),
            ));
        }
    }
    // A size changed at run time (set_key_size, set_value_size) on a map
    // whose handle is typed: say so before any syscall.
    for (m, e) in maps.iter().zip(table.maps) {
        let d = m.def();
        let (key, value) = (d.key_size as usize, d.value_size as usize);
        let typed = match e.shape {
            Shape::Data { value_size } => Some((4, value_size)),
            Shape::Sized { key: k, value: v } => Some((k, v)),
            Shape::Any => None,
        };
        if let Some((k, v)) = typed.filter(|&(k, v)| (k, v) != (key, value)) {
            return Err(Error::invalid(
                Subject::map(m.name()),
                format!(
                    "its key and value sizes are {key} and {value} bytes, but its typed handle \
                     is for {k} and {v}: a key or value size can only be changed on a map whose \
                     skeleton handle is untyped (RawMap, PerfEventArray) or through \
                     OpenObject"
                ),
            ));
        }
    }
    let (maps, progs, btf) = OpenObject::from_parts(core, maps, progs)?
        .load()?
        .into_parts();
    for (i, (m, e)) in maps.iter().zip(table.maps).enumerate() {
        let d = m.def();
        let (key, value) = (d.key_size as usize, d.value_size as usize);
        let ok = m.name() == e.name
            && match e.shape {
                Shape::Data { value_size } => key == 4 && value == value_size,
                Shape::Sized { key: k, value: v } => key == k && value == v,
                Shape::Any => true,
            };
        if !ok {
            return Err(mismatch("map with these key and value sizes", i, e.name));
        }
    }
    Ok((maps, progs, btf))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::skel::OpenProgram;

    struct Counter;

    #[repr(C)]
    struct Progs {
        a: OpenProgram<Counter>,
        b: OpenProgram<Counter>,
    }
    // SAFETY: `#[repr(C)]`, two handles over `open::OpenProgram`.
    unsafe impl Handles for Progs {
        type Item = open::OpenProgram;
    }

    #[repr(C)]
    struct One {
        a: OpenProgram<Counter>,
    }
    // SAFETY: as above, one handle.
    unsafe impl Handles for One {
        type Item = open::OpenProgram;
    }

    const TABLE: Table = Table {
        maps: &[
            MapEntry {
                name: "counts",
                shape: Shape::Sized { key: 4, value: 8 },
            },
            MapEntry {
                name: ".rodata",
                shape: Shape::Data { value_size: 23 },
            },
            MapEntry {
                name: ".bss",
                shape: Shape::Data { value_size: 8 },
            },
        ],
        progs: &["count_packets", "debug_only"],
        exclusive: &[(0, 0)],
        autoload: &[(1, true)],
    };

    fn object() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/bpf/counter.bpf.o"
        ))
        .expect("corpus object")
    }

    #[test]
    fn the_table_is_checked_and_applied_and_handle_structs_round_trip() {
        let obj = object();
        let (core, mut maps, progs) = open_table(&obj, &TABLE).expect("open");
        assert_eq!(maps[0].exclusive_program(), Some("count_packets"));
        assert!(progs[1].autoload(), "declared autoload overrides `?xdp`");

        let p: Progs = handles(progs).expect("two programs make a Progs");
        assert_eq!((p.a.name(), p.b.name()), ("count_packets", "debug_only"));
        let items = into_items(p).expect("back to items");
        let names: Vec<&str> = items.iter().map(|p| p.name()).collect();
        assert_eq!(names, ["count_packets", "debug_only"]);
        let e = handles::<One>(items)
            .err()
            .expect("two items are not a One");
        assert!(e.to_string().contains("rebuild"), "{e}");

        // A declared exclusivity cleared through a back door fails the load
        // before any syscall.
        maps[0].clear_exclusive();
        let (_, _, progs) = open_table(&obj, &TABLE).expect("open");
        let e = load_table(core, maps, progs, &TABLE).expect_err("refused");
        assert!(e.to_string().contains("declared exclusive"), "{e}");
    }

    #[test]
    fn an_object_that_changed_is_refused_naming_the_item() {
        let obj = object();
        let renamed = Table {
            progs: &["count_packets", "debug"],
            ..TABLE
        };
        let e = open_table(&obj, &renamed).expect_err("renamed program");
        assert!(e.to_string().contains("`debug`"), "{e}");
        const NOT_DATA: Table = Table {
            maps: &[
                MapEntry {
                    name: "counts",
                    shape: Shape::Data { value_size: 8 },
                },
                MapEntry {
                    name: ".rodata",
                    shape: Shape::Data { value_size: 23 },
                },
                MapEntry {
                    name: ".bss",
                    shape: Shape::Data { value_size: 8 },
                },
            ],
            ..TABLE
        };
        let not_data = NOT_DATA;
        let e = open_table(&obj, &not_data).expect_err("not a data map");
        assert!(e.to_string().contains("data map #0"), "{e}");
        let fewer = Table {
            progs: &["count_packets"],
            ..TABLE
        };
        let e = open_table(&obj, &fewer).expect_err("count");
        assert!(e.to_string().contains("2 programs"), "{e}");
    }
}
