//! Extern variables and functions, as libbpf 1.7 collects them: `__kconfig`
//! values (the `.kconfig` DATASEC), `__ksym` kernel variables and kfuncs
//! (the `.ksyms` DATASEC). An extern is an undefined `STT_NOTYPE` symbol
//! bound `STB_GLOBAL` or `STB_WEAK` whose BTF is an extern `VAR` or `FUNC`.
//!
//! The externs are kept in libbpf's order (kconfig before ksyms; kconfig by
//! descending alignment, then ascending size, then name; ksyms by name):
//! the `.kconfig` map's layout and the immediate of a poisoned kfunc call
//! both follow from that order, so the same order gives the same bytes.
//!
//! Nothing here reads the running kernel: the loader resolves ksyms (BTF
//! ids, kallsyms addresses) and hands them to [`apply`].

use crate::btf::{Btf, Kind, KindTag, TypeId};
use crate::elf::{Elf, SymbolType};
use crate::error::{Error, Result};
use crate::insn::{CALL, PSEUDO_KFUNC_CALL};
use crate::reloc::LinkedProgram;

/// The `.kconfig` DATASEC (and map) name.
pub const KCONFIG_SEC: &str = ".kconfig";
/// The `.ksyms` DATASEC name.
pub const KSYMS_SEC: &str = ".ksyms";
/// `src_reg` of an `ld_imm64` loading a kernel variable by BTF id.
pub const PSEUDO_BTF_ID: u8 = 3;
/// libbpf's immediate for a call to an unresolved weak kfunc, plus the
/// extern's index: an invalid helper call the verifier rejects if reached.
pub const POISON_CALL_KFUNC_BASE: i32 = 2_002_000_000;

/// What C type a `__kconfig` extern has, which decides how a Kconfig value
/// is stored in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KconfigType {
    /// `bool` (1 byte).
    Bool,
    /// A 1-byte integer (`char`): `y`/`n`/`m` are stored as characters.
    Char,
    /// An integer of 2, 4 or 8 bytes.
    Int,
    /// `enum libbpf_tristate`.
    Tristate,
    /// `char[N]`: a quoted string.
    CharArray,
}

/// What kind of extern, with what its kind needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternKind {
    /// A `__kconfig` value in the `.kconfig` map.
    Kconfig {
        /// How a value is stored.
        ty: KconfigType,
        /// Byte size.
        size: u32,
        /// Alignment.
        align: u32,
        /// Whether an integer is signed.
        signed: bool,
        /// Byte offset in the `.kconfig` map's value.
        offset: u32,
    },
    /// A `__ksym` kernel variable or kfunc.
    Ksym {
        /// The local type (after modifiers and typedefs): the variable's
        /// type, or the function's prototype; 0 for a typeless ksym
        /// (`extern const void x __ksym`), resolved through kallsyms.
        type_id: TypeId,
        /// Whether it is a function (kfunc).
        func: bool,
    },
}

/// One extern of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extern {
    /// Its name as BTF spells it.
    pub name: String,
    /// Declared `__weak`: missing resolves to 0 instead of an error.
    pub weak: bool,
    /// Its `VAR` or `FUNC` id in the object's BTF.
    pub btf_id: TypeId,
    /// Kind and layout.
    pub kind: ExternKind,
    /// ELF symbol index (relocations name it).
    pub(crate) symbol: usize,
}

impl Extern {
    /// The name without a `___flavour` suffix (kfuncs are looked up by
    /// it): as libbpf, up to the last `X___Y` where neither `X` nor `Y` is
    /// an underscore.
    pub fn essential_name(&self) -> &str {
        let b = self.name.as_bytes();
        let cut = (0..b.len().saturating_sub(4)).rev().find(|&i| {
            b.get(i..i + 5).is_some_and(|w| {
                w[0] != b'_' && w[1] == b'_' && w[2] == b'_' && w[3] == b'_' && w[4] != b'_'
            })
        });
        match cut {
            Some(i) => self.name.get(..=i).unwrap_or(&self.name),
            None => &self.name,
        }
    }

    /// Whether this is a `__kconfig` extern.
    pub fn is_kconfig(&self) -> bool {
        matches!(self.kind, ExternKind::Kconfig { .. })
    }
}

/// How the loader resolved a ksym extern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Not found (or not yet looked up): a weak extern reads 0, a weak
    /// kfunc call is poisoned.
    Missing,
    /// Found in the kernel's BTF.
    BtfId {
        /// The `VAR` or `FUNC` id in that BTF.
        id: u32,
        /// The module BTF's fd (0 for vmlinux), written into a typed ksym's
        /// `ld_imm64`.
        btf_fd: i32,
        /// The module BTF's index in `fd_array` (0 for vmlinux), written
        /// into a kfunc call's `off`.
        fd_index: i16,
    },
    /// A typeless ksym's address from `/proc/kallsyms`.
    Address(u64),
}

/// Externs' relocations in one linked program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExternSlot {
    /// Instruction index in the linked program.
    pub insn: usize,
    /// Index into [`ObjectFile::externs`](crate::ObjectFile::externs).
    pub ext: usize,
    /// A call (kfunc) rather than an `ld_imm64`.
    pub call: bool,
}

/// Writes resolved ksyms into a linked program's instructions, as libbpf's
/// data relocation does: typed and resolved → `BPF_PSEUDO_BTF_ID` with the
/// id (and module BTF fd); otherwise the address (0 when missing); kfunc
/// calls → `BPF_PSEUDO_KFUNC_CALL` with the id and `fd_array` index, or a
/// poisoned helper call when missing.
pub fn apply(
    linked: &mut LinkedProgram,
    externs: &[Extern],
    resolved: &[Resolution],
) -> Result<()> {
    for slot in &linked.extern_slots {
        let loc = || format!("extern relocation at instruction {}", slot.insn);
        let ext = externs
            .get(slot.ext)
            .ok_or_else(|| Error::malformed(loc(), "extern index out of range"))?;
        let res = resolved
            .get(slot.ext)
            .copied()
            .unwrap_or(Resolution::Missing);
        let ExternKind::Ksym { type_id, .. } = ext.kind else {
            continue;
        };
        let ins = linked
            .insns
            .get_mut(slot.insn)
            .ok_or_else(|| Error::malformed(loc(), "out of range"))?;
        if slot.call {
            match res {
                Resolution::BtfId { id, fd_index, .. } => {
                    ins.set_src_reg(PSEUDO_KFUNC_CALL);
                    ins.imm = id as i32;
                    ins.off = fd_index;
                }
                _ => {
                    ins.code = CALL;
                    ins.regs = 0;
                    ins.off = 0;
                    let idx = i32::try_from(slot.ext).unwrap_or(i32::MAX);
                    ins.imm = POISON_CALL_KFUNC_BASE.saturating_add(idx);
                }
            }
            continue;
        }
        let (lo, hi) = match res {
            Resolution::BtfId { id, btf_fd, .. } if type_id != 0 => {
                ins.set_src_reg(PSEUDO_BTF_ID);
                (id as i32, btf_fd)
            }
            Resolution::Address(a) => (a as u32 as i32, (a >> 32) as u32 as i32),
            _ => (0, 0),
        };
        ins.imm = lo;
        let second = linked
            .insns
            .get_mut(slot.insn + 1)
            .ok_or_else(|| Error::malformed(loc(), "ld_imm64 is truncated"))?;
        second.imm = hi;
    }
    Ok(())
}

/// libbpf's `bpf_core_types_are_compat`, which decides whether a typed
/// ksym's local type (or a kfunc's local prototype) matches the kernel's:
/// same kinds after modifiers and typedefs (enums of either width match),
/// structs and unions by kind only, integers unless bitfield-like,
/// pointers and arrays by their targets, prototypes by arity, each
/// parameter and the return type; other kinds (floats, functions) do not
/// match. `Err` where libbpf gives an error (types nested too deeply),
/// which callers treat as incompatible, as libbpf does.
pub fn types_are_compat(local: &Btf, l: TypeId, target: &Btf, t: TypeId) -> Result<bool> {
    compat(local, l, target, t, 32)
}

fn kinds_compat(a: KindTag, b: KindTag) -> bool {
    a == b
}

fn compat(local: &Btf, mut l: TypeId, target: &Btf, mut t: TypeId, level: u32) -> Result<bool> {
    let too_deep = || Error::malformed(".BTF", "types nest too deeply to compare");
    if !kinds_compat(local.view(l)?.tag(), target.view(t)?.tag()) {
        return Ok(false);
    }
    for _ in 0..32 {
        l = local.resolve(l)?;
        t = target.resolve(t)?;
        let (lv, tv) = (local.view(l)?, target.view(t)?);
        if !kinds_compat(lv.tag(), tv.tag()) {
            return Ok(false);
        }
        match lv.tag() {
            KindTag::Void | KindTag::Struct | KindTag::Union | KindTag::Enum | KindTag::Fwd => {
                return Ok(true)
            }
            KindTag::Int => return Ok(lv.int_offset() == Some(0) && tv.int_offset() == Some(0)),
            KindTag::Ptr => {
                l = lv.referenced().unwrap_or(0);
                t = tv.referenced().unwrap_or(0);
            }
            KindTag::Array => {
                l = lv.array().map_or(0, |a| a.0);
                t = tv.array().map_or(0, |a| a.0);
            }
            KindTag::FuncProto => {
                if lv.vlen() != tv.vlen() {
                    return Ok(false);
                }
                for i in 0..lv.vlen() {
                    if level == 0 {
                        return Err(too_deep());
                    }
                    let (Some(lp), Some(tp)) = (lv.proto_param(i), tv.proto_param(i)) else {
                        return Err(Error::malformed(".BTF", "truncated FUNC_PROTO"));
                    };
                    let (lp, tp) = (local.resolve(lp)?, target.resolve(tp)?);
                    if !compat(local, lp, target, tp, level - 1)? {
                        return Ok(false);
                    }
                }
                l = lv.proto_ret().unwrap_or(0);
                t = tv.proto_ret().unwrap_or(0);
            }
            // libbpf warns and answers "incompatible".
            _ => return Ok(false),
        }
    }
    Err(too_deep())
}

/// libbpf's `btf__align_of`.
fn align_of(btf: &Btf, id: TypeId, depth: u32) -> Result<u32> {
    let id = btf.resolve(id)?;
    let fail = || {
        Error::malformed(
            ".BTF",
            format!("cannot determine the alignment of type {id}"),
        )
    };
    if depth > 32 {
        return Err(fail());
    }
    match &btf.get(id)?.kind {
        Kind::Int { size, .. } | Kind::Enum { size, .. } | Kind::Float { size } => {
            Ok((*size).clamp(1, 8))
        }
        Kind::Ptr(_) => Ok(8),
        Kind::Array { elem, .. } => align_of(btf, *elem, depth + 1),
        Kind::Struct { members, .. } | Kind::Union { members, .. } => {
            let mut max = 1;
            for m in members {
                max = max.max(align_of(btf, m.ty, depth + 1)?);
            }
            Ok(max)
        }
        _ => Err(fail()),
    }
}

/// libbpf's `find_kcfg_type`: (type, signed), or `None` if unsupported.
fn kconfig_type(btf: &Btf, id: TypeId, depth: u32) -> Result<Option<(KconfigType, bool)>> {
    let id = btf.resolve(id)?;
    let t = btf.get(id)?;
    Ok(match &t.kind {
        Kind::Int {
            size, signed, bool, ..
        } => {
            if *bool {
                (*size == 1).then_some((KconfigType::Bool, false))
            } else if *size == 1 {
                Some((KconfigType::Char, *signed))
            } else if !size.is_power_of_two() || *size > 8 {
                None
            } else {
                Some((KconfigType::Int, *signed))
            }
        }
        Kind::Enum { size, .. } if t.name == "libbpf_tristate" && (*size == 4 || *size == 8) => {
            Some((KconfigType::Tristate, false))
        }
        Kind::Array { elem, len, .. } if *len > 0 && depth == 0 => {
            match kconfig_type(btf, *elem, depth + 1)? {
                Some((KconfigType::Char, _)) => Some((KconfigType::CharArray, false)),
                _ => None,
            }
        }
        _ => None,
    })
}

/// libbpf's order (`cmp_externs`).
fn order(a: &Extern, b: &Extern) -> std::cmp::Ordering {
    use ExternKind::*;
    match (&a.kind, &b.kind) {
        (Kconfig { .. }, Ksym { .. }) => std::cmp::Ordering::Less,
        (Ksym { .. }, Kconfig { .. }) => std::cmp::Ordering::Greater,
        (
            Kconfig {
                align: aa,
                size: sa,
                ..
            },
            Kconfig {
                align: ab,
                size: sb,
                ..
            },
        ) => ab.cmp(aa).then(sa.cmp(sb)).then(a.name.cmp(&b.name)),
        _ => a.name.cmp(&b.name),
    }
}

/// Collects the object's externs and rewrites its BTF as libbpf does so
/// that the kernel accepts it: `.ksyms` entries become allocated 4-byte
/// `int` variables (a function's entry is replaced by an added
/// `dummy_ksym` variable, the function made global, its unnamed
/// parameters named), and `.kconfig` variables get their offsets in the
/// `.kconfig` map.
pub(crate) fn collect(elf: &Elf, btf: &mut Option<Btf>) -> Result<Vec<Extern>> {
    let syms: Vec<(usize, &str, bool)> = elf
        .symbols
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((i, s.as_ref()?)))
        .filter(|(_, s)| s.undefined && s.global && s.kind == SymbolType::NoType)
        .filter(|(_, s)| !s.name.is_empty())
        .map(|(i, s)| (i, s.name.as_str(), s.weak))
        .collect();
    if syms.is_empty() {
        return Ok(Vec::new());
    }
    let Some(b) = btf.as_mut() else {
        return Err(Error::malformed(
            format!("extern `{}`", syms.first().map_or("", |s| s.1)),
            "externs need the object's BTF (compile with -g)",
        ));
    };
    let find_sec = |b: &Btf, name: &str| b.find(name, |k| matches!(k, Kind::Datasec { .. }));
    let int_id = b
        .types()
        .find(|(_, t)| matches!(t.kind, Kind::Int { bits: 32, .. }))
        .map_or(0, |(id, _)| id);

    // libbpf adds the dummy variable before looking at any symbol.
    let mut dummy = None;
    if let Some(ks) = find_sec(b, KSYMS_SEC) {
        let has_func = match &b.get(ks)?.kind {
            Kind::Datasec { vars, .. } => vars
                .iter()
                .any(|v| matches!(b.get(v.ty).map(|t| &t.kind), Ok(Kind::Func { .. }))),
            _ => false,
        };
        if has_func {
            let (nb, id, name_off) = b.with_var("dummy_ksym", int_id, 1)?;
            *b = nb;
            dummy = Some((id, name_off));
        }
    }

    let mut externs = Vec::with_capacity(syms.len());
    for (symbol, name, weak) in syms {
        let loc = || format!("extern `{name}`");
        let Some((btf_id, t)) = b.types().find(|(_, t)| {
            matches!(t.kind, Kind::Var { .. } | Kind::Func { .. }) && t.name == name
        }) else {
            return Err(Error::malformed(loc(), "no BTF VAR or FUNC of that name"));
        };
        let (ty, func) = match t.kind {
            Kind::Var { ty, linkage: 2 } => (ty, false),
            Kind::Func { proto, linkage: 2 } => (proto, true),
            _ => {
                return Err(Error::malformed(
                    loc(),
                    "its BTF does not have extern linkage",
                ))
            }
        };
        let sec = b.types().find_map(|(_, s)| match &s.kind {
            Kind::Datasec { vars, .. } if vars.iter().any(|v| v.ty == btf_id) => {
                Some(s.name.clone())
            }
            _ => None,
        });
        let kind = match sec.as_deref() {
            Some(KCONFIG_SEC) => {
                if func {
                    return Err(Error::unsupported(
                        loc(),
                        "an extern function in section .kconfig",
                    ));
                }
                let size = b.size_of(ty)?;
                let align = align_of(b, ty, 0)?;
                let (kty, signed) = kconfig_type(b, ty, 0)?
                    .ok_or_else(|| Error::unsupported(loc(), "its type as a __kconfig value"))?;
                if size == 0 {
                    return Err(Error::malformed(loc(), "size 0"));
                }
                ExternKind::Kconfig {
                    ty: kty,
                    size,
                    align,
                    signed,
                    offset: 0,
                }
            }
            Some(KSYMS_SEC) => ExternKind::Ksym {
                type_id: b.resolve(ty)?,
                func,
            },
            Some(other) => {
                return Err(Error::unsupported(
                    loc(),
                    format!("extern section `{other}` (only .kconfig and .ksyms exist)"),
                ))
            }
            None => return Err(Error::malformed(loc(), "in no BTF DATASEC")),
        };
        externs.push(Extern {
            name: name.to_string(),
            weak,
            btf_id,
            kind,
            symbol,
        });
    }
    externs.sort_by(order);

    // .kconfig offsets, in order.
    let mut off = 0u32;
    for e in &mut externs {
        if let ExternKind::Kconfig {
            size,
            align,
            offset,
            ..
        } = &mut e.kind
        {
            *offset = off
                .div_ceil(*align)
                .checked_mul(*align)
                .and_then(|o| Some((o, o.checked_add(*size)?)))
                .map(|(o, end)| {
                    off = end;
                    o
                })
                .ok_or_else(|| {
                    Error::malformed(
                        format!("extern `{}`", e.name),
                        "the .kconfig map would exceed 4 GiB",
                    )
                })?;
        }
    }
    let by_name = |name: &str| externs.iter().find(|e| e.name == name);

    if let Some(ks) = find_sec(b, KSYMS_SEC) {
        let Kind::Datasec { vars, .. } = b.get(ks)?.kind.clone() else {
            return Ok(externs);
        };
        let mut off = 0u32;
        for (i, v) in vars.iter().enumerate() {
            let vt = b.get(v.ty)?.clone();
            if by_name(&vt.name).is_none() {
                return Err(Error::malformed(
                    format!("DATASEC `{KSYMS_SEC}`"),
                    format!("`{}` has no extern symbol", vt.name),
                ));
            }
            let at = 12 + i * 12;
            match vt.kind {
                Kind::Func { proto, .. } => {
                    let (dummy_id, dummy_name) = dummy.ok_or_else(|| {
                        Error::malformed(format!("DATASEC `{KSYMS_SEC}`"), "no dummy variable")
                    })?;
                    if let Kind::FuncProto { params, .. } = b.get(proto)?.kind.clone() {
                        for (j, p) in params.iter().enumerate() {
                            if p.ty != 0 && p.name.is_empty() {
                                b.patch_record(proto, 12 + j * 8, dummy_name)?;
                            }
                        }
                    }
                    b.patch_record(ks, at, dummy_id)?;
                    let info = b.record_word(v.ty, 4)?;
                    b.patch_record(v.ty, 4, (info & !0xffff) | 1)?;
                }
                _ => {
                    b.patch_record(v.ty, 12, 1)?;
                    b.patch_record(v.ty, 8, int_id)?;
                }
            }
            b.patch_record(ks, at + 4, off)?;
            b.patch_record(ks, at + 8, 4)?;
            off += 4;
        }
        b.patch_record(ks, 8, off)?;
        b.sort_datasec(ks)?;
    }
    if let Some(ks) = find_sec(b, KCONFIG_SEC) {
        let Kind::Datasec { vars, .. } = b.get(ks)?.kind.clone() else {
            return Ok(externs);
        };
        b.patch_record(ks, 8, off)?;
        for (i, v) in vars.iter().enumerate() {
            let name = b.get(v.ty)?.name.clone();
            let Some(ExternKind::Kconfig { offset, .. }) = by_name(&name).map(|e| &e.kind) else {
                return Err(Error::malformed(
                    format!("DATASEC `{KCONFIG_SEC}`"),
                    format!("`{name}` has no extern symbol"),
                ));
            };
            b.patch_record(v.ty, 12, 1)?;
            b.patch_record(ks, 12 + i * 12 + 4, *offset)?;
        }
        b.sort_datasec(ks)?;
    }
    *b = b.reparsed()?;
    Ok(externs)
}

/// The `.kconfig` map's value size: the end of its last extern.
pub(crate) fn kconfig_size(externs: &[Extern]) -> Option<u32> {
    externs.iter().rev().find_map(|e| match e.kind {
        ExternKind::Kconfig { offset, size, .. } => Some(offset.saturating_add(size)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(name: &str) -> Extern {
        Extern {
            name: name.to_string(),
            weak: false,
            btf_id: 0,
            kind: ExternKind::Ksym {
                type_id: 0,
                func: true,
            },
            symbol: 0,
        }
    }

    #[test]
    fn essential_names_cut_at_the_last_flavour_separator_as_libbpf() {
        assert_eq!(ext("bpf_foo___v2").essential_name(), "bpf_foo");
        assert_eq!(ext("a___b___c").essential_name(), "a___b");
        assert_eq!(ext("bpf_foo").essential_name(), "bpf_foo");
        assert_eq!(ext("a____b").essential_name(), "a____b");
        assert_eq!(ext("___x").essential_name(), "___x");
        assert_eq!(ext("x___").essential_name(), "x___");
    }
}
