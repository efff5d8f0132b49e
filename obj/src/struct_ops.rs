//! struct_ops maps: the variables of the `.struct_ops` and
//! `.struct_ops.link` sections. Each is a kernel ops struct (for example a
//! `struct tcp_congestion_ops`) the object fills in: its function pointer
//! members point at `struct_ops/` programs (through the section's
//! relocations), its other members are data (a name, flags).
//!
//! Here the object's side only: the struct as the object declares it, its
//! bytes and which program each member points at. Matching it against the
//! kernel's struct (by member name) happens at load, against the running
//! kernel's BTF.

use crate::btf::{essential, Btf, Kind, TypeId};
use crate::elf::Elf;
use crate::error::{Error, Result};
use crate::maps::{map_type, MapDef, MapOrigin};
use crate::Function;

/// The section of struct_ops maps registered by a map update.
pub const SECTION: &str = ".struct_ops";
/// The section of struct_ops maps registered through a BPF link
/// (`BPF_F_LINK`, Linux 6.4 and later).
pub const LINK_SECTION: &str = ".struct_ops.link";
/// `BPF_F_LINK`: a struct_ops map registered by `BPF_LINK_CREATE`.
pub const F_LINK: u32 = 1 << 13;
/// `BPF_PROG_TYPE_STRUCT_OPS`.
pub const PROG_TYPE: u32 = 27;

/// One struct_ops map as the object defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructOps {
    /// The object's BTF id of the struct.
    pub type_id: TypeId,
    /// The struct's name without any `___flavor` suffix (the kernel type
    /// looked up at load, as `bpf_struct_ops_<name>` and `<name>`).
    pub type_name: String,
    /// The variable's bytes in the object's layout of the struct (function
    /// pointer slots are zero).
    pub data: Vec<u8>,
    /// Registered through a BPF link (`.struct_ops.link`).
    pub link: bool,
    /// Created at load: false in a `?`-prefixed section (libbpf's
    /// `SEC("?.struct_ops")`), whose maps are not created and whose
    /// programs are not autoloaded unless another map points at them.
    pub autocreate: bool,
    /// One entry per member of the object's struct, in declaration order:
    /// the name of the program that member points at, if any.
    pub programs: Vec<Option<String>>,
}

/// Whether `name` is a section of struct_ops maps (with or without the
/// `?` prefix of maps not created by default).
pub fn is_section(name: &str) -> bool {
    let name = name.strip_prefix('?').unwrap_or(name);
    name == SECTION || name == LINK_SECTION
}

/// The struct_ops maps of every struct_ops section, with the programs their
/// members point at. `functions` and `programs` name the object's
/// functions (to find a relocation's target) and which of them are
/// struct_ops programs.
pub(crate) fn maps(
    elf: &Elf,
    btf: Option<&Btf>,
    functions: &[Function],
    struct_ops_programs: &[(usize, &str)],
) -> Result<Vec<MapDef>> {
    let mut out = Vec::new();
    for (index, sec) in elf.sections.iter().enumerate() {
        let Some(sec) = sec else { continue };
        if !is_section(&sec.name) {
            continue;
        }
        let sloc = format!("section `{}`", sec.name);
        let btf = btf.ok_or_else(|| {
            Error::malformed(
                &sloc,
                "struct_ops maps need a .BTF section (compile with -g)",
            )
        })?;
        let ds = btf
            .find(&sec.name, |k| matches!(k, Kind::Datasec { .. }))
            .ok_or_else(|| Error::malformed(&sloc, "no DATASEC of that name in .BTF"))?;
        let Kind::Datasec { vars, .. } = &btf.get(ds)?.kind else {
            continue;
        };
        let autocreate = !sec.name.starts_with('?');
        let link = sec.name.trim_start_matches('?') == LINK_SECTION;
        let first = out.len();
        for v in vars {
            let var = btf.get(v.ty)?;
            let loc = format!("struct_ops map `{}` in {sloc}", var.name);
            let Kind::Var { ty, .. } = var.kind else {
                return Err(Error::malformed(&loc, "DATASEC entry is not a VAR"));
            };
            let type_id = btf.resolve(ty)?;
            let t = btf.get(type_id)?;
            let Kind::Struct { size, members } = &t.kind else {
                return Err(Error::malformed(&loc, "its type is not a struct"));
            };
            if t.name.is_empty() {
                return Err(Error::unsupported(
                    &loc,
                    "an anonymous struct (the kernel type is found by the struct's name)",
                ));
            }
            let start = v.offset as usize;
            let data = start
                .checked_add(*size as usize)
                .and_then(|end| sec.data.get(start..end))
                .ok_or_else(|| {
                    Error::malformed(
                        &loc,
                        format!(
                            "{size} bytes at offset {start} run past the section's {} bytes",
                            sec.data.len()
                        ),
                    )
                })?
                .to_vec();
            let type_name = String::from_utf8_lossy(essential(t.name.as_bytes())).into_owned();
            let mut def = MapDef::new(
                var.name.clone(),
                &sec.name,
                index,
                u64::from(v.offset),
                MapOrigin::Btf,
            );
            def.map_type = map_type::STRUCT_OPS;
            def.key_size = 4;
            def.value_size = *size;
            def.max_entries = 1;
            def.map_flags = if link { F_LINK } else { 0 };
            def.struct_ops = Some(Box::new(StructOps {
                type_id,
                type_name,
                data,
                link,
                autocreate,
                programs: vec![None; members.len()],
            }));
            out.push(def);
        }
        for r in &sec.relocs {
            let rloc = format!("relocation in {sloc} at offset {:#x}", r.offset);
            let def = out
                .get_mut(first..)
                .unwrap_or_default()
                .iter_mut()
                .find(|m| r.offset >= m.offset && r.offset - m.offset < u64::from(m.value_size))
                .ok_or_else(|| Error::malformed(&rloc, "not inside any struct_ops variable"))?;
            let moff = r.offset - def.offset;
            let sym = elf.symbol(r.symbol).ok_or_else(|| {
                Error::malformed(&rloc, format!("symbol index {} does not exist", r.symbol))
            })?;
            let Some(ops) = def.struct_ops.as_mut() else {
                continue;
            };
            let Kind::Struct { members, .. } = &btf.get(ops.type_id)?.kind else {
                continue;
            };
            let (m, member) = members
                .iter()
                .enumerate()
                .find(|(_, m)| u64::from(m.bit_offset) == moff * 8)
                .ok_or_else(|| {
                    Error::malformed(
                        &rloc,
                        format!("no member of struct `{}` at byte {moff}", ops.type_name),
                    )
                })?;
            let mloc = format!("struct_ops map `{}`, member `{}`", def.name, member.name);
            if !is_func_ptr(btf, member.ty)? {
                return Err(Error::unsupported(
                    &mloc,
                    format!(
                        "a relocation to `{}` in a member that is not a function pointer",
                        sym.name
                    ),
                ));
            }
            let target = sym
                .section
                .filter(|_| sym.value % 8 == 0)
                .and_then(|s| {
                    functions
                        .iter()
                        .position(|f| f.section == s && f.start as u64 == sym.value / 8)
                })
                .ok_or_else(|| {
                    Error::malformed(
                        &mloc,
                        format!("`{}` is not a function of this object", sym.name),
                    )
                })?;
            let prog = struct_ops_programs
                .iter()
                .find(|(f, _)| *f == target)
                .map(|(_, name)| name.to_string())
                .ok_or_else(|| {
                    Error::malformed(
                        &mloc,
                        format!(
                            "`{}` is not a struct_ops program (its section must be \
                             `struct_ops/...` or `struct_ops.s/...`)",
                            sym.name
                        ),
                    )
                })?;
            if let Some(slot) = ops.programs.get_mut(m) {
                *slot = Some(prog);
            }
        }
    }
    Ok(out)
}

/// Whether `ty` is a pointer to a function prototype (through typedefs and
/// qualifiers).
pub fn is_func_ptr(btf: &Btf, ty: TypeId) -> Result<bool> {
    let Kind::Ptr(target) = btf.get(btf.resolve(ty)?)?.kind else {
        return Ok(false);
    };
    Ok(matches!(
        btf.get(btf.resolve(target)?)?.kind,
        Kind::FuncProto { .. }
    ))
}
