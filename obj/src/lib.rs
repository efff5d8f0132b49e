//! The object model behind `bpf-skeleton`: what a clang-compiled BPF
//! object defines, parsed from its bytes with no system calls and no reads
//! of the running kernel. The `#[bpf_skeleton]` macro (at compile time) and
//! the runtime (at load time) share this one parser.
//!
//! Data flows one way: bytes → [`elf`] → [`ObjectFile`] (maps, functions,
//! programs, classified relocations) → [`core::apply`] (CO-RE against a
//! target BTF the caller supplies) → [`reloc::link`] (final instruction
//! streams) → [`hash`] (the kernel's program digest) → the loader.

#![deny(missing_docs)]

pub mod auto_attach;
pub mod btf;
pub mod btf_ext;
pub mod core;
pub mod elf;
pub mod error;
pub mod externs;
pub mod hash;
pub mod insn;
pub mod maps;
pub mod reloc;
pub mod section;
pub mod stapsdt;
pub mod struct_ops;

use std::collections::BTreeMap;

use btf::{Btf, Kind};
use btf_ext::{BtfExt, LineInfo};
use elf::{Elf, SymbolType};
pub use error::{Error, Result};
use insn::{Insn, INSN_SIZE};
pub use maps::{MapDef, MapOrigin};
pub use section::ProgKind;

/// Instructions in one section above this count are refused (the kernel's
/// own limit for a privileged program is 1 million).
pub const MAX_INSNS: usize = 1_000_000;

/// What an instruction that needs relocating refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelocTarget {
    /// `ld_imm64` of a map: becomes `BPF_PSEUDO_MAP_FD`.
    Map(usize),
    /// `ld_imm64` of a global variable: becomes `BPF_PSEUDO_MAP_VALUE`
    /// with `offset` into the data map's value.
    Data {
        /// Index of the data map.
        map: usize,
        /// Byte offset of the variable in the section.
        offset: u32,
    },
    /// A bpf-to-bpf call to instruction `insn` of section `section`.
    Call {
        /// ELF section index of the callee.
        section: usize,
        /// Instruction index within that section.
        insn: usize,
    },
    /// An `ld_imm64` of an extern (index into [`ObjectFile::externs`]):
    /// a `__kconfig` value or a `__ksym` variable's address or BTF id.
    ExternLd(usize),
    /// A call to an extern function (a kfunc; index into
    /// [`ObjectFile::externs`]).
    ExternCall(usize),
    /// An `ld_imm64` loading the address of a function (callbacks such as
    /// `bpf_loop`'s): becomes `BPF_PSEUDO_FUNC`.
    FuncPtr {
        /// ELF section index of the function.
        section: usize,
        /// Instruction index within that section.
        insn: usize,
    },
}

/// One function: a program entry point or a subprogram.
#[derive(Debug, Clone)]
pub struct Function {
    /// Symbol name.
    pub name: String,
    /// ELF section index.
    pub section: usize,
    /// ELF section name.
    pub section_name: String,
    /// First instruction's index within the section.
    pub start: usize,
    /// The function's instructions, unrelocated.
    pub insns: Vec<Insn>,
    /// Relocations: (instruction index within the function, target).
    pub relocs: Vec<(usize, RelocTarget)>,
    /// The function's `BTF_KIND_FUNC` id from `.BTF.ext`, if any.
    pub func_info: Option<u32>,
    /// Line info with `insn_off` in instructions relative to the function.
    pub line_info: Vec<LineInfo>,
    /// CO-RE relocations: (instruction index within the function, record).
    /// Applied by [`core::apply`] against the target kernel's BTF.
    pub core_relos: Vec<(usize, btf_ext::CoreReloRec)>,
    /// Instructions CO-RE poisoned: (index within the function, which
    /// relocation failed and why), to explain a verifier rejection.
    pub core_failures: Vec<(usize, String)>,
    /// A CO-RE relocation of this function that could not be applied at
    /// all (not a poisoning): every program that includes the function
    /// fails its own load with it, and no other program is affected.
    pub core_error: Option<Error>,
    /// Global (non-static) linkage.
    pub global: bool,
}

/// One program: a function in an executable section other than `.text`.
#[derive(Debug, Clone)]
pub struct ProgramDef {
    /// The function's symbol name.
    pub name: String,
    /// The ELF section name (as written, including any `?` prefix).
    pub section: String,
    /// What the section name says: type, attach type, autoload.
    pub kind: ProgKind,
    /// Index of the entry function in [`ObjectFile::functions`].
    pub function: usize,
}

/// The width Rust uses for a variable of `len` bytes at `offset`: the
/// largest of 8, 4, 2 and 1 dividing both (so that every granule is
/// naturally aligned in the page-aligned mapping). The generated skeletons
/// record it per variable, and the runtime copies it with that width only; its `_atomic()` view is `AtomicU{8*width}`.
pub const fn access_width(offset: usize, len: usize) -> usize {
    if offset % 8 == 0 && len % 8 == 0 {
        8
    } else if offset % 4 == 0 && len % 4 == 0 {
        4
    } else if offset % 2 == 0 && len % 2 == 0 {
        2
    } else {
        1
    }
}

/// A global variable of a data section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// Its name.
    pub name: String,
    /// Byte offset in the section.
    pub offset: u32,
    /// Byte size.
    pub size: u32,
    /// Its BTF type.
    pub type_id: btf::TypeId,
    /// Declared `static` in C.
    pub is_static: bool,
}

/// A parsed BPF object.
#[derive(Debug, Clone)]
pub struct ObjectFile {
    /// The `license` section's string ("GPL" etc.).
    pub license: String,
    /// The `version` section's value, or 0.
    pub kernel_version: u32,
    /// The object's BTF, with DATASEC fix-ups applied.
    pub btf: Option<Btf>,
    /// Every map, in a stable order: BTF maps, legacy maps, data sections.
    pub maps: Vec<MapDef>,
    /// Every program, in section then offset order.
    pub programs: Vec<ProgramDef>,
    /// Every function (programs' entry points and subprograms).
    pub functions: Vec<Function>,
    /// Extern variables and functions, in libbpf's order.
    pub externs: Vec<externs::Extern>,
    /// Index of the `.kconfig` map in [`maps`](Self::maps), if any
    /// `__kconfig` extern exists.
    pub kconfig_map: Option<usize>,
}

impl ObjectFile {
    /// Parses an object from its bytes. Any alignment is accepted (for
    /// example `include_bytes!` data): the ELF reader needs 8-byte
    /// alignment, so misaligned input is copied once into an aligned buffer.
    pub fn parse(data: &[u8]) -> Result<Self> {
        if data.as_ptr().align_offset(8) == 0 {
            Self::parse_aligned(data)
        } else {
            let mut words = vec![0u64; data.len().div_ceil(8)];
            // SAFETY: `words` owns `words.len() * 8 >= data.len()` bytes,
            // initialised (zeroed); u8 has no alignment or validity
            // requirement, and the byte view does not outlive `words`, which
            // is not otherwise accessed while the view exists.
            let bytes: &mut [u8] = unsafe {
                std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), data.len())
            };
            bytes.copy_from_slice(data);
            Self::parse_aligned(bytes)
        }
    }

    fn parse_aligned(data: &[u8]) -> Result<Self> {
        let elf = Elf::parse(data)?;

        let mut btf = match elf.section_by_name(".BTF") {
            Some((_, s)) => Some(Btf::parse(s.data)?),
            None => None,
        };
        if let Some(b) = btf.as_mut() {
            maps::fix_datasecs(&elf, b)?;
            mark_hidden_static(&elf, b)?;
        }
        let extern_list = externs::collect(&elf, &mut btf)?;
        let ext = match (elf.section_by_name(".BTF.ext"), btf.as_ref()) {
            (Some((_, s)), Some(b)) => BtfExt::parse(s.data, b.strings())?,
            _ => BtfExt::default(),
        };

        let license = match elf.section_by_name("license") {
            Some((_, s)) => {
                let end = s.data.iter().position(|&b| b == 0).unwrap_or(s.data.len());
                String::from_utf8(s.data.get(..end).unwrap_or_default().to_vec())
                    .map_err(|_| Error::malformed("section `license`", "not UTF-8"))?
            }
            None => String::new(),
        };
        let kernel_version = match elf.section_by_name("version") {
            Some((_, s)) => match s.data.get(..4) {
                Some(b) => u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
                None => {
                    return Err(Error::malformed(
                        "section `version`",
                        "shorter than 4 bytes",
                    ))
                }
            },
            None => 0,
        };

        let mut map_defs = Vec::new();
        maps::btf_maps(&elf, btf.as_ref(), &mut map_defs)?;
        maps::legacy_maps(&elf, &mut map_defs)?;
        maps::data_maps(&elf, btf.as_ref(), &mut map_defs)?;
        let kconfig_map = match externs::kconfig_size(&extern_list) {
            Some(size) if u64::from(size) > maps::MAX_DATA_SECTION => {
                return Err(Error::malformed(
                    "DATASEC `.kconfig`",
                    format!(
                        "its externs need {size} bytes, more than the kernel's limit of {} \
                         for a map value",
                        maps::MAX_DATA_SECTION
                    ),
                ))
            }
            Some(size) => {
                map_defs.push(maps::kconfig_map(size, btf.as_ref()));
                Some(map_defs.len() - 1)
            }
            None => None,
        };

        let mut functions = Vec::new();
        let mut programs = Vec::new();
        for (index, sec) in elf.sections.iter().enumerate() {
            let Some(sec) = sec else { continue };
            if !sec.executable || sec.size == 0 {
                continue;
            }
            let first = functions.len();
            section_functions(&elf, index, &map_defs, &extern_list, &ext, &mut functions)?;
            if sec.name == ".text" {
                continue;
            }
            for (i, f) in functions.iter().enumerate().skip(first) {
                let kind =
                    section::classify(&sec.name).unwrap_or_else(|| section::unknown(&sec.name));
                programs.push(ProgramDef {
                    name: f.name.clone(),
                    section: sec.name.clone(),
                    kind,
                    function: i,
                });
            }
        }
        // struct_ops maps come last, as in libbpf (after `.kconfig`): their
        // members point at programs, so they are read once those are known.
        let struct_ops_programs: Vec<(usize, &str)> = programs
            .iter()
            .filter(|p| p.kind.prog_type == struct_ops::PROG_TYPE)
            .map(|p| (p.function, p.name.as_str()))
            .collect();
        let ops = struct_ops::maps(&elf, btf.as_ref(), &functions, &struct_ops_programs)?;
        // As libbpf: a program only maps of a `?` section point at is not
        // autoloaded; those maps are not created (they are left out).
        let points_at = |created: bool, name: &str| {
            ops.iter()
                .filter_map(|m| m.struct_ops.as_deref())
                .filter(|o| o.autocreate == created)
                .any(|o| o.programs.iter().flatten().any(|p| p == name))
        };
        for p in &mut programs {
            if points_at(false, &p.name) && !points_at(true, &p.name) {
                p.kind.autoload = false;
            }
        }
        map_defs.extend(
            ops.into_iter()
                .filter(|m| m.struct_ops.as_ref().is_some_and(|o| o.autocreate)),
        );
        check_unique(map_defs.iter().map(|m| m.name.as_str()), "map")?;
        check_unique(programs.iter().map(|p| p.name.as_str()), "program")?;

        Ok(ObjectFile {
            license,
            kernel_version,
            btf,
            maps: map_defs,
            programs,
            functions,
            externs: extern_list,
            kconfig_map,
        })
    }

    /// Whether any function has CO-RE relocations (so opening needs the
    /// target kernel's BTF).
    pub fn has_core_relos(&self) -> bool {
        self.functions.iter().any(|f| !f.core_relos.is_empty())
    }

    /// The index of the map named `name`.
    pub fn map_index(&self, name: &str) -> Option<usize> {
        self.maps.iter().position(|m| m.name == name)
    }

    /// The variables of a global-data map, from its BTF DATASEC, in offset
    /// order. Empty for other maps or objects without BTF.
    pub fn variables(&self, map: usize) -> Result<Vec<Variable>> {
        let (Some(def), Some(btf)) = (self.maps.get(map), self.btf.as_ref()) else {
            return Ok(Vec::new());
        };
        if !def.is_data() || def.btf_value_type_id == 0 {
            return Ok(Vec::new());
        }
        let Kind::Datasec { vars, .. } = &btf.get(def.btf_value_type_id)?.kind else {
            return Ok(Vec::new());
        };
        let mut out = Vec::with_capacity(vars.len());
        for v in vars {
            let var = btf.get(v.ty)?;
            let Kind::Var { ty, linkage } = var.kind else {
                return Err(Error::malformed(
                    format!("DATASEC `{}`", def.section),
                    "entry is not a VAR",
                ));
            };
            out.push(Variable {
                name: var.name.clone(),
                offset: v.offset,
                size: v.size,
                type_id: ty,
                is_static: linkage == 0,
            });
        }
        out.sort_by_key(|v| v.offset);
        Ok(out)
    }

    /// The index of the program named `name`.
    pub fn program_index(&self, name: &str) -> Option<usize> {
        self.programs.iter().position(|p| p.name == name)
    }
}

fn check_unique<'a>(names: impl Iterator<Item = &'a str>, kind: &str) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    for n in names {
        if !seen.insert(n) {
            return Err(Error::malformed(
                format!("{kind} `{n}`"),
                format!("two {kind}s share this name"),
            ));
        }
    }
    Ok(())
}

/// Splits executable section `index` into functions and classifies every
/// relocation (and every unrelocated bpf-to-bpf call) in it.
/// Whether `v` is sorted by `key`.
fn sorted_by<T>(v: &[T], key: impl Fn(&T) -> u32) -> bool {
    v.windows(2).all(|w| match w {
        [a, b] => key(a) <= key(b),
        _ => true,
    })
}

/// The records of `v` whose `key` (a byte offset) lies in `range`, in
/// order: by binary search if `sorted`, else by a scan.
fn in_range<'a, T>(
    v: &'a [T],
    range: &std::ops::Range<u64>,
    sorted: bool,
    key: impl Fn(&T) -> u32 + Copy + 'a,
) -> Box<dyn Iterator<Item = &'a T> + 'a> {
    if sorted {
        let lo = v.partition_point(|x| u64::from(key(x)) < range.start);
        let hi = v.partition_point(|x| u64::from(key(x)) < range.end);
        Box::new(v.get(lo..hi).unwrap_or_default().iter())
    } else {
        let range = range.clone();
        Box::new(v.iter().filter(move |x| range.contains(&u64::from(key(x)))))
    }
}

fn section_functions(
    elf: &Elf,
    index: usize,
    map_defs: &[MapDef],
    externs: &[externs::Extern],
    ext: &BtfExt,
    out: &mut Vec<Function>,
) -> Result<()> {
    let Some(sec) = elf.section(index) else {
        return Ok(());
    };
    // Locations are formatted only for an error.
    let sloc = || format!("section `{}`", sec.name);
    let insns = insn::decode(sec.data).ok_or_else(|| {
        Error::malformed(
            sloc(),
            format!("size {} is not a multiple of 8", sec.data.len()),
        )
    })?;
    if insns.len() > MAX_INSNS {
        return Err(Error::malformed(
            sloc(),
            format!(
                "{} instructions, more than the kernel's limit of {MAX_INSNS}",
                insns.len()
            ),
        ));
    }

    // Relocations by instruction index.
    let mut targets: BTreeMap<usize, RelocTarget> = BTreeMap::new();
    for r in &sec.relocs {
        let rloc = || format!("relocation in {} at offset {:#x}", sloc(), r.offset);
        if r.offset % INSN_SIZE as u64 != 0 {
            return Err(Error::malformed(
                rloc(),
                "offset is not instruction-aligned",
            ));
        }
        let at = (r.offset / INSN_SIZE as u64) as usize;
        let ins = *insns.get(at).ok_or_else(|| {
            Error::malformed(
                rloc(),
                format!("offset is outside the {} byte section", sec.data.len()),
            )
        })?;
        let sym = elf.symbol(r.symbol).ok_or_else(|| {
            Error::malformed(rloc(), format!("symbol index {} does not exist", r.symbol))
        })?;
        let sym_name = || {
            if sym.name.is_empty() {
                format!("symbol #{}", r.symbol)
            } else {
                format!("`{}`", sym.name)
            }
        };
        if sym.undefined {
            let e = externs
                .iter()
                .position(|e| e.symbol == r.symbol)
                .ok_or_else(|| {
                    Error::malformed(
                        rloc(),
                        format!("reference to undefined {}, which is no extern", sym_name()),
                    )
                })?;
            let target = if ins.code == insn::CALL {
                RelocTarget::ExternCall(e)
            } else if ins.is_ld_imm64() && insns.get(at + 1).is_some() {
                RelocTarget::ExternLd(e)
            } else {
                return Err(Error::malformed(
                    rloc(),
                    format!(
                        "{} is used by an instruction that is neither ld_imm64 nor call",
                        sym_name()
                    ),
                ));
            };
            targets.insert(at, target);
            continue;
        }
        let Some(tsec_index) = sym.section else {
            return Err(Error::malformed(
                rloc(),
                format!("{} is defined in no section", sym_name()),
            ));
        };
        let tsec = elf.section(tsec_index).ok_or_else(|| {
            Error::malformed(
                rloc(),
                format!("{} is defined in missing section #{tsec_index}", sym_name()),
            )
        })?;
        let target = match r.r_type {
            // R_BPF_64_64: ld_imm64.
            1 => {
                if !ins.is_ld_imm64() || insns.get(at + 1).is_none() {
                    return Err(Error::malformed(
                        rloc(),
                        "R_BPF_64_64 on an instruction that is not ld_imm64",
                    ));
                }
                // S + A: the symbol's value plus the addend clang left in imm.
                let addend = i64::from(ins.imm);
                let value = sym.value as i64 + addend;
                if tsec.executable {
                    if value < 0 || value % INSN_SIZE as i64 != 0 {
                        return Err(Error::malformed(
                            rloc(),
                            format!("function address {value} is not instruction-aligned"),
                        ));
                    }
                    RelocTarget::FuncPtr {
                        section: tsec_index,
                        insn: (value / INSN_SIZE as i64) as usize,
                    }
                } else if let Some(m) = map_defs.iter().position(|m| {
                    !m.is_data()
                        && m.section_index == tsec_index
                        && (sym.kind != SymbolType::Section && m.name == sym.name
                            || sym.kind == SymbolType::Section && m.offset as i64 == value)
                }) {
                    RelocTarget::Map(m)
                } else if let Some(m) = map_defs
                    .iter()
                    .position(|m| m.is_data() && m.section_index == tsec_index)
                {
                    let offset = u32::try_from(value)
                        .ok()
                        .filter(|&o| o < map_defs.get(m).map_or(0, |d| d.value_size))
                        .ok_or_else(|| {
                            Error::malformed(
                                rloc(),
                                format!("offset {value} is outside section `{}`", tsec.name),
                            )
                        })?;
                    RelocTarget::Data { map: m, offset }
                } else {
                    return Err(Error::malformed(
                        rloc(),
                        format!(
                            "ld_imm64 refers to {} in section `{}`, which is neither a map, global data nor code",
                            sym_name(),
                            tsec.name
                        ),
                    ));
                }
            }
            // R_BPF_64_32: call.
            10 => {
                if !ins.is_pseudo_call() {
                    return Err(Error::malformed(
                        rloc(),
                        "R_BPF_64_32 on an instruction that is not a bpf-to-bpf call",
                    ));
                }
                if !tsec.executable {
                    return Err(Error::malformed(
                        rloc(),
                        format!("call target {} is not code", sym_name()),
                    ));
                }
                let target = (sym.value / INSN_SIZE as u64) as i64 + i64::from(ins.imm) + 1;
                RelocTarget::Call {
                    section: tsec_index,
                    insn: usize::try_from(target).map_err(|_| {
                        Error::malformed(rloc(), format!("call target {target} is negative"))
                    })?,
                }
            }
            other => {
                return Err(Error::unsupported(
                    rloc(),
                    format!(
                        "relocation type {other} in code (expected R_BPF_64_64 or R_BPF_64_32)"
                    ),
                ))
            }
        };
        targets.insert(at, target);
    }
    // Calls clang resolved itself (same section, no relocation).
    for (at, ins) in insns.iter().enumerate() {
        if ins.is_pseudo_call() && !targets.contains_key(&at) {
            let target = at as i64 + i64::from(ins.imm) + 1;
            let target = usize::try_from(target)
                .ok()
                .filter(|&t| t < insns.len())
                .ok_or_else(|| {
                    Error::malformed(
                        format!("{}, instruction {at}", sloc()),
                        format!("call target {target} is outside the section"),
                    )
                })?;
            targets.insert(
                at,
                RelocTarget::Call {
                    section: index,
                    insn: target,
                },
            );
        }
    }

    // Function symbols, by offset.
    let mut syms: Vec<_> = elf
        .symbols_in(index)
        .filter(|s| s.kind == SymbolType::Func)
        .collect();
    syms.sort_by_key(|s| s.value);
    if syms.is_empty() {
        return Err(Error::malformed(
            sloc(),
            "executable section without function symbols",
        ));
    }
    let func_infos = ext.func_info.get(&sec.name);
    let line_infos = ext.line_info.get(&sec.name);
    // Sorted by offset (as clang emits them), each function's records are
    // found by binary search: a section of many functions is not scanned
    // once per function.
    let line_sorted = line_infos.is_some_and(|v| sorted_by(v, |li| li.insn_off));
    let core_sorted = ext
        .core_relos
        .get(&sec.name)
        .is_some_and(|v| sorted_by(v, |r| r.insn_off));
    let mut covered = 0usize;
    for (k, s) in syms.iter().enumerate() {
        let floc = || format!("function `{}` in {}", s.name, sloc());
        if s.value % INSN_SIZE as u64 != 0 || s.size % INSN_SIZE as u64 != 0 {
            return Err(Error::malformed(
                floc(),
                "offset or size is not instruction-aligned",
            ));
        }
        let start = (s.value / INSN_SIZE as u64) as usize;
        let end = if s.size > 0 {
            start.saturating_add((s.size / INSN_SIZE as u64) as usize)
        } else {
            syms.get(k + 1)
                .map_or(insns.len(), |n| (n.value / INSN_SIZE as u64) as usize)
        };
        if start < covered || end > insns.len() || start >= end {
            return Err(Error::malformed(
                floc(),
                format!("instructions {start}..{end} overlap another function or leave the section ({} instructions)", insns.len()),
            ));
        }
        covered = end;
        let body = insns.get(start..end).unwrap_or_default().to_vec();
        if let Some(last) = body.last() {
            if last.is_ld_imm64() {
                return Err(Error::malformed(
                    floc(),
                    "ends in the middle of an ld_imm64",
                ));
            }
        }
        let relocs = targets
            .range(start..end)
            .map(|(&at, &t)| (at - start, t))
            .collect();
        let byte_range = (start * INSN_SIZE) as u64..(end * INSN_SIZE) as u64;
        let func_info = func_infos
            .and_then(|v| {
                v.iter()
                    .find(|fi| u64::from(fi.insn_off) == byte_range.start)
            })
            .map(|fi| fi.type_id);
        let line_info = line_infos
            .map(|v| {
                in_range(v, &byte_range, line_sorted, |li| li.insn_off)
                    .map(|li| LineInfo {
                        insn_off: li.insn_off / INSN_SIZE as u32 - start as u32,
                        ..*li
                    })
                    .collect()
            })
            .unwrap_or_default();
        let core_relos = ext
            .core_relos
            .get(&sec.name)
            .map(|v| {
                in_range(v, &byte_range, core_sorted, |r| r.insn_off)
                    .map(|r| ((r.insn_off / INSN_SIZE as u32) as usize - start, r.clone()))
                    .collect()
            })
            .unwrap_or_default();
        out.push(Function {
            core_relos,
            core_failures: Vec::new(),
            core_error: None,
            name: s.name.clone(),
            section: index,
            section_name: sec.name.clone(),
            start,
            insns: body,
            relocs,
            func_info,
            line_info,
            global: s.global,
        });
    }
    Ok(())
}

/// libbpf's rule for global or weak functions in `.text` with hidden (or
/// internal) visibility: their BTF FUNC is marked static, so that the
/// verifier checks them in their callers' context rather than as global
/// functions (`usdt.bpf.h`'s `__weak __hidden` helpers need it: as a
/// global function, `bpf_usdt_arg`'s `long *res` could be NULL).
fn mark_hidden_static(elf: &Elf, btf: &mut Btf) -> Result<()> {
    let Some((text, _)) = elf.section_by_name(".text") else {
        return Ok(());
    };
    let mut patched = false;
    for sym in elf.symbols.iter().flatten() {
        if !sym.global || !sym.hidden || sym.kind != SymbolType::Func || sym.section != Some(text) {
            continue;
        }
        let found = btf
            .types()
            .find(|(_, t)| t.name == sym.name && matches!(t.kind, Kind::Func { linkage: 1, .. }))
            .map(|(id, _)| id);
        if let Some(id) = found {
            let info = btf.record_word(id, 4)?;
            // FUNC's vlen is its linkage: 0 static, 1 global.
            btf.patch_record(id, 4, info & !0xffff)?;
            patched = true;
        }
    }
    if patched {
        *btf = btf.reparsed()?;
    }
    Ok(())
}

/// Whether a BTF type is a FUNC (used to validate `.BTF.ext` func info).
pub(crate) fn is_func(btf: &Btf, id: u32) -> bool {
    btf.get(id)
        .is_ok_and(|t| matches!(t.kind, Kind::Func { .. }))
}
