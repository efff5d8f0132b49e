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
//! - Every generated type gets `const` assertions of its size, alignment
//!   and field offsets, and of the absence of implicit padding, which with
//!   every field being `Plain` justifies its `unsafe impl Plain`.
//!
//! Anonymous types are named after where they are used: the map
//! (`CountsValue`), the variable, or the enclosing type and member
//! (`EventPayload`, `EventAnon0`).

use std::collections::{BTreeMap, BTreeSet};

use bpf_skeleton_obj::btf::{Btf, Kind, Member, TypeId};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use syn::Ident;

use crate::names::{camel_case, snake_field, snake_raw};

/// A reference to a Rust type, rendered relative to a module prefix.
#[derive(Clone)]
pub enum RType {
    /// A primitive or runtime type (absolute path or builtin).
    Prim(TokenStream),
    /// A generated type, inside the `types` module.
    Named(Ident),
    /// A fixed array.
    Array(Box<RType>, u32),
}

impl RType {
    /// The type's tokens, with generated types behind `prefix`.
    pub fn tokens(&self, prefix: &TokenStream) -> TokenStream {
        match self {
            RType::Prim(t) => t.clone(),
            RType::Named(i) => quote!(#prefix #i),
            RType::Array(t, n) => {
                let t = t.tokens(prefix);
                let n = Literal::usize_unsuffixed(*n as usize);
                quote!([#t; #n])
            }
        }
    }

    fn bytes(n: u32) -> RType {
        RType::Array(Box::new(RType::Prim(quote!(u8))), n)
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

/// Generates types on demand and collects their definitions.
pub struct TypeGen<'a> {
    btf: &'a Btf,
    rt: TokenStream,
    named: BTreeMap<TypeId, Ident>,
    used: BTreeSet<String>,
    in_progress: BTreeSet<TypeId>,
    items: Vec<TokenStream>,
}

/// The Rust type of a C integer: primitives, except 128-bit integers
/// (runtime `U128`/`I128`: two 64-bit halves aligned to 16 bytes, as clang
/// lays out `__int128` for BPF, whatever the host's `u128` alignment).
fn int_type(rt: &TokenStream, size: u32, signed: bool) -> Option<TokenStream> {
    Some(match (size, signed) {
        (1, false) => quote!(u8),
        (1, true) => quote!(i8),
        (2, false) => quote!(u16),
        (2, true) => quote!(i16),
        (4, false) => quote!(u32),
        (4, true) => quote!(i32),
        (8, false) => quote!(u64),
        (8, true) => quote!(i64),
        (16, false) => quote!(#rt::U128),
        (16, true) => quote!(#rt::I128),
        _ => return None,
    })
}

impl<'a> TypeGen<'a> {
    pub fn new(btf: &'a Btf, rt: TokenStream) -> Self {
        TypeGen {
            btf,
            rt,
            named: BTreeMap::new(),
            used: BTreeSet::new(),
            in_progress: BTreeSet::new(),
            items: Vec::new(),
        }
    }

    /// The definitions generated so far.
    pub fn into_items(self) -> Vec<TokenStream> {
        self.items
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
                    RType::Prim(quote!(#rt::Bool))
                } else if t.name == "char" {
                    // Plain `char` holds bytes of text: u8, so that
                    // `name == *b"..."` works (`signed char` stays i8).
                    RType::Prim(quote!(u8))
                } else {
                    RType::Prim(
                        int_type(&rt, *size, *signed)
                            .ok_or_else(|| format!("{size}-byte integer `{}`", t.name))?,
                    )
                }
            }
            Kind::Float { size } => match size {
                4 => RType::Prim(quote!(f32)),
                8 => RType::Prim(quote!(f64)),
                n => RType::bytes(*n),
            },
            Kind::Ptr(_) => RType::Prim(quote!(u64)),
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
        let doc = format!("C `typedef {c_name}`.");
        let target = target.tokens(&quote!());
        self.items.push(quote! {
            #[doc = #doc]
            pub type #ident = #target;
        });
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
    /// bitfield of Rust type `ty`.
    fn bitfield_conv(
        &self,
        id: TypeId,
        ty: &TokenStream,
        is_bool: bool,
    ) -> GenResult<(TokenStream, TokenStream)> {
        let rt = &self.rt;
        let real = self.resolve(id)?;
        Ok(match &self.get(real)?.kind {
            _ if is_bool => (quote!(#rt::Bool(v as u8)), quote!(u64::from(v.0))),
            Kind::Enum { .. } => (quote!(#ty(v as _)), quote!(v.0 as u64)),
            Kind::Int {
                size: 16, signed, ..
            } => {
                let prim = if *signed { quote!(i128) } else { quote!(u128) };
                (quote!(#ty::from(v as #prim)), quote!(v.get() as u64))
            }
            _ => (quote!(v as #ty), quote!(v as u64)),
        })
    }

    /// The integer-like type of a bitfield member, and whether it is signed.
    fn bitfield_type(&mut self, id: TypeId, hint: &str) -> GenResult<(TokenStream, bool, bool)> {
        let real = self.resolve(id)?;
        match self.get(real)?.kind.clone() {
            Kind::Int {
                size, signed, bool, ..
            } => {
                let rt = &self.rt;
                if bool {
                    Ok((quote!(#rt::Bool), false, true))
                } else {
                    Ok((
                        int_type(&self.rt, size, signed).ok_or("bad bitfield int")?,
                        signed,
                        false,
                    ))
                }
            }
            Kind::Enum { .. } => {
                let t = self.ty(real, hint)?.tokens(&quote!());
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
        let mut fields = Vec::new();
        let mut field_types = Vec::new();
        let mut offsets = Vec::new();
        let mut out = Vec::new();
        let mut methods = Vec::new();
        let mut debug = Vec::new();
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
        let mut pad = |names: &mut BTreeSet<String>,
                       fields: &mut Vec<TokenStream>,
                       types: &mut Vec<TokenStream>,
                       n: u32| {
            let name = unique_generated(names, &reserved, &format!("_pad{pad_n}"));
            pad_n += 1;
            let n = Literal::usize_unsuffixed(n as usize);
            fields.push(quote!(#name: [u8; #n]));
            types.push(quote!([u8; #n]));
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
                let len = Literal::usize_unsuffixed((end - start) as usize);
                fields.push(quote!(#store: [u8; #len]));
                field_types.push(quote!([u8; #len]));
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
                    let bit = Literal::u32_unsuffixed(b.bit_offset - start * 8);
                    let width = Literal::u32_unsuffixed(b.bits);
                    let gdoc = format!(
                        "Bitfield `{}` ({} bits at bit {}).",
                        b.name, b.bits, b.bit_offset
                    );
                    let (from, to) = self.bitfield_conv(b.ty, &ty, is_bool)?;
                    methods.push(quote! {
                        #[doc = #gdoc]
                        pub fn #getter(&self) -> #ty {
                            let v = #rt::plain::read_bits(&self.#store, #bit, #width, #signed);
                            #from
                        }
                        #[doc = #gdoc]
                        pub fn #setter(&mut self, v: #ty) {
                            #rt::plain::write_bits(&mut self.#store, #bit, #width, #to);
                        }
                    });
                    let name = getter.to_string();
                    debug.push(quote!(.field(#name, &self.#getter())));
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
            let ty = rty.tokens(&quote!());
            out.push(RecordField {
                c_name: s.name.clone(),
                field: field.clone(),
                ty: rty,
                type_id: s.ty,
                offset: off,
            });
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
            fields.push(quote!(#[doc = #fdoc] pub #field: #ty));
            field_types.push(ty);
            offsets.push((field.clone(), off));
            let name = field.to_string();
            // A packed struct's fields may be misaligned: print a copy.
            // Otherwise borrow (a large field never lands on the stack).
            debug.push(if packed {
                quote!(.field(#name, &{ self.#field }))
            } else {
                quote!(.field(#name, &self.#field))
            });
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
            quote!(#[repr(C, packed)])
        } else if align > rust_natural {
            let a = Literal::u32_unsuffixed(align);
            quote!(#[repr(C, align(#a))])
        } else {
            quote!(#[repr(C)])
        };
        let name = ident.to_string();
        let size_lit = Literal::usize_unsuffixed(size as usize);
        let align_lit = Literal::usize_unsuffixed(align as usize);
        let offset_checks = offsets.iter().map(|(f, o)| {
            let o = Literal::usize_unsuffixed(*o as usize);
            quote!(assert!(::core::mem::offset_of!(#ident, #f) == #o);)
        });
        let methods = if methods.is_empty() {
            quote!()
        } else {
            quote!(impl #ident { #(#methods)* })
        };
        self.items.push(quote! {
            #[doc = #doc]
            #repr
            #[derive(Clone, Copy, PartialEq)]
            pub struct #ident { #(#fields,)* }

            #methods

            impl ::core::default::Default for #ident {
                fn default() -> Self {
                    <Self as #rt::Plain>::zeroed()
                }
            }

            impl ::core::fmt::Debug for #ident {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.debug_struct(#name) #(#debug)* .finish()
                }
            }

            const _: () = {
                assert!(::core::mem::size_of::<#ident>() == #size_lit);
                assert!(::core::mem::align_of::<#ident>() == #align_lit);
                #(#offset_checks)*
                // No implicit padding: the fields fill the type exactly.
                assert!(::core::mem::size_of::<#ident>() == 0 #(+ ::core::mem::size_of::<#field_types>())*);
            };

            const _: fn() = || {
                fn plain<T: #rt::Plain>() {}
                #(plain::<#field_types>();)*
            };

            /// SAFETY: `#[repr(C)]`, no implicit padding and every field
            /// `Plain`, all asserted at compile time just above.
            #[allow(unsafe_code)]
            unsafe impl #rt::Plain for #ident {}
        });
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
        let mut methods = Vec::new();
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
            let mdoc = format!(
                "Union member `{}`.",
                if m.name.is_empty() {
                    "(anonymous)"
                } else {
                    &m.name
                }
            );
            if bits > 64 {
                return Err(format!(
                    "`{ident}`: bitfield `{}` is {bits} bits wide (at most 64 are supported)",
                    m.name
                ));
            }
            if bits > 0 {
                let (ty, signed, is_bool) = self.bitfield_type(m.ty, &hint)?;
                let (from, to) = self.bitfield_conv(m.ty, &ty, is_bool)?;
                let (bit, width) = (
                    Literal::u32_unsuffixed(bit_offset),
                    Literal::u32_unsuffixed(bits),
                );
                methods.push(quote! {
                    #[doc = #mdoc]
                    pub fn #getter(&self) -> #ty {
                        let v = #rt::plain::read_bits(&self.bytes, #bit, #width, #signed);
                        #from
                    }
                    #[doc = #mdoc]
                    pub fn #setter(&mut self, v: #ty) {
                        #rt::plain::write_bits(&mut self.bytes, #bit, #width, #to);
                    }
                });
                continue;
            }
            if bit_offset % 8 != 0 || bit_offset / 8 + self.size(m.ty)? > size {
                return Err(format!(
                    "`{ident}`: member `{}` lies outside the union",
                    m.name
                ));
            }
            let off = Literal::usize_unsuffixed((bit_offset / 8) as usize);
            let ty = self.ty(m.ty, &hint)?.tokens(&quote!());
            methods.push(quote! {
                #[doc = #mdoc]
                pub fn #getter(&self) -> #ty {
                    #rt::plain::read_at(&self.bytes, #off)
                }
                #[doc = #mdoc]
                pub fn #setter(&mut self, v: #ty) {
                    #rt::plain::write_at(&mut self.bytes, #off, &v);
                }
            });
        }
        let packed = size % natural != 0;
        let align = if packed { 1 } else { natural };
        let repr = if align > 1 {
            let a = Literal::u32_unsuffixed(align);
            quote!(#[repr(C, align(#a))])
        } else {
            quote!(#[repr(C)])
        };
        let size_lit = Literal::usize_unsuffixed(size as usize);
        let align_lit = Literal::usize_unsuffixed(align as usize);
        let name = ident.to_string();
        self.items.push(quote! {
            #[doc = #doc]
            #repr
            #[derive(Clone, Copy, PartialEq)]
            pub struct #ident {
                /// The union's bytes.
                pub bytes: [u8; #size_lit],
            }

            impl #ident { #(#methods)* }

            impl ::core::default::Default for #ident {
                fn default() -> Self {
                    <Self as #rt::Plain>::zeroed()
                }
            }

            impl ::core::fmt::Debug for #ident {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.debug_struct(#name).field("bytes", &self.bytes).finish()
                }
            }

            const _: () = {
                assert!(::core::mem::size_of::<#ident>() == #size_lit);
                assert!(::core::mem::align_of::<#ident>() == #align_lit);
            };

            /// SAFETY: `#[repr(C)]` around one byte array that fills it (size
            /// asserted above): no padding, every bit pattern valid.
            #[allow(unsafe_code)]
            unsafe impl #rt::Plain for #ident {}
        });
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
        let mut consts = Vec::new();
        let mut arms = Vec::new();
        let mut names = BTreeSet::new();
        for v in values {
            let cname = unique_field(&mut names, &upper_snake(&v.name));
            let lit = match (size, signed) {
                (1, false) => Literal::u8_suffixed(v.value as u8),
                (1, true) => Literal::i8_suffixed(v.value as i8),
                (2, false) => Literal::u16_suffixed(v.value as u16),
                (2, true) => Literal::i16_suffixed(v.value as i16),
                (4, false) => Literal::u32_suffixed(v.value as u32),
                (4, true) => Literal::i32_suffixed(v.value as i32),
                (8, false) => Literal::u64_suffixed(v.value as u64),
                _ => Literal::i64_suffixed(v.value),
            };
            let cdoc = format!("`{}` = {}", v.name, v.value);
            consts.push(quote!(#[doc = #cdoc] pub const #cname: Self = Self(#lit);));
            let n = v.name.clone();
            arms.push(quote!(if self.0 == Self::#cname.0 { return Some(#n); }));
        }
        let size_lit = Literal::usize_unsuffixed(size as usize);
        let name = ident.to_string();
        self.items.push(quote! {
            #[doc = #doc]
            #[repr(transparent)]
            #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
            pub struct #ident(pub #repr);

            impl #ident {
                #(#consts)*

                /// The C name of this value, if it is a known enumerator.
                pub fn name(self) -> ::core::option::Option<&'static str> {
                    #(#arms)*
                    None
                }
            }

            impl ::core::fmt::Debug for #ident {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    match self.name() {
                        Some(n) => f.write_str(n),
                        None => write!(f, "{}({})", #name, self.0),
                    }
                }
            }

            const _: () = assert!(::core::mem::size_of::<#ident>() == #size_lit);

            /// SAFETY: `#[repr(transparent)]` over a primitive integer: no
            /// padding, every bit pattern valid.
            #[allow(unsafe_code)]
            unsafe impl #rt::Plain for #ident {}
        });
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
