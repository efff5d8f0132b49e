//! The `vmlinux.h` writer: every named type of a BTF blob (the kernel's,
//! or any other) as one C header that clang compiles for `-target bpf`,
//! with the layouts the BTF records and `preserve_access_index` on every
//! record so that CO-RE relocates accesses against the running kernel.
//!
//! How the header is laid out:
//! - named enums and the anonymous enums no other type refers to come
//!   first (they depend on nothing), then a forward declaration of every
//!   named struct and union, so that pointers never need an order;
//! - typedefs and struct/union definitions follow in id order, each after
//!   the types it needs complete (members by value, array elements):
//!   cycles only ever go through pointers, which the forward declarations
//!   cover;
//! - anonymous structs, unions and enums are written inline where they are
//!   used (an anonymous enum used twice is written once, then as the
//!   integer of its size);
//! - members are placed where the BTF says: a struct whose members C
//!   would not place there gets `__attribute__((packed))`, and gaps
//!   (alignment attributes, which BTF does not record) are filled with
//!   unnamed bitfields, which take no name and do not change alignment;
//!   (So a type the kernel declares `__aligned(N)` keeps its size and its
//!   offsets everywhere, but its own alignment in this header is its
//!   members'; that only matters for BPF-side variables of that type.
//!   bpftool does the same.) A union larger than its members gets a named
//!   `char __pad_to_size[N]` member: unnamed bitfields cannot widen it;
//! - the kernel's `__builtin_va_list` typedef is written as
//!   `__builtin_va_list___btf` (the compiler owns the builtin name, and
//!   BPF's is 8 bytes where x86-64's is 24): bpftool drops it, which
//!   shrinks every struct holding a `va_list`;
//! - a name defined twice (two different `struct foo` in one BTF, or an
//!   enumerator defined by two enums) gets a `___N` suffix on its second
//!   and later definitions: CO-RE ignores `___` suffixes when matching;
//! - optionally, `extern` prototypes of the functions tagged `bpf_kfunc`
//!   (a `DECL_TAG`), which bpftool 7.1 does not write.
//!
//! Reads BTF only through [`Btf::view`] (in place); needs no system call.

use std::collections::HashMap;
use std::fmt::Write as _;

use bpf_skeleton_obj::btf::{Btf, KindTag, TypeId, TypeView};

use crate::error::{Error, Result};

/// Where the running kernel publishes its BTF.
pub const KERNEL_BTF: &str = "/sys/kernel/btf/vmlinux";

/// What to write besides the types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderOptions {
    /// Write `extern ... __weak __ksym;` prototypes of the kfuncs (functions
    /// with a `bpf_kfunc` DECL_TAG), inside `#ifndef BPF_NO_KFUNC_PROTOTYPES`.
    pub kfuncs: bool,
}

impl Default for HeaderOptions {
    fn default() -> Self {
        HeaderOptions { kfuncs: true }
    }
}

/// Writes the C header for every type of `btf`.
pub fn write_header(btf: &Btf, opts: &HeaderOptions) -> Result<String> {
    // The writer recurses along type chains and struct dependencies; give
    // it a stack that no real BTF exhausts (the depth is also capped).
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("vmlinux.h".into())
            .stack_size(256 << 20)
            .spawn_scoped(s, || Writer::new(btf)?.run(opts))
            .map_err(|e| Error::Io {
                path: "<thread>".into(),
                source: e,
            })?
            .join()
            .unwrap_or_else(|_| {
                Err(Error::Header {
                    id: 0,
                    message: "the header writer panicked".into(),
                })
            })
    })
}

/// Reads a BTF file (raw `.BTF` bytes, as `/sys/kernel/btf/vmlinux` is)
/// and writes its header.
pub fn header_from_file(path: &std::path::Path, opts: &HeaderOptions) -> Result<String> {
    let data = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let btf = Btf::from_shared(std::sync::Arc::new(data))?;
    write_header(&btf, opts)
}

/// Recursion deeper than this is refused as cyclic or malformed.
const MAX_DEPTH: u32 = 4096;

/// Emission state of a named struct/union or typedef.
const TODO: u8 = 0;
const BUSY: u8 = 1;
const DONE: u8 = 2;

struct Writer<'a> {
    btf: &'a Btf,
    /// The C name of each named type (struct/union/enum/typedef/fwd), with
    /// any `___N` suffix; empty for anonymous ones.
    names: Vec<String>,
    state: Vec<u8>,
    /// Layout memo of structs/unions: 0 unknown, else alignment | 0x80 if
    /// written packed.
    layout: Vec<u8>,
    /// Anonymous enums some other type refers to (written inline).
    referenced: Vec<bool>,
    /// Anonymous enums already written inline once.
    inlined: Vec<bool>,
    /// Identifiers of C's ordinary namespace (typedefs, enumerators).
    idents: HashMap<&'a [u8], u32>,
    out: String,
    depth: u32,
}

fn is_ident(name: &[u8]) -> bool {
    name.first().is_some_and(|c| !c.is_ascii_digit())
        && name.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_')
}

/// `name` or `name___N` for the `n`th definition of that name.
fn suffixed(name: &[u8], n: u32) -> String {
    // Names are checked to be ASCII identifiers before they get here.
    let base = String::from_utf8_lossy(name);
    if n <= 1 {
        base.into_owned()
    } else {
        format!("{base}___{n}")
    }
}

fn join(base: &str, inner: &str) -> String {
    if inner.is_empty() {
        base.to_owned()
    } else {
        format!("{base} {inner}")
    }
}

fn bad(id: TypeId, message: impl Into<String>) -> Error {
    Error::Header {
        id,
        message: message.into(),
    }
}

/// The integer type of an enum's size and sign, for a second use of an
/// anonymous enum (whose enumerators must not be defined twice).
fn int_of(size: u32, signed: bool) -> &'static str {
    match (size, signed) {
        (1, true) => "signed char",
        (1, false) => "unsigned char",
        (2, true) => "short",
        (2, false) => "unsigned short",
        (8, true) => "long",
        (8, false) => "unsigned long",
        (_, true) => "int",
        (_, false) => "unsigned int",
    }
}

impl<'a> Writer<'a> {
    fn new(btf: &'a Btf) -> Result<Self> {
        let n = btf.len();
        let mut w = Writer {
            btf,
            names: vec![String::new(); n],
            state: vec![TODO; n],
            layout: vec![0; n],
            referenced: vec![false; n],
            inlined: vec![false; n],
            idents: HashMap::new(),
            out: String::with_capacity(n * 64),
            depth: 0,
        };
        w.name_types()?;
        Ok(w)
    }

    fn view(&self, id: TypeId) -> Result<TypeView<'a>> {
        Ok(self.btf.view(id)?)
    }

    fn name(&self, id: TypeId) -> &str {
        self.names.get(id as usize).map_or("", String::as_str)
    }

    /// Gives every named type its C name, in id order, and marks the
    /// anonymous enums other types refer to.
    fn name_types(&mut self) -> Result<()> {
        let mut tags: HashMap<&'a [u8], u32> = HashMap::new();
        let refer = |w: &mut Self, to: TypeId| {
            if let Some(r) = w.referenced.get_mut(to as usize) {
                *r = true;
            }
        };
        for id in 1..self.btf.len() as TypeId {
            let v = self.view(id)?;
            match v.tag() {
                KindTag::Struct | KindTag::Union => {
                    for m in v.members() {
                        refer(self, m.ty);
                    }
                }
                KindTag::Array => {
                    if let Some((elem, _, _)) = v.array() {
                        refer(self, elem);
                    }
                }
                KindTag::FuncProto => {
                    refer(self, v.size());
                    for i in 0..v.vlen() {
                        if let Some(ty) = v.param(i).map(|p| p.1) {
                            refer(self, ty);
                        }
                    }
                }
                KindTag::Func | KindTag::DeclTag | KindTag::Var => {}
                _ => {
                    if let Some(to) = v.referenced() {
                        refer(self, to);
                    }
                }
            }
            let name = v.name()?;
            if name.is_empty() {
                continue;
            }
            if matches!(v.tag(), KindTag::Int | KindTag::Float) {
                // Base types are written by their BTF name (checked where
                // used): `long unsigned int`.
                continue;
            }
            if !is_ident(name) {
                // Functions, variables and sections are never written as
                // types; their names need not be identifiers.
                if matches!(
                    v.tag(),
                    KindTag::Func
                        | KindTag::Var
                        | KindTag::Datasec
                        | KindTag::DeclTag
                        | KindTag::TypeTag
                ) {
                    continue;
                }
                return Err(bad(
                    id,
                    format!("name `{}` is not a C identifier", name.escape_ascii()),
                ));
            }
            let full_enum = v.tag() == KindTag::Enum && v.vlen() > 0;
            let slot = match v.tag() {
                KindTag::Struct | KindTag::Union => Some(&mut tags),
                KindTag::Enum if full_enum => Some(&mut tags),
                KindTag::Typedef => Some(&mut self.idents),
                _ => None,
            };
            let n = match slot {
                Some(map) => {
                    let n = map.entry(name).or_insert(0);
                    *n += 1;
                    *n
                }
                // Forward declarations (FWD, an ENUM without values) name
                // the first definition of that name.
                None => 1,
            };
            if let Some(s) = self.names.get_mut(id as usize) {
                *s = if v.tag() == KindTag::Typedef && name == b"__builtin_va_list" {
                    // The compiler defines this name (for BPF, as `void *`)
                    // and refuses a redefinition; the kernel's (x86-64: 24
                    // bytes) keeps its layout under a flavor name. bpftool
                    // drops it instead, which shrinks every struct holding
                    // a `va_list`.
                    "__builtin_va_list___btf".to_owned()
                } else {
                    suffixed(name, n)
                };
            }
        }
        Ok(())
    }

    fn set_state(&mut self, id: TypeId, state: u8) {
        if let Some(s) = self.state.get_mut(id as usize) {
            *s = state;
        }
    }

    fn enter(&mut self, id: TypeId) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(bad(id, "types nest too deeply (cyclic?)"));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn run(mut self, opts: &HeaderOptions) -> Result<String> {
        let n = self.btf.len() as TypeId;
        let _ = write!(
            self.out,
            "/* Generated by bpf-skeleton-build from BTF ({} types). Do not edit. */\n\
             #ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n\
             #ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n\
             #pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n\
             #endif\n\n",
            n.saturating_sub(1)
        );
        // Enums depend on nothing: named ones, and anonymous ones nothing
        // refers to (their enumerators are the point), first.
        for id in 1..n {
            let v = self.view(id)?;
            if v.tag() != KindTag::Enum {
                continue;
            }
            let anonymous = v.name_off() == 0;
            if anonymous && self.referenced.get(id as usize) == Some(&true) {
                continue;
            }
            if v.vlen() == 0 {
                if !anonymous {
                    let line = format!("enum {};\n\n", self.name(id));
                    self.out.push_str(&line);
                }
                continue;
            }
            let body = self.enum_body(&v, "")?;
            self.out.push_str(&body);
            self.out.push_str(";\n\n");
        }
        // Every named struct and union, declared: pointers to them need no
        // order.
        let mut declared: std::collections::HashSet<String> = Default::default();
        for id in 1..n {
            let v = self.view(id)?;
            let kw = match v.tag() {
                KindTag::Struct => "struct",
                KindTag::Union => "union",
                KindTag::Fwd if v.kind_flag() => "union",
                KindTag::Fwd => "struct",
                _ => continue,
            };
            let name = self.name(id).to_owned();
            if name.is_empty() || declared.contains(&name) {
                continue;
            }
            let _ = writeln!(self.out, "{kw} {name};");
            declared.insert(name);
        }
        self.out.push('\n');
        for id in 1..n {
            let v = self.view(id)?;
            match v.tag() {
                KindTag::Struct | KindTag::Union if v.name_off() != 0 => self.define(id)?,
                KindTag::Typedef => self.declare_typedef(id)?,
                _ => {}
            }
        }
        if opts.kfuncs {
            self.kfuncs()?;
        }
        self.out.push_str(
            "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n\
             #endif /* __VMLINUX_H__ */\n",
        );
        Ok(self.out)
    }

    /// Makes `id` complete: everything a member or array element of this
    /// type needs written before it.
    fn define(&mut self, id: TypeId) -> Result<()> {
        self.enter(id)?;
        let r = self.define_inner(id);
        self.leave();
        r
    }

    fn define_inner(&mut self, id: TypeId) -> Result<()> {
        let v = self.view(id)?;
        match v.tag() {
            KindTag::Struct | KindTag::Union => {
                if v.name_off() == 0 {
                    for m in v.members() {
                        self.define(m.ty)?;
                    }
                    return Ok(());
                }
                if self.state.get(id as usize) != Some(&TODO) {
                    return Ok(());
                }
                self.set_state(id, BUSY);
                for m in v.members() {
                    self.define(m.ty)?;
                }
                let body = self.record_body(&v, "")?;
                self.out.push_str(&body);
                self.out.push_str(";\n\n");
                self.set_state(id, DONE);
                Ok(())
            }
            KindTag::Typedef => {
                self.declare_typedef(id)?;
                self.define(v.size())
            }
            KindTag::Array => match v.array() {
                Some((elem, _, _)) => self.define(elem),
                None => Err(bad(id, "truncated array")),
            },
            KindTag::Const
            | KindTag::Volatile
            | KindTag::Restrict
            | KindTag::TypeTag
            | KindTag::Ptr
            | KindTag::FuncProto => self.need(id),
            _ => Ok(()),
        }
    }

    /// Makes `id` nameable: what writing its type expression needs (a
    /// typedef declared, an inline anonymous record's members complete).
    fn need(&mut self, id: TypeId) -> Result<()> {
        self.enter(id)?;
        let r = self.need_inner(id);
        self.leave();
        r
    }

    fn need_inner(&mut self, id: TypeId) -> Result<()> {
        let v = self.view(id)?;
        match v.tag() {
            KindTag::Struct | KindTag::Union if v.name_off() == 0 => {
                for m in v.members() {
                    self.define(m.ty)?;
                }
                Ok(())
            }
            KindTag::Typedef => self.declare_typedef(id),
            KindTag::Array => match v.array() {
                Some((elem, _, _)) => self.define(elem),
                None => Err(bad(id, "truncated array")),
            },
            KindTag::Ptr
            | KindTag::Const
            | KindTag::Volatile
            | KindTag::Restrict
            | KindTag::TypeTag => self.need(v.size()),
            KindTag::FuncProto => {
                self.need(v.size())?;
                for i in 0..v.vlen() {
                    let (_, ty) = v.param(i).ok_or_else(|| bad(id, "truncated parameters"))?;
                    self.need(ty)?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn declare_typedef(&mut self, id: TypeId) -> Result<()> {
        if self.state.get(id as usize) != Some(&TODO) {
            return Ok(());
        }
        self.set_state(id, BUSY);
        let v = self.view(id)?;
        self.need(v.size())?;
        let name = self.name(id).to_owned();
        let decl = self.decl(v.size(), name, false, "")?;
        self.out.push_str("typedef ");
        self.out.push_str(&decl);
        self.out.push_str(";\n\n");
        self.set_state(id, DONE);
        Ok(())
    }

    /// The C declaration of `inner` (a declarator, possibly empty) with
    /// type `id`; `ptr` when `inner` ends in a pointer (an array or
    /// function suffix then needs parentheses); `indent` for inline
    /// record bodies.
    fn decl(&mut self, id: TypeId, inner: String, ptr: bool, indent: &str) -> Result<String> {
        self.enter(id)?;
        let r = self.decl_inner(id, inner, ptr, indent);
        self.leave();
        r
    }

    fn decl_inner(&mut self, id: TypeId, inner: String, ptr: bool, indent: &str) -> Result<String> {
        let v = self.view(id)?;
        let wrap = |inner: String| if ptr { format!("({inner})") } else { inner };
        Ok(match v.tag() {
            KindTag::Void => join("void", &inner),
            KindTag::Int | KindTag::Float => {
                let name = v.name()?;
                if !is_ident_words(name) {
                    return Err(bad(id, "base type without a C name"));
                }
                join(&String::from_utf8_lossy(name), &inner)
            }
            KindTag::Ptr => self.decl(v.size(), format!("*{inner}"), true, indent)?,
            KindTag::Const | KindTag::Volatile | KindTag::Restrict => {
                let q = match v.tag() {
                    KindTag::Const => "const",
                    KindTag::Volatile => "volatile",
                    _ => "restrict",
                };
                let target = self.skip_tags(v.size())?;
                match self.view(target)?.tag() {
                    KindTag::Ptr => self.decl(target, join(q, &inner), ptr, indent)?,
                    // A qualified array is an array of qualified elements;
                    // a qualified function does not exist: the layout is
                    // the same without.
                    KindTag::Array | KindTag::FuncProto => self.decl(target, inner, ptr, indent)?,
                    _ => join(q, &self.decl(target, inner, ptr, indent)?),
                }
            }
            KindTag::TypeTag => self.decl(v.size(), inner, ptr, indent)?,
            KindTag::Array => {
                let (elem, _, len) = v.array().ok_or_else(|| bad(id, "truncated array"))?;
                self.decl(elem, format!("{}[{len}]", wrap(inner)), false, indent)?
            }
            KindTag::FuncProto => {
                let mut params = String::new();
                let vlen = v.vlen();
                for i in 0..vlen {
                    let (name_off, ty) =
                        v.param(i).ok_or_else(|| bad(id, "truncated parameters"))?;
                    if i > 0 {
                        params.push_str(", ");
                    }
                    if ty == 0 && i + 1 == vlen {
                        params.push_str("...");
                        continue;
                    }
                    let pname = v.string(name_off)?;
                    let pname = if is_ident(pname) {
                        String::from_utf8_lossy(pname).into_owned()
                    } else {
                        String::new()
                    };
                    params.push_str(&self.decl(ty, pname, false, indent)?);
                }
                if vlen == 0 {
                    params.push_str("void");
                }
                self.decl(
                    v.size(),
                    format!("{}({params})", wrap(inner)),
                    false,
                    indent,
                )?
            }
            KindTag::Struct | KindTag::Union if v.name_off() == 0 => {
                join(&self.record_body(&v, indent)?, &inner)
            }
            KindTag::Struct => join(&format!("struct {}", self.name(id)), &inner),
            KindTag::Union => join(&format!("union {}", self.name(id)), &inner),
            KindTag::Fwd => {
                let kw = if v.kind_flag() { "union" } else { "struct" };
                join(&format!("{kw} {}", self.name(id)), &inner)
            }
            KindTag::Enum if v.name_off() != 0 => join(&format!("enum {}", self.name(id)), &inner),
            KindTag::Enum => {
                let first = !self.inlined.get(id as usize).copied().unwrap_or(true);
                if first && v.vlen() > 0 {
                    if let Some(done) = self.inlined.get_mut(id as usize) {
                        *done = true;
                    }
                    join(&self.enum_body(&v, indent)?, &inner)
                } else {
                    join(int_of(v.size(), v.signed()), &inner)
                }
            }
            KindTag::Typedef => join(self.name(id), &inner),
            other => return Err(bad(id, format!("a {other:?} is not a C type"))),
        })
    }

    fn skip_tags(&self, mut id: TypeId) -> Result<TypeId> {
        for _ in 0..MAX_DEPTH {
            let v = self.view(id)?;
            if v.tag() != KindTag::TypeTag {
                return Ok(id);
            }
            id = v.size();
        }
        Err(bad(id, "type tag chain too long"))
    }

    fn align_of(&mut self, id: TypeId) -> Result<u32> {
        self.enter(id)?;
        let r = self.align_inner(id);
        self.leave();
        r
    }

    fn align_inner(&mut self, id: TypeId) -> Result<u32> {
        let v = self.view(id)?;
        Ok(match v.tag() {
            KindTag::Int | KindTag::Float | KindTag::Enum => v.size().clamp(1, 16),
            KindTag::Ptr => 8,
            KindTag::Array => {
                let (elem, _, _) = v.array().ok_or_else(|| bad(id, "truncated array"))?;
                self.align_of(elem)?
            }
            KindTag::Typedef
            | KindTag::Const
            | KindTag::Volatile
            | KindTag::Restrict
            | KindTag::TypeTag => self.align_of(v.size())?,
            KindTag::Struct | KindTag::Union => self.record_layout(id)?.0,
            _ => 1,
        })
    }

    fn size_of(&self, id: TypeId) -> Result<u32> {
        Ok(self.btf.size_of(id)?)
    }

    /// (alignment as written, written packed) of a struct or union.
    fn record_layout(&mut self, id: TypeId) -> Result<(u32, bool)> {
        if let Some(&m) = self.layout.get(id as usize) {
            if m != 0 {
                return Ok((u32::from(m & 0x7f), m & 0x80 != 0));
            }
        }
        let v = self.view(id)?;
        let mut packed = false;
        let mut align = 1;
        for m in v.members() {
            let a = self.align_of(m.ty)?;
            align = align.max(a);
            let unit = a * 8;
            if m.bitfield_size == 0 {
                packed |= m.bit_offset % unit != 0;
            } else {
                let last = m.bit_offset + m.bitfield_size - 1;
                packed |= m.bit_offset / unit != last / unit;
            }
        }
        packed |= v.size() % align != 0;
        let align = if packed { 1 } else { align };
        if let Some(slot) = self.layout.get_mut(id as usize) {
            *slot = align as u8 | if packed { 0x80 } else { 0 };
        }
        Ok((align, packed))
    }

    /// `struct name { ... }` (or `union`, or anonymous), with any packed
    /// attribute, without the trailing `;`. Member types must already be
    /// complete.
    fn record_body(&mut self, v: &TypeView<'a>, indent: &str) -> Result<String> {
        let id = v.id();
        let is_union = v.tag() == KindTag::Union;
        let (_, packed) = self.record_layout(id)?;
        let mut s = String::from(if is_union { "union" } else { "struct" });
        if v.name_off() != 0 {
            s.push(' ');
            s.push_str(self.name(id));
        }
        s.push_str(" {\n");
        let inner_indent = format!("{indent}\t");
        let mut cur: u64 = 0;
        for m in v.members() {
            let a = u64::from(if packed { 1 } else { self.align_of(m.ty)? });
            let off = u64::from(m.bit_offset);
            let bits = u64::from(m.bitfield_size);
            if !is_union {
                // Where C would put this member after the previous one.
                let natural = if bits == 0 {
                    cur.next_multiple_of(if packed { 8 } else { a * 8 })
                } else if packed || cur / (a * 8) == (cur + bits - 1) / (a * 8) {
                    cur
                } else {
                    cur.next_multiple_of(a * 8)
                };
                if natural < off {
                    pad(&mut s, &inner_indent, cur, off, id)?;
                }
            }
            let name = v.string(m.name_off)?;
            let name = if is_ident(name) {
                String::from_utf8_lossy(name).into_owned()
            } else {
                String::new()
            };
            s.push_str(&inner_indent);
            let d = self.decl(m.ty, name, false, &inner_indent)?;
            s.push_str(&d);
            let end = if bits > 0 {
                let _ = write!(s, ": {bits}");
                off + bits
            } else {
                off + u64::from(self.size_of(m.ty)?) * 8
            };
            s.push_str(";\n");
            if s.len() > MAX_BODY {
                return Err(bad(id, "the definition grows past 64 MiB of C"));
            }
            cur = if is_union { cur.max(end) } else { end };
        }
        let (align, _) = self.record_layout(id)?;
        let size = u64::from(v.size()) * 8;
        let natural = cur.next_multiple_of(u64::from(align) * 8);
        if natural < size {
            if is_union {
                // Unnamed bitfields overlap at offset 0 in a union: a
                // named byte array is the only way to its size.
                let _ = writeln!(s, "{inner_indent}char __pad_to_size[{}];", size / 8);
            } else {
                pad(&mut s, &inner_indent, cur, size, id)?;
            }
        }
        if s.ends_with(" {\n") {
            // An empty record, on one line as bpftool writes it.
            s.pop();
        } else {
            s.push_str(indent);
        }
        s.push('}');
        if packed {
            s.push_str(" __attribute__((packed))");
        }
        Ok(s)
    }

    /// `enum name { ... }` without the trailing `;`.
    fn enum_body(&mut self, v: &TypeView<'a>, indent: &str) -> Result<String> {
        let id = v.id();
        let mut s = String::from("enum");
        if v.name_off() != 0 {
            s.push(' ');
            s.push_str(self.name(id));
        }
        s.push_str(" {\n");
        let wide = v.size() == 8;
        let signed = v.signed();
        for e in v.enumerators() {
            let name = v.string(e.name_off)?;
            if !is_ident(name) {
                return Err(bad(id, "enumerator name is not a C identifier"));
            }
            let n = {
                let n = self.idents.entry(name).or_insert(0);
                *n += 1;
                *n
            };
            let _ = write!(s, "{indent}\t{} = ", suffixed(name, n));
            if signed {
                if e.value == i64::MIN {
                    s.push_str("(-9223372036854775807LL - 1)");
                } else if wide && i32::try_from(e.value).is_err() {
                    let _ = write!(s, "{}LL", e.value);
                } else {
                    let _ = write!(s, "{}", e.value);
                }
            } else {
                let u = if wide {
                    e.value as u64
                } else {
                    u64::from(e.value as u32)
                };
                if u > u64::from(u32::MAX) {
                    let _ = write!(s, "{u}ULL");
                } else if u > i32::MAX as u64 {
                    let _ = write!(s, "{u}U");
                } else {
                    let _ = write!(s, "{u}");
                }
            }
            s.push_str(",\n");
        }
        s.push_str(indent);
        s.push('}');
        if v.size() < 4 {
            s.push_str(" __attribute__((packed))");
        }
        Ok(s)
    }

    /// `extern` prototypes of the functions a `bpf_kfunc` DECL_TAG marks.
    fn kfuncs(&mut self) -> Result<()> {
        let mut funcs = Vec::new();
        for id in 1..self.btf.len() as TypeId {
            let v = self.view(id)?;
            if v.tag() != KindTag::DeclTag || v.name()? != b"bpf_kfunc" {
                continue;
            }
            let Some(f) = v.referenced() else { continue };
            let fv = self.view(f)?;
            if fv.tag() == KindTag::Func && !funcs.contains(&f) {
                funcs.push(f);
            }
        }
        funcs.sort_unstable_by_key(|&f| {
            self.btf
                .view(f)
                .and_then(|v| v.name())
                .unwrap_or_default()
                .to_vec()
        });
        self.out.push_str(
            "#ifndef BPF_NO_KFUNC_PROTOTYPES\n#ifndef __ksym\n\
             #define __ksym __attribute__((section(\".ksyms\")))\n#endif\n\
             #ifndef __weak\n#define __weak __attribute__((weak))\n#endif\n\n",
        );
        let mut seen: HashMap<&'a [u8], ()> = HashMap::new();
        for f in funcs {
            let v = self.view(f)?;
            let name = v.name()?;
            // A kfunc cannot be renamed: skip one whose name C already
            // uses for a type or an enumerator.
            if !is_ident(name) || self.idents.contains_key(name) || seen.insert(name, ()).is_some()
            {
                continue;
            }
            self.need(v.size())?;
            let d = self.decl(
                v.size(),
                String::from_utf8_lossy(name).into_owned(),
                false,
                "",
            )?;
            let _ = writeln!(self.out, "extern {d} __weak __ksym;");
        }
        self.out.push_str("\n#endif\n\n");
        Ok(())
    }
}

/// A type name made of identifier words (`unsigned int`, `long long`).
fn is_ident_words(name: &[u8]) -> bool {
    !name.is_empty() && name.split(|&c| c == b' ').all(is_ident)
}

/// Gaps wider than this (in bits: 1 MiB) are refused rather than written
/// as unnamed bitfields (one line per 8 bytes); the kernel's widest is a
/// page.
const MAX_PAD_BITS: u64 = 8 << 20;

/// A record body larger than this is refused (malformed BTF can nest
/// anonymous records so that inlining them grows without bound).
const MAX_BODY: usize = 64 << 20;

/// Unnamed bitfields from bit `cur` to bit `to`: they take no name and do
/// not change the record's alignment.
fn pad(s: &mut String, indent: &str, mut cur: u64, to: u64, id: TypeId) -> Result<()> {
    if to.saturating_sub(cur) > MAX_PAD_BITS {
        return Err(bad(
            id,
            format!("a gap of {} bytes between members", (to - cur) / 8),
        ));
    }
    while cur < to {
        let (ty, bits) = [(64, "long"), (32, "int"), (16, "short"), (8, "char")]
            .into_iter()
            .find(|&(b, _)| cur % b == 0 && cur + b <= to)
            .map(|(b, t)| (t, b))
            .unwrap_or_else(|| {
                // Up to the next byte boundary (or `to`), within one char.
                let next = (cur + 1).next_multiple_of(8).min(to);
                ("char", next - cur)
            });
        let _ = writeln!(s, "{indent}{ty}: {bits};");
        cur += bits;
    }
    Ok(())
}

/// The C name [`write_header`] gives each type id (with any `___N`
/// suffix), empty for anonymous types and for kinds it does not name.
pub fn c_names(btf: &Btf) -> Result<Vec<String>> {
    Ok(Writer::new(btf)?.names)
}

/// A C file of `_Static_assert`s that `vmlinux.h` (as [`write_header`]
/// writes it for the same BTF) has the layouts the BTF records: the size of
/// every named struct, union and enum and of every typedef of a sized
/// type, and the offset and size of every named member that is not a
/// bitfield (members of anonymous inner records included). The numbers
/// come from the BTF, not from the writer; compile it after
/// `#include "vmlinux.h"`.
pub fn layout_asserts(btf: &Btf) -> Result<String> {
    let w = Writer::new(btf)?;
    let mut s = String::new();
    for id in 1..btf.len() as TypeId {
        let v = btf.view(id)?;
        let c_type = match v.tag() {
            KindTag::Struct if v.name_off() != 0 => format!("struct {}", w.name(id)),
            KindTag::Union if v.name_off() != 0 => format!("union {}", w.name(id)),
            KindTag::Enum if v.name_off() != 0 && v.vlen() > 0 => {
                format!("enum {}", w.name(id))
            }
            KindTag::Typedef => w.name(id).to_owned(),
            _ => continue,
        };
        // Typedefs of functions and of incomplete types have no size.
        let Ok(size) = btf.size_of(id) else { continue };
        let _ = writeln!(
            s,
            "_Static_assert(sizeof({c_type}) == {size}, \"[{id}] {c_type}: size\");"
        );
        if matches!(v.tag(), KindTag::Struct | KindTag::Union) {
            member_asserts(btf, &mut s, &c_type, id, &v, 0)?;
        }
    }
    Ok(s)
}

fn member_asserts(
    btf: &Btf,
    s: &mut String,
    c_type: &str,
    id: TypeId,
    v: &TypeView<'_>,
    base: u32,
) -> Result<()> {
    for m in v.members() {
        let name = v.string(m.name_off)?;
        let off = base.saturating_add(m.bit_offset);
        if name.is_empty() {
            let inner = btf.view(btf.resolve(m.ty)?)?;
            if matches!(inner.tag(), KindTag::Struct | KindTag::Union) && inner.name_off() == 0 {
                member_asserts(btf, s, c_type, id, &inner, off)?;
            }
            continue;
        }
        if m.bitfield_size != 0 || !is_ident(name) {
            continue;
        }
        let name = String::from_utf8_lossy(name);
        let _ = writeln!(
            s,
            "_Static_assert(__builtin_offsetof({c_type}, {name}) == {}, \"[{id}] {c_type}.{name}: offset\");",
            off / 8
        );
        if let Ok(size) = btf.size_of(m.ty) {
            let _ = writeln!(
                s,
                "_Static_assert(sizeof((({c_type} *)0)->{name}) == {size}, \"[{id}] {c_type}.{name}: size\");"
            );
        }
    }
    Ok(())
}
