//! Rust types from BTF, for map keys and values and global variables.
//!
//! - Structs become `#[repr(C)]` structs with explicit padding fields, so
//!   every offset matches BTF and there are no implicit padding bytes;
//!   bitfields are stored as byte arrays with getter and setter methods.
//! - Unions become byte storage with accessor methods (no Rust `union`,
//!   so no uninitialised bytes can be read).
//! - Enums become `#[repr(transparent)]` newtypes with associated consts:
//!   unknown values are representable, never undefined behaviour.
//! - `_Bool` becomes `Bool`, pointers `u64`, typedefs of primitives the
//!   primitive; other typedefs become aliases.
//! - Every generated type gets one compile-time layout check (the
//!   runtime's `skel::layout::layout`, a `const` call): its size and
//!   alignment are C's and its fields' sizes add up to its size, so
//!   `repr(C)` inserted no padding and every field sits at its BTF offset;
//!   the call also requires every non-primitive field type to be `Plain`.
//!   That justifies its `unsafe impl Plain`. `Clone` and `Copy` are written
//!   out rather than derived (cheaper to compile, same meaning).
//! - Definitions are written as Rust source and lexed once (see `source`).
//!
//! Anonymous types are named after where they are used: the map
//! (`CountsValue`), the variable, or the enclosing type and member
//! (`EventPayload`, `EventAnon0`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use bpf_skeleton_obj::btf::{Btf, Kind, Member, TypeId};
use proc_macro2::TokenStream;
use quote::format_ident;
use syn::Ident;

use crate::names::{camel_case, snake_field, snake_raw};

/// A reference to a Rust type, rendered relative to a module prefix.
#[derive(Clone)]
pub enum RType {
    /// A primitive or runtime type (absolute path or builtin), as source.
    Prim(String),
    /// A generated type, inside the `types` module.
    Named(Ident),
    /// A fixed array.
    Array(Box<RType>, u32),
}

impl RType {
    /// The type as source, with generated types behind `prefix`.
    pub fn text(&self, prefix: &str) -> String {
        match self {
            RType::Prim(t) => t.clone(),
            RType::Named(i) => format!("{prefix}{i}"),
            RType::Array(t, n) => format!("[{}; {n}]", t.text(prefix)),
        }
    }

    /// Whether the type is a builtin primitive or an array of them: `Plain`
    /// with a size fixed by the language (runtime types such as `Bool` and
    /// `U128` are not, and are checked by name).
    fn is_prim(&self) -> bool {
        match self {
            RType::Prim(p) => prim_size(p).is_some(),
            RType::Named(_) => false,
            RType::Array(t, _) => t.is_prim(),
        }
    }

    fn bytes(n: u32) -> RType {
        RType::Array(Box::new(RType::Prim("u8".to_string())), n)
    }
}

/// One global variable of a data section.
pub struct Var {
    /// The C name.
    pub name: String,
    /// The Rust field name.
    pub field: Ident,
    /// Its type.
    pub ty: RType,
    /// Byte offset.
    pub offset: u32,
    /// Size in bytes.
    pub size: u32,
    /// The one width (1, 2, 4 or 8 bytes) every access from Rust uses:
    /// the runtime's `access_width(offset, size)`.
    pub width: u32,
    /// Whether the variable is an integer of exactly `width` bytes, which
    /// gets an `_atomic()` view (`AtomicU{8*width}`).
    pub atomic: bool,
}

/// A laid-out, named field of a generated struct.
struct RecordField {
    c_name: String,
    field: Ident,
    ty: RType,
    type_id: TypeId,
    offset: u32,
}

/// A field to lay out: a struct member or a section variable.
struct FieldSpec {
    name: String,
    ty: TypeId,
    bit_offset: u32,
    /// Width for bitfields, 0 otherwise.
    bits: u32,
}

type GenResult<T> = Result<T, String>;

/// Generates types on demand and collects their definitions, as Rust
/// source (one `TokenStream` is lexed from it at the end: building tokens
/// one by one through the compiler's proc-macro bridge costs far more).
pub struct TypeGen<'a> {
    btf: &'a Btf,
    /// The runtime's path, as source.
    rt: String,
    named: BTreeMap<TypeId, Ident>,
    used: BTreeSet<String>,
    in_progress: BTreeSet<TypeId>,
    /// The definitions so far, as source.
    items: String,
    /// How many items `items` holds (for docs).
    count: usize,
}

/// The Rust type of a C integer: primitives, except 128-bit integers
/// (runtime `U128`/`I128`: two 64-bit halves aligned to 16 bytes, as clang
/// lays out `__int128` for BPF, whatever the host's `u128` alignment).
fn int_type(rt: &str, size: u32, signed: bool) -> Option<String> {
    Some(match (size, signed) {
        (1, false) => "u8".to_string(),
        (1, true) => "i8".to_string(),
        (2, false) => "u16".to_string(),
        (2, true) => "i16".to_string(),
        (4, false) => "u32".to_string(),
        (4, true) => "i32".to_string(),
        (8, false) => "u64".to_string(),
        (8, true) => "i64".to_string(),
        (16, false) => format!("{rt}::U128"),
        (16, true) => format!("{rt}::I128"),
        _ => return None,
    })
}

impl<'a> TypeGen<'a> {
    pub fn new(btf: &'a Btf, rt: &TokenStream) -> Self {
        TypeGen {
            btf,
            rt: rt.to_string(),
            named: BTreeMap::new(),
            used: BTreeSet::new(),
            in_progress: BTreeSet::new(),
            items: String::new(),
            count: 0,
        }
    }

    /// The definitions generated so far, and how many there are.
    pub fn into_items(self) -> (TokenStream, usize) {
        (crate::source::tokens(&self.items), self.count)
    }

    fn get(&self, id: TypeId) -> GenResult<&'a bpf_skeleton_obj::btf::Type> {
        self.btf.get(id).map_err(|e| e.to_string())
    }

    fn size(&self, id: TypeId) -> GenResult<u32> {
        self.btf.size_of(id).map_err(|e| e.to_string())
    }

    /// Skips const/volatile/restrict/type tags (not typedefs).
    fn strip(&self, mut id: TypeId) -> GenResult<TypeId> {
        for _ in 0..64 {
            match self.get(id)?.kind {
                Kind::Volatile(t) | Kind::Const(t) | Kind::Restrict(t) | Kind::TypeTag(t) => id = t,
                _ => return Ok(id),
            }
        }
        Err(format!("type {id}: qualifier chain too long"))
    }

    fn resolve(&self, id: TypeId) -> GenResult<TypeId> {
        self.btf.resolve(id).map_err(|e| e.to_string())
    }

    fn unique(&mut self, base: &str) -> Ident {
        let mut name = base.to_string();
        let mut k = 2;
        while !self.used.insert(name.clone()) {
            name = format!("{base}{k}");
            k += 1;
        }
        format_ident!("{}", name)
    }

    /// The C alignment of a type.
    fn align(&self, id: TypeId, depth: u32) -> GenResult<u32> {
        if depth > 64 {
            return Err(format!("type {id} nests too deeply"));
        }
        let id = self.resolve(id)?;
        Ok(match &self.get(id)?.kind {
            Kind::Int { size, .. } | Kind::Enum { size, .. } | Kind::Float { size } => {
                (*size).clamp(1, 16)
            }
            Kind::Ptr(_) => 8,
            Kind::Array { elem, .. } => self.align(*elem, depth + 1)?,
            Kind::Struct { members, size } | Kind::Union { members, size } => {
                let (natural, packed) = self.record_align(members, *size, depth)?;
                if packed {
                    1
                } else {
                    natural
                }
            }
            _ => 1,
        })
    }

    /// (natural alignment, packed?) of a struct or union's members.
    fn record_align(&self, members: &[Member], size: u32, depth: u32) -> GenResult<(u32, bool)> {
        let mut natural = 1;
        let mut misaligned = false;
        for m in members {
            let a = self.align(m.ty, depth + 1)?;
            natural = natural.max(a);
            let bitfield = m.bitfield_size > 0 || self.legacy_bitfield(m)?.is_some();
            if !bitfield && (m.bit_offset % 8 != 0 || (m.bit_offset / 8) % a != 0) {
                misaligned = true;
            }
        }
        Ok((natural, misaligned || size % natural != 0))
    }

    /// Whether the Rust type generated for `id` carries (or contains) a
    /// `#[repr(align)]`: `U128`/`I128`, unions aligned above 1, and
    /// structs whose alignment only bitfield storage carries. Rust refuses
    /// such a type inside a packed struct, where it becomes bytes.
    fn over_aligned(&self, id: TypeId, depth: u32) -> GenResult<bool> {
        if depth > 64 {
            return Err(format!("type {id} nests too deeply"));
        }
        let id = self.resolve(id)?;
        Ok(match &self.get(id)?.kind {
            Kind::Int { size, .. } => *size == 16,
            Kind::Array { elem, .. } => self.over_aligned(*elem, depth + 1)?,
            Kind::Union { members, size } => {
                let (natural, _) = self.record_align(members, *size, depth)?;
                natural > 1 && size % natural == 0
            }
            Kind::Struct { members, size } => {
                let (natural, packed) = self.record_align(members, *size, depth)?;
                if packed {
                    return Ok(false);
                }
                let mut rust_natural = 1;
                for m in members {
                    if m.bitfield_size > 0 || self.legacy_bitfield(m)?.is_some() {
                        continue;
                    }
                    if self.over_aligned(m.ty, depth + 1)? {
                        return Ok(true);
                    }
                    rust_natural = rust_natural.max(self.align(m.ty, depth + 1)?);
                }
                natural > rust_natural
            }
            _ => false,
        })
    }

    /// For a member of an old-style bitfield int type (kind_flag 0), its
    /// (extra bit offset, width).
    fn legacy_bitfield(&self, m: &Member) -> GenResult<Option<(u32, u32)>> {
        if m.bitfield_size > 0 {
            return Ok(None);
        }
        let id = self.resolve(m.ty)?;
        if let Kind::Int {
            size, offset, bits, ..
        } = self.get(id)?.kind
        {
            if u32::from(bits) != size * 8 || offset != 0 {
                return Ok(Some((u32::from(offset), u32::from(bits))));
            }
        }
        Ok(None)
    }

    /// The Rust type for BTF type `id`; `hint` names it if anonymous.
    pub fn ty(&mut self, id: TypeId, hint: &str) -> GenResult<RType> {
        let id = self.strip(id)?;
        let t = self.get(id)?;
        let rt = self.rt.clone();
        Ok(match &t.kind {
            Kind::Void => return Err("`void` used by value".to_string()),
            Kind::Int {
                size, signed, bool, ..
            } => {
                if *bool && *size == 1 {
                    RType::Prim(format!("{rt}::Bool"))
                } else if t.name == "char" {
                    // Plain `char` holds bytes of text: u8, so that
                    // `name == *b"..."` works (`signed char` stays i8).
                    RType::Prim("u8".to_string())
                } else {
                    RType::Prim(
                        int_type(&rt, *size, *signed)
                            .ok_or_else(|| format!("{size}-byte integer `{}`", t.name))?,
                    )
                }
            }
            Kind::Float { size } => match size {
                4 => RType::Prim("f32".to_string()),
                8 => RType::Prim("f64".to_string()),
                n => RType::bytes(*n),
            },
            Kind::Ptr(_) => RType::Prim("u64".to_string()),
            Kind::Array { elem, len, .. } => RType::Array(Box::new(self.ty(*elem, hint)?), *len),
            Kind::Struct { .. } | Kind::Union { .. } | Kind::Enum { .. } => {
                let name = if t.name.is_empty() {
                    hint.to_string()
                } else {
                    camel_case(&t.name)
                };
                RType::Named(self.named_type(id, &name)?)
            }
            Kind::Typedef(target) => {
                let real = self.resolve(*target)?;
                let rt_kind = &self.get(real)?.kind;
                let alias = camel_case(&t.name);
                match rt_kind {
                    Kind::Struct { .. } | Kind::Union { .. } | Kind::Enum { .. } => {
                        let anonymous = self.get(real)?.name.is_empty();
                        if anonymous {
                            // `typedef struct { ... } name_t;`: the struct takes the typedef's name.
                            let desc = format!("C `{}`, a typedef of an anonymous type", t.name);
                            RType::Named(self.named_type_described(real, &alias, Some(desc))?)
                        } else {
                            let inner = self.named_type(real, &alias)?;
                            self.alias(id, &alias, RType::Named(inner.clone()), &t.name)?;
                            RType::Named(inner)
                        }
                    }
                    Kind::Array { .. } => {
                        let inner = self.ty(real, &alias)?;
                        RType::Named(self.alias(id, &alias, inner, &t.name)?)
                    }
                    // Typedefs of primitives (`__u32`, `pid_t`) are the primitive.
                    _ => self.ty(*target, hint)?,
                }
            }
            Kind::Fwd { .. } => return Err(format!("forward-declared `{}` used by value", t.name)),
            Kind::Func { .. } | Kind::FuncProto { .. } => {
                return Err("a function type used by value".to_string())
            }
            Kind::Var { ty, .. } => self.ty(*ty, hint)?,
            Kind::Datasec { .. }
            | Kind::DeclTag { .. }
            | Kind::Volatile(_)
            | Kind::Const(_)
            | Kind::Restrict(_)
            | Kind::TypeTag(_) => return Err(format!("type {id} cannot be used as a value type")),
        })
    }

    /// Emits `pub type Alias = Target;` once per typedef id.
    fn alias(&mut self, id: TypeId, name: &str, target: RType, c_name: &str) -> GenResult<Ident> {
        if let Some(i) = self.named.get(&id) {
            return Ok(i.clone());
        }
        if let RType::Named(t) = &target {
            if *t == name {
                self.named.insert(id, t.clone());
                return Ok(t.clone());
            }
        }
        let ident = self.unique(name);
        self.named.insert(id, ident.clone());
        let doc = lit(&format!("C `typedef {c_name}`."));
        let target = target.text("");
        let _ = writeln!(self.items, "#[doc = {doc}] pub type {ident} = {target};");
        self.count += 1;
        Ok(ident)
    }

    /// Emits (once) the struct, union or enum `id` under `name`.
    fn named_type(&mut self, id: TypeId, name: &str) -> GenResult<Ident> {
        self.named_type_described(id, name, None)
    }

    fn named_type_described(
        &mut self,
        id: TypeId,
        name: &str,
        desc: Option<String>,
    ) -> GenResult<Ident> {
        if let Some(i) = self.named.get(&id) {
            return Ok(i.clone());
        }
        if !self.in_progress.insert(id) {
            return Err(format!("type {id} contains itself"));
        }
        let ident = self.unique(name);
        self.named.insert(id, ident.clone());
        let t = self.get(id)?;
        let c_desc = desc.unwrap_or_else(|| match (&t.kind, t.name.is_empty()) {
            (Kind::Struct { .. }, false) => format!("C `struct {}`", t.name),
            (Kind::Union { .. }, false) => format!("C `union {}`", t.name),
            (Kind::Enum { .. }, false) => format!("C `enum {}`", t.name),
            _ => "An anonymous C type".to_string(),
        });
        match &t.kind {
            Kind::Struct { size, members } => {
                let fields = members
                    .iter()
                    .map(|m| {
                        Ok(match self.legacy_bitfield(m)? {
                            Some((extra, bits)) => FieldSpec {
                                name: m.name.clone(),
                                ty: m.ty,
                                bit_offset: m.bit_offset + extra,
                                bits,
                            },
                            None => FieldSpec {
                                name: m.name.clone(),
                                ty: m.ty,
                                bit_offset: m.bit_offset,
                                bits: m.bitfield_size,
                            },
                        })
                    })
                    .collect::<GenResult<Vec<_>>>()?;
                let (natural, packed) = self.record_align(members, *size, 0)?;
                let doc = format!("{c_desc} ({}).", bytes(*size));
                self.record(&ident, *size, natural, packed, fields, &doc)?;
            }
            Kind::Union { size, members } => {
                let (natural, _) = self.record_align(members, *size, 0)?;
                let doc = format!("{c_desc}, a union of {size} bytes: members are read and written through methods.");
                self.union(&ident, *size, natural, members, &doc)?;
            }
            Kind::Enum {
                size,
                signed,
                values,
            } => {
                let doc = format!("{c_desc}: any {size}-byte value is representable; known values are associated consts.");
                self.enumeration(&ident, *size, *signed, values, &doc)?;
            }
            _ => return Err(format!("type {id} is not a struct, union or enum")),
        }
        Ok(ident)
    }

    /// The conversions (from the u64 `v` read, to the u64 written) for a
    /// bitfield of Rust type `ty`, as source.
    fn bitfield_conv(&self, id: TypeId, ty: &str, is_bool: bool) -> GenResult<(String, String)> {
        let rt = &self.rt;
        let real = self.resolve(id)?;
        Ok(match &self.get(real)?.kind {
            _ if is_bool => (format!("{rt}::Bool(v as u8)"), "u64::from(v.0)".to_string()),
            Kind::Enum { .. } => (format!("{ty}(v as _)"), "v.0 as u64".to_string()),
            Kind::Int {
                size: 16, signed, ..
            } => {
                let prim = if *signed { "i128" } else { "u128" };
                (
                    format!("{ty}::from(v as {prim})"),
                    "v.get() as u64".to_string(),
                )
            }
            _ => (format!("v as {ty}"), "v as u64".to_string()),
        })
    }

    /// The integer-like type of a bitfield member (as source), and whether
    /// it is signed and whether it is a `_Bool`.
    fn bitfield_type(&mut self, id: TypeId, hint: &str) -> GenResult<(String, bool, bool)> {
        let real = self.resolve(id)?;
        match self.get(real)?.kind.clone() {
            Kind::Int {
                size, signed, bool, ..
            } => {
                if bool {
                    Ok((format!("{}::Bool", self.rt), false, true))
                } else {
                    Ok((
                        int_type(&self.rt, size, signed).ok_or("bad bitfield int")?,
                        signed,
                        false,
                    ))
                }
            }
            Kind::Enum { .. } => {
                let t = self.ty(real, hint)?.text("");
                Ok((t, false, false))
            }
            _ => Err("bitfield of a type other than an integer or enum".to_string()),
        }
    }

    /// Emits a struct (or a data section) with fields at the given offsets;
    /// returns its named (non-bitfield) fields.
    fn record(
        &mut self,
        ident: &Ident,
        size: u32,
        natural: u32,
        packed: bool,
        mut specs: Vec<FieldSpec>,
        doc: &str,
    ) -> GenResult<Vec<RecordField>> {
        specs.sort_by_key(|s| s.bit_offset);
        let rt = self.rt.clone();
        // Source of the fields, of their types (for the layout check) and
        // of the methods and the `Debug` chain.
        let mut fields = String::new();
        let mut field_types: Vec<RType> = Vec::new();
        let mut out = Vec::new();
        let mut methods = String::new();
        let mut debug = String::new();
        // Struct fields and methods are separate namespaces. C member names
        // come first: generated padding and storage names avoid them.
        let mut field_names: BTreeSet<String> = BTreeSet::new();
        let mut method_names: BTreeSet<String> = BTreeSet::new();
        let reserved: BTreeSet<String> = specs
            .iter()
            .filter(|s| !s.name.is_empty() && s.bits == 0)
            .map(|s| snake_field(&s.name))
            .collect();
        let mut cursor = 0u32;
        // The alignment Rust derives from the fields alone (byte arrays for
        // padding and bitfield storage contribute 1).
        let mut rust_natural = 1u32;
        let (mut pad_n, mut anon_n, mut bf_n) = (0u32, 0u32, 0u32);
        let mut pad =
            |names: &mut BTreeSet<String>, fields: &mut String, types: &mut Vec<RType>, n: u32| {
                let name = unique_generated(names, &reserved, &format!("_pad{pad_n}"));
                pad_n += 1;
                let _ = write!(fields, "{name}: [u8; {n}],");
                types.push(RType::bytes(n));
            };
        let mut i = 0;
        while i < specs.len() {
            let s = &specs[i];
            if s.bits > 0 {
                let mut j = i;
                while j < specs.len() && specs[j].bits > 0 {
                    j += 1;
                }
                let run = &specs[i..j];
                let first = run.iter().map(|s| s.bit_offset).min().unwrap_or(0);
                let end_bit = run.iter().map(|s| s.bit_offset + s.bits).max().unwrap_or(0);
                let start = first / 8;
                let end = end_bit.div_ceil(8);
                if start < cursor || end > size {
                    return Err(format!(
                        "`{ident}`: bitfields at bits {first}..{end_bit} overlap other members"
                    ));
                }
                if start > cursor {
                    pad(
                        &mut field_names,
                        &mut fields,
                        &mut field_types,
                        start - cursor,
                    );
                }
                let store =
                    unique_generated(&mut field_names, &reserved, &format!("_bitfield{bf_n}"));
                bf_n += 1;
                let len = end - start;
                let _ = write!(fields, "{store}: [u8; {len}],");
                field_types.push(RType::bytes(len));
                if let Some(w) = run.iter().find(|b| b.bits > 64) {
                    return Err(format!(
                        "`{ident}`: bitfield `{}` is {} bits wide (at most 64 are supported)",
                        w.name, w.bits
                    ));
                }
                for b in run.iter().filter(|b| !b.name.is_empty()) {
                    let getter = unique_field(&mut method_names, &snake_field(&b.name));
                    let setter = unique_field(&mut method_names, &format!("set_{getter}"));
                    let hint = format!("{ident}{}", camel_case(&b.name));
                    let (ty, signed, is_bool) = self.bitfield_type(b.ty, &hint)?;
                    let bit = b.bit_offset - start * 8;
                    let width = b.bits;
                    let gdoc = lit(&format!(
                        "Bitfield `{}` ({} bits at bit {}).",
                        b.name, b.bits, b.bit_offset
                    ));
                    let (from, to) = self.bitfield_conv(b.ty, &ty, is_bool)?;
                    let _ = write!(
                        methods,
                        "#[doc = {gdoc}] pub fn {getter}(&self) -> {ty} {{ \
                         let v = {rt}::plain::read_bits(&self.{store}, {bit}, {width}, {signed}); \
                         {from} }} \
                         #[doc = {gdoc}] pub fn {setter}(&mut self, v: {ty}) {{ \
                         {rt}::plain::write_bits(&mut self.{store}, {bit}, {width}, {to}); }}"
                    );
                    let _ = write!(debug, ".field({:?}, &self.{getter}())", getter.to_string());
                }
                cursor = end;
                i = j;
                continue;
            }
            if s.bit_offset % 8 != 0 {
                return Err(format!(
                    "`{ident}`: member `{}` is not byte-aligned",
                    s.name
                ));
            }
            let off = s.bit_offset / 8;
            let msize = self.size(s.ty)?;
            if off < cursor || off.checked_add(msize).is_none_or(|e| e > size) {
                return Err(format!(
                    "`{ident}`: member `{}` at byte {off} overlaps or overruns",
                    s.name
                ));
            }
            if off > cursor {
                pad(
                    &mut field_names,
                    &mut fields,
                    &mut field_types,
                    off - cursor,
                );
            }
            let (fname, hint) = if s.name.is_empty() {
                let n = anon_n;
                anon_n += 1;
                (format!("anon{n}"), format!("{ident}Anon{n}"))
            } else {
                (
                    snake_field(&s.name),
                    format!("{ident}{}", camel_case(&s.name)),
                )
            };
            let field = unique_field(&mut field_names, &fname);
            // Rust refuses over-aligned types in a packed struct: bytes.
            let as_bytes = packed && self.over_aligned(s.ty, 0)?;
            let rty = if as_bytes {
                RType::bytes(msize)
            } else {
                self.ty(s.ty, &hint)?
            };
            rust_natural = rust_natural.max(self.align(s.ty, 0)?);
            let ty = rty.text("");
            let mut fdoc = if s.name.is_empty() {
                format!("Anonymous member at byte {off}.")
            } else {
                format!("`{}` at byte {off} ({}).", s.name, bytes(msize))
            };
            if as_bytes {
                fdoc.push_str(
                    " Its bytes: its type is aligned above 1 in Rust, which a packed struct \
                     cannot hold.",
                );
            }
            let _ = write!(fields, "#[doc = {}] pub {field}: {ty},", lit(&fdoc));
            field_types.push(rty.clone());
            out.push(RecordField {
                c_name: s.name.clone(),
                field: field.clone(),
                ty: rty,
                type_id: s.ty,
                offset: off,
            });
            // A packed struct's fields may be misaligned: print a copy.
            // Otherwise borrow (a large field never lands on the stack).
            let name = field.to_string();
            if packed {
                let _ = write!(debug, ".field({name:?}, &{{ self.{field} }})");
            } else {
                let _ = write!(debug, ".field({name:?}, &self.{field})");
            }
            cursor = off + msize;
            i += 1;
        }
        if size > cursor {
            pad(
                &mut field_names,
                &mut fields,
                &mut field_types,
                size - cursor,
            );
        }
        let align = if packed { 1 } else { natural };
        // Raise the alignment to C's where the fields alone would not (only
        // byte-array members, e.g. bitfield storage).
        let repr = if packed {
            "#[repr(C, packed)]".to_string()
        } else if align > rust_natural {
            format!("#[repr(C, align({align}))]")
        } else {
            "#[repr(C)]".to_string()
        };
        let name = ident.to_string();
        let doc = lit(doc);
        let o = &mut self.items;
        let _ = write!(
            o,
            "#[doc = {doc}] {repr} #[derive(PartialEq)] pub struct {ident} {{ {fields} }}"
        );
        if !methods.is_empty() {
            let _ = write!(o, "impl {ident} {{ {methods} }}");
        }
        plain_impls(o, &rt, ident);
        let _ = write!(
            o,
            "impl ::core::fmt::Debug for {ident} {{ \
             fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {{ \
             f.debug_struct({name:?}){debug}.finish() }} }}"
        );
        // One layout check: size, alignment, no implicit padding (the
        // fields' sizes add up to the size), every field type `Plain`.
        // Primitive fields are `Plain` and of fixed size, so only their
        // total is written; generated types are checked by name.
        let prim: u32 = field_types
            .iter()
            .filter(|t| t.is_prim())
            .map(prim_total)
            .fold(0, u32::saturating_add);
        let _ = write!(
            o,
            "const _: () = {rt}::skel::layout::layout::<{ident}>({size}, {align}, &[{prim}"
        );
        for t in field_types.iter().filter(|t| !t.is_prim()) {
            let _ = write!(o, ", {rt}::skel::layout::field::<{}>()", t.text(""));
        }
        let _ = write!(
            o,
            "]); \
             #[doc = \" SAFETY: `#[repr(C)]`, no implicit padding and every field `Plain`, \
             all checked at compile time just above.\"] \
             #[allow(unsafe_code)] unsafe impl {rt}::Plain for {ident} {{}}"
        );
        self.count += 1;
        Ok(out)
    }

    fn union(
        &mut self,
        ident: &Ident,
        size: u32,
        natural: u32,
        members: &[Member],
        doc: &str,
    ) -> GenResult<()> {
        let rt = self.rt.clone();
        let mut methods = String::new();
        let mut names = BTreeSet::new();
        let mut anon_n = 0;
        for m in members {
            let legacy = self.legacy_bitfield(m)?;
            let bits = if m.bitfield_size > 0 {
                m.bitfield_size
            } else {
                legacy.map_or(0, |l| l.1)
            };
            let bit_offset = m.bit_offset + legacy.map_or(0, |l| l.0);
            let (fname, hint) = if m.name.is_empty() {
                let n = anon_n;
                anon_n += 1;
                (format!("anon{n}"), format!("{ident}Anon{n}"))
            } else {
                (
                    snake_field(&m.name),
                    format!("{ident}{}", camel_case(&m.name)),
                )
            };
            let getter = unique_field(&mut names, &fname);
            let setter = format_ident!("set_{}", getter);
            let mdoc = lit(&format!(
                "Union member `{}`.",
                if m.name.is_empty() {
                    "(anonymous)"
                } else {
                    &m.name
                }
            ));
            if bits > 64 {
                return Err(format!(
                    "`{ident}`: bitfield `{}` is {bits} bits wide (at most 64 are supported)",
                    m.name
                ));
            }
            if bits > 0 {
                let (ty, signed, is_bool) = self.bitfield_type(m.ty, &hint)?;
                let (from, to) = self.bitfield_conv(m.ty, &ty, is_bool)?;
                let _ = write!(
                    methods,
                    "#[doc = {mdoc}] pub fn {getter}(&self) -> {ty} {{ \
                     let v = {rt}::plain::read_bits(&self.bytes, {bit_offset}, {bits}, {signed}); \
                     {from} }} \
                     #[doc = {mdoc}] pub fn {setter}(&mut self, v: {ty}) {{ \
                     {rt}::plain::write_bits(&mut self.bytes, {bit_offset}, {bits}, {to}); }}"
                );
                continue;
            }
            if bit_offset % 8 != 0 || bit_offset / 8 + self.size(m.ty)? > size {
                return Err(format!(
                    "`{ident}`: member `{}` lies outside the union",
                    m.name
                ));
            }
            let off = bit_offset / 8;
            let ty = self.ty(m.ty, &hint)?.text("");
            let _ = write!(
                methods,
                "#[doc = {mdoc}] pub fn {getter}(&self) -> {ty} {{ \
                 {rt}::plain::read_at(&self.bytes, {off}) }} \
                 #[doc = {mdoc}] pub fn {setter}(&mut self, v: {ty}) {{ \
                 {rt}::plain::write_at(&mut self.bytes, {off}, &v); }}"
            );
        }
        let packed = size % natural != 0;
        let align = if packed { 1 } else { natural };
        let repr = if align > 1 {
            format!("#[repr(C, align({align}))]")
        } else {
            "#[repr(C)]".to_string()
        };
        let name = ident.to_string();
        let doc = lit(doc);
        let o = &mut self.items;
        let _ = write!(
            o,
            "#[doc = {doc}] {repr} #[derive(PartialEq)] pub struct {ident} {{ \
             #[doc = \"The union's bytes.\"] pub bytes: [u8; {size}], }} \
             impl {ident} {{ {methods} }}"
        );
        plain_impls(o, &rt, ident);
        let _ = write!(
            o,
            "impl ::core::fmt::Debug for {ident} {{ \
             fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {{ \
             f.debug_struct({name:?}).field(\"bytes\", &self.bytes).finish() }} }} \
             const _: () = {rt}::skel::layout::layout::<{ident}>({size}, {align}, &[{size}]); \
             #[doc = \" SAFETY: `#[repr(C)]` around one byte array that fills it (size \
             checked just above): no padding, every bit pattern valid.\"] \
             #[allow(unsafe_code)] unsafe impl {rt}::Plain for {ident} {{}}"
        );
        self.count += 1;
        Ok(())
    }

    fn enumeration(
        &mut self,
        ident: &Ident,
        size: u32,
        signed: bool,
        values: &[bpf_skeleton_obj::btf::Enumerator],
        doc: &str,
    ) -> GenResult<()> {
        let rt = self.rt.clone();
        let repr =
            int_type(&rt, size, signed).ok_or_else(|| format!("`{ident}`: {size}-byte enum"))?;
        let mut consts = String::new();
        let mut arms = String::new();
        let mut names = BTreeSet::new();
        for v in values {
            let cname = unique_field(&mut names, &upper_snake(&v.name));
            let value = match (size, signed) {
                (1, false) => format!("{}u8", v.value as u8),
                (1, true) => format!("{}i8", v.value as i8),
                (2, false) => format!("{}u16", v.value as u16),
                (2, true) => format!("{}i16", v.value as i16),
                (4, false) => format!("{}u32", v.value as u32),
                (4, true) => format!("{}i32", v.value as i32),
                (8, false) => format!("{}u64", v.value as u64),
                _ => format!("{}i64", v.value),
            };
            let cdoc = lit(&format!("`{}` = {}", v.name, v.value));
            let _ = write!(
                consts,
                "#[doc = {cdoc}] pub const {cname}: Self = Self({value});"
            );
            let _ = write!(
                arms,
                "if self.0 == Self::{cname}.0 {{ return Some({:?}); }}",
                v.name
            );
        }
        let name = ident.to_string();
        let doc = lit(doc);
        let _ = write!(
            self.items,
            "#[doc = {doc}] #[repr(transparent)] \
             #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)] \
             pub struct {ident}(pub {repr}); \
             impl {ident} {{ {consts} \
             #[doc = \"The C name of this value, if it is a known enumerator.\"] \
             pub fn name(self) -> ::core::option::Option<&'static str> {{ {arms} None }} }} \
             impl ::core::fmt::Debug for {ident} {{ \
             fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {{ \
             match self.name() {{ Some(n) => f.write_str(n), \
             None => write!(f, \"{{}}({{}})\", {name:?}, self.0), }} }} }} \
             const _: () = assert!(::core::mem::size_of::<{ident}>() == {size}); \
             #[doc = \" SAFETY: `#[repr(transparent)]` over a primitive integer: no \
             padding, every bit pattern valid.\"] \
             #[allow(unsafe_code)] unsafe impl {rt}::Plain for {ident} {{}}"
        );
        self.count += 1;
        Ok(())
    }

    /// Emits the struct for a data section (DATASEC `ds` of `size` bytes)
    /// named `name`; returns its ident and variables.
    pub fn datasec(
        &mut self,
        ds: TypeId,
        name: &str,
        section: &str,
        size: u32,
    ) -> GenResult<(Ident, Vec<Var>)> {
        let Kind::Datasec { vars, .. } = &self.get(ds)?.kind else {
            return Err(format!("type {ds} is not a DATASEC"));
        };
        let ident = self.unique(name);
        let mut specs = Vec::new();
        let mut natural = 1;
        let mut misaligned = false;
        for v in vars {
            let var = self.get(v.ty)?;
            let Kind::Var { ty, .. } = var.kind else {
                return Err(format!("`{section}`: DATASEC entry {} is not a VAR", v.ty));
            };
            let a = self.align(ty, 0)?;
            natural = natural.max(a);
            misaligned |= v.offset % a != 0;
            specs.push(FieldSpec {
                name: var.name.clone(),
                ty,
                bit_offset: v.offset * 8,
                bits: 0,
            });
        }
        // A section has no alignment of its own: its struct is the section
        // rounded up to the variables' alignment (explicit tail padding),
        // so fields are aligned and can be borrowed. Only misaligned
        // variables force a packed struct of the exact size.
        let packed = misaligned;
        let struct_size = if packed {
            size
        } else {
            size.next_multiple_of(natural)
        };
        let doc = format!(
            "The variables of section `{section}` ({size} bytes{}), laid out as in the object.",
            if struct_size > size {
                ", plus tail padding to its alignment"
            } else {
                ""
            }
        );
        let fields = self.record(&ident, struct_size, natural, packed, specs, &doc)?;
        let mut out = Vec::with_capacity(fields.len());
        for f in fields {
            let real = self.resolve(f.type_id)?;
            let size = self.size(f.type_id)?;
            let width = bpf_skeleton_obj::access_width(f.offset as usize, size as usize);
            let width = u32::try_from(width).map_err(|e| e.to_string())?;
            let atomic = matches!(
                self.get(real)?.kind,
                Kind::Int { size: s, bool: false, .. } if s == width
            );
            out.push(Var {
                name: f.c_name,
                field: f.field,
                ty: f.ty,
                offset: f.offset,
                size,
                width,
                atomic,
            });
        }
        Ok((ident, out))
    }
}

/// A Rust string literal of `s`.
fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// `Clone`, `Copy` (written out: cheaper to compile than derived) and
/// `Default` (all zeroes) of a generated `Plain` type.
fn plain_impls(o: &mut String, rt: &str, ident: &Ident) {
    let _ = write!(
        o,
        "impl ::core::clone::Clone for {ident} {{ fn clone(&self) -> Self {{ *self }} }} \
         impl ::core::marker::Copy for {ident} {{}} \
         impl ::core::default::Default for {ident} {{ \
         fn default() -> Self {{ <Self as {rt}::Plain>::zeroed() }} }}"
    );
}

/// The size of a builtin integer or float type; `None` for anything else.
fn prim_size(p: &str) -> Option<u32> {
    Some(match p {
        "u8" | "i8" => 1,
        "u16" | "i16" => 2,
        "u32" | "i32" | "f32" => 4,
        "u64" | "i64" | "f64" => 8,
        _ => return None,
    })
}

/// The size of a builtin primitive type or an array of them (`is_prim`).
fn prim_total(t: &RType) -> u32 {
    match t {
        RType::Prim(p) => prim_size(p).unwrap_or(0),
        RType::Array(e, n) => prim_total(e).saturating_mul(*n),
        RType::Named(_) => 0,
    }
}

fn bytes(n: u32) -> String {
    if n == 1 {
        "1 byte".to_string()
    } else {
        format!("{n} bytes")
    }
}

/// A generated (non-C) field name: unique, and never a C member's name.
fn unique_generated(used: &mut BTreeSet<String>, reserved: &BTreeSet<String>, base: &str) -> Ident {
    let mut name = base.to_string();
    let mut k = 2;
    while reserved.contains(&name) || used.contains(&name) {
        name = format!("{base}_{k}");
        k += 1;
    }
    used.insert(name.clone());
    format_ident!("{}", name)
}

fn unique_field(used: &mut BTreeSet<String>, base: &str) -> Ident {
    let mut name = base.to_string();
    let mut k = 2;
    while !used.insert(name.clone()) {
        name = format!("{base}_{k}");
        k += 1;
    }
    format_ident!("{}", name)
}

fn upper_snake(name: &str) -> String {
    let mut s = snake_raw(name).to_ascii_uppercase();
    if s == "SELF" || s == "_" {
        s.push('_');
    }
    s
}
