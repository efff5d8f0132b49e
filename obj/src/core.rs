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

/// Candidates of one kind and essential name.
type CandKey = (KindTag, Vec<u8>);

/// Member searches of one target type, by the name searched for.
type Walks = Vec<(Box<[u8]>, Arc<Walk>)>;

/// A target BTF (typically the running kernel's) for CO-RE. There is no
/// index of the whole target: the candidates for the few names an object
/// mentions are found by one linear pass comparing names in place, and
/// remembered for later objects; so is each search of a target type's
/// members for a name (what the search met, not whether a local field
/// matched).
pub struct Target {
    btf: Arc<Btf>,
    candidates: Mutex<HashMap<CandKey, Arc<[TypeId]>>>,
    modules: Option<ModuleSource>,
    walks: Mutex<HashMap<TypeId, Walks>>,
}

/// Where a target finds more candidates when its own BTF has none: the
/// kernel modules' BTF (split on the target's), each a target of its own,
/// asked for once per [`apply`] that needs them.
pub type ModuleSource = Arc<dyn Fn() -> Result<Vec<Arc<Target>>> + Send + Sync>;

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
            modules: None,
            walks: Mutex::new(HashMap::new()),
        }
    }

    /// The search of resolved composite `tid`'s members for `name`,
    /// walked on first use.
    fn walk(&self, tid: TypeId, name: &[u8]) -> Arc<Walk> {
        let mut walks = self.walks.lock().unwrap_or_else(PoisonError::into_inner);
        let list = walks.entry(tid).or_default();
        if let Some((_, w)) = list.iter().find(|(n, _)| **n == *name) {
            return Arc::clone(w);
        }
        let w = Arc::new(Walker::walk(&self.btf, tid, name));
        list.push((name.into(), Arc::clone(&w)));
        w
    }

    /// This target, searching `modules` for the candidates of a type its
    /// own BTF has none of (libbpf searches kernel module BTFs only then).
    pub fn with_module_source(mut self, modules: ModuleSource) -> Self {
        self.modules = Some(modules);
        self
    }

    /// The target BTF.
    pub fn btf(&self) -> &Btf {
        &self.btf
    }

    /// Finds, in one pass over the target, the candidates for every
    /// (kind, essential name) in `wanted` not found before: the target
    /// types of that kind whose essential name (up to any `___flavor`) is
    /// that name.
    pub fn prepare(&self, wanted: &[(KindTag, &[u8])]) -> Result<()> {
        let mut cache = self
            .candidates
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut missing: Vec<(KindTag, &[u8])> = wanted
            .iter()
            .copied()
            .filter(|&(tag, name)| !cache.contains_key(&(tag, name.to_vec())))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            return Ok(());
        }
        let found = self.btf.find_by_essential_names(&missing);
        for ((tag, name), ids) in missing.into_iter().zip(found) {
            cache.insert((tag, name.to_vec()), ids.into());
        }
        Ok(())
    }

    /// The candidates for kind `tag` and essential name `name`, found
    /// now if [`prepare`](Self::prepare) was not asked for them.
    pub fn candidates(&self, tag: KindTag, name: &[u8]) -> Result<Arc<[TypeId]>> {
        let key = (tag, name.to_vec());
        if let Some(c) = self
            .candidates
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            return Ok(Arc::clone(c));
        }
        self.prepare(&[(tag, name)])?;
        Ok(self
            .candidates
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .map(Arc::clone)
            .unwrap_or_else(|| Arc::from(Vec::new())))
    }
}

/// Where a relocation is: formatted only when an error or the explanation
/// of a poisoned instruction names it.
#[derive(Debug, Clone, Copy)]
enum Loc<'a> {
    Relo {
        rec: &'a CoreReloRec,
        func: &'a str,
        insn: usize,
    },
    #[cfg(test)]
    Text(&'a str),
}

impl std::fmt::Display for Loc<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Loc::Relo { rec, func, insn } => write!(
                f,
                "CO-RE relocation `{}` (kind {}) in function `{func}`, instruction {insn}",
                rec.access,
                kind_name(rec.kind)
            ),
            #[cfg(test)]
            Loc::Text(t) => f.write_str(t),
        }
    }
}

impl From<&Loc<'_>> for String {
    fn from(loc: &Loc<'_>) -> String {
        loc.to_string()
    }
}

/// `BPF_CORE_SPEC_MAX_LEN`: the deepest access libbpf walks.
const SPEC_MAX_LEN: usize = 64;

fn is_field_based(k: u32) -> bool {
    k <= kind::FIELD_RSHIFT_U64
}

fn is_type_based(k: u32) -> bool {
    matches!(
        k,
        kind::TYPE_ID_LOCAL
            | kind::TYPE_ID_TARGET
            | kind::TYPE_EXISTS
            | kind::TYPE_MATCHES
            | kind::TYPE_SIZE
    )
}

fn is_enumval_based(k: u32) -> bool {
    matches!(k, kind::ENUMVAL_EXISTS | kind::ENUMVAL_VALUE)
}

/// libbpf's short name of a relocation kind (`byte_off`, `type_exists`...).
pub fn kind_name(k: u32) -> &'static str {
    match k {
        kind::FIELD_BYTE_OFFSET => "byte_off",
        kind::FIELD_BYTE_SIZE => "byte_sz",
        kind::FIELD_EXISTS => "field_exists",
        kind::FIELD_SIGNED => "signed",
        kind::FIELD_LSHIFT_U64 => "lshift_u64",
        kind::FIELD_RSHIFT_U64 => "rshift_u64",
        kind::TYPE_ID_LOCAL => "local_type_id",
        kind::TYPE_ID_TARGET => "target_type_id",
        kind::TYPE_EXISTS => "type_exists",
        kind::TYPE_MATCHES => "type_matches",
        kind::TYPE_SIZE => "type_size",
        kind::ENUMVAL_EXISTS => "enumval_exists",
        kind::ENUMVAL_VALUE => "enumval_value",
        _ => "unknown",
    }
}

fn kind_str(v: &TypeView<'_>) -> &'static str {
    match v.tag() {
        KindTag::Void => "void",
        KindTag::Int => "int",
        KindTag::Ptr => "ptr",
        KindTag::Array => "array",
        KindTag::Struct => "struct",
        KindTag::Union => "union",
        KindTag::Enum if v.is_enum64() => "enum64",
        KindTag::Enum => "enum",
        KindTag::Fwd => "fwd",
        KindTag::Typedef => "typedef",
        KindTag::Volatile => "volatile",
        KindTag::Const => "const",
        KindTag::Restrict => "restrict",
        KindTag::Func => "func",
        KindTag::FuncProto => "func_proto",
        KindTag::Var => "var",
        KindTag::Datasec => "datasec",
        KindTag::Float => "float",
        KindTag::DeclTag => "decl_tag",
        KindTag::TypeTag => "type_tag",
    }
}

/// One high-level step of an access: a named member of the composite
/// `type_id`, or (no name) element `idx` of an array whose element type is
/// `type_id`.
#[derive(Debug, Clone, Copy)]
struct Accessor<'a> {
    type_id: TypeId,
    idx: u32,
    name: Option<&'a [u8]>,
}

/// A relocation's access resolved in one BTF: the high-level accessors
/// (named members and array indices), the raw access (every member index,
/// anonymous ones included) and the field's bit offset from the root.
#[derive(Debug, Clone)]
struct Spec<'a> {
    btf: &'a Btf,
    root: TypeId,
    kind: u32,
    acc: Vec<Accessor<'a>>,
    raw: Vec<u32>,
    bit_offset: u64,
}

impl<'a> Spec<'a> {
    fn new(btf: &'a Btf, root: TypeId, kind: u32) -> Self {
        Spec {
            btf,
            root,
            kind,
            acc: Vec::new(),
            raw: Vec::new(),
            bit_offset: 0,
        }
    }

    /// libbpf's rendering: `<byte_off> [7] struct task_struct.pid (0:1 @ offset 8)`.
    fn describe(&self) -> String {
        let Ok(root) = self.btf.view(self.root) else {
            return format!("<{}> [{}]", kind_name(self.kind), self.root);
        };
        let name = root.name().unwrap_or_default();
        let name = if name.is_empty() {
            "<anon>".into()
        } else {
            String::from_utf8_lossy(name)
        };
        let mut s = format!(
            "<{}> [{}] {} {}",
            kind_name(self.kind),
            self.root,
            kind_str(&root),
            name
        );
        if is_enumval_based(self.kind) {
            if let (Some(a), Ok(t)) = (
                self.acc.first(),
                self.btf.view(self.btf.resolve(self.root).unwrap_or(0)),
            ) {
                if let Some(e) = t.enumerator(a.idx) {
                    let n = t.string(e.name_off).unwrap_or_default();
                    s += &format!("::{} = {}", String::from_utf8_lossy(n), e.value);
                }
            }
        } else if is_field_based(self.kind) {
            for (i, a) in self.acc.iter().enumerate() {
                match a.name {
                    Some(n) => s += &format!(".{}", String::from_utf8_lossy(n)),
                    None if i > 0 || a.idx > 0 => s += &format!("[{}]", a.idx),
                    None => {}
                }
            }
            let raw: Vec<String> = self.raw.iter().map(u32::to_string).collect();
            s += &format!(" ({}", raw.join(":"));
            if self.bit_offset % 8 != 0 {
                s += &format!(" @ offset {}.{})", self.bit_offset / 8, self.bit_offset % 8);
            } else {
                s += &format!(" @ offset {})", self.bit_offset / 8);
            }
        }
        s
    }

    /// The access path as C would write it, without the root: `.a.b[3]`.
    fn path(&self) -> String {
        let mut s = String::new();
        for (i, a) in self.acc.iter().enumerate() {
            match a.name {
                Some(n) => s += &format!(".{}", String::from_utf8_lossy(n)),
                None if i > 0 => s += &format!("[{}]", a.idx),
                None => {}
            }
        }
        s
    }

    fn push_raw(&mut self, i: u32, loc: &Loc<'_>) -> Result<()> {
        if self.raw.len() >= SPEC_MAX_LEN {
            return Err(Error::unsupported(loc, "CO-RE access nests too deeply"));
        }
        self.raw.push(i);
        Ok(())
    }
}

/// `index * size * 8` bits, or an error if it overflows.
fn bits(index: u32, size: u32, loc: &Loc<'_>) -> Result<u64> {
    u64::from(index)
        .checked_mul(u64::from(size))
        .and_then(|b| b.checked_mul(8))
        .ok_or_else(|| Error::malformed(loc, "CO-RE access offset overflows"))
}

/// `a + b`, or an error if it overflows.
fn add(a: u64, b: u64, loc: &Loc<'_>) -> Result<u64> {
    a.checked_add(b)
        .ok_or_else(|| Error::malformed(loc, "CO-RE access offset overflows"))
}

fn parse_access(rec: &CoreReloRec, loc: &Loc<'_>) -> Result<Vec<u32>> {
    let idx: Option<Vec<u32>> = rec.access.split(':').map(|p| p.parse().ok()).collect();
    match idx {
        Some(v) if !v.is_empty() && v.len() <= SPEC_MAX_LEN => Ok(v),
        _ => Err(Error::malformed(
            loc,
            format!("bad CO-RE access string `{}`", rec.access),
        )),
    }
}

/// A flexible array: the last member of a struct, of length 0.
fn is_flex_arr(btf: &Btf, last: Option<&Accessor<'_>>, len: u32) -> Result<bool> {
    let Some(a) = last else { return Ok(false) };
    if a.name.is_none() || len > 0 {
        return Ok(false);
    }
    Ok(btf.view(a.type_id)?.vlen().checked_sub(1) == Some(a.idx))
}

/// Parses a relocation's access string against the local BTF (libbpf's
/// `bpf_core_parse_spec`).
fn parse_spec<'a>(btf: &'a Btf, rec: &CoreReloRec, loc: &Loc<'_>) -> Result<Spec<'a>> {
    let bad = |m: &str| Error::malformed(loc, format!("CO-RE access `{}`: {m}", rec.access));
    let mut spec = Spec::new(btf, rec.type_id, rec.kind);
    if rec.access.is_empty() || rec.access.starts_with(':') {
        return Err(bad("empty"));
    }
    if is_type_based(rec.kind) {
        if rec.access != "0" {
            return Err(bad("a type relocation's access must be `0`"));
        }
        return Ok(spec);
    }
    let raw = parse_access(rec, loc)?;
    let mut id = btf.resolve(rec.type_id)?;
    let t = btf.view(id)?;
    let first = raw.first().copied().ok_or_else(|| bad("empty"))?;
    spec.acc.push(Accessor {
        type_id: id,
        idx: first,
        name: None,
    });
    if is_enumval_based(rec.kind) {
        if t.tag() != KindTag::Enum || raw.len() > 1 {
            return Err(bad("enum value relocation on a non-enum"));
        }
        let e = t
            .enumerator(first)
            .ok_or_else(|| bad("enumerator index out of range"))?;
        if let Some(a) = spec.acc.first_mut() {
            a.name = Some(t.string(e.name_off)?);
        }
        spec.raw = raw;
        return Ok(spec);
    }
    if !is_field_based(rec.kind) {
        return Err(Error::unsupported(
            loc,
            format!("CO-RE relocation kind {}", rec.kind),
        ));
    }
    spec.bit_offset = bits(first, btf.size_of(id)?, loc)?;
    for &idx in raw.get(1..).unwrap_or_default() {
        id = btf.resolve(id)?;
        let t = btf.view(id)?;
        match t.tag() {
            KindTag::Struct | KindTag::Union => {
                let m = t
                    .member(idx)
                    .ok_or_else(|| bad("member index out of range"))?;
                spec.bit_offset = add(spec.bit_offset, u64::from(m.bit_offset), loc)?;
                if m.name_off != 0 {
                    let name = t.string(m.name_off)?;
                    if name.is_empty() {
                        return Err(bad("member with an empty name"));
                    }
                    spec.acc.push(Accessor {
                        type_id: id,
                        idx,
                        name: Some(name),
                    });
                }
                id = m.ty;
            }
            KindTag::Array => {
                let (elem, _, len) = t.array().ok_or_else(|| bad("truncated array"))?;
                let elem = btf.resolve(elem)?;
                if !is_flex_arr(btf, spec.acc.last(), len)? && idx >= len {
                    return Err(bad("array index out of range"));
                }
                spec.acc.push(Accessor {
                    type_id: elem,
                    idx,
                    name: None,
                });
                spec.bit_offset = add(spec.bit_offset, bits(idx, btf.size_of(elem)?, loc)?, loc)?;
                id = elem;
            }
            _ => return Err(bad("steps into a type that is neither composite nor array")),
        }
    }
    spec.raw = raw;
    Ok(spec)
}

fn is_composite(v: &TypeView<'_>) -> bool {
    matches!(v.tag(), KindTag::Struct | KindTag::Union)
}

/// libbpf's `btf_kind_core_compat`: same kind (ENUM and ENUM64 alike).
fn kind_compat(a: &TypeView<'_>, b: &TypeView<'_>) -> bool {
    a.tag() == b.tag()
}

/// An INT that is not a deprecated bitfield-like integer (bit offset 0).
fn plain_int(v: &TypeView<'_>) -> bool {
    v.int_encoding().is_some_and(|(_, off, _)| off == 0)
}

fn too_deep(loc: &Loc<'_>) -> Error {
    Error::malformed(loc, "CO-RE type comparison nests too deeply")
}

/// Type compatibility for type-based relocations (libbpf's
/// `bpf_core_types_are_compat`): kinds must agree, names below the root
/// are ignored, pointers, arrays and function prototypes recurse.
fn types_are_compat(
    local: &Btf,
    mut l: TypeId,
    target: &Btf,
    mut t: TypeId,
    level: i32,
    loc: &Loc<'_>,
) -> Result<bool> {
    if !kind_compat(&local.view(l)?, &target.view(t)?) {
        return Ok(false);
    }
    for _ in 0..32 {
        l = local.resolve(l)?;
        t = target.resolve(t)?;
        let (lv, tv) = (local.view(l)?, target.view(t)?);
        if !kind_compat(&lv, &tv) {
            return Ok(false);
        }
        match lv.tag() {
            KindTag::Void | KindTag::Struct | KindTag::Union | KindTag::Enum | KindTag::Fwd => {
                return Ok(true)
            }
            KindTag::Int => return Ok(plain_int(&lv) && plain_int(&tv)),
            KindTag::Ptr => {
                l = lv.referenced().unwrap_or(0);
                t = tv.referenced().unwrap_or(0);
            }
            KindTag::Array => match (lv.array(), tv.array()) {
                (Some((le, _, _)), Some((te, _, _))) => (l, t) = (le, te),
                _ => return Err(Error::malformed(loc, "truncated array")),
            },
            KindTag::FuncProto => {
                if lv.vlen() != tv.vlen() {
                    return Ok(false);
                }
                for i in 0..lv.vlen() {
                    if level <= 0 {
                        return Err(too_deep(loc));
                    }
                    let (Some(lp), Some(tp)) = (lv.proto_param(i), tv.proto_param(i)) else {
                        return Err(Error::malformed(loc, "truncated function prototype"));
                    };
                    let (lp, tp) = (local.resolve(lp)?, target.resolve(tp)?);
                    if !types_are_compat(local, lp, target, tp, level - 1, loc)? {
                        return Ok(false);
                    }
                }
                l = lv.proto_return().unwrap_or(0);
                t = tv.proto_return().unwrap_or(0);
            }
            _ => return Ok(false),
        }
    }
    Err(too_deep(loc))
}

/// Field type compatibility (libbpf's `bpf_core_fields_are_compat`): any
/// two structs or unions, any two pointers or floats, integers of any size
/// and signedness, enums and forward declarations of the same essential
/// name (or anonymous), arrays of compatible elements.
fn fields_are_compat(
    local: &Btf,
    mut l: TypeId,
    target: &Btf,
    mut t: TypeId,
    loc: &Loc<'_>,
) -> Result<bool> {
    for _ in 0..64 {
        l = local.resolve(l)?;
        t = target.resolve(t)?;
        let (lv, tv) = (local.view(l)?, target.view(t)?);
        if is_composite(&lv) && is_composite(&tv) {
            return Ok(true);
        }
        if !kind_compat(&lv, &tv) {
            return Ok(false);
        }
        match lv.tag() {
            KindTag::Ptr | KindTag::Float => return Ok(true),
            KindTag::Fwd | KindTag::Enum => {
                let (ln, tn) = (essential(lv.name()?), essential(tv.name()?));
                return Ok(ln.is_empty() || tn.is_empty() || ln == tn);
            }
            KindTag::Int => return Ok(plain_int(&lv) && plain_int(&tv)),
            KindTag::Array => match (lv.array(), tv.array()) {
                (Some((le, _, _)), Some((te, _, _))) => (l, t) = (le, te),
                _ => return Err(Error::malformed(loc, "truncated array")),
            },
            _ => return Ok(false),
        }
    }
    Err(too_deep(loc))
}

/// libbpf's `bpf_core_names_match`: an anonymous target matches only an
/// anonymous local; otherwise essential names must be equal.
fn names_match(local: &Btf, l_off: u32, target: &Btf, t_off: u32) -> Result<bool> {
    let (ln, tn) = (local.str_bytes(l_off)?, target.str_bytes(t_off)?);
    if tn.is_empty() {
        return Ok(ln.is_empty());
    }
    Ok(essential(ln) == essential(tn))
}

/// libbpf's `bpf_core_types_match` (`bpf_core_type_matches`): the stricter
/// relation: same kinds, integers of the same size and signedness, arrays
/// of the same length, every local member or enumerator present in the
/// target by name, function prototypes with matching arguments; below a
/// pointer, structs and unions match by name and kind only.
fn types_match(
    local: &Btf,
    mut l: TypeId,
    target: &Btf,
    mut t: TypeId,
    mut behind_ptr: bool,
    level: i32,
    loc: &Loc<'_>,
) -> Result<bool> {
    if level <= 0 {
        return Err(too_deep(loc));
    }
    for _ in 0..32 {
        l = local.resolve(l)?;
        t = target.resolve(t)?;
        let (lv, tv) = (local.view(l)?, target.view(t)?);
        if !names_match(local, lv.name_off(), target, tv.name_off())? {
            return Ok(false);
        }
        let (lk, tk) = (lv.tag(), tv.tag());
        match lk {
            KindTag::Void => return Ok(lk == tk),
            KindTag::Fwd => {
                let lf = lv.kind_flag();
                if behind_ptr && lk != tk {
                    return Ok((tk == KindTag::Struct && !lf) || (tk == KindTag::Union && lf));
                }
                return Ok(lk == tk && lf == tv.kind_flag());
            }
            KindTag::Enum => {
                if tk != KindTag::Enum || lv.size() != tv.size() || lv.vlen() > tv.vlen() {
                    return Ok(false);
                }
                for le in lv.enumerators() {
                    let mut found = false;
                    for te in tv.enumerators() {
                        if names_match(local, le.name_off, target, te.name_off)? {
                            found = true;
                            break;
                        }
                    }
                    if !found {
                        return Ok(false);
                    }
                }
                return Ok(true);
            }
            KindTag::Struct | KindTag::Union => {
                if behind_ptr {
                    if lk == tk {
                        return Ok(true);
                    }
                    if tk != KindTag::Fwd {
                        return Ok(false);
                    }
                    return Ok((lk == KindTag::Union) == tv.kind_flag());
                }
                if lk != tk || lv.vlen() > tv.vlen() {
                    return Ok(false);
                }
                for lm in lv.members() {
                    let mut found = false;
                    for tm in tv.members() {
                        if !names_match(local, lm.name_off, target, tm.name_off)? {
                            continue;
                        }
                        if types_match(local, lm.ty, target, tm.ty, behind_ptr, level - 1, loc)? {
                            found = true;
                            break;
                        }
                    }
                    if !found {
                        return Ok(false);
                    }
                }
                return Ok(true);
            }
            KindTag::Int => {
                if lk != tk {
                    return Ok(false);
                }
                let sign = |v: &TypeView<'_>| v.int_encoding().map_or(0, |(e, _, _)| e & 1);
                return Ok(lv.size() == tv.size() && sign(&lv) == sign(&tv));
            }
            KindTag::Ptr => {
                if lk != tk {
                    return Ok(false);
                }
                behind_ptr = true;
                l = lv.referenced().unwrap_or(0);
                t = tv.referenced().unwrap_or(0);
            }
            KindTag::Array => {
                let (Some((le, _, ln)), Some((te, _, tn))) = (lv.array(), tv.array()) else {
                    return Ok(false);
                };
                if ln != tn {
                    return Ok(false);
                }
                (l, t) = (le, te);
            }
            KindTag::FuncProto => {
                if lk != tk || lv.vlen() != tv.vlen() {
                    return Ok(false);
                }
                for i in 0..lv.vlen() {
                    let (Some(lp), Some(tp)) = (lv.proto_param(i), tv.proto_param(i)) else {
                        return Err(Error::malformed(loc, "truncated function prototype"));
                    };
                    if !types_match(local, lp, target, tp, behind_ptr, level - 1, loc)? {
                        return Ok(false);
                    }
                }
                l = lv.proto_return().unwrap_or(0);
                t = tv.proto_return().unwrap_or(0);
            }
            _ => return Ok(false),
        }
    }
    Err(too_deep(loc))
}

/// Finds, in target composite `tid`, the member the local named accessor
/// `la` names, looking through anonymous members, and extends `ts` with
/// it; returns the member's type. Like libbpf's `bpf_core_match_member`,
/// a same-named member of an incompatible type ends the search.
///
/// The search over the target's members does not depend on the local
/// object: it is done once per (target type, name) and remembered in
/// `target` as a [`Walk`]; later searches replay it, checking only the
/// local field's compatibility with each same-named member, in the same
/// order and with the same result (spec included) as [`search_member`].
fn match_member<'a>(
    local: &Btf,
    la: &Accessor<'_>,
    target: &'a Target,
    tid: TypeId,
    ts: &mut Spec<'a>,
    loc: &Loc<'_>,
) -> Result<Option<TypeId>> {
    let btf = target.btf();
    let tid = btf.resolve(tid)?;
    let tv = btf.view(tid)?;
    if !is_composite(&tv) {
        return Ok(None);
    }
    let lm = local
        .view(la.type_id)?
        .member(la.idx)
        .ok_or_else(|| Error::malformed(loc, "member index out of range"))?;
    let lname = la.name.unwrap_or_default();
    let walk = target.walk(tid, lname);
    let Some(hits) = walk.hits.as_deref() else {
        return search_member(local, la, btf, tid, ts, loc);
    };
    // Would the search, started from `ts`, run past a spec's length or
    // overflow the bit offset before reaching this point? Then let the
    // search itself give its error.
    let fails = |depth: usize, bits: u64| {
        ts.raw.len() + depth > SPEC_MAX_LEN || ts.bit_offset.checked_add(bits).is_none()
    };
    for hit in hits {
        if fails(hit.depth, hit.max_bits) {
            return search_member(local, la, btf, tid, ts, loc);
        }
        if fields_are_compat(local, lm.ty, btf, hit.ty, loc)? {
            ts.raw.extend_from_slice(&hit.raw);
            ts.bit_offset += hit.bits;
            ts.acc.push(Accessor {
                type_id: hit.parent,
                idx: hit.idx,
                name: Some(btf.view(hit.parent)?.string(hit.name_off)?),
            });
            return Ok(Some(hit.ty));
        }
    }
    if fails(walk.depth, walk.max_bits) {
        return search_member(local, la, btf, tid, ts, loc);
    }
    Ok(None)
}

/// [`match_member`] without the memo: the search itself, member by member
/// (libbpf's `bpf_core_match_member`). `tid` is resolved and composite.
fn search_member<'a>(
    local: &Btf,
    la: &Accessor<'_>,
    target: &'a Btf,
    tid: TypeId,
    ts: &mut Spec<'a>,
    loc: &Loc<'_>,
) -> Result<Option<TypeId>> {
    let tid = target.resolve(tid)?;
    let tv = target.view(tid)?;
    if !is_composite(&tv) {
        return Ok(None);
    }
    let lm = local
        .view(la.type_id)?
        .member(la.idx)
        .ok_or_else(|| Error::malformed(loc, "member index out of range"))?;
    let lname = la.name.unwrap_or_default();
    for i in 0..tv.vlen() {
        let Some(m) = tv.member(i) else { break };
        ts.push_raw(i, loc)?;
        ts.bit_offset = add(ts.bit_offset, u64::from(m.bit_offset), loc)?;
        let tname = tv.string(m.name_off)?;
        if tname.is_empty() {
            if let Some(found) = search_member(local, la, target, m.ty, ts, loc)? {
                return Ok(Some(found));
            }
        } else if tname == lname {
            if fields_are_compat(local, lm.ty, target, m.ty, loc)? {
                ts.acc.push(Accessor {
                    type_id: tid,
                    idx: i,
                    name: Some(tname),
                });
                return Ok(Some(m.ty));
            }
            // As libbpf: the member's raw index and bit offset stay in the
            // spec (the caller's pop takes the last raw index).
            return Ok(None);
        }
        ts.bit_offset -= u64::from(m.bit_offset);
        ts.raw.pop();
    }
    Ok(None)
}

/// One target composite's members searched for one name, as
/// [`search_member`] searches them when every same-named member it meets
/// is of an incompatible type: the order the search would meet them in
/// and what the spec holds at each, relative to where it started.
#[derive(Debug)]
struct Walk {
    /// The same-named members in search order; `None` when the search met
    /// something a replay must not paper over (a BTF read error, anonymous
    /// members nested deeper than any spec): then searched afresh.
    hits: Option<Vec<Hit>>,
    /// The longest raw access and largest bit offset the whole search
    /// reaches.
    depth: usize,
    max_bits: u64,
}

/// A same-named member met by a [`Walk`].
#[derive(Debug)]
struct Hit {
    /// The raw indices the search has added to the spec at this member
    /// (its own index last; after an incompatible member's early return
    /// they need not be a path, as in libbpf).
    raw: Vec<u32>,
    /// The bit offset the search has added.
    bits: u64,
    /// The longest raw access and largest bit offset reached until here.
    depth: usize,
    max_bits: u64,
    /// The composite holding the member, the member's index, name and type.
    parent: TypeId,
    idx: u32,
    name_off: u32,
    ty: TypeId,
}

/// Builds a [`Walk`]: [`search_member`]'s traversal, recording each
/// same-named member and going on as if it were incompatible.
struct Walker<'b> {
    btf: &'b Btf,
    name: &'b [u8],
    raw: Vec<u32>,
    bits: u64,
    depth: usize,
    max_bits: u64,
    hits: Vec<Hit>,
}

impl Walker<'_> {
    fn walk(btf: &Btf, tid: TypeId, name: &[u8]) -> Walk {
        let mut w = Walker {
            btf,
            name,
            raw: Vec::new(),
            bits: 0,
            depth: 0,
            max_bits: 0,
            hits: Vec::new(),
        };
        let ok = w.visit(tid).is_some();
        Walk {
            hits: ok.then_some(w.hits),
            depth: w.depth,
            max_bits: w.max_bits,
        }
    }

    /// `None`: the walk cannot be replayed.
    fn visit(&mut self, tid: TypeId) -> Option<()> {
        let tid = self.btf.resolve(tid).ok()?;
        let tv = self.btf.view(tid).ok()?;
        if !is_composite(&tv) {
            return Some(());
        }
        for i in 0..tv.vlen() {
            let Some(m) = tv.member(i) else { break };
            // Every spec holds the root's index: deeper than this always
            // fails, and the search reports it.
            if self.raw.len() >= SPEC_MAX_LEN {
                return None;
            }
            self.raw.push(i);
            // At most SPEC_MAX_LEN members of 32-bit offsets: no overflow.
            self.bits += u64::from(m.bit_offset);
            self.depth = self.depth.max(self.raw.len());
            self.max_bits = self.max_bits.max(self.bits);
            let tname = tv.string(m.name_off).ok()?;
            if tname.is_empty() {
                self.visit(m.ty)?;
            } else if tname == self.name {
                self.hits.push(Hit {
                    raw: self.raw.clone(),
                    bits: self.bits,
                    depth: self.depth,
                    max_bits: self.max_bits,
                    parent: tid,
                    idx: i,
                    name_off: m.name_off,
                    ty: m.ty,
                });
                return Some(());
            }
            self.bits -= u64::from(m.bit_offset);
            self.raw.pop();
        }
        Some(())
    }
}

/// Matches the local spec against candidate `cand` (libbpf's
/// `bpf_core_spec_match`); `None` if the candidate does not match.
fn spec_match<'a>(
    ls: &Spec<'_>,
    kernel: &'a Target,
    cand: TypeId,
    loc: &Loc<'_>,
) -> Result<Option<Spec<'a>>> {
    let target = kernel.btf();
    let mut ts = Spec::new(target, cand, ls.kind);
    if is_type_based(ls.kind) {
        let ok = if ls.kind == kind::TYPE_MATCHES {
            types_match(ls.btf, ls.root, target, cand, false, 32, loc)?
        } else {
            types_are_compat(ls.btf, ls.root, target, cand, 32, loc)?
        };
        return Ok(ok.then_some(ts));
    }
    let Some(first) = ls.acc.first() else {
        return Err(Error::malformed(loc, "empty CO-RE access"));
    };
    if is_enumval_based(ls.kind) {
        let tid = target.resolve(cand)?;
        let tv = target.view(tid)?;
        if tv.tag() != KindTag::Enum {
            return Ok(None);
        }
        let want = essential(first.name.unwrap_or_default());
        for (i, e) in (0u32..).zip(tv.enumerators()) {
            let name = tv.string(e.name_off)?;
            if essential(name) == want {
                ts.acc.push(Accessor {
                    type_id: tid,
                    idx: i,
                    name: Some(name),
                });
                ts.raw.push(i);
                return Ok(Some(ts));
            }
        }
        return Ok(None);
    }
    let mut tid = cand;
    for (i, la) in ls.acc.iter().enumerate() {
        tid = target.resolve(tid)?;
        if la.name.is_some() {
            match match_member(ls.btf, la, kernel, tid, &mut ts, loc)? {
                Some(next) => tid = next,
                None => return Ok(None),
            }
            continue;
        }
        if i > 0 {
            let Some((elem, _, len)) = target.view(tid)?.array() else {
                return Ok(None);
            };
            if !is_flex_arr(target, ts.acc.last(), len)? && la.idx >= len {
                return Ok(None);
            }
            tid = target.resolve(elem)?;
        }
        ts.push_raw(la.idx, loc)?;
        ts.acc.push(Accessor {
            type_id: tid,
            idx: la.idx,
            name: None,
        });
        ts.bit_offset = add(ts.bit_offset, bits(la.idx, target.size_of(tid)?, loc)?, loc)?;
    }
    Ok(Some(ts))
}

/// The innermost non-array type of `id`'s element chain, and its size.
fn elem_size(btf: &Btf, id: TypeId) -> Result<u32> {
    let mut id = btf.resolve(id)?;
    for _ in 0..64 {
        match btf.view(id)?.array() {
            Some((elem, _, _)) => id = btf.resolve(elem)?,
            None => return btf.size_of(id),
        }
    }
    Err(Error::malformed(
        ".BTF",
        format!("array type {id} nests too deeply"),
    ))
}

/// A field relocation's value in one BTF.
struct FieldCalc {
    val: u64,
    /// The accessed field's (element) size, for load/store resizing; 0
    /// when the kind does not resize.
    size: u32,
    /// The field's type, to judge whether resizing is safe.
    type_id: TypeId,
    validate: bool,
}

/// libbpf's `bpf_core_calc_field_relo`; `None` requests poisoning.
fn calc_field(spec: Option<&Spec<'_>>, k: u32, loc: &Loc<'_>) -> Result<Option<FieldCalc>> {
    let mut out = FieldCalc {
        val: 0,
        size: 0,
        type_id: 0,
        validate: true,
    };
    if k == kind::FIELD_EXISTS {
        out.val = u64::from(spec.is_some());
        return Ok(Some(out));
    }
    let Some(spec) = spec else { return Ok(None) };
    let btf = spec.btf;
    let acc = spec
        .acc
        .last()
        .ok_or_else(|| Error::malformed(loc, "empty CO-RE access"))?;
    if acc.name.is_none() {
        match k {
            kind::FIELD_BYTE_OFFSET => {
                out.val = spec.bit_offset / 8;
                out.size = elem_size(btf, acc.type_id)?;
                out.type_id = acc.type_id;
            }
            kind::FIELD_BYTE_SIZE => out.val = u64::from(btf.size_of(acc.type_id)?),
            _ => {
                return Err(Error::unsupported(
                    loc,
                    format!("CO-RE {} relocation of an array element", kind_name(k)),
                ))
            }
        }
        return Ok(Some(out));
    }
    let t = btf.view(acc.type_id)?;
    let m = t
        .member(acc.idx)
        .ok_or_else(|| Error::malformed(loc, "member index out of range"))?;
    let field_ty = btf.resolve(m.ty)?;
    let mt = btf.view(field_ty)?;
    let bit_off = spec.bit_offset;
    let bitfield = m.bitfield_size > 0;
    let (byte_off, byte_sz, bit_sz) = if bitfield {
        let bit_sz = u64::from(m.bitfield_size);
        let mut sz = u64::from(mt.size());
        if sz == 0 {
            return Err(Error::malformed(loc, "bitfield of a zero-sized type"));
        }
        let mut off = bit_off / 8 / sz * sz;
        let end = add(bit_off, bit_sz, loc)?;
        while end - off * 8 > sz * 8 {
            if sz >= 8 {
                return Err(Error::unsupported(
                    loc,
                    "CO-RE relocation of a bitfield that a 64-bit load cannot read",
                ));
            }
            sz *= 2;
            off = bit_off / 8 / sz * sz;
        }
        (off, sz, bit_sz)
    } else {
        let sz = u64::from(btf.size_of(field_ty)?);
        (bit_off / 8, sz, sz * 8)
    };
    // For bitfields the compiler's values may legitimately differ from
    // ours: only signedness and the right shift are checked.
    out.validate = !bitfield;
    match k {
        kind::FIELD_BYTE_OFFSET => {
            out.val = byte_off;
            if !bitfield {
                out.size = elem_size(btf, field_ty)?;
                out.type_id = field_ty;
            }
        }
        kind::FIELD_BYTE_SIZE => out.val = byte_sz,
        kind::FIELD_SIGNED => {
            out.val = u64::from(match mt.tag() {
                KindTag::Enum => mt.kind_flag(),
                KindTag::Int => mt.int_encoding().is_some_and(|(e, _, _)| e & 1 != 0),
                _ => false,
            });
            out.validate = true;
        }
        // As libbpf computes them, in 32 bits.
        kind::FIELD_LSHIFT_U64 => {
            out.val = u64::from(64u32.wrapping_sub((bit_off + bit_sz - byte_off * 8) as u32))
        }
        kind::FIELD_RSHIFT_U64 => {
            out.val = u64::from(64u32.wrapping_sub(bit_sz as u32));
            out.validate = true;
        }
        _ => {
            return Err(Error::unsupported(
                loc,
                format!("CO-RE relocation kind {k}"),
            ))
        }
    }
    Ok(Some(out))
}

/// The result of one relocation against one candidate (or none): libbpf's
/// `bpf_core_relo_res`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Res {
    orig: u64,
    new: u64,
    poison: bool,
    validate: bool,
    /// A load/store of the field would have to change size in a way that
    /// changes its value (signed integers, non-pointers): poisoned.
    fail_memsz: bool,
    orig_sz: u32,
    new_sz: u32,
}

fn is_unsigned_int(v: &TypeView<'_>) -> bool {
    v.int_encoding().is_some_and(|(e, _, _)| e != 1)
}

/// libbpf's `bpf_core_calc_relo`.
fn calc_relo(ls: &Spec<'_>, ts: Option<&Spec<'_>>, loc: &Loc<'_>) -> Result<Res> {
    let mut res = Res {
        orig: 0,
        new: 0,
        poison: false,
        validate: true,
        fail_memsz: false,
        orig_sz: 0,
        new_sz: 0,
    };
    let k = ls.kind;
    if is_field_based(k) {
        let l = calc_field(Some(ls), k, loc)?
            .ok_or_else(|| Error::malformed(loc, "CO-RE local access does not resolve"))?;
        res.orig = l.val;
        res.orig_sz = l.size;
        res.validate = l.validate;
        let Some(t) = calc_field(ts, k, loc)? else {
            res.poison = true;
            return Ok(res);
        };
        res.new = t.val;
        res.new_sz = t.size;
        if res.orig_sz != res.new_sz {
            if let Some(ts) = ts {
                let (ov, nv) = (ls.btf.view(l.type_id)?, ts.btf.view(t.type_id)?);
                let ptrs = ov.tag() == KindTag::Ptr && nv.tag() == KindTag::Ptr;
                let uints = is_unsigned_int(&ov) && is_unsigned_int(&nv);
                res.fail_memsz = !(ptrs || uints);
            }
        }
    } else if is_type_based(k) {
        let value = |s: Option<&Spec<'_>>| -> Result<u64> {
            let Some(s) = s else { return Ok(0) };
            Ok(match k {
                kind::TYPE_ID_TARGET => u64::from(s.root),
                kind::TYPE_EXISTS | kind::TYPE_MATCHES => 1,
                kind::TYPE_SIZE => u64::from(s.btf.size_of(s.root)?),
                _ => {
                    return Err(Error::unsupported(
                        loc,
                        format!("CO-RE relocation kind {k}"),
                    ))
                }
            })
        };
        res.orig = value(Some(ls))?;
        // A type id may change when objects are linked: not checked.
        res.validate = k != kind::TYPE_ID_TARGET;
        res.new = value(ts)?;
    } else if is_enumval_based(k) {
        let value = |s: Option<&Spec<'_>>| -> Result<Option<u64>> {
            if k == kind::ENUMVAL_EXISTS {
                return Ok(Some(u64::from(s.is_some())));
            }
            let Some(s) = s else { return Ok(None) };
            let a = s
                .acc
                .first()
                .ok_or_else(|| Error::malformed(loc, "empty CO-RE access"))?;
            let t = s.btf.view(a.type_id)?;
            let e = t
                .enumerator(a.idx)
                .ok_or_else(|| Error::malformed(loc, "enumerator index out of range"))?;
            // libbpf reads a 32-bit enumerator as signed whatever the enum's
            // signedness.
            Ok(Some(if t.is_enum64() {
                e.value as u64
            } else {
                e.value as u32 as i32 as i64 as u64
            }))
        };
        res.orig = value(Some(ls))?.unwrap_or(0);
        match value(ts)? {
            Some(v) => res.new = v,
            None => res.poison = true,
        }
    } else {
        return Err(Error::unsupported(
            loc,
            format!("CO-RE relocation kind {k}"),
        ));
    }
    Ok(res)
}

/// Why a relocation found no usable target, for the explanation of a
/// poisoned instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Miss {
    /// The kernel has no type of that kind and name.
    NoCandidate,
    /// Candidates exist, none matches the access.
    NoMatch,
    /// Matched, but a load/store cannot safely change size.
    Resize,
}

/// Which relocation failed and why, in libbpf's terms plus the reason.
fn explain(local: &Btf, rec: &CoreReloRec, miss: Miss, loc: &Loc<'_>) -> String {
    let Ok(ls) = parse_spec(local, rec, loc) else {
        return loc.to_string();
    };
    let desc = ls.describe();
    let Ok(root) = local.view(rec.type_id) else {
        return desc;
    };
    let name = String::from_utf8_lossy(root.name().unwrap_or_default()).into_owned();
    let kind_word = kind_str(&root);
    match miss {
        Miss::Resize => format!(
            "{desc}: the kernel's `{name}{}` cannot be accessed with this instruction's size \
             (only pointers and unsigned integers may change size)",
            ls.path()
        ),
        Miss::NoCandidate => format!("{desc}: {kind_word} `{name}` not found in the kernel"),
        Miss::NoMatch if is_field_based(rec.kind) => format!(
            "{desc}: field `{name}{}` not found in the kernel (or of an incompatible type)",
            ls.path()
        ),
        Miss::NoMatch if is_enumval_based(rec.kind) => {
            let n = ls.acc.first().and_then(|a| a.name).unwrap_or_default();
            format!(
                "{desc}: enumerator `{}` of {kind_word} `{name}` not found in the kernel",
                String::from_utf8_lossy(n)
            )
        }
        Miss::NoMatch => format!("{desc}: the kernel's {kind_word} `{name}` is not compatible"),
    }
}

/// Resolves one relocation (libbpf's `bpf_core_calc_relo_insn`):
/// `cands` is the local root's candidate list, narrowed to the matching
/// candidates as libbpf narrows its per-object cache. Returns the result
/// and, should the instruction end up poisoned, why.
fn resolve_one(
    local: &Btf,
    sources: &[&Target],
    cands: &mut Vec<(usize, TypeId)>,
    rec: &CoreReloRec,
    loc: &Loc<'_>,
) -> Result<(Res, Miss)> {
    let ls = parse_spec(local, rec, loc)?;
    if rec.kind == kind::TYPE_ID_LOCAL {
        let id = u64::from(rec.type_id);
        let res = Res {
            orig: id,
            new: id,
            poison: false,
            validate: false,
            fail_memsz: false,
            orig_sz: 0,
            new_sz: 0,
        };
        return Ok((res, Miss::NoMatch));
    }
    if local.view(rec.type_id)?.name()?.is_empty() {
        return Err(Error::unsupported(
            loc,
            format!(
                "CO-RE {} relocation of an anonymous type",
                kind_name(rec.kind)
            ),
        ));
    }
    let had_candidates = !cands.is_empty();
    let mut chosen: Option<(Res, u64)> = None;
    let mut kept = Vec::new();
    for &(src, c) in cands.iter() {
        let Some(&target) = sources.get(src) else {
            continue;
        };
        let Some(ts) = spec_match(&ls, target, c, loc)? else {
            continue;
        };
        let r = calc_relo(&ls, Some(&ts), loc)?;
        match chosen {
            None => chosen = Some((r, ts.bit_offset)),
            Some((_, bit)) if bit != ts.bit_offset => {
                return Err(Error::unsupported(
                    loc,
                    format!(
                        "CO-RE relocation {} is ambiguous: kernel candidates give field offsets {bit} and {} bits",
                        ls.describe(),
                        ts.bit_offset
                    ),
                ))
            }
            Some((first, _)) if first.poison != r.poison || first.new != r.new => {
                return Err(Error::unsupported(
                    loc,
                    format!(
                        "CO-RE relocation {} is ambiguous: kernel candidates give {} and {}",
                        ls.describe(),
                        first.new,
                        r.new
                    ),
                ))
            }
            Some(_) => {}
        }
        kept.push((src, c));
    }
    match chosen {
        Some((res, _)) => {
            *cands = kept;
            Ok((res, Miss::Resize))
        }
        None => {
            let miss = if had_candidates {
                Miss::NoMatch
            } else {
                Miss::NoCandidate
            };
            Ok((calc_relo(&ls, None, loc)?, miss))
        }
    }
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

fn size_bytes(code: u8) -> u32 {
    match code & 0x18 {
        0x18 => 8,
        0x00 => 4,
        0x08 => 2,
        _ => 1,
    }
}

fn size_code(bytes: u32) -> Option<u8> {
    Some(match bytes {
        1 => 0x10,
        2 => 0x08,
        4 => 0x00,
        8 => 0x18,
        _ => return None,
    })
}

/// Patches the instruction at `at` (libbpf's `bpf_core_patch_insn`);
/// returns whether it was poisoned.
fn patch(insns: &mut [Insn], at: usize, res: &Res, loc: &Loc<'_>) -> Result<bool> {
    let bad = |m: String| Error::malformed(loc, m);
    if res.poison {
        poison(insns, at);
        return Ok(true);
    }
    let ins = *insns
        .get(at)
        .ok_or_else(|| bad("instruction out of range".into()))?;
    let (orig, new) = (res.orig, res.new);
    match ins.code & 0x07 {
        // ALU, ALU64
        0x04 | 0x07 => {
            if ins.code & 0x08 != 0 {
                return Err(bad(format!(
                    "CO-RE relocation on a register-operand instruction (code {:#04x})",
                    ins.code
                )));
            }
            if res.validate && ins.imm as i64 as u64 != orig {
                return Err(bad(format!(
                    "instruction immediate {} is not the CO-RE value {orig}",
                    ins.imm
                )));
            }
            if let Some(i) = insns.get_mut(at) {
                i.imm = new as i32;
            }
        }
        // LDX, ST, STX
        0x01..=0x03 => {
            if res.validate && ins.off as i64 as u64 != orig {
                return Err(bad(format!(
                    "instruction offset {} is not the CO-RE value {orig}",
                    ins.off
                )));
            }
            if new > i16::MAX as u64 {
                return Err(bad(format!("CO-RE offset {new} does not fit 16 bits")));
            }
            if res.fail_memsz {
                poison(insns, at);
                return Ok(true);
            }
            let mut code = ins.code;
            if res.new_sz != res.orig_sz {
                let have = size_bytes(code);
                if have != res.orig_sz {
                    return Err(bad(format!(
                        "instruction accesses {have} bytes, not the field's {}",
                        res.orig_sz
                    )));
                }
                let sz = size_code(res.new_sz).ok_or_else(|| {
                    bad(format!(
                        "field of {} bytes cannot be loaded or stored",
                        res.new_sz
                    ))
                })?;
                code = (code & 0xe0) | sz | (code & 0x07);
            }
            if let Some(i) = insns.get_mut(at) {
                i.off = new as i16;
                i.code = code;
            }
        }
        // LD: only ld_imm64 without a pseudo source.
        0x00 => {
            let hi = insns.get(at + 1).copied();
            let plain = ins.code == LD_IMM64
                && ins.src_reg() == 0
                && ins.off == 0
                && hi.is_some_and(|h| h.code == 0 && h.regs == 0 && h.off == 0);
            let Some(hi) = hi.filter(|_| plain) else {
                return Err(bad(
                    "CO-RE relocation on an ld_imm64 of unexpected form".into()
                ));
            };
            let imm = u64::from(ins.imm as u32) | (u64::from(hi.imm as u32) << 32);
            if res.validate && imm != orig {
                return Err(bad(format!(
                    "instruction immediate {imm} is not the CO-RE value {orig}"
                )));
            }
            if let Some(i) = insns.get_mut(at) {
                i.imm = new as u32 as i32;
            }
            if let Some(i) = insns.get_mut(at + 1) {
                i.imm = (new >> 32) as u32 as i32;
            }
        }
        _ => {
            return Err(bad(format!(
                "CO-RE relocation on instruction code {:#04x}",
                ins.code
            )))
        }
    }
    Ok(false)
}

/// The (kind, essential name) a relocation's candidates are found by: the
/// relocation's own type, typedefs included (`atomic_t` is looked up as a
/// typedef, as libbpf does).
fn root_key<'a>(local: &'a Btf, rec: &CoreReloRec) -> Result<(KindTag, &'a [u8])> {
    let root = local.view(rec.type_id)?;
    Ok((root.tag(), essential(root.name()?)))
}

/// The (kind, essential name) of every CO-RE relocation's root type in
/// `obj`, sorted and without duplicates: what [`Target::prepare`] needs to
/// find all of the object's candidates in one pass. A record whose root
/// does not read is left out (and reported when it is applied).
pub fn wanted(obj: &ObjectFile) -> Vec<(KindTag, &[u8])> {
    let Some(local) = obj.btf.as_ref() else {
        return Vec::new();
    };
    let mut wanted = Vec::new();
    for f in &obj.functions {
        for (_, rec) in &f.core_relos {
            if rec.kind != kind::TYPE_ID_LOCAL {
                if let Ok((tag, name)) = root_key(local, rec) {
                    if !name.is_empty() {
                        wanted.push((tag, name));
                    }
                }
            }
        }
    }
    wanted.sort_unstable();
    wanted.dedup();
    wanted
}

/// Applies every CO-RE relocation of `obj` against `target`, once: the
/// relocations are consumed. Each poisoned instruction is recorded in its
/// function's [`core_failures`](crate::Function::core_failures) with the
/// reason, so that a verifier rejection can be explained. A relocation
/// that cannot be applied at all is recorded as its function's
/// [`core_error`](crate::Function::core_error) (the function's later
/// relocations are left unapplied); only the target BTF's own failures are
/// errors of the whole call.
pub fn apply(obj: &mut ObjectFile, target: &Target) -> Result<()> {
    // One pass over the target for every name the object mentions.
    target.prepare(&wanted(obj))?;
    let Some(local) = obj.btf.as_ref() else {
        return Ok(());
    };
    // Per local root type, the candidates still in play: narrowed by each
    // relocation that matched some of them, as libbpf's cache is. A
    // candidate is (source, id): source 0 is the target's own BTF, i > 0
    // module i - 1's, searched only for roots the target has none of.
    let mut cache: HashMap<TypeId, Vec<(usize, TypeId)>> = HashMap::new();
    let mut modules: Option<Vec<Arc<Target>>> = None;
    for f in &mut obj.functions {
        let relos = std::mem::take(&mut f.core_relos);
        for (at, rec) in &relos {
            let loc = Loc::Relo {
                rec,
                func: &f.name,
                insn: f.start + at,
            };
            let cands = match cache.entry(rec.type_id) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    let mut list = Vec::new();
                    if let Ok((tag, name)) = root_key(local, rec) {
                        if !name.is_empty() && rec.kind != kind::TYPE_ID_LOCAL {
                            // A failed search belongs to this function only.
                            let found = target.candidates(tag, name).and_then(|c| {
                                list.extend(c.iter().map(|&c| (0, c)));
                                if list.is_empty() {
                                    if let (None, Some(source)) = (&modules, &target.modules) {
                                        modules = Some(source()?);
                                    }
                                    for (i, m) in modules.iter().flatten().enumerate() {
                                        let found = m.candidates(tag, name)?;
                                        list.extend(found.iter().map(|&c| (i + 1, c)));
                                    }
                                }
                                Ok(())
                            });
                            if let Err(err) = found {
                                f.core_error = Some(err);
                                break;
                            }
                        }
                    }
                    e.insert(list)
                }
            };
            let main = [target];
            let all: Vec<&Target>;
            let sources: &[&Target] = match &modules {
                Some(ms) if !ms.is_empty() => {
                    all = main.into_iter().chain(ms.iter().map(|m| &**m)).collect();
                    &all
                }
                _ => &main,
            };
            // An error here belongs to this function only: the programs
            // that include it fail their own load with it (libbpf relocates
            // only the programs it loads), the others are unaffected.
            let applied = resolve_one(local, sources, cands, rec, &loc)
                .and_then(|(res, miss)| Ok((patch(&mut f.insns, *at, &res, &loc)?, miss)));
            match applied {
                Ok((true, miss)) => f.core_failures.push((*at, explain(local, rec, miss, &loc))),
                Ok((false, _)) => {}
                Err(e) => {
                    f.core_error = Some(e);
                    break;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Loc<'static> = Loc::Text("t");

    /// A BTF blob with the given type records and strings "\0a\0".
    fn blob(types: &[u32]) -> Btf {
        blob_with(types, b"\0a\0")
    }

    /// A BTF blob with the given type records and string table.
    fn blob_with(types: &[u32], strings: &[u8]) -> Btf {
        let t: Vec<u8> = types.iter().flat_map(|w| w.to_le_bytes()).collect();
        let mut b = Vec::new();
        for w in [
            0x0001_eb9fu32,
            24,
            0,
            t.len() as u32,
            t.len() as u32,
            strings.len() as u32,
        ] {
            b.extend_from_slice(&w.to_le_bytes());
        }
        b.extend_from_slice(&t);
        b.extend_from_slice(strings);
        Btf::parse(&b).unwrap()
    }

    /// The remembered member search gives exactly the search's result and
    /// spec, libbpf's quirk included: a same-named member of an
    /// incompatible type inside an anonymous member ends that member's
    /// search but leaves its raw index and bit offset in the spec (the
    /// caller's pop takes the last index), so `s.a` below is `0:0:1` at
    /// bit 64, not `0:1`. Near a spec's length limit the replay defers to
    /// the search and gives its error.
    #[test]
    fn remembered_member_search_is_the_search() {
        const STRINGS: &[u8] = b"\0a\0s\0";
        // [1] int, [2] struct s { int a; }
        let local = blob_with(&[1, 1 << 24, 4, 32, 3, (4 << 24) | 1, 4, 1, 1, 0], STRINGS);
        // [1] int, [2] int *, [3] struct { int *a; },
        // [4] struct s { struct { int *a; }; int a; }
        let target = blob_with(
            &[
                1,
                1 << 24,
                4,
                32, //
                0,
                2 << 24,
                1, //
                0,
                (4 << 24) | 1,
                8,
                1,
                2,
                0, //
                3,
                (4 << 24) | 2,
                16,
                0,
                3,
                0,
                1,
                1,
                64,
            ],
            STRINGS,
        );
        let target = Target::new(Arc::new(target));
        let ls = parse_spec(&local, &rec(2, "0:0", kind::FIELD_BYTE_OFFSET), &T).unwrap();
        let la = ls.acc[1];
        let run = |remembered: bool, base: usize| {
            let mut ts = Spec::new(target.btf(), 4, ls.kind);
            ts.raw = vec![0; base];
            let found = if remembered {
                match_member(&local, &la, &target, 4, &mut ts, &T)
            } else {
                search_member(&local, &la, target.btf(), 4, &mut ts, &T)
            };
            (found, ts.raw, ts.bit_offset, format!("{:?}", ts.acc))
        };
        let searched = run(false, 1);
        assert_eq!(searched.0, Ok(Some(1)));
        assert_eq!((searched.1.as_slice(), searched.2), (&[0, 0, 1][..], 64));
        // Walked on first use, replayed after.
        assert_eq!(run(true, 1), searched);
        assert_eq!(run(true, 1), searched);
        assert_eq!(target.walks.lock().unwrap().get(&4).map(Vec::len), Some(1));
        for base in 60..=64 {
            assert_eq!(run(true, base), run(false, base), "{base} raw indices");
        }
        assert!(run(true, 63).0.is_err());
    }

    fn rec(type_id: u32, access: &str, kind: u32) -> CoreReloRec {
        CoreReloRec {
            insn_off: 0,
            type_id,
            access: access.into(),
            kind,
        }
    }

    #[test]
    fn hostile_offsets_and_indices_are_errors_not_panics() {
        assert!(bits(u32::MAX, u32::MAX, &T).is_err());
        assert_eq!(bits(3, 4, &T).unwrap(), 96);
        assert!(add(u64::MAX, 1, &T).is_err());
        // [1] int, [2] int[4], [3] struct a { int[4] a; }
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
        let ok = parse_spec(&btf, &rec(3, "0:0:3", kind::FIELD_BYTE_OFFSET), &T).unwrap();
        assert_eq!(ok.bit_offset, 96);
        assert_eq!(
            ok.describe(),
            "<byte_off> [3] struct a.a[3] (0:0:3 @ offset 12)"
        );
        // An index past a sized array, a member index past the struct, an
        // access through an int, an absurd root index: refused.
        for access in ["0:0:4", "0:1", "0:0:3:0"] {
            assert!(
                parse_spec(&btf, &rec(3, access, kind::FIELD_BYTE_OFFSET), &T).is_err(),
                "{access}"
            );
        }
        // A huge root index gives a huge (unwrapped) offset, which patching
        // refuses: it does not fit an instruction.
        let far = parse_spec(&btf, &rec(3, "4294967295:0", kind::FIELD_BYTE_OFFSET), &T).unwrap();
        assert_eq!(far.bit_offset, u64::from(u32::MAX) * 128);
        // A type relocation's access must be "0".
        assert!(parse_spec(&btf, &rec(3, "1", kind::TYPE_SIZE), &T).is_err());
    }

    #[test]
    fn patching_checks_values_and_sizes_as_libbpf() {
        let res = Res {
            orig: 4,
            new: 8,
            poison: false,
            validate: true,
            fail_memsz: false,
            orig_sz: 4,
            new_sz: 8,
        };
        // A 4-byte store at offset 4 becomes an 8-byte store at 8.
        let mut st = [Insn {
            code: 0x63,
            regs: 0x21,
            off: 4,
            imm: 0,
        }];
        assert!(!patch(&mut st, 0, &res, &T).unwrap());
        assert_eq!((st[0].code, st[0].off), (0x7b, 8));
        // The instruction's size must be the field's original size.
        let mut wrong = [Insn {
            code: 0x71,
            regs: 0x21,
            off: 4,
            imm: 0,
        }];
        assert!(patch(&mut wrong, 0, &res, &T).is_err());
        // A value the compiler did not emit is refused, unless unchecked.
        let mut alu = [Insn {
            code: 0xb7,
            regs: 1,
            off: 0,
            imm: 16,
        }];
        let alu_res = Res {
            orig: 19,
            new: 3,
            orig_sz: 0,
            new_sz: 0,
            ..res
        };
        assert!(patch(&mut alu, 0, &alu_res, &T).is_err());
        let unchecked = Res {
            validate: false,
            ..alu_res
        };
        assert!(!patch(&mut alu, 0, &unchecked, &T).unwrap());
        assert_eq!(alu[0].imm, 3);
        // An unsafe resize poisons the load or store.
        let bad = Res {
            fail_memsz: true,
            ..res
        };
        let mut ld = [Insn {
            code: 0x61,
            regs: 0x21,
            off: 4,
            imm: 0,
        }];
        assert!(patch(&mut ld, 0, &bad, &T).unwrap());
        assert_eq!((ld[0].code, ld[0].imm), (0x85, POISON_HELPER));
    }
}
