//! Map definitions: BTF-defined maps in `.maps`, legacy `struct bpf_map_def`
//! in `maps`, and one single-element array per global-data section.

use crate::btf::{Btf, Kind, TypeId};
use crate::elf::{Elf, SymbolType};
use crate::error::{Error, Result};

/// Map types (`enum bpf_map_type`) the runtime names.
#[allow(missing_docs)]
pub mod map_type {
    pub const HASH: u32 = 1;
    pub const ARRAY: u32 = 2;
    pub const PROG_ARRAY: u32 = 3;
    pub const PERF_EVENT_ARRAY: u32 = 4;
    pub const PERCPU_HASH: u32 = 5;
    pub const PERCPU_ARRAY: u32 = 6;
    pub const STACK_TRACE: u32 = 7;
    pub const CGROUP_ARRAY: u32 = 8;
    pub const LRU_HASH: u32 = 9;
    pub const LRU_PERCPU_HASH: u32 = 10;
    pub const LPM_TRIE: u32 = 11;
    pub const ARRAY_OF_MAPS: u32 = 12;
    pub const HASH_OF_MAPS: u32 = 13;
    pub const DEVMAP: u32 = 14;
    pub const SOCKMAP: u32 = 15;
    pub const CPUMAP: u32 = 16;
    pub const XSKMAP: u32 = 17;
    pub const SOCKHASH: u32 = 18;
    pub const CGROUP_STORAGE: u32 = 19;
    pub const REUSEPORT_SOCKARRAY: u32 = 20;
    pub const PERCPU_CGROUP_STORAGE: u32 = 21;
    pub const QUEUE: u32 = 22;
    pub const STACK: u32 = 23;
    pub const SK_STORAGE: u32 = 24;
    pub const DEVMAP_HASH: u32 = 25;
    pub const STRUCT_OPS: u32 = 26;
    pub const RINGBUF: u32 = 27;
    pub const INODE_STORAGE: u32 = 28;
    pub const TASK_STORAGE: u32 = 29;
    pub const BLOOM_FILTER: u32 = 30;
    pub const USER_RINGBUF: u32 = 31;
    pub const CGRP_STORAGE: u32 = 32;
    pub const ARENA: u32 = 33;

    /// A short lower-case name for docs and messages.
    pub fn name(t: u32) -> &'static str {
        match t {
            HASH => "hash",
            ARRAY => "array",
            PROG_ARRAY => "prog_array",
            PERF_EVENT_ARRAY => "perf_event_array",
            PERCPU_HASH => "percpu_hash",
            PERCPU_ARRAY => "percpu_array",
            STACK_TRACE => "stack_trace",
            CGROUP_ARRAY => "cgroup_array",
            LRU_HASH => "lru_hash",
            LRU_PERCPU_HASH => "lru_percpu_hash",
            LPM_TRIE => "lpm_trie",
            ARRAY_OF_MAPS => "array_of_maps",
            HASH_OF_MAPS => "hash_of_maps",
            DEVMAP => "devmap",
            SOCKMAP => "sockmap",
            CPUMAP => "cpumap",
            XSKMAP => "xskmap",
            SOCKHASH => "sockhash",
            CGROUP_STORAGE => "cgroup_storage",
            REUSEPORT_SOCKARRAY => "reuseport_sockarray",
            PERCPU_CGROUP_STORAGE => "percpu_cgroup_storage",
            QUEUE => "queue",
            STACK => "stack",
            SK_STORAGE => "sk_storage",
            DEVMAP_HASH => "devmap_hash",
            STRUCT_OPS => "struct_ops",
            RINGBUF => "ringbuf",
            INODE_STORAGE => "inode_storage",
            TASK_STORAGE => "task_storage",
            BLOOM_FILTER => "bloom_filter",
            USER_RINGBUF => "user_ringbuf",
            CGRP_STORAGE => "cgrp_storage",
            ARENA => "arena",
            _ => "unknown",
        }
    }

    /// Whether lookups return one value per possible CPU.
    pub fn is_per_cpu(t: u32) -> bool {
        matches!(
            t,
            PERCPU_HASH | PERCPU_ARRAY | LRU_PERCPU_HASH | PERCPU_CGROUP_STORAGE
        )
    }
}

/// `BPF_F_RDONLY_PROG`.
pub const F_RDONLY_PROG: u32 = 1 << 7;
/// `BPF_F_MMAPABLE`.
pub const F_MMAPABLE: u32 = 1 << 10;

/// What an initial slot of a map-of-maps or program array holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotTarget {
    /// The map of this object with that name.
    Map(String),
    /// The program of this object with that name.
    Program(String),
}

/// Where a map's definition came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MapOrigin {
    /// A BTF-defined map in `.maps`.
    Btf,
    /// A legacy `struct bpf_map_def` in `maps`.
    Legacy,
    /// A global-data section (`.data`, `.rodata`, `.bss`, `.data.*`,
    /// `.rodata.*`); the map has one element holding the whole section.
    Data {
        /// Whether the section is read-only (`.rodata*`): the map is frozen
        /// after its initial value is written.
        read_only: bool,
    },
}

/// One map as the object defines it.
#[derive(Debug, Clone)]
pub struct MapDef {
    /// The symbol name (or section name for global data).
    pub name: String,
    /// The ELF section that defines it.
    pub section: String,
    /// ELF section index.
    pub(crate) section_index: usize,
    /// Symbol offset within its section (0 for data maps).
    pub(crate) offset: u64,
    /// Where the definition came from.
    pub origin: MapOrigin,
    /// `enum bpf_map_type`.
    pub map_type: u32,
    /// Key size in bytes.
    pub key_size: u32,
    /// Value size in bytes.
    pub value_size: u32,
    /// Maximum entries.
    pub max_entries: u32,
    /// `map_flags`.
    pub map_flags: u32,
    /// NUMA node (when `BPF_F_NUMA_NODE` is set).
    pub numa_node: u32,
    /// `map_extra` (bloom filter hashes, arena address).
    pub map_extra: u64,
    /// libbpf pinning mode (0 none, 1 by name).
    pub pinning: u32,
    /// BTF type id of the key (0 if none).
    pub btf_key_type_id: TypeId,
    /// BTF type id of the value (0 if none); for data maps, the DATASEC.
    pub btf_value_type_id: TypeId,
    /// For a map-of-maps: the definition inner maps must match (the
    /// `__array(values, struct ...)` template).
    pub inner: Option<Box<MapDef>>,
    /// Initial slots of a map-of-maps or program array
    /// (`.values = { [i] = &x }`).
    pub initial_slots: Vec<(u32, SlotTarget)>,
    /// The initial contents of a data map as the file holds them; `None`
    /// for `SHT_NOBITS` sections (`.bss`: all zeroes, not materialised until
    /// written) and for other maps.
    pub initial_value: Option<Vec<u8>>,
    /// For a struct_ops map (`.struct_ops`, `.struct_ops.link`): the ops
    /// struct the object fills in and the programs its members point at.
    pub struct_ops: Option<Box<crate::struct_ops::StructOps>>,
}

impl MapDef {
    pub(crate) fn new(
        name: String,
        section: &str,
        section_index: usize,
        offset: u64,
        origin: MapOrigin,
    ) -> Self {
        MapDef {
            name,
            section: section.to_string(),
            section_index,
            offset,
            origin,
            map_type: 0,
            key_size: 0,
            value_size: 0,
            max_entries: 0,
            map_flags: 0,
            numa_node: 0,
            map_extra: 0,
            pinning: 0,
            btf_key_type_id: 0,
            btf_value_type_id: 0,
            inner: None,
            initial_slots: Vec::new(),
            initial_value: None,
            struct_ops: None,
        }
    }

    /// A definition for a map made outside any object (as if declared in
    /// `.maps`, with no BTF): sizes and flags are set by the caller.
    pub fn standalone(name: &str, map_type: u32) -> Self {
        let mut def = MapDef::new(name.to_string(), "", 0, 0, MapOrigin::Btf);
        def.map_type = map_type;
        def
    }

    /// Whether this map is a global-data section.
    pub fn is_data(&self) -> bool {
        matches!(self.origin, MapOrigin::Data { .. })
    }
}

/// The largest global-data section accepted: the kernel refuses larger
/// values for a mmapable array map (`E2BIG` at 2 GiB on Linux 6.18).
pub const MAX_DATA_SECTION: u64 = 1 << 30;

/// A data section's size as a map value size, refusing sizes above
/// [`MAX_DATA_SECTION`].
fn data_section_size(name: &str, size: u64) -> Result<u32> {
    u32::try_from(size)
        .ok()
        .filter(|_| size <= MAX_DATA_SECTION)
        .ok_or_else(|| {
            Error::malformed(
                format!("section `{name}`"),
                format!(
                    "{size} bytes, more than the {MAX_DATA_SECTION} a global-data map can hold"
                ),
            )
        })
}

/// Whether a section name is one of the global-data sections.
pub fn is_data_section(name: &str) -> bool {
    matches!(name, ".data" | ".rodata" | ".bss")
        || name.starts_with(".data.")
        || name.starts_with(".rodata.")
}

/// Reads the integer a `__uint(name, N)` member encodes: a pointer to an
/// array of N elements (or, for 64-bit values, an enum whose first value is N).
fn encoded_int(btf: &Btf, ty: TypeId, loc: &str) -> Result<u64> {
    let id = btf.resolve(ty)?;
    match &btf.get(id)?.kind {
        Kind::Ptr(target) => {
            let arr = btf.resolve(*target)?;
            match btf.get(arr)?.kind {
                Kind::Array { len, .. } => Ok(u64::from(len)),
                _ => Err(Error::malformed(
                    loc,
                    "expected a pointer to an array (__uint)",
                )),
            }
        }
        Kind::Enum { values, .. } => values
            .first()
            .map(|v| v.value as u64)
            .ok_or_else(|| Error::malformed(loc, "empty enum for a 64-bit value (__ulong)")),
        _ => Err(Error::malformed(
            loc,
            "expected __uint(...) or __ulong(...) encoding",
        )),
    }
}

/// Parses BTF-defined maps: the variables of the `.maps` DATASEC.
pub(crate) fn btf_maps(elf: &Elf, btf: Option<&Btf>, out: &mut Vec<MapDef>) -> Result<()> {
    let Some((sec_index, sec)) = elf.section_by_name(".maps") else {
        return Ok(());
    };
    let btf = btf.ok_or_else(|| {
        Error::malformed(
            "section `.maps`",
            "BTF-defined maps need a .BTF section (compile with -g)",
        )
    })?;
    let Some(ds) = btf.find(".maps", |k| matches!(k, Kind::Datasec { .. })) else {
        return Err(Error::malformed(
            ".BTF",
            "no DATASEC `.maps` for section `.maps`",
        ));
    };
    let Kind::Datasec { vars, .. } = &btf.get(ds)?.kind else {
        return Ok(());
    };
    for v in vars {
        let var = btf.get(v.ty)?;
        let name = var.name.clone();
        let loc = format!("map `{name}` in section `.maps`");
        let Kind::Var { ty, .. } = var.kind else {
            return Err(Error::malformed(&loc, "DATASEC entry is not a VAR"));
        };
        let sym = elf
            .symbols_in(sec_index)
            .find(|s| s.name == name)
            .ok_or_else(|| Error::malformed(&loc, "no ELF symbol for this map"))?;
        let mut def = MapDef::new(
            name.clone(),
            &sec.name,
            sec_index,
            sym.value,
            MapOrigin::Btf,
        );
        let values_offset = parse_btf_def(btf, ty, &mut def, &loc, 0)?;
        if let Some(values_offset) = values_offset {
            def.initial_slots =
                initial_slots(elf, sec_index, sym.value, sym.size, values_offset, &loc)?;
        }
        check_supported(&def, &loc)?;
        out.push(def);
    }
    Ok(())
}

/// Reads the fields of a BTF map definition struct `ty` into `def`;
/// returns the byte offset of its `values` member, if any. A map-of-maps'
/// `values` points at the inner definition, parsed recursively.
fn parse_btf_def(
    btf: &Btf,
    ty: TypeId,
    def: &mut MapDef,
    loc: &str,
    depth: u32,
) -> Result<Option<u32>> {
    if depth > 4 {
        return Err(Error::malformed(loc, "map definitions nested too deeply"));
    }
    let st = btf.resolve(ty)?;
    let Kind::Struct { members, .. } = &btf.get(st)?.kind else {
        return Err(Error::malformed(loc, "map definition is not a struct"));
    };
    let mut key_size = None;
    let mut value_size = None;
    let mut values_offset = None;
    for m in members {
        let mloc = format!("{loc}, field `{}`", m.name);
        match m.name.as_str() {
            "type" => def.map_type = encoded_int(btf, m.ty, &mloc)? as u32,
            "max_entries" => def.max_entries = encoded_int(btf, m.ty, &mloc)? as u32,
            "map_flags" => def.map_flags = encoded_int(btf, m.ty, &mloc)? as u32,
            "numa_node" => def.numa_node = encoded_int(btf, m.ty, &mloc)? as u32,
            "map_extra" => def.map_extra = encoded_int(btf, m.ty, &mloc)?,
            "pinning" => def.pinning = encoded_int(btf, m.ty, &mloc)? as u32,
            "key_size" => key_size = Some(encoded_int(btf, m.ty, &mloc)? as u32),
            "value_size" => value_size = Some(encoded_int(btf, m.ty, &mloc)? as u32),
            "key" | "value" => {
                let Kind::Ptr(target) = btf.get(btf.resolve(m.ty)?)?.kind else {
                    return Err(Error::malformed(&mloc, "expected __type(...) (a pointer)"));
                };
                let size = btf.size_of(target)?;
                if m.name == "key" {
                    def.btf_key_type_id = target;
                    key_size = Some(size);
                } else {
                    def.btf_value_type_id = target;
                    value_size = Some(size);
                }
            }
            "values" => {
                // `__array(values, T)`: a zero-length array of pointers to T,
                // a map definition (map-of-maps) or a function (prog array).
                let Kind::Array { elem, .. } = btf.get(btf.resolve(m.ty)?)?.kind else {
                    return Err(Error::malformed(&mloc, "expected __array(values, ...)"));
                };
                let Kind::Ptr(target) = btf.get(btf.resolve(elem)?)?.kind else {
                    return Err(Error::malformed(&mloc, "expected an array of pointers"));
                };
                if matches!(btf.get(btf.resolve(target)?)?.kind, Kind::Struct { .. }) {
                    let mut inner = MapDef::new(
                        format!("{}.inner", def.name),
                        &def.section,
                        def.section_index,
                        def.offset,
                        MapOrigin::Btf,
                    );
                    parse_btf_def(
                        btf,
                        target,
                        &mut inner,
                        &format!("{loc}, inner map"),
                        depth + 1,
                    )?;
                    check_supported(&inner, &format!("{loc}, inner map"))?;
                    def.inner = Some(Box::new(inner));
                }
                if m.bit_offset % 64 != 0 {
                    return Err(Error::malformed(&mloc, "`values` is not 8-byte aligned"));
                }
                values_offset = Some(m.bit_offset / 8);
                // Values of a map-of-maps and a prog array are 4-byte ids.
                value_size = Some(4);
            }
            other => {
                return Err(Error::malformed(
                    loc,
                    format!("unknown map field `{other}`"),
                ))
            }
        }
    }
    def.key_size = key_size.unwrap_or(0);
    def.value_size = value_size.unwrap_or(0);
    if def.map_type == 0 {
        return Err(Error::malformed(loc, "no `type` field"));
    }
    Ok(values_offset)
}

/// The initial slots of the map defined at `[start, start + size)` of
/// section `sec`: its relocations after the `values` member, each 8 bytes.
fn initial_slots(
    elf: &Elf,
    sec: usize,
    start: u64,
    size: u64,
    values_offset: u32,
    loc: &str,
) -> Result<Vec<(u32, SlotTarget)>> {
    let Some(section) = elf.section(sec) else {
        return Ok(Vec::new());
    };
    let base = start.saturating_add(u64::from(values_offset));
    let end = start.saturating_add(size.max(1));
    let mut out = Vec::new();
    for r in section
        .relocs
        .iter()
        .filter(|r| r.offset >= start && r.offset < end)
    {
        let rloc = format!("{loc}, relocation at offset {:#x}", r.offset);
        if r.offset < base || (r.offset - base) % 8 != 0 {
            return Err(Error::malformed(&rloc, "not on a `values` slot"));
        }
        let slot = u32::try_from((r.offset - base) / 8)
            .map_err(|_| Error::malformed(&rloc, "slot overflows"))?;
        let sym = elf.symbol(r.symbol).ok_or_else(|| {
            Error::malformed(&rloc, format!("symbol index {} does not exist", r.symbol))
        })?;
        let target_sec = sym.section.and_then(|i| elf.section(i));
        let target = match target_sec {
            Some(s) if s.executable => SlotTarget::Program(sym.name.clone()),
            Some(_) if sym.section == Some(sec) => SlotTarget::Map(sym.name.clone()),
            _ => {
                return Err(Error::malformed(
                    &rloc,
                    format!(
                        "`{}` is neither a map nor a program of this object",
                        sym.name
                    ),
                ))
            }
        };
        out.push((slot, target));
    }
    Ok(out)
}

fn check_supported(def: &MapDef, loc: &str) -> Result<()> {
    match def.map_type {
        map_type::ARRAY_OF_MAPS | map_type::HASH_OF_MAPS if def.inner.is_none() => {
            Err(Error::unsupported(
                loc,
                "map-of-maps without an inner map definition (use __array(values, struct ...))",
            ))
        }
        map_type::STRUCT_OPS => Err(Error::unsupported(
            loc,
            "a struct_ops map outside the `.struct_ops` and `.struct_ops.link` sections",
        )),
        _ if def.pinning > 1 => Err(Error::unsupported(
            loc,
            format!(
                "pinning mode {} (only LIBBPF_PIN_BY_NAME, 1, exists)",
                def.pinning
            ),
        )),
        _ => Ok(()),
    }
}

/// Parses legacy `struct bpf_map_def` maps in the `maps` section.
pub(crate) fn legacy_maps(elf: &Elf, out: &mut Vec<MapDef>) -> Result<()> {
    let Some((sec_index, sec)) = elf.section_by_name("maps") else {
        return Ok(());
    };
    let syms: Vec<_> = elf
        .symbols_in(sec_index)
        .filter(|s| matches!(s.kind, SymbolType::Object | SymbolType::NoType) && !s.name.is_empty())
        .collect();
    if syms.is_empty() {
        return Ok(());
    }
    let default_size = sec.data.len() / syms.len();
    for s in syms {
        let loc = format!(
            "legacy map `{}` in section `maps` at offset {:#x}",
            s.name, s.value
        );
        let size = if s.size > 0 {
            s.size as usize
        } else {
            default_size
        };
        if size < 16 {
            return Err(Error::malformed(
                &loc,
                format!("definition is {size} bytes, needs at least 16"),
            ));
        }
        let start = s.value as usize;
        let bytes = start
            .checked_add(size)
            .and_then(|end| sec.data.get(start..end))
            .ok_or_else(|| Error::malformed(&loc, "definition runs past the end of the section"))?;
        let field = |i: usize| {
            bytes
                .get(i * 4..i * 4 + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .unwrap_or(0)
        };
        let mut def = MapDef::new(
            s.name.clone(),
            "maps",
            sec_index,
            s.value,
            MapOrigin::Legacy,
        );
        def.map_type = field(0);
        def.key_size = field(1);
        def.value_size = field(2);
        def.max_entries = field(3);
        def.map_flags = field(4);
        check_supported(&def, &loc)?;
        out.push(def);
    }
    Ok(())
}

/// One single-element array map per non-empty global-data section.
pub(crate) fn data_maps(elf: &Elf, btf: Option<&Btf>, out: &mut Vec<MapDef>) -> Result<()> {
    for (index, sec) in elf.sections.iter().enumerate() {
        let Some(sec) = sec else { continue };
        if !is_data_section(&sec.name) || sec.size == 0 || sec.executable {
            continue;
        }
        let loc = format!("section `{}`", sec.name);
        if !sec.relocs.is_empty() {
            return Err(Error::unsupported(
                &loc,
                "relocations inside global data (e.g. function pointers in initialisers)",
            ));
        }
        let size = u32::try_from(sec.size).map_err(|_| {
            Error::malformed(&loc, format!("size {} does not fit a map value", sec.size))
        })?;
        let read_only = sec.name.starts_with(".rodata");
        let mut def = MapDef::new(
            sec.name.clone(),
            &sec.name,
            index,
            0,
            MapOrigin::Data { read_only },
        );
        def.map_type = map_type::ARRAY;
        def.key_size = 4;
        def.value_size = size;
        def.max_entries = 1;
        def.map_flags = F_MMAPABLE | if read_only { F_RDONLY_PROG } else { 0 };
        def.btf_value_type_id = btf
            .and_then(|b| b.find(&sec.name, |k| matches!(k, Kind::Datasec { .. })))
            .unwrap_or(0);
        if !sec.nobits {
            let src = sec
                .data
                .get(..size as usize)
                .ok_or_else(|| Error::malformed(&loc, "contents shorter than its size"))?;
            def.initial_value = Some(src.to_vec());
        }
        out.push(def);
    }
    Ok(())
}

/// The `.kconfig` map: one read-only, mmapable array element of `size`
/// bytes holding every `__kconfig` extern, as libbpf makes it. Its value
/// is filled at load.
pub(crate) fn kconfig_map(size: u32, btf: Option<&Btf>) -> MapDef {
    let name = crate::externs::KCONFIG_SEC;
    let mut def = MapDef::new(
        name.to_string(),
        name,
        usize::MAX,
        0,
        MapOrigin::Data { read_only: true },
    );
    def.map_type = map_type::ARRAY;
    def.key_size = 4;
    def.value_size = size;
    def.max_entries = 1;
    def.map_flags = F_MMAPABLE | F_RDONLY_PROG;
    def.btf_value_type_id = btf
        .and_then(|b| b.find(name, |k| matches!(k, Kind::Datasec { .. })))
        .unwrap_or(0);
    // All zeroes until the loader computes it: nothing is allocated for a
    // map no one loads (a crafted object can claim any size).
    def.initial_value = None;
    def
}

/// Sets every DATASEC's size and its variables' offsets from the ELF
/// sections and symbols, as the kernel requires and clang leaves undone.
pub(crate) fn fix_datasecs(elf: &Elf, btf: &mut Btf) -> Result<()> {
    /// (DATASEC id, section name, (variable index, variable name)).
    type Datasec = (TypeId, String, Vec<(usize, String)>);
    let datasecs: Vec<Datasec> = btf
        .types()
        .filter_map(|(id, t)| match &t.kind {
            Kind::Datasec { vars, .. } => Some((id, t.name.clone(), vars)),
            _ => None,
        })
        .map(|(id, name, vars)| {
            let names = vars
                .iter()
                .enumerate()
                .map(|(i, v)| Ok((i, btf.get(v.ty)?.name.clone())))
                .collect::<Result<Vec<_>>>()?;
            Ok((id, name, names))
        })
        .collect::<Result<_>>()?;
    for (id, name, vars) in datasecs {
        let Some((index, sec)) = elf.section_by_name(&name) else {
            // `.kconfig` and `.ksyms` hold externs: laid out by
            // `externs::collect`.
            // A DATASEC for a section the ELF does not have (e.g. one that
            // was optimised away): leave it as clang wrote it.
            continue;
        };
        let size = data_section_size(&name, sec.size)?;
        let mut offsets = Vec::with_capacity(vars.len());
        for (i, var) in vars {
            let sym = elf
                .symbols_in(index)
                .find(|s| s.name == var)
                .ok_or_else(|| {
                    Error::malformed(
                        format!("DATASEC `{name}`"),
                        format!("variable `{var}` has no ELF symbol in that section"),
                    )
                })?;
            let off = u32::try_from(sym.value).map_err(|_| {
                Error::malformed(format!("symbol `{var}`"), "offset does not fit 32 bits")
            })?;
            offsets.push((i, off));
        }
        btf.fix_datasec(id, size, &offsets)?;
    }
    Ok(())
}
