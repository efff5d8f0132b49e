//! The `.BTF` reader: header, string table and every type kind the kernel
//! defines up to Linux 6.18, plus the fix-ups the object needs before the
//! kernel accepts it (DATASEC sizes and variable offsets, which clang leaves
//! for the loader to fill in).

use std::sync::{Arc, OnceLock};

use crate::error::{Error, Result};

pub mod sanitize;

const MAGIC: u16 = 0xeb9f;
const HEADER_LEN: usize = 24;
/// Types in one BTF blob above this count are refused before allocating.
/// The kernel's own limit (`BTF_MAX_TYPE`) is 0x000fffff.
pub const MAX_TYPES: usize = 0x000f_ffff;

/// A BTF type id. 0 is `void`.
pub type TypeId = u32;

/// One member of a struct or union.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member's name; empty for anonymous members.
    pub name: String,
    /// Its type.
    pub ty: TypeId,
    /// Offset from the start of the aggregate, in bits.
    pub bit_offset: u32,
    /// Width of a bitfield in bits; 0 for an ordinary member.
    pub bitfield_size: u32,
}

/// One enumerator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enumerator {
    /// Its name.
    pub name: String,
    /// Its value (sign per the enum's `signed` flag; stored as raw bits).
    pub value: i64,
}

/// One variable in a DATASEC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarSecInfo {
    /// The `VAR` type.
    pub ty: TypeId,
    /// Byte offset in the section.
    pub offset: u32,
    /// Byte size.
    pub size: u32,
}

/// A function parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// The parameter's name; may be empty.
    pub name: String,
    /// Its type; 0 with an empty name marks varargs.
    pub ty: TypeId,
}

/// The kinds of BTF type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Type id 0.
    Void,
    /// `BTF_KIND_INT`.
    Int {
        /// Size in bytes.
        size: u32,
        /// `BTF_INT_SIGNED`.
        signed: bool,
        /// `BTF_INT_CHAR`.
        char: bool,
        /// `BTF_INT_BOOL`.
        bool: bool,
        /// Bit offset of the value.
        offset: u8,
        /// Number of value bits.
        bits: u8,
    },
    /// `BTF_KIND_PTR`.
    Ptr(TypeId),
    /// `BTF_KIND_ARRAY`.
    Array {
        /// Element type.
        elem: TypeId,
        /// Index type.
        index: TypeId,
        /// Number of elements.
        len: u32,
    },
    /// `BTF_KIND_STRUCT`.
    Struct {
        /// Size in bytes.
        size: u32,
        /// Members in declaration order.
        members: Vec<Member>,
    },
    /// `BTF_KIND_UNION`.
    Union {
        /// Size in bytes.
        size: u32,
        /// Members.
        members: Vec<Member>,
    },
    /// `BTF_KIND_ENUM` or `BTF_KIND_ENUM64`.
    Enum {
        /// Size in bytes.
        size: u32,
        /// Whether values are signed.
        signed: bool,
        /// Enumerators.
        values: Vec<Enumerator>,
    },
    /// `BTF_KIND_FWD`.
    Fwd {
        /// A forward `union` (else `struct`).
        union: bool,
    },
    /// `BTF_KIND_TYPEDEF`.
    Typedef(TypeId),
    /// `BTF_KIND_VOLATILE`.
    Volatile(TypeId),
    /// `BTF_KIND_CONST`.
    Const(TypeId),
    /// `BTF_KIND_RESTRICT`.
    Restrict(TypeId),
    /// `BTF_KIND_FUNC`.
    Func {
        /// The `FUNC_PROTO`.
        proto: TypeId,
        /// 0 static, 1 global, 2 extern.
        linkage: u16,
    },
    /// `BTF_KIND_FUNC_PROTO`.
    FuncProto {
        /// Return type.
        ret: TypeId,
        /// Parameters.
        params: Vec<Param>,
    },
    /// `BTF_KIND_VAR`.
    Var {
        /// The variable's type.
        ty: TypeId,
        /// 0 static, 1 global allocated, 2 extern.
        linkage: u32,
    },
    /// `BTF_KIND_DATASEC`.
    Datasec {
        /// Size in bytes (0 in clang's output until fixed up).
        size: u32,
        /// Variables.
        vars: Vec<VarSecInfo>,
    },
    /// `BTF_KIND_FLOAT`.
    Float {
        /// Size in bytes.
        size: u32,
    },
    /// `BTF_KIND_DECL_TAG`.
    DeclTag {
        /// The tagged type.
        ty: TypeId,
        /// Member/parameter index, or -1.
        component: i32,
    },
    /// `BTF_KIND_TYPE_TAG`.
    TypeTag(TypeId),
}

/// One type, decoded: its name and its kind with owned data. Convenient for
/// the small BTF of an object (the macro's type generator walks all of it);
/// large BTF (the kernel's) is read in place through [`TypeView`].
#[derive(Debug, Clone)]
pub struct Type {
    /// The name; empty for anonymous types.
    pub name: String,
    /// The kind with its data.
    pub kind: Kind,
}

/// A type's kind without its data, as [`TypeView::tag`] reads it in place.
/// `ENUM` and `ENUM64` are both [`KindTag::Enum`], as they are both
/// [`Kind::Enum`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(missing_docs)]
pub enum KindTag {
    Void,
    Int,
    Ptr,
    Array,
    Struct,
    Union,
    Enum,
    Fwd,
    Typedef,
    Volatile,
    Const,
    Restrict,
    Func,
    FuncProto,
    Var,
    Datasec,
    Float,
    DeclTag,
    TypeTag,
}

/// One member of a struct or union, read in place: the name stays an
/// offset into the string table until compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawMember {
    /// The name's offset in the string table; 0 for anonymous members.
    pub name_off: u32,
    /// Its type.
    pub ty: TypeId,
    /// Offset from the start of the aggregate, in bits.
    pub bit_offset: u32,
    /// Width of a bitfield in bits; 0 for an ordinary member.
    pub bitfield_size: u32,
}

/// One enumerator, read in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawEnumerator {
    /// The name's offset in the string table.
    pub name_off: u32,
    /// Its value (sign per the enum's `signed` flag; stored as raw bits).
    pub value: i64,
}

/// The bytes behind a [`Btf`]: owned (an object's `.BTF`, which fix-ups
/// patch) or shared read-only (for example the kernel's BTF mapped by the
/// runtime).
#[derive(Clone)]
enum Bytes {
    Owned(Vec<u8>),
    Shared(Arc<dyn AsRef<[u8]> + Send + Sync>),
}

impl Bytes {
    fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Owned(v) => v,
            Bytes::Shared(s) => (**s).as_ref(),
        }
    }

    fn make_mut(&mut self) -> &mut Vec<u8> {
        if let Bytes::Shared(s) = self {
            *self = Bytes::Owned((**s).as_ref().to_vec());
        }
        match self {
            Bytes::Owned(v) => v,
            Bytes::Shared(_) => unreachable!("converted to owned above"),
        }
    }
}

/// A BTF blob: the raw bytes and an offset table of its type records. A
/// type is decoded only when visited ([`Btf::view`] reads it in place,
/// names stay string offsets until compared). `raw()` is what
/// `BPF_BTF_LOAD` takes, including any fix-ups applied.
///
/// [`Btf::parse`] (an object's `.BTF`) also decodes and validates every
/// type up front, so that a malformed object is refused at parse time;
/// [`Btf::from_shared`] (the kernel's) only builds the offset table, and
/// [`Btf::get`] decodes the whole blob on first use.
#[derive(Clone)]
pub struct Btf {
    bytes: Bytes,
    /// Absolute byte offset of each type's record in the blob; index 0
    /// (`void`) has none and holds 0.
    offsets: Vec<u32>,
    type_start: usize,
    str_start: usize,
    str_len: usize,
    decoded: OnceLock<Result<Vec<Type>>>,
    /// For split BTF (a kernel module's): the BTF it extends (vmlinux),
    /// whose ids and strings come first.
    base: Option<Arc<Btf>>,
    /// The id of the first record of this blob: 1, or for split BTF the
    /// base's type count.
    first_id: u32,
}

impl std::fmt::Debug for Btf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Btf")
            .field("bytes", &self.raw().len())
            .field("types", &self.offsets.len())
            .finish()
    }
}

fn rd_u32(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn wr_u32(data: &mut [u8], at: usize, v: u32) -> Option<()> {
    data.get_mut(at..at.checked_add(4)?)?
        .copy_from_slice(&v.to_le_bytes());
    Some(())
}

/// The bytes of the NUL-terminated string at `off` of a string table,
/// without the NUL, or `None` if it is out of range or unterminated.
fn bytes_at_opt(strings: &[u8], off: u32) -> Option<&[u8]> {
    let tail = strings.get(off as usize..)?;
    let end = tail.iter().position(|&b| b == 0)?;
    tail.get(..end)
}

/// [`bytes_at_opt`] with an error naming `what()` (formatted only on
/// failure).
fn bytes_at<S: Into<String>>(strings: &[u8], off: u32, what: impl FnOnce() -> S) -> Result<&[u8]> {
    bytes_at_opt(strings, off).ok_or_else(|| {
        let msg = if (off as usize) < strings.len() {
            format!("string at {off} is not terminated")
        } else {
            format!("string offset {off} is outside the string table")
        };
        Error::malformed(what(), msg)
    })
}

/// Reads the NUL-terminated string at `off` of a string table.
pub(crate) fn str_at(strings: &[u8], off: u32, what: &str) -> Result<String> {
    str_at_with(strings, off, || what)
}

/// [`str_at`] with the error's location formatted only on failure.
fn str_at_with<S: Into<String>>(strings: &[u8], off: u32, what: impl Fn() -> S) -> Result<String> {
    let bytes = bytes_at(strings, off, &what)?;
    String::from_utf8(bytes.to_vec())
        .map_err(|_| Error::malformed(what(), format!("string at {off} is not UTF-8")))
}

/// The string table(s) a type's names are read from: for split BTF (a
/// kernel module's, on top of vmlinux) offsets below the base's table
/// length are the base's strings, the others the split BTF's own.
#[derive(Debug, Clone, Copy)]
struct Strs<'a> {
    base: &'a [u8],
    own: &'a [u8],
}

impl<'a> Strs<'a> {
    /// The table that holds offset `off`, and the offset in it.
    fn table(self, off: u32) -> (&'a [u8], u32) {
        match (off as usize).checked_sub(self.base.len()) {
            Some(own) => (self.own, own as u32),
            None => (self.base, off),
        }
    }

    fn bytes(self, off: u32, what: impl FnOnce() -> String) -> Result<&'a [u8]> {
        let (t, o) = self.table(off);
        bytes_at(t, o, what)
    }

    /// The table from `off` on (`None` if out of range).
    fn tail(self, off: u32) -> Option<&'a [u8]> {
        let (t, o) = self.table(off);
        t.get(o as usize..)
    }
}

/// The name up to any `___flavor` suffix (CO-RE's "essential" name).
pub fn essential(name: &[u8]) -> &[u8] {
    match name.windows(3).position(|w| w == b"___") {
        Some(i) => name.get(..i).unwrap_or(name),
        None => name,
    }
}

/// Per `BTF_KIND_*` code: the record's (fixed bytes, bytes per vlen entry)
/// after its 12-byte header; `None` for codes Linux 6.18 does not define.
const RECORD_SHAPE: [Option<(usize, usize)>; 32] = {
    let mut t = [None; 32];
    t[1] = Some((4, 0)); // INT
    t[2] = Some((0, 0)); // PTR
    t[3] = Some((12, 0)); // ARRAY
    t[4] = Some((0, 12)); // STRUCT
    t[5] = Some((0, 12)); // UNION
    t[6] = Some((0, 8)); // ENUM
    t[7] = Some((0, 0)); // FWD
    t[8] = Some((0, 0)); // TYPEDEF
    t[9] = Some((0, 0)); // VOLATILE
    t[10] = Some((0, 0)); // CONST
    t[11] = Some((0, 0)); // RESTRICT
    t[12] = Some((0, 0)); // FUNC: vlen is the linkage
    t[13] = Some((0, 8)); // FUNC_PROTO
    t[14] = Some((4, 0)); // VAR
    t[15] = Some((0, 12)); // DATASEC
    t[16] = Some((0, 0)); // FLOAT
    t[17] = Some((4, 0)); // DECL_TAG
    t[18] = Some((0, 0)); // TYPE_TAG
    t[19] = Some((0, 12)); // ENUM64
    t
};

/// The kind codes of `BTF_KIND_*`.
fn tag_of(kind: u32) -> Option<KindTag> {
    Some(match kind {
        0 => KindTag::Void,
        1 => KindTag::Int,
        2 => KindTag::Ptr,
        3 => KindTag::Array,
        4 => KindTag::Struct,
        5 => KindTag::Union,
        6 | 19 => KindTag::Enum,
        7 => KindTag::Fwd,
        8 => KindTag::Typedef,
        9 => KindTag::Volatile,
        10 => KindTag::Const,
        11 => KindTag::Restrict,
        12 => KindTag::Func,
        13 => KindTag::FuncProto,
        14 => KindTag::Var,
        15 => KindTag::Datasec,
        16 => KindTag::Float,
        17 => KindTag::DeclTag,
        18 => KindTag::TypeTag,
        _ => return None,
    })
}

/// One type read in place: nothing is decoded until asked for, and names
/// stay offsets into the string table until compared.
#[derive(Debug, Clone, Copy)]
pub struct TypeView<'a> {
    data: &'a [u8],
    strings: Strs<'a>,
    id: TypeId,
    /// Absolute offset of the record (meaningless for `void`).
    pos: usize,
    name_off: u32,
    info: u32,
    size_or_type: u32,
}

impl<'a> TypeView<'a> {
    /// The type's id.
    pub fn id(&self) -> TypeId {
        self.id
    }

    fn kind_code(&self) -> u32 {
        (self.info >> 24) & 0x1f
    }

    /// The kind, without data.
    pub fn tag(&self) -> KindTag {
        // The offset table admits only known kinds.
        tag_of(self.kind_code()).unwrap_or(KindTag::Void)
    }

    /// `vlen`: the count of members, enumerators, parameters or variables
    /// (for a FUNC, its linkage).
    pub fn vlen(&self) -> u32 {
        self.info & 0xffff
    }

    /// The `kind_flag` bit.
    pub fn kind_flag(&self) -> bool {
        self.info >> 31 != 0
    }

    /// The name's offset in the string table (0: anonymous).
    pub fn name_off(&self) -> u32 {
        self.name_off
    }

    /// The name's bytes, without copying; empty for anonymous types.
    pub fn name(&self) -> Result<&'a [u8]> {
        self.strings.bytes(self.name_off, || self.loc())
    }

    /// The bytes of the string at `off` of this BTF's string table.
    pub fn string(&self, off: u32) -> Result<&'a [u8]> {
        self.strings.bytes(off, || self.loc())
    }

    /// Whether the string at `off` is `name`, compared in place (no scan
    /// for the terminating NUL beyond `name`'s length).
    pub fn name_is(&self, off: u32, name: &[u8]) -> bool {
        let Some(tail) = self.strings.tail(off) else {
            return false;
        };
        // The NUL where `name` would end rules out most names cheaply.
        tail.get(name.len()) == Some(&0) && tail.get(..name.len()) == Some(name)
    }

    /// The record's `size` (INT, STRUCT, UNION, ENUM, FLOAT, DATASEC).
    pub fn size(&self) -> u32 {
        self.size_or_type
    }

    /// The type this one refers to: the target of a pointer, typedef,
    /// qualifier or type tag, a FUNC's prototype, a VAR's or DECL_TAG's
    /// type.
    pub fn referenced(&self) -> Option<TypeId> {
        match self.tag() {
            KindTag::Ptr
            | KindTag::Typedef
            | KindTag::Volatile
            | KindTag::Const
            | KindTag::Restrict
            | KindTag::TypeTag
            | KindTag::Func
            | KindTag::Var
            | KindTag::DeclTag => Some(self.size_or_type),
            _ => None,
        }
    }

    fn word(&self, at: usize) -> Option<u32> {
        rd_u32(self.data, self.pos.checked_add(12)?.checked_add(at)?)
    }

    /// A FUNC_PROTO's return type.
    pub(crate) fn proto_ret(&self) -> Option<TypeId> {
        (self.tag() == KindTag::FuncProto).then_some(self.size_or_type)
    }

    /// An INT's (deprecated) bit offset from its encoding.
    pub(crate) fn int_offset(&self) -> Option<u32> {
        (self.tag() == KindTag::Int)
            .then(|| self.int_encoding().map_or(0, |(_, off, _)| off.into()))
    }

    /// An ARRAY's (element type, index type, length).
    pub fn array(&self) -> Option<(TypeId, TypeId, u32)> {
        if self.tag() != KindTag::Array {
            return None;
        }
        Some((self.word(0)?, self.word(4)?, self.word(8)?))
    }

    /// Whether an INT or ENUM is signed.
    pub fn signed(&self) -> bool {
        match self.tag() {
            KindTag::Int => self.word(0).is_some_and(|enc| (enc >> 24) & 1 != 0),
            KindTag::Enum => self.kind_flag(),
            _ => false,
        }
    }

    /// An INT's encoding word as (encoding bits, bit offset, bit size).
    pub fn int_encoding(&self) -> Option<(u8, u8, u8)> {
        if self.tag() != KindTag::Int {
            return None;
        }
        let w = self.word(0)?;
        Some(((w >> 24) as u8 & 0x0f, (w >> 16) as u8, w as u8))
    }

    /// Whether this is an ENUM64 (as opposed to a 32-bit ENUM).
    pub fn is_enum64(&self) -> bool {
        self.kind_code() == 19
    }

    /// A FUNC_PROTO's return type.
    pub fn proto_return(&self) -> Option<TypeId> {
        (self.tag() == KindTag::FuncProto).then_some(self.size_or_type)
    }

    /// The type of parameter `i` of a FUNC_PROTO.
    pub fn proto_param(&self, i: u32) -> Option<TypeId> {
        self.param(i).map(|(_, ty)| ty)
    }

    /// Parameter `i` of a FUNC_PROTO, read in place: (name offset, type).
    /// A type of 0 with an empty name, last, marks varargs.
    pub fn param(&self, i: u32) -> Option<(u32, TypeId)> {
        if self.tag() != KindTag::FuncProto || i >= self.vlen() {
            return None;
        }
        let at = i as usize * 8;
        Some((self.word(at)?, self.word(at + 4)?))
    }

    /// Member `i` of a STRUCT or UNION.
    pub fn member(&self, i: u32) -> Option<RawMember> {
        if !matches!(self.tag(), KindTag::Struct | KindTag::Union) || i >= self.vlen() {
            return None;
        }
        let at = i as usize * 12;
        let (name_off, ty, off) = (self.word(at)?, self.word(at + 4)?, self.word(at + 8)?);
        let (bit_offset, bitfield_size) = if self.kind_flag() {
            (off & 0x00ff_ffff, off >> 24)
        } else {
            (off, 0)
        };
        Some(RawMember {
            name_off,
            ty,
            bit_offset,
            bitfield_size,
        })
    }

    /// The members of a STRUCT or UNION (none for other kinds).
    pub fn members(self) -> impl Iterator<Item = RawMember> + 'a {
        let n = if matches!(self.tag(), KindTag::Struct | KindTag::Union) {
            self.vlen() as usize
        } else {
            0
        };
        let start = self.pos.saturating_add(12);
        let records = self
            .data
            .get(start..start.saturating_add(n * 12))
            .unwrap_or_default();
        let flag = self.kind_flag();
        records.chunks_exact(12).map(move |r| {
            let w = |i: usize| u32::from_le_bytes([r[i], r[i + 1], r[i + 2], r[i + 3]]);
            let off = w(8);
            let (bit_offset, bitfield_size) = if flag {
                (off & 0x00ff_ffff, off >> 24)
            } else {
                (off, 0)
            };
            RawMember {
                name_off: w(0),
                ty: w(4),
                bit_offset,
                bitfield_size,
            }
        })
    }

    /// Enumerator `i` of an ENUM or ENUM64.
    pub fn enumerator(&self, i: u32) -> Option<RawEnumerator> {
        if i >= self.vlen() {
            return None;
        }
        match self.kind_code() {
            6 => {
                let at = i as usize * 8;
                let (name_off, v) = (self.word(at)?, self.word(at + 4)?);
                let value = if self.kind_flag() {
                    i64::from(v as i32)
                } else {
                    i64::from(v)
                };
                Some(RawEnumerator { name_off, value })
            }
            19 => {
                let at = i as usize * 12;
                let (name_off, lo, hi) = (self.word(at)?, self.word(at + 4)?, self.word(at + 8)?);
                Some(RawEnumerator {
                    name_off,
                    value: ((u64::from(hi) << 32) | u64::from(lo)) as i64,
                })
            }
            _ => None,
        }
    }

    /// The enumerators of an ENUM or ENUM64 (none for other kinds).
    pub fn enumerators(self) -> impl Iterator<Item = RawEnumerator> + 'a {
        (0..self.vlen()).map_while(move |i| self.enumerator(i))
    }

    fn loc(&self) -> String {
        format!(".BTF type [{}]", self.id)
    }

    /// Decodes the whole type, with owned names.
    pub fn decode(&self, type_start: usize) -> Result<Type> {
        let id = self.id;
        let record = self.pos.saturating_sub(type_start);
        let tloc = || format!(".BTF type [{id}] at offset {record}");
        let trunc = || Error::malformed(tloc(), "truncated type record");
        let name_of = |off: u32| {
            let (table, at) = self.strings.table(off);
            str_at_with(table, at, tloc)
        };
        let w = |at: usize| self.word(at).ok_or_else(trunc);
        let sot = self.size_or_type;
        let vlen = self.vlen() as usize;
        let kind = match self.kind_code() {
            0 => Kind::Void,
            1 => {
                let enc = w(0)?;
                Kind::Int {
                    size: sot,
                    signed: (enc >> 24) & 1 != 0,
                    char: (enc >> 24) & 2 != 0,
                    bool: (enc >> 24) & 4 != 0,
                    offset: ((enc >> 16) & 0xff) as u8,
                    bits: (enc & 0xff) as u8,
                }
            }
            2 => Kind::Ptr(sot),
            3 => Kind::Array {
                elem: w(0)?,
                index: w(4)?,
                len: w(8)?,
            },
            k @ (4 | 5) => {
                let mut members = Vec::with_capacity(vlen);
                for i in 0..self.vlen() {
                    let m = self.member(i).ok_or_else(trunc)?;
                    members.push(Member {
                        name: name_of(m.name_off)?,
                        ty: m.ty,
                        bit_offset: m.bit_offset,
                        bitfield_size: m.bitfield_size,
                    });
                }
                if k == 4 {
                    Kind::Struct { size: sot, members }
                } else {
                    Kind::Union { size: sot, members }
                }
            }
            6 | 19 => {
                let mut values = Vec::with_capacity(vlen);
                for i in 0..self.vlen() {
                    let e = self.enumerator(i).ok_or_else(trunc)?;
                    values.push(Enumerator {
                        name: name_of(e.name_off)?,
                        value: e.value,
                    });
                }
                Kind::Enum {
                    size: sot,
                    signed: self.kind_flag(),
                    values,
                }
            }
            7 => Kind::Fwd {
                union: self.kind_flag(),
            },
            8 => Kind::Typedef(sot),
            9 => Kind::Volatile(sot),
            10 => Kind::Const(sot),
            11 => Kind::Restrict(sot),
            12 => Kind::Func {
                proto: sot,
                linkage: self.vlen() as u16,
            },
            13 => {
                let mut params = Vec::with_capacity(vlen);
                for i in 0..vlen {
                    params.push(Param {
                        name: name_of(w(i * 8)?)?,
                        ty: w(i * 8 + 4)?,
                    });
                }
                Kind::FuncProto { ret: sot, params }
            }
            14 => Kind::Var {
                ty: sot,
                linkage: w(0)?,
            },
            15 => {
                let mut vars = Vec::with_capacity(vlen);
                for i in 0..vlen {
                    vars.push(VarSecInfo {
                        ty: w(i * 12)?,
                        offset: w(i * 12 + 4)?,
                        size: w(i * 12 + 8)?,
                    });
                }
                Kind::Datasec { size: sot, vars }
            }
            16 => Kind::Float { size: sot },
            17 => Kind::DeclTag {
                ty: sot,
                component: w(0)? as i32,
            },
            18 => Kind::TypeTag(sot),
            other => {
                return Err(Error::unsupported(
                    tloc(),
                    format!("BTF kind {other} (newer than Linux 6.18?)"),
                ))
            }
        };
        Ok(Type {
            name: name_of(self.name_off)?,
            kind,
        })
    }
}

impl Btf {
    /// Parses a `.BTF` section: builds the offset table, then decodes and
    /// validates every type (names included), so that a malformed object
    /// is refused here.
    pub fn parse(data: &[u8]) -> Result<Self> {
        let btf = Self::index(Bytes::Owned(data.to_vec()), None)?;
        let types = btf.decode_all()?;
        // A fresh OnceLock: `set` cannot fail.
        let _ = btf.decoded.set(Ok(types));
        Ok(btf)
    }

    /// Indexes BTF held elsewhere (for example the kernel's, mapped
    /// read-only) without decoding any type: the header and the record
    /// boundaries are checked, names and member data only when visited.
    pub fn from_shared(bytes: Arc<dyn AsRef<[u8]> + Send + Sync>) -> Result<Self> {
        Self::index(Bytes::Shared(bytes), None)
    }

    /// Indexes split BTF (a kernel module's, as
    /// `/sys/kernel/btf/<module>` holds it) on top of `base` (vmlinux,
    /// itself not split): its type ids continue after the base's, its
    /// string offsets after the base's string table, and its types may
    /// refer to the base's. Nothing is decoded up front.
    pub fn from_shared_split(
        bytes: Arc<dyn AsRef<[u8]> + Send + Sync>,
        base: Arc<Btf>,
    ) -> Result<Self> {
        if base.base.is_some() {
            return Err(Error::unsupported(".BTF", "split BTF on top of split BTF"));
        }
        Self::index(Bytes::Shared(bytes), Some(base))
    }

    /// The BTF this split BTF extends, if it is split.
    pub fn base(&self) -> Option<&Btf> {
        self.base.as_deref()
    }

    /// The id of this blob's first own type: 1, or for split BTF the
    /// base's type count (libbpf's `btf__type_cnt(base)`).
    pub fn first_own_id(&self) -> TypeId {
        self.first_id
    }

    /// The string tables names are read from.
    fn strs(&self) -> Strs<'_> {
        Strs {
            base: self.base.as_deref().map_or(&[][..], Btf::strings),
            own: self.strings(),
        }
    }

    /// The index in `offsets` (and the decoded model) of own type `id`.
    fn own_index(&self, id: TypeId) -> Option<usize> {
        if id == 0 {
            return Some(0);
        }
        id.checked_sub(self.first_id).map(|i| i as usize + 1)
    }

    /// The type id of index `i` of `offsets`.
    fn id_of_index(&self, i: usize) -> TypeId {
        if i == 0 {
            0
        } else {
            self.first_id + i as u32 - 1
        }
    }

    fn index(bytes: Bytes, base: Option<Arc<Btf>>) -> Result<Self> {
        let data = bytes.as_slice();
        let loc = ".BTF";
        let magic = data
            .get(..2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .ok_or_else(|| Error::malformed(loc, "section too short for a BTF header"))?;
        if magic != MAGIC {
            return Err(Error::malformed(
                loc,
                format!(
                    "bad magic {magic:#06x} (expected 0xeb9f; big-endian BTF is not supported)"
                ),
            ));
        }
        if u32::try_from(data.len()).is_err() {
            return Err(Error::malformed(loc, "larger than 4 GiB"));
        }
        let hdr = |at| rd_u32(data, at).ok_or_else(|| Error::malformed(loc, "truncated header"));
        let hdr_len = hdr(4)? as usize;
        if hdr_len < HEADER_LEN {
            return Err(Error::malformed(
                loc,
                format!("header length {hdr_len} < 24"),
            ));
        }
        let (type_off, type_len, str_off, str_len) = (hdr(8)?, hdr(12)?, hdr(16)?, hdr(20)?);
        let region = |off: u32, len: u32, what: &str| {
            let start = hdr_len.checked_add(off as usize);
            let end = start.and_then(|s| s.checked_add(len as usize));
            match (start, end) {
                (Some(s), Some(e)) if e <= data.len() => Ok(s..e),
                _ => Err(Error::malformed(
                    loc,
                    format!(
                        "{what} section (offset {off}, length {len}) runs past the end \
                         of the {} byte blob",
                        data.len()
                    ),
                )),
            }
        };
        let types = region(type_off, type_len, "type")?;
        let strs = region(str_off, str_len, "string")?;
        // Split BTF's own table continues the base's: no leading NUL.
        if base.is_none()
            && data.get(strs.clone()).and_then(|s| s.first()) != Some(&0)
            && !strs.is_empty()
        {
            return Err(Error::malformed(
                loc,
                "string table does not start with NUL",
            ));
        }

        // The smallest record is 12 bytes: reserve for that many at most.
        let first_id = match &base {
            Some(b) => {
                u32::try_from(b.len()).map_err(|_| Error::malformed(loc, "base too large"))?
            }
            None => 1,
        };
        let mut offsets = Vec::with_capacity((types.len() / 12 + 1).min(MAX_TYPES + 1));
        offsets.push(0u32);
        let mut pos = types.start;
        while pos < types.end {
            let id = offsets.len() + first_id as usize - 1;
            if id > MAX_TYPES {
                return Err(Error::malformed(
                    loc,
                    format!("more than {MAX_TYPES} types"),
                ));
            }
            let record = pos - types.start;
            let tloc = || format!(".BTF type [{id}] at offset {record}");
            let trunc = || Error::malformed(tloc(), "truncated type record");
            if types.end - pos < 12 {
                return Err(trunc());
            }
            let info = rd_u32(data, pos + 4).ok_or_else(trunc)?;
            let vlen = (info & 0xffff) as usize;
            let kind = (info >> 24) & 0x1f;
            // (fixed bytes, bytes per vlen entry) after the 12-byte header;
            // a FUNC's vlen is its linkage and counts nothing.
            let Some(&Some((fixed, per_entry))) = RECORD_SHAPE.get(kind as usize) else {
                return Err(Error::unsupported(
                    tloc(),
                    format!("BTF kind {kind} (newer than Linux 6.18?)"),
                ));
            };
            let remaining = types.end - pos - 12;
            // vlen <= 0xffff and per_entry <= 12: no overflow.
            let entries = per_entry * vlen;
            if entries > remaining {
                return Err(Error::malformed(
                    tloc(),
                    format!("vlen {vlen} exceeds the remaining {remaining} bytes"),
                ));
            }
            let len = fixed + entries;
            if len > remaining {
                return Err(trunc());
            }
            offsets.push(pos as u32);
            pos += 12 + len;
        }
        Ok(Btf {
            bytes,
            offsets,
            type_start: types.start,
            str_start: strs.start,
            str_len: strs.len(),
            decoded: OnceLock::new(),
            base,
            first_id,
        })
    }

    fn decode_all(&self) -> Result<Vec<Type>> {
        let mut types = Vec::with_capacity(self.offsets.len());
        types.push(Type {
            name: String::new(),
            kind: Kind::Void,
        });
        for i in 1..self.offsets.len() {
            types.push(self.view(self.id_of_index(i))?.decode(self.type_start)?);
        }
        Ok(types)
    }

    fn decoded(&self) -> Result<&[Type]> {
        match self.decoded.get_or_init(|| self.decode_all()) {
            Ok(t) => Ok(t),
            Err(e) => Err(e.clone()),
        }
    }

    /// The blob as `BPF_BTF_LOAD` takes it, with fix-ups applied.
    pub fn raw(&self) -> &[u8] {
        self.bytes.as_slice()
    }

    /// Number of type ids, including `void` (id 0) and, for split BTF,
    /// the base's.
    pub fn len(&self) -> usize {
        self.first_id as usize - 1 + self.offsets.len()
    }

    /// Whether the blob defines no type besides `void`.
    pub fn is_empty(&self) -> bool {
        self.len() <= 1
    }

    fn out_of_range(&self, id: TypeId) -> Error {
        Error::malformed(
            ".BTF",
            format!("type id {id} out of range (max {})", self.len() - 1),
        )
    }

    /// Type `id`, read in place (for split BTF, a base id is read in the
    /// base).
    pub fn view(&self, id: TypeId) -> Result<TypeView<'_>> {
        if let (Some(base), true) = (&self.base, id != 0 && id < self.first_id) {
            return base.view(id);
        }
        let data = self.raw();
        let strings = self.strs();
        if id == 0 {
            return Ok(TypeView {
                data,
                strings,
                id,
                pos: 0,
                name_off: 0,
                info: 0,
                size_or_type: 0,
            });
        }
        let pos = *self
            .own_index(id)
            .and_then(|i| self.offsets.get(i))
            .ok_or_else(|| self.out_of_range(id))? as usize;
        let w = |at| rd_u32(data, pos + at).ok_or_else(|| self.out_of_range(id));
        Ok(TypeView {
            data,
            strings,
            id,
            pos,
            name_off: w(0)?,
            info: w(4)?,
            size_or_type: w(8)?,
        })
    }

    /// The bytes of the string at `off` of the string table, without
    /// copying.
    pub fn str_bytes(&self, off: u32) -> Result<&[u8]> {
        self.strs().bytes(off, || ".BTF string table".into())
    }

    /// For each (kind, essential name) in `wanted`, the ids of the types of
    /// that kind whose essential name (up to any `___flavor` suffix) is
    /// that name: one linear pass over the records, names compared in
    /// place, nothing decoded or allocated per type. This is how CO-RE
    /// finds candidates without indexing a whole kernel.
    pub fn find_by_essential_names(&self, wanted: &[(KindTag, &[u8])]) -> Vec<Vec<TypeId>> {
        let mut out = vec![Vec::new(); wanted.len()];
        let (mut kinds, mut first) = (0u32, [false; 256]);
        for (tag, name) in wanted {
            for code in 0..20 {
                if tag_of(code) == Some(*tag) {
                    kinds |= 1 << code;
                }
            }
            // An empty essential name comes from names that start with
            // `___`.
            first[usize::from(name.first().copied().unwrap_or(b'_'))] = true;
        }
        // Split BTF: only its own types are candidates (libbpf starts at
        // the base's type count).
        let (data, strings) = (self.raw(), self.strs());
        for (i, &pos) in self.offsets.iter().enumerate().skip(1) {
            let id = self.id_of_index(i);
            let pos = pos as usize;
            let Some(info) = rd_u32(data, pos + 4) else {
                continue;
            };
            if kinds & (1 << ((info >> 24) & 0x1f)) == 0 {
                continue;
            }
            let Some(name_off) = rd_u32(data, pos) else {
                continue;
            };
            let Some(tail) = strings.tail(name_off) else {
                continue;
            };
            let lead = tail.first().copied().unwrap_or(0);
            if name_off == 0 || !first[usize::from(lead)] {
                continue;
            }
            // A name that does not read cannot match.
            let Some(name) = bytes_at_opt(tail, 0) else {
                continue;
            };
            let (ess, tag) = (essential(name), tag_of((info >> 24) & 0x1f));
            for (i, (t, n)) in wanted.iter().enumerate() {
                if Some(*t) == tag && *n == ess {
                    if let Some(ids) = out.get_mut(i) {
                        ids.push(id);
                    }
                }
            }
        }
        out
    }

    /// The type with id `id`, decoded (the whole blob is decoded on first
    /// use; objects parsed with [`Btf::parse`] already are).
    pub fn get(&self, id: TypeId) -> Result<&Type> {
        if let (Some(base), true) = (&self.base, id < self.first_id) {
            return base.get(id);
        }
        self.decoded()?
            .get(self.own_index(id).unwrap_or(usize::MAX))
            .ok_or_else(|| self.out_of_range(id))
    }

    /// All types with their ids, decoded (for split BTF, its own types
    /// only). Empty if the blob does not decode (only possible for
    /// [`Btf::from_shared`] blobs; [`Btf::get`] returns that error).
    pub fn types(&self) -> impl Iterator<Item = (TypeId, &Type)> {
        let skip = usize::from(self.base.is_some());
        self.decoded()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .skip(skip)
            .map(|(i, t)| (self.id_of_index(i), t))
    }

    /// The first type named `name` for which `pred` holds; for split BTF,
    /// among its own types only (libbpf's `btf__find_by_name_kind_own`).
    /// Unless the blob is already decoded, names are compared in place
    /// and only types of that name are decoded.
    pub fn find(&self, name: &str, pred: impl Fn(&Kind) -> bool) -> Option<TypeId> {
        // Already decoded (an object's BTF): search the model.
        if let Some(Ok(types)) = self.decoded.get() {
            return types
                .iter()
                .enumerate()
                .skip(usize::from(self.base.is_some()))
                .position(|(_, t)| t.name == name && pred(&t.kind))
                .map(|i| self.id_of_index(i + usize::from(self.base.is_some())));
        }
        let want = name.as_bytes();
        let (data, strings) = (self.raw(), self.strs());
        // Names compared in place: the NUL where `name` would end first,
        // then the bytes; only a type of that name is decoded.
        let named = |off: u32| {
            strings
                .tail(off)
                .is_some_and(|s| s.get(want.len()) == Some(&0) && s.get(..want.len()) == Some(want))
        };
        self.offsets
            .iter()
            .enumerate()
            .skip(1)
            .find(|&(i, &pos)| {
                rd_u32(data, pos as usize).is_some_and(named)
                    && self
                        .view(self.id_of_index(i))
                        .and_then(|v| v.decode(self.type_start))
                        .is_ok_and(|t| pred(&t.kind))
            })
            .map(|(i, _)| self.id_of_index(i))
    }

    /// Follows typedefs and qualifiers (`const`, `volatile`, `restrict`,
    /// type tags) to the underlying type id.
    pub fn resolve(&self, mut id: TypeId) -> Result<TypeId> {
        for _ in 0..64 {
            let v = self.view(id)?;
            match v.tag() {
                KindTag::Typedef
                | KindTag::Volatile
                | KindTag::Const
                | KindTag::Restrict
                | KindTag::TypeTag => id = v.size_or_type,
                _ => return Ok(id),
            }
        }
        Err(Error::malformed(
            ".BTF",
            format!("type chain from id {id} is too long or cyclic"),
        ))
    }

    /// The size in bytes of a value of type `id`.
    pub fn size_of(&self, id: TypeId) -> Result<u32> {
        self.size_of_depth(id, 0)
    }

    fn size_of_depth(&self, id: TypeId, depth: u32) -> Result<u32> {
        if depth > 64 {
            return Err(Error::malformed(
                ".BTF",
                format!("type {id} nests too deeply to size"),
            ));
        }
        let id = self.resolve(id)?;
        let t = self.view(id)?;
        Ok(match t.tag() {
            KindTag::Int
            | KindTag::Struct
            | KindTag::Union
            | KindTag::Enum
            | KindTag::Float
            | KindTag::Datasec => t.size(),
            KindTag::Ptr => 8,
            KindTag::Array => {
                let (elem, _, len) = t.array().ok_or_else(|| {
                    Error::malformed(".BTF", format!("array type {id} truncated"))
                })?;
                self.size_of_depth(elem, depth + 1)?
                    .checked_mul(len)
                    .ok_or_else(|| Error::malformed(".BTF", format!("array type {id} overflows")))?
            }
            KindTag::Var => self.size_of_depth(t.size_or_type, depth + 1)?,
            _ => {
                let name = t.name().unwrap_or_default();
                return Err(Error::malformed(
                    ".BTF",
                    format!(
                        "type {id} (`{}`) has no size",
                        String::from_utf8_lossy(name)
                    ),
                ));
            }
        })
    }

    /// Sets a DATASEC's size and one variable's offset, both in the parsed
    /// model and in the raw blob handed to the kernel.
    pub(crate) fn fix_datasec(
        &mut self,
        id: TypeId,
        size: u32,
        var_offsets: &[(usize, u32)],
    ) -> Result<()> {
        let v = self.view(id)?;
        if v.tag() != KindTag::Datasec {
            return Err(Error::malformed(
                ".BTF",
                format!("type {id} is not a DATASEC"),
            ));
        }
        let (base, vlen) = (v.pos, v.vlen() as usize);
        let bad = || Error::malformed(".BTF", format!("DATASEC {id} record out of range"));
        if var_offsets.iter().any(|&(i, _)| i >= vlen) {
            return Err(bad());
        }
        let raw = self.bytes.make_mut();
        wr_u32(raw, base + 8, size).ok_or_else(bad)?;
        for &(i, offset) in var_offsets {
            wr_u32(raw, base + 12 + i * 12 + 4, offset).ok_or_else(bad)?;
        }
        if let Some(Ok(types)) = self.decoded.get_mut() {
            if let Some(Type {
                kind:
                    Kind::Datasec {
                        size: model_size,
                        vars,
                    },
                ..
            }) = types.get_mut(id as usize)
            {
                *model_size = size;
                for &(i, offset) in var_offsets {
                    if let Some(var) = vars.get_mut(i) {
                        var.offset = offset;
                    }
                }
            }
        }
        Ok(())
    }

    /// The string table (`.BTF.ext` refers to it for section and file
    /// names).
    pub fn strings(&self) -> &[u8] {
        self.raw()
            .get(self.str_start..self.str_start + self.str_len)
            .unwrap_or_default()
    }
}

/// Fix-ups of an object's BTF for extern variables and functions
/// (`.kconfig` / `.ksyms`), done on the raw blob handed to the kernel; the
/// caller re-parses the result ([`Btf::reparsed`]).
impl Btf {
    /// Overwrites the 32-bit word at byte `at` of type `id`'s record (0
    /// `name_off`, 4 `info`, 8 size or type, 12 onwards the kind's data).
    pub(crate) fn patch_record(&mut self, id: TypeId, at: usize, value: u32) -> Result<()> {
        let pos = self.view(id)?.pos;
        let raw = self.bytes.make_mut();
        wr_u32(raw, pos + at, value).ok_or_else(|| {
            Error::malformed(
                ".BTF",
                format!("type {id}: record offset {at} out of range"),
            )
        })
    }

    /// The 32-bit word at byte `at` of type `id`'s record.
    pub(crate) fn record_word(&self, id: TypeId, at: usize) -> Result<u32> {
        let pos = self.view(id)?.pos;
        rd_u32(self.raw(), pos + at).ok_or_else(|| {
            Error::malformed(
                ".BTF",
                format!("type {id}: record offset {at} out of range"),
            )
        })
    }

    /// Sorts a DATASEC's variable records by offset, as the kernel
    /// requires (libbpf sorts every DATASEC the same way).
    pub(crate) fn sort_datasec(&mut self, id: TypeId) -> Result<()> {
        let v = self.view(id)?;
        let (base, vlen) = (v.pos + 12, v.vlen() as usize);
        let raw = self.bytes.make_mut();
        let bad = || Error::malformed(".BTF", format!("DATASEC {id} record out of range"));
        let recs = raw.get_mut(base..base + vlen * 12).ok_or_else(bad)?;
        let mut items: Vec<[u8; 12]> = recs
            .chunks_exact(12)
            .map(|c| {
                let mut a = [0u8; 12];
                a.copy_from_slice(c);
                a
            })
            .collect();
        items.sort_by_key(|r| u32::from_le_bytes([r[4], r[5], r[6], r[7]]));
        for (dst, src) in recs.chunks_exact_mut(12).zip(&items) {
            dst.copy_from_slice(src);
        }
        Ok(())
    }

    /// The blob parsed again, so that the decoded model matches patches.
    pub(crate) fn reparsed(&self) -> Result<Btf> {
        Btf::parse(self.raw())
    }

    /// A copy with a `VAR` named `name` of type `ty` appended (its name
    /// appended to the string table): the new type's id and the name's
    /// string offset.
    pub(crate) fn with_var(
        &self,
        name: &str,
        ty: TypeId,
        linkage: u32,
    ) -> Result<(Btf, TypeId, u32)> {
        let data = self.raw();
        let bad = || Error::malformed(".BTF", "header out of range");
        let hdr_len = rd_u32(data, 4).ok_or_else(bad)? as usize;
        let header = data.get(..hdr_len).ok_or_else(bad)?;
        let type_len = rd_u32(data, 12).ok_or_else(bad)? as usize;
        let types = data
            .get(self.type_start..self.type_start.saturating_add(type_len))
            .ok_or_else(bad)?;
        let strings = self.strings();
        let name_off = u32::try_from(strings.len()).map_err(|_| bad())?;
        let mut out = Vec::with_capacity(data.len() + 16 + name.len() + 1);
        out.extend_from_slice(header);
        out.extend_from_slice(types);
        for w in [name_off, 14 << 24, ty, linkage] {
            out.extend_from_slice(&w.to_le_bytes());
        }
        let type_len = u32::try_from(types.len() + 16).map_err(|_| bad())?;
        out.extend_from_slice(strings);
        out.extend_from_slice(name.as_bytes());
        out.push(0);
        let str_len = u32::try_from(strings.len() + name.len() + 1).map_err(|_| bad())?;
        for (at, v) in [(8, 0), (12, type_len), (16, type_len), (20, str_len)] {
            wr_u32(&mut out, at, v).ok_or_else(bad)?;
        }
        let id = u32::try_from(self.len()).map_err(|_| bad())?;
        Ok((Btf::parse(&out)?, id, name_off))
    }
}

/// A raw BTF blob: the 24-byte header, then the type words and strings.
#[cfg(test)]
pub(crate) fn test_blob(types: &[u32], strings: &[u8]) -> Vec<u8> {
    let mut out = vec![0x9f, 0xeb, 1, 0];
    let tl = (types.len() * 4) as u32;
    for w in [24, 0, tl, tl, strings.len() as u32] {
        out.extend_from_slice(&w.to_le_bytes());
    }
    for w in types {
        out.extend_from_slice(&w.to_le_bytes());
    }
    out.extend_from_slice(strings);
    out
}

#[cfg(test)]
mod split_tests {
    use super::test_blob as blob;
    use super::*;

    /// Split BTF as the kernel gives a module's: ids after the base's,
    /// string offsets after the base's table, types referring to the
    /// base's; lookups of "own" names see only the module's types.
    #[test]
    fn split_btf_reads_through_its_base() {
        // Base: [1] INT "int", [2] STRUCT "s" {int m}; strings "\0int\0s\0m\0".
        let base = blob(
            &[1, 1 << 24, 4, 32, 5, (4 << 24) | 1, 4, 7, 1, 0],
            b"\0int\0s\0m\0",
        );
        let base = Arc::new(Btf::parse(&base).unwrap());
        // Module (strings start at 9): [3] FUNC_PROTO int(void),
        // [4] FUNC "mod_kfunc" (own string 9), [5] STRUCT "s___x" {int m}
        // (member name from the base), [6] VAR "int" (a base string).
        let module = blob(
            &[
                0,
                13 << 24,
                1,
                9,
                (12 << 24) | 1,
                3,
                19,
                (4 << 24) | 1,
                4,
                7,
                1,
                0,
                1,
                14 << 24,
                1,
                1,
            ],
            b"mod_kfunc\0s___x\0",
        );
        let split = Btf::from_shared_split(Arc::new(module), Arc::clone(&base)).unwrap();
        assert_eq!((split.first_own_id(), split.len()), (3, 7));
        assert_eq!(split.view(1).unwrap().name().unwrap(), b"int");
        assert_eq!(split.view(4).unwrap().name().unwrap(), b"mod_kfunc");
        assert_eq!(split.view(5).unwrap().name().unwrap(), b"s___x");
        assert_eq!(split.get(5).unwrap().name, "s___x");
        match &split.get(5).unwrap().kind {
            Kind::Struct { members, .. } => {
                assert_eq!((members[0].name.as_str(), members[0].ty), ("m", 1))
            }
            k => panic!("{k:?}"),
        }
        assert_eq!(split.size_of(5).unwrap(), 4);
        assert_eq!(
            split.find("mod_kfunc", |k| matches!(k, Kind::Func { .. })),
            Some(4)
        );
        assert_eq!(
            split.find("int", |k| matches!(k, Kind::Var { .. })),
            Some(6)
        );
        // Own types only: the base's INT "int" and STRUCT "s" are not found.
        assert_eq!(split.find("int", |k| matches!(k, Kind::Int { .. })), None);
        assert_eq!(
            split.find_by_essential_names(&[(KindTag::Struct, b"s")]),
            vec![vec![5]]
        );
        assert_eq!(
            base.find_by_essential_names(&[(KindTag::Struct, b"s")]),
            vec![vec![2]]
        );
        let own: Vec<TypeId> = split.types().map(|(id, _)| id).collect();
        assert_eq!(own, vec![3, 4, 5, 6]);
        assert!(split.view(7).is_err());
        assert!(split.get(7).is_err());
    }
}
