//! CO-RE ("compile once, run everywhere") relocations: instructions whose
//! immediates or offsets clang computed against the object's own view of a
//! kernel type (`preserve_access_index`, `BPF_CORE_READ`,
//! `bpf_core_field_exists`...) are rewritten for the target kernel's BTF.
//!
//! For each relocation: the access string (`0:1:2`) is walked through the
//! local type to a spec (named member accesses and array indices); target
//! candidates are the kernel types with the same essential name (the name
//! up to any `___flavor` suffix) and kind; each candidate is matched by
//! member names (looking through anonymous members) with compatible member
//! types; all matching candidates must agree. The instruction is then
//! patched: an ALU/MOV immediate, a load/store offset (with the load size
//! adjusted when the field's size changed), or an `ld_imm64` constant. A
//! field or type missing in the target yields 0 for the `exists` kinds and
//! otherwise poisons the instruction, as libbpf does, so that the program
//! fails verification only if that instruction can run.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::btf::{essential, Btf, KindTag, TypeId, TypeView};
use crate::btf_ext::CoreReloRec;
use crate::error::{Error, Result};
use crate::insn::{Insn, LD_IMM64};
use crate::ObjectFile;

/// `enum bpf_core_relo_kind`.
#[allow(missing_docs)]
pub mod kind {
    pub const FIELD_BYTE_OFFSET: u32 = 0;
    pub const FIELD_BYTE_SIZE: u32 = 1;
    pub const FIELD_EXISTS: u32 = 2;
    pub const FIELD_SIGNED: u32 = 3;
    pub const FIELD_LSHIFT_U64: u32 = 4;
    pub const FIELD_RSHIFT_U64: u32 = 5;
    pub const TYPE_ID_LOCAL: u32 = 6;
    pub const TYPE_ID_TARGET: u32 = 7;
    pub const TYPE_EXISTS: u32 = 8;
    pub const TYPE_SIZE: u32 = 9;
    pub const ENUMVAL_EXISTS: u32 = 10;
    pub const ENUMVAL_VALUE: u32 = 11;
    pub const TYPE_MATCHES: u32 = 12;
}

/// The helper id libbpf calls in a poisoned instruction (0xbad2310).
const POISON_HELPER: i32 = 0x0bad_2310;

/// Member lookups in the target: (composite type id, member name) to the
/// member found, if any.
type MemberMemo = HashMap<(TypeId, Vec<u8>), Option<Field>>;

/// Candidates found so far: by kind, then by essential name.
type CandCache = HashMap<KindTag, HashMap<Vec<u8>, Arc<[TypeId]>>>;

/// A target BTF (typically the running kernel's) for CO-RE. There is no
/// index of the whole target: the candidates for the few names an object
/// mentions are found by one linear pass comparing names in place, and
/// remembered for later objects.
pub struct Target {
    btf: Arc<Btf>,
    candidates: Mutex<CandCache>,
    /// Member lookups done so far: (composite type id, member name) to
    /// the member found (looking through anonymous members), so later
    /// objects in the process do not walk the same kernel structs again.
    members: Mutex<MemberMemo>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("types", &self.btf.len())
            .finish()
    }
}

impl Target {
    /// A CO-RE target over `btf`. Nothing is indexed here.
    pub fn new(btf: Arc<Btf>) -> Self {
        Target {
            btf,
            candidates: Mutex::new(HashMap::new()),
            members: Mutex::new(HashMap::new()),
        }
    }

    /// The target BTF.
    pub fn btf(&self) -> &Btf {
        &self.btf
    }

    /// The candidates for every (kind, essential name) in `wanted`, in
    /// order: the target types of that kind whose essential name (up to
    /// any `___flavor`) is that name. Those not asked for before are found
    /// in one pass over the target.
    pub fn prepare(&self, wanted: &[(KindTag, &[u8])]) -> Result<Vec<Arc<[TypeId]>>> {
        let mut cache = self
            .candidates
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let cached = |cache: &CandCache, tag: KindTag, name: &[u8]| {
            cache.get(&tag).and_then(|m| m.get(name)).map(Arc::clone)
        };
        let mut missing: Vec<(KindTag, &[u8])> = wanted
            .iter()
            .copied()
            .filter(|&(tag, name)| cached(&cache, tag, name).is_none())
            .collect();
        if !missing.is_empty() {
            missing.sort_unstable();
            missing.dedup();
            let found = self.btf.find_by_essential_names(&missing);
            for ((tag, name), ids) in missing.into_iter().zip(found) {
                cache
                    .entry(tag)
                    .or_default()
                    .insert(name.to_vec(), ids.into());
            }
        }
        Ok(wanted
            .iter()
            .map(|&(tag, name)| cached(&cache, tag, name).unwrap_or_else(|| Arc::from(Vec::new())))
            .collect())
    }
}

impl Target {
    /// [`find_member`] in the target, remembered per (type, name).
    fn member(&self, id: TypeId, name: &[u8]) -> Result<Option<Field>> {
        let key = (id, name.to_vec());
        if let Some(f) = self
            .members
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            return Ok(*f);
        }
        let f = find_member(&self.btf, id, name, 0)?;
        self.members
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, f);
        Ok(f)
    }
}

/// One step of a field access, as matched against a target.
#[derive(Debug, Clone)]
enum Step<'a> {
    /// A named member (its name's bytes in the local BTF).
    Member(&'a [u8]),
    /// An array element.
    Index(u32),
}

/// A field access resolved in one BTF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Field {
    bit_offset: u64,
    /// The field's type (unresolved).
    ty: TypeId,
    /// Bitfield width, 0 for a whole field.
    bitfield: u32,
}

/// Whether a resolved type is a struct or union (and which).
fn composite(btf: &Btf, id: TypeId) -> Option<bool> {
    match btf.view(id).ok()?.tag() {
        KindTag::Struct => Some(false),
        KindTag::Union => Some(true),
        _ => None,
    }
}

/// libbpf-style field compatibility: integers and enums with each other,
/// pointers with pointers, composites of the same kind and essential name
/// (or anonymous), arrays of compatible elements, floats.
fn fields_compatible(local: &Btf, l: TypeId, target: &Btf, t: TypeId, depth: u32) -> Result<bool> {
    if depth > 32 {
        return Ok(false);
    }
    let (l, t) = (local.resolve(l)?, target.resolve(t)?);
    let (lt, tt) = (local.view(l)?, target.view(t)?);
    use KindTag as K;
    Ok(match (lt.tag(), tt.tag()) {
        (K::Int | K::Enum, K::Int | K::Enum) => true,
        (K::Ptr, K::Ptr) | (K::Float, K::Float) => true,
        (K::Struct, K::Struct) | (K::Union, K::Union) => {
            let (ln, tn) = (lt.name()?, tt.name()?);
            ln.is_empty() || tn.is_empty() || essential(ln) == essential(tn)
        }
        (K::Array, K::Array) => match (lt.array(), tt.array()) {
            (Some((le, _, _)), Some((te, _, _))) => {
                fields_compatible(local, le, target, te, depth + 1)?
            }
            _ => false,
        },
        _ => false,
    })
}

/// Finds member `name` in composite `id`, looking through anonymous
/// members; returns its (bit offset from `id`, type, bitfield width).
/// Names are compared in place.
fn find_member(btf: &Btf, id: TypeId, name: &[u8], depth: u32) -> Result<Option<Field>> {
    if depth > 32 {
        return Ok(None);
    }
    let id = btf.resolve(id)?;
    let v = btf.view(id)?;
    if !matches!(v.tag(), KindTag::Struct | KindTag::Union) {
        return Ok(None);
    }
    for m in v.members() {
        if v.name_is(m.name_off, name) {
            return Ok(Some(Field {
                bit_offset: u64::from(m.bit_offset),
                ty: m.ty,
                bitfield: m.bitfield_size,
            }));
        }
        if v.name_is(m.name_off, b"") && composite(btf, btf.resolve(m.ty)?).is_some() {
            if let Some(f) = find_member(btf, m.ty, name, depth + 1)? {
                return Ok(Some(Field {
                    bit_offset: f.bit_offset + u64::from(m.bit_offset),
                    ..f
                }));
            }
        }
    }
    Ok(None)
}

/// `index * size * 8` bits, or an error if it overflows.
fn bits(index: u32, size: u32, loc: &str) -> Result<u64> {
    u64::from(index)
        .checked_mul(u64::from(size))
        .and_then(|b| b.checked_mul(8))
        .ok_or_else(|| Error::malformed(loc, "CO-RE access offset overflows"))
}

/// `a + b`, or an error if it overflows.
fn add(a: u64, b: u64, loc: &str) -> Result<u64> {
    a.checked_add(b)
        .ok_or_else(|| Error::malformed(loc, "CO-RE access offset overflows"))
}

fn parse_access(rec: &CoreReloRec, loc: &str) -> Result<Vec<u32>> {
    let idx: Option<Vec<u32>> = rec.access.split(':').map(|p| p.parse().ok()).collect();
    match idx {
        Some(v) if !v.is_empty() && v.len() <= 64 => Ok(v),
        _ => Err(Error::malformed(
            loc,
            format!("bad CO-RE access string `{}`", rec.access),
        )),
    }
}

/// Walks the local access; returns the field and the steps to match.
fn local_field<'a>(
    btf: &'a Btf,
    root: TypeId,
    access: &[u32],
    loc: &str,
) -> Result<(Field, Vec<Step<'a>>)> {
    let bad = |m: &str| Error::malformed(loc, format!("CO-RE access: {m}"));
    let first = *access.first().ok_or_else(|| bad("empty"))?;
    let mut field = Field {
        bit_offset: bits(first, btf.size_of(root)?, loc)?,
        ty: root,
        bitfield: 0,
    };
    let mut steps = Vec::new();
    for &i in access.get(1..).unwrap_or_default() {
        let t = btf.resolve(field.ty)?;
        let v = btf.view(t)?;
        match v.tag() {
            KindTag::Struct | KindTag::Union => {
                let m = v
                    .member(i)
                    .ok_or_else(|| bad("member index out of range"))?;
                field = Field {
                    bit_offset: add(field.bit_offset, u64::from(m.bit_offset), loc)?,
                    ty: m.ty,
                    bitfield: m.bitfield_size,
                };
                // Anonymous members are looked through by name in the target.
                let name = v.string(m.name_off)?;
                if !name.is_empty() {
                    steps.push(Step::Member(name));
                }
            }
            KindTag::Array => {
                let (elem, _, _) = v.array().ok_or_else(|| bad("truncated array"))?;
                field = Field {
                    bit_offset: add(field.bit_offset, bits(i, btf.size_of(elem)?, loc)?, loc)?,
                    ty: elem,
                    bitfield: 0,
                };
                steps.push(Step::Index(i));
            }
            _ => return Err(bad("steps into a type that is neither composite nor array")),
        }
    }
    Ok((field, steps))
}

/// Matches the local steps against target root `root`.
fn target_field(
    local: &Btf,
    local_field: &Field,
    tgt: &Target,
    root: TypeId,
    first: u32,
    steps: &[Step<'_>],
    loc: &str,
) -> Result<Option<Field>> {
    let target = tgt.btf();
    let mut field = Field {
        bit_offset: bits(first, target.size_of(root)?, loc)?,
        ty: root,
        bitfield: 0,
    };
    for step in steps {
        match step {
            Step::Member(name) => match tgt.member(field.ty, name)? {
                Some(f) => {
                    field = Field {
                        bit_offset: add(field.bit_offset, f.bit_offset, loc)?,
                        ..f
                    }
                }
                None => return Ok(None),
            },
            Step::Index(i) => {
                let t = target.resolve(field.ty)?;
                let Some((elem, _, len)) = target.view(t)?.array() else {
                    return Ok(None);
                };
                if len != 0 && *i >= len {
                    return Ok(None);
                }
                field = Field {
                    bit_offset: add(field.bit_offset, bits(*i, target.size_of(elem)?, loc)?, loc)?,
                    ty: elem,
                    bitfield: 0,
                };
            }
        }
    }
    if !steps.is_empty() && !fields_compatible(local, local_field.ty, target, field.ty, 0)? {
        return Ok(None);
    }
    Ok(Some(field))
}

/// The value a field relocation of `kind` computes for `f` in `btf`.
fn field_value(btf: &Btf, f: &Field, kind: u32) -> Result<u64> {
    let ty = btf.resolve(f.ty)?;
    let size = u64::from(btf.size_of(ty)?);
    let (byte_off, byte_sz, bit_sz) = if f.bitfield == 0 {
        (f.bit_offset / 8, size, size * 8)
    } else {
        // The smallest naturally aligned load unit, starting from the
        // field's own type size, that holds all of the bitfield's bits.
        let bit_sz = u64::from(f.bitfield);
        let mut sz = size.max(1);
        let mut off = f.bit_offset / 8 / sz * sz;
        let end = f
            .bit_offset
            .checked_add(bit_sz)
            .ok_or_else(|| Error::malformed("CO-RE", "bitfield offset overflows"))?;
        while end - off * 8 > sz * 8 {
            if sz >= 8 {
                return Err(Error::unsupported(
                    "CO-RE",
                    "bitfield that spans more than 8 bytes",
                ));
            }
            sz *= 2;
            off = f.bit_offset / 8 / sz * sz;
        }
        (off, sz, bit_sz)
    };
    Ok(match kind {
        kind::FIELD_BYTE_OFFSET => byte_off,
        kind::FIELD_BYTE_SIZE => byte_sz,
        kind::FIELD_EXISTS => 1,
        kind::FIELD_SIGNED => u64::from(btf.view(ty)?.signed()),
        // The shifts that extract a field loaded into a u64: only for
        // fields (or bitfield units) of at most 8 bytes.
        kind::FIELD_LSHIFT_U64 => 64u64
            .checked_sub(f.bit_offset - byte_off * 8 + bit_sz)
            .ok_or_else(|| Error::unsupported("CO-RE", "shift of a field wider than 8 bytes"))?,
        kind::FIELD_RSHIFT_U64 => 64u64
            .checked_sub(bit_sz)
            .ok_or_else(|| Error::unsupported("CO-RE", "shift of a field wider than 8 bytes"))?,
        _ => {
            return Err(Error::unsupported(
                "CO-RE",
                format!("field relocation kind {kind}"),
            ))
        }
    })
}

/// The outcome of one relocation: (value the compiler assumed, value for
/// the target, size of the field in the target for loads), or poison.
enum Outcome {
    Patch {
        orig: u64,
        new: u64,
        new_size: Option<u64>,
        orig_size: Option<u64>,
    },
    Poison,
}

/// The outcome once candidates agreed (or none matched): patch with the
/// agreed value; with no match, 0 for an `exists` kind, else poison.
fn outcome(
    agreed: Option<(u64, Option<u64>)>,
    orig: u64,
    orig_size: Option<u64>,
    exists: bool,
) -> Outcome {
    match agreed {
        Some((new, new_size)) => Outcome::Patch {
            orig,
            new,
            new_size,
            orig_size,
        },
        None if exists => Outcome::Patch {
            orig,
            new: 0,
            new_size: None,
            orig_size: None,
        },
        None => Outcome::Poison,
    }
}

/// The (kind, essential name) a relocation's candidates are found by.
fn root_key<'a>(local: &'a Btf, rec: &CoreReloRec) -> Result<(TypeView<'a>, &'a [u8])> {
    let root = local.view(local.resolve(rec.type_id)?)?;
    Ok((root, essential(root.name()?)))
}

/// The candidates found for each (kind, essential name), sorted by key.
type Found<'a> = [((KindTag, &'a [u8]), Arc<[TypeId]>)];

fn resolve_one(
    local: &Btf,
    target: &Target,
    found: &Found<'_>,
    rec: &CoreReloRec,
    loc: &str,
) -> Result<Outcome> {
    let access = parse_access(rec, loc)?;
    let (root_t, name) = root_key(local, rec)?;
    let root = root_t.id();
    let key = (root_t.tag(), name);
    let candidates: &[TypeId] = match found.binary_search_by(|(k, _)| k.cmp(&key)) {
        Ok(i) if rec.kind != kind::TYPE_ID_LOCAL => found.get(i).map_or(&[], |(_, c)| c),
        _ => &[],
    };
    let agree = |values: Vec<(u64, Option<u64>)>| -> Result<Option<(u64, Option<u64>)>> {
        match values.split_first() {
            None => Ok(None),
            Some((first, rest)) if rest.iter().all(|v| v == first) => Ok(Some(*first)),
            Some(_) => Err(Error::unsupported(
                loc,
                format!(
                    "CO-RE relocation of `{}` is ambiguous: target candidates disagree",
                    String::from_utf8_lossy(root_t.name().unwrap_or_default())
                ),
            )),
        }
    };
    match rec.kind {
        kind::FIELD_BYTE_OFFSET..=kind::FIELD_RSHIFT_U64 => {
            let (lf, steps) = local_field(local, root, &access, loc)?;
            let first = access.first().copied().unwrap_or(0);
            let orig = field_value(local, &lf, rec.kind)?;
            let orig_size = Some(u64::from(local.size_of(lf.ty)?));
            let mut found = Vec::new();
            for c in candidates.iter() {
                if let Some(tf) = target_field(local, &lf, target, *c, first, &steps, loc)? {
                    let size = u64::from(target.btf.size_of(tf.ty)?);
                    found.push((field_value(&target.btf, &tf, rec.kind)?, Some(size)));
                }
            }
            Ok(outcome(
                agree(found)?,
                orig,
                orig_size,
                rec.kind == kind::FIELD_EXISTS,
            ))
        }
        kind::TYPE_ID_LOCAL => Ok(Outcome::Patch {
            orig: u64::from(rec.type_id),
            new: u64::from(rec.type_id),
            new_size: None,
            orig_size: None,
        }),
        kind::TYPE_ID_TARGET | kind::TYPE_EXISTS | kind::TYPE_SIZE => {
            let orig = match rec.kind {
                kind::TYPE_ID_TARGET => u64::from(rec.type_id),
                kind::TYPE_EXISTS => 1,
                _ => u64::from(local.size_of(root)?),
            };
            let mut found = Vec::new();
            for c in candidates.iter() {
                let v = match rec.kind {
                    kind::TYPE_ID_TARGET => u64::from(*c),
                    kind::TYPE_EXISTS => 1,
                    _ => u64::from(target.btf.size_of(*c)?),
                };
                found.push((v, None));
            }
            // Several candidates with different ids are fine for "exists".
            if rec.kind == kind::TYPE_EXISTS {
                found.truncate(1);
            }
            Ok(outcome(
                agree(found)?,
                orig,
                None,
                rec.kind == kind::TYPE_EXISTS,
            ))
        }
        kind::ENUMVAL_EXISTS | kind::ENUMVAL_VALUE => {
            if root_t.tag() != KindTag::Enum {
                return Err(Error::malformed(loc, "enum value relocation on a non-enum"));
            }
            let idx = access.first().copied().unwrap_or(0);
            let ev = root_t
                .enumerator(idx)
                .ok_or_else(|| Error::malformed(loc, "enumerator index out of range"))?;
            let ev_name = root_t.string(ev.name_off)?;
            let orig = if rec.kind == kind::ENUMVAL_EXISTS {
                1
            } else {
                ev.value as u64
            };
            let mut found = Vec::new();
            for c in candidates.iter() {
                let cv = target.btf.view(*c)?;
                let mut matched = None;
                for tv in cv.enumerators() {
                    if cv.string(tv.name_off)? == ev_name {
                        matched = Some(tv);
                        break;
                    }
                }
                if let Some(tv) = matched {
                    let v = if rec.kind == kind::ENUMVAL_EXISTS {
                        1
                    } else {
                        tv.value as u64
                    };
                    found.push((v, None));
                }
            }
            Ok(outcome(
                agree(found)?,
                orig,
                None,
                rec.kind == kind::ENUMVAL_EXISTS,
            ))
        }
        kind::TYPE_MATCHES => Err(Error::unsupported(
            loc,
            "CO-RE TYPE_MATCHES (bpf_core_type_matches)",
        )),
        other => Err(Error::unsupported(
            loc,
            format!("CO-RE relocation kind {other}"),
        )),
    }
}

fn size_bits(bytes: u64) -> Option<u8> {
    Some(match bytes {
        1 => 0x10,
        2 => 0x08,
        4 => 0x00,
        8 => 0x18,
        _ => return None,
    })
}

fn poison(insns: &mut [Insn], at: usize) {
    let wide = insns.get(at).is_some_and(|i| i.is_ld_imm64());
    for i in [Some(at), wide.then_some(at + 1)].into_iter().flatten() {
        if let Some(ins) = insns.get_mut(i) {
            *ins = Insn {
                code: 0x85,
                regs: 0,
                off: 0,
                imm: POISON_HELPER,
            };
        }
    }
}

fn patch(insns: &mut [Insn], at: usize, out: Outcome, loc: &str) -> Result<()> {
    let Outcome::Patch {
        orig,
        new,
        new_size,
        orig_size,
    } = out
    else {
        poison(insns, at);
        return Ok(());
    };
    let bad = |m: String| Error::malformed(loc, m);
    let ins = insns
        .get_mut(at)
        .ok_or_else(|| bad("instruction out of range".into()))?;
    let class = ins.code & 0x07;
    match class {
        // ALU and ALU64 with an immediate operand.
        0x04 | 0x07 if ins.code & 0x08 == 0 => {
            if ins.imm as i64 as u64 != orig && ins.imm as u32 as u64 != orig {
                return Err(bad(format!(
                    "instruction immediate {} is not the CO-RE value {orig}",
                    ins.imm
                )));
            }
            ins.imm = i32::try_from(new as i64)
                .or_else(|_| i32::try_from(new).map_err(|_| ()))
                .map_err(|_| bad(format!("CO-RE value {new} does not fit an immediate")))?;
        }
        // Loads and stores: the offset; a load also takes the field's size.
        0x01..=0x03 => {
            if ins.off as i64 as u64 != orig {
                return Err(bad(format!(
                    "instruction offset {} is not the CO-RE value {orig}",
                    ins.off
                )));
            }
            ins.off = i16::try_from(new)
                .map_err(|_| bad(format!("CO-RE offset {new} does not fit 16 bits")))?;
            if let (0x01, Some(ns), Some(os)) = (class, new_size, orig_size) {
                if ns != os && ins.code & 0xe0 == 0x60 {
                    let bits = size_bits(ns)
                        .ok_or_else(|| bad(format!("field of {ns} bytes cannot be loaded")))?;
                    ins.code = (ins.code & !0x18) | bits;
                }
            }
        }
        _ if ins.code == LD_IMM64 => {
            ins.imm = new as u32 as i32;
            let hi = insns
                .get_mut(at + 1)
                .ok_or_else(|| bad("ld_imm64 is truncated".into()))?;
            hi.imm = (new >> 32) as u32 as i32;
        }
        _ => {
            return Err(bad(format!(
                "CO-RE relocation on instruction code {:#04x}",
                ins.code
            )))
        }
    }
    Ok(())
}

/// The (kind, essential name) pairs whose target candidates the CO-RE
/// relocations of `obj` need, sorted and without duplicates. A record
/// whose root type does not read is left out here and reported when it
/// is applied.
pub fn wanted(obj: &ObjectFile) -> Vec<(KindTag, &[u8])> {
    match obj.btf.as_ref() {
        Some(local) => wanted_in(local, &obj.functions),
        None => Vec::new(),
    }
}

fn wanted_in<'a>(local: &'a Btf, functions: &[crate::Function]) -> Vec<(KindTag, &'a [u8])> {
    let mut wanted = Vec::new();
    for f in functions {
        for (_, rec) in &f.core_relos {
            if rec.kind != kind::TYPE_ID_LOCAL {
                if let Ok((root, name)) = root_key(local, rec) {
                    wanted.push((root.tag(), name));
                }
            }
        }
    }
    wanted.sort_unstable();
    wanted.dedup();
    wanted
}

/// Applies every CO-RE relocation of `obj` against `target`, once: the
/// relocations are consumed.
pub fn apply(obj: &mut ObjectFile, target: &Target) -> Result<()> {
    let Some(local) = obj.btf.as_ref() else {
        return Ok(());
    };
    // One pass over the target for every name the object mentions.
    let keys = wanted_in(local, &obj.functions);
    let cands = target.prepare(&keys)?;
    let found: Vec<_> = keys.into_iter().zip(cands).collect();
    for f in &mut obj.functions {
        let relos = std::mem::take(&mut f.core_relos);
        for (at, rec) in &relos {
            let loc = format!(
                "CO-RE relocation `{}` (kind {}) in function `{}`, instruction {}",
                rec.access,
                rec.kind,
                f.name,
                f.start + at
            );
            let out = resolve_one(local, target, &found, rec, &loc)?;
            patch(&mut f.insns, *at, out, &loc)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A BTF blob with the given type records and strings "\0a\0".
    fn blob(types: &[u32]) -> Btf {
        let t: Vec<u8> = types.iter().flat_map(|w| w.to_le_bytes()).collect();
        let mut b = Vec::new();
        for w in [0x0001_eb9fu32, 24, 0, t.len() as u32, t.len() as u32, 3] {
            b.extend_from_slice(&w.to_le_bytes());
        }
        b.extend_from_slice(&t);
        b.extend_from_slice(b"\0a\0");
        Btf::parse(&b).unwrap()
    }

    #[test]
    fn hostile_offsets_and_widths_are_errors_not_panics() {
        assert!(bits(u32::MAX, u32::MAX, "t").is_err());
        assert_eq!(bits(3, 4, "t").unwrap(), 96);
        assert!(add(u64::MAX, 1, "t").is_err());
        // [1] a 16-byte int: a shift relocation on it cannot be expressed.
        let btf = blob(&[1, 1 << 24, 16, 128]);
        let f = Field {
            bit_offset: 0,
            ty: 1,
            bitfield: 0,
        };
        assert!(field_value(&btf, &f, kind::FIELD_LSHIFT_U64).is_err());
        assert!(field_value(&btf, &f, kind::FIELD_RSHIFT_U64).is_err());
        assert_eq!(field_value(&btf, &f, kind::FIELD_BYTE_SIZE).unwrap(), 16);
        // A bitfield near the top of the offset range.
        let f = Field {
            bit_offset: u64::MAX - 1,
            ty: 1,
            bitfield: 3,
        };
        assert!(field_value(&btf, &f, kind::FIELD_BYTE_OFFSET).is_err());
        // [1] int, [2] int[4], [3] struct { int[4] a; } named "a"
        let btf = blob(&[
            1,
            1 << 24,
            4,
            32, //
            0,
            3 << 24,
            0,
            1,
            1,
            4, //
            1,
            (4 << 24) | 1,
            16,
            1,
            2,
            0,
        ]);
        // Large indices give large (unwrapped) offsets, which patching
        // then refuses because they do not fit an instruction.
        let (f, _) = local_field(&btf, 3, &[u32::MAX, 0, u32::MAX], "t").unwrap();
        let max = u64::from(u32::MAX);
        assert_eq!(f.bit_offset, max * 16 * 8 + max * 4 * 8);
    }
}
