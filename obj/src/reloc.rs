//! Relocation and linking: turns one program of an [`ObjectFile`] into the
//! final instruction stream the kernel verifies, with every used subprogram
//! appended once (depth-first, in libbpf's order), call offsets fixed, map and global-data references turned
//! into pseudo loads, and func/line info rebased. No system calls: map file
//! descriptors are filled in by the loader at [`LinkedProgram::map_slots`],
//! and they do not affect the program's hash.

use std::collections::BTreeSet;

use crate::btf_ext::LineInfo;
use crate::error::{Error, Result};
use crate::externs::{ExternKind, ExternSlot};
use crate::insn::{Insn, PSEUDO_FUNC, PSEUDO_MAP_FD, PSEUDO_MAP_VALUE};
use crate::{is_func, Function, ObjectFile, RelocTarget};

/// A `bpf_func_info` record as `BPF_PROG_LOAD` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FuncInfoRec {
    /// Instruction index where the function starts.
    pub insn_off: u32,
    /// Its `BTF_KIND_FUNC` id.
    pub type_id: u32,
}

/// A program ready to load.
#[derive(Debug, Clone)]
pub struct LinkedProgram {
    /// The instructions, with map fd immediates left 0.
    pub insns: Vec<Insn>,
    /// (instruction index of an `ld_imm64`, map index): where the loader
    /// writes each map's fd.
    pub map_slots: Vec<(usize, usize)>,
    /// Every map the program references (directly or via subprograms).
    pub maps_used: BTreeSet<usize>,
    /// Function info, empty if the object has none for some function.
    pub func_info: Vec<FuncInfoRec>,
    /// Line info (instruction offsets), empty when `func_info` is.
    pub line_info: Vec<LineInfo>,
    /// The functions appended after the entry point, in order.
    pub subprograms: Vec<String>,
    /// Instructions CO-RE poisoned: (instruction index in `insns`, which
    /// relocation failed and why).
    pub core_failures: Vec<(usize, String)>,
    /// The first CO-RE relocation of the program's functions that could
    /// not be applied at all: the program cannot load (its instructions
    /// are only partly relocated), other programs are unaffected.
    pub core_error: Option<Error>,
    /// `__ksym` references (variables and kfunc calls), written by
    /// [`externs::apply`](crate::externs::apply) once resolved.
    pub extern_slots: Vec<ExternSlot>,
    /// Every extern the program references (indices into
    /// [`ObjectFile::externs`]), `__kconfig` ones included.
    pub externs_used: BTreeSet<usize>,
}

/// Finds the function of `section` containing instruction `insn`.
fn locate(obj: &ObjectFile, section: usize, insn: usize) -> Option<(usize, usize)> {
    obj.functions
        .iter()
        .position(|f| f.section == section && (f.start..f.start + f.insns.len()).contains(&insn))
        .and_then(|i| Some((i, insn - obj.functions.get(i)?.start)))
}

/// Links program `prog` (an index into [`ObjectFile::programs`]).
pub fn link(obj: &ObjectFile, prog: usize) -> Result<LinkedProgram> {
    let def = obj.programs.get(prog).ok_or_else(|| Error::NotFound {
        kind: "program",
        name: format!("#{prog}"),
    })?;
    let root = def.function;
    let root_fn = obj.functions.get(root).ok_or_else(|| {
        Error::malformed(format!("program `{}`", def.name), "entry function missing")
    })?;
    let mut out: Vec<Insn> = root_fn.insns.clone();
    // (function index, base instruction index in `out`), in append order.
    let mut placed: Vec<(usize, usize)> = vec![(root, 0)];
    let mut map_slots = Vec::new();
    let mut maps_used = BTreeSet::new();
    let mut extern_slots = Vec::new();
    let mut externs_used = BTreeSet::new();

    // Depth-first, as libbpf does: a newly appended callee's own calls are
    // relocated (and its callees appended) before the caller's next
    // relocation. The same layout gives the same digest as libbpf, so an
    // exclusive map's hash means the same program whichever loader loads
    // it. An explicit stack of (function, base, next relocation) instead of
    // recursion keeps untrusted call graphs off the native stack.
    let mut stack: Vec<(usize, usize, usize)> = vec![(root, 0, 0)];
    while let Some(top) = stack.last_mut() {
        let (fi, base, ri) = *top;
        let f: &Function = obj.functions.get(fi).ok_or_else(|| {
            Error::malformed(
                format!("program `{}`", def.name),
                "function index out of range",
            )
        })?;
        let Some(&(local, target)) = f.relocs.get(ri) else {
            stack.pop();
            continue;
        };
        top.2 += 1;
        let at = base + local;
        let loc = || {
            format!(
                "function `{}` in section `{}`, instruction {}",
                f.name,
                f.section_name,
                f.start + local
            )
        };
        match target {
            RelocTarget::ExternLd(e) | RelocTarget::ExternCall(e) => {
                let ext = obj
                    .externs
                    .get(e)
                    .ok_or_else(|| Error::malformed(loc(), "extern index out of range"))?;
                externs_used.insert(e);
                let call = matches!(target, RelocTarget::ExternCall(_));
                match (&ext.kind, obj.kconfig_map) {
                    (ExternKind::Kconfig { offset, .. }, Some(m)) if !call => {
                        // A `__kconfig` value: its offset in the `.kconfig` map.
                        let first = out
                            .get_mut(at)
                            .ok_or_else(|| Error::malformed(loc(), "out of range"))?;
                        first.set_src_reg(PSEUDO_MAP_VALUE);
                        first.imm = 0;
                        let hi = out
                            .get_mut(at + 1)
                            .ok_or_else(|| Error::malformed(loc(), "ld_imm64 is truncated"))?;
                        hi.imm = *offset as i32;
                        map_slots.push((at, m));
                        maps_used.insert(m);
                    }
                    (ExternKind::Ksym { func, .. }, _) if !call || *func => {
                        extern_slots.push(ExternSlot {
                            insn: at,
                            ext: e,
                            call,
                        });
                    }
                    _ => {
                        return Err(Error::malformed(
                            loc(),
                            format!("extern `{}` is called but is not a function", ext.name),
                        ))
                    }
                }
            }
            RelocTarget::Map(m) | RelocTarget::Data { map: m, .. } => {
                let (src, second) = match target {
                    RelocTarget::Data { offset, .. } => (PSEUDO_MAP_VALUE, offset as i32),
                    _ => (PSEUDO_MAP_FD, 0),
                };
                let first = out
                    .get_mut(at)
                    .ok_or_else(|| Error::malformed(loc(), "out of range"))?;
                first.set_src_reg(src);
                first.imm = 0;
                let hi = out
                    .get_mut(at + 1)
                    .ok_or_else(|| Error::malformed(loc(), "ld_imm64 is truncated"))?;
                hi.imm = second;
                map_slots.push((at, m));
                maps_used.insert(m);
            }
            RelocTarget::Call { section, insn } | RelocTarget::FuncPtr { section, insn } => {
                let (callee, within) = locate(obj, section, insn).ok_or_else(|| {
                    Error::malformed(
                        loc(),
                        format!("call target (instruction {insn}) is not inside any function"),
                    )
                })?;
                let callee_base = match placed.iter().find(|&&(f, _)| f == callee) {
                    Some(&(_, b)) => b,
                    None => {
                        let b = out.len();
                        let cf = obj
                            .functions
                            .get(callee)
                            .ok_or_else(|| Error::malformed(loc(), "callee index out of range"))?;
                        out.extend_from_slice(&cf.insns);
                        placed.push((callee, b));
                        stack.push((callee, b, 0));
                        b
                    }
                };
                let rel = (callee_base + within) as i64 - at as i64 - 1;
                let rel = i32::try_from(rel)
                    .map_err(|_| Error::malformed(loc(), "call offset overflows"))?;
                let ins = out
                    .get_mut(at)
                    .ok_or_else(|| Error::malformed(loc(), "out of range"))?;
                ins.imm = rel;
                if matches!(target, RelocTarget::FuncPtr { .. }) {
                    ins.set_src_reg(PSEUDO_FUNC);
                    if let Some(hi) = out.get_mut(at + 1) {
                        hi.imm = 0;
                    }
                }
            }
        }
    }
    if out.len() > crate::MAX_INSNS {
        return Err(Error::malformed(
            format!("program `{}`", def.name),
            format!("{} instructions after linking", out.len()),
        ));
    }

    // Func and line info: all or nothing, as the kernel needs a func_info
    // record for every subprogram once any is given.
    let mut func_info = Vec::new();
    let mut line_info = Vec::new();
    let complete = obj.btf.as_ref().is_some_and(|btf| {
        placed.iter().all(|&(f, _)| {
            obj.functions
                .get(f)
                .and_then(|f| f.func_info)
                .is_some_and(|t| is_func(btf, t))
        })
    });
    if complete {
        for &(f, base) in &placed {
            let Some(func) = obj.functions.get(f) else {
                continue;
            };
            if let Some(type_id) = func.func_info {
                func_info.push(FuncInfoRec {
                    insn_off: base as u32,
                    type_id,
                });
            }
            line_info.extend(func.line_info.iter().map(|li| LineInfo {
                insn_off: li.insn_off + base as u32,
                ..*li
            }));
        }
    }
    let core_failures = placed
        .iter()
        .filter_map(|&(f, base)| Some((obj.functions.get(f)?, base)))
        .flat_map(|(f, base)| {
            f.core_failures
                .iter()
                .map(move |(at, why)| (base + at, why.clone()))
        })
        .collect();
    let core_error = placed
        .iter()
        .find_map(|&(f, _)| obj.functions.get(f)?.core_error.clone());
    let subprograms = placed
        .iter()
        .skip(1)
        .filter_map(|&(f, _)| obj.functions.get(f).map(|f| f.name.clone()))
        .collect();
    Ok(LinkedProgram {
        insns: out,
        map_slots,
        maps_used,
        func_info,
        line_info,
        subprograms,
        core_failures,
        core_error,
        extern_slots,
        externs_used,
    })
}
