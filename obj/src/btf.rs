//! The `.BTF` reader: header, string table and every type kind the kernel
//! defines up to Linux 6.18, plus the fix-ups the object needs before the
//! kernel accepts it (DATASEC sizes and variable offsets, which clang leaves
//! for the loader to fill in).

use crate::error::{Error, Result};

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

/// One type: its name, its kind and where its record starts in the blob.
#[derive(Debug, Clone)]
pub struct Type {
    /// The name; empty for anonymous types.
    pub name: String,
    /// The kind with its data.
    pub kind: Kind,
    /// Byte offset of the record within the type section (for fix-ups).
    record: usize,
}

/// A parsed BTF blob. `raw()` is what `BPF_BTF_LOAD` takes, including any
/// fix-ups applied.
#[derive(Debug, Clone)]
pub struct Btf {
    raw: Vec<u8>,
    types: Vec<Type>,
    type_start: usize,
}

struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn u32(&mut self) -> Option<u32> {
        let b = self.data.get(self.pos..self.pos.checked_add(4)?)?;
        self.pos += 4;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
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

/// Reads the NUL-terminated string at `off` of a string table.
pub(crate) fn str_at(strings: &[u8], off: u32, what: &str) -> Result<String> {
    let start = off as usize;
    let tail = strings.get(start..).ok_or_else(|| {
        Error::malformed(
            what,
            format!("string offset {off} is outside the string table"),
        )
    })?;
    let end = tail
        .iter()
        .position(|&b| b == 0)
        .ok_or_else(|| Error::malformed(what, format!("string at {off} is not terminated")))?;
    let bytes = tail.get(..end).unwrap_or_default();
    String::from_utf8(bytes.to_vec())
        .map_err(|_| Error::malformed(what, format!("string at {off} is not UTF-8")))
}

impl Btf {
    /// Parses a `.BTF` section (or `/sys/kernel/btf/vmlinux`).
    pub fn parse(data: &[u8]) -> Result<Self> {
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
        let type_range = region(type_off, type_len, "type")?;
        let str_range = region(str_off, str_len, "string")?;
        let types_bytes = data.get(type_range.clone()).unwrap_or_default();
        let strings = data.get(str_range).unwrap_or_default();
        if strings.first().is_some_and(|&b| b != 0) {
            return Err(Error::malformed(
                loc,
                "string table does not start with NUL",
            ));
        }

        let mut types = vec![Type {
            name: String::new(),
            kind: Kind::Void,
            record: 0,
        }];
        let mut cur = Cursor {
            data: types_bytes,
            pos: 0,
        };
        while cur.pos < types_bytes.len() {
            if types.len() > MAX_TYPES {
                return Err(Error::malformed(
                    loc,
                    format!("more than {MAX_TYPES} types"),
                ));
            }
            let id = types.len();
            let record = cur.pos;
            let tloc = || format!(".BTF type [{id}] at offset {record}");
            let trunc = || Error::malformed(tloc(), "truncated type record");
            let name_off = cur.u32().ok_or_else(trunc)?;
            let info = cur.u32().ok_or_else(trunc)?;
            let size_or_type = cur.u32().ok_or_else(trunc)?;
            let vlen = (info & 0xffff) as usize;
            let kind_flag = info >> 31 != 0;
            let name = str_at(strings, name_off, &tloc())?;
            // Every variable-length record needs at least 4 bytes per entry;
            // refuse counts the remaining data cannot hold before allocating.
            let remaining = types_bytes.len().saturating_sub(cur.pos);
            if vlen > remaining / 4 {
                return Err(Error::malformed(
                    tloc(),
                    format!("vlen {vlen} exceeds the remaining {remaining} bytes"),
                ));
            }
            let kind = match (info >> 24) & 0x1f {
                1 => {
                    let enc = cur.u32().ok_or_else(trunc)?;
                    Kind::Int {
                        size: size_or_type,
                        signed: (enc >> 24) & 1 != 0,
                        char: (enc >> 24) & 2 != 0,
                        bool: (enc >> 24) & 4 != 0,
                        offset: ((enc >> 16) & 0xff) as u8,
                        bits: (enc & 0xff) as u8,
                    }
                }
                2 => Kind::Ptr(size_or_type),
                3 => {
                    let elem = cur.u32().ok_or_else(trunc)?;
                    let index = cur.u32().ok_or_else(trunc)?;
                    let len = cur.u32().ok_or_else(trunc)?;
                    Kind::Array { elem, index, len }
                }
                k @ (4 | 5) => {
                    let mut members = Vec::with_capacity(vlen);
                    for _ in 0..vlen {
                        let name_off = cur.u32().ok_or_else(trunc)?;
                        let ty = cur.u32().ok_or_else(trunc)?;
                        let off = cur.u32().ok_or_else(trunc)?;
                        let (bit_offset, bitfield_size) = if kind_flag {
                            (off & 0x00ff_ffff, off >> 24)
                        } else {
                            (off, 0)
                        };
                        members.push(Member {
                            name: str_at(strings, name_off, &tloc())?,
                            ty,
                            bit_offset,
                            bitfield_size,
                        });
                    }
                    if k == 4 {
                        Kind::Struct {
                            size: size_or_type,
                            members,
                        }
                    } else {
                        Kind::Union {
                            size: size_or_type,
                            members,
                        }
                    }
                }
                6 => {
                    let mut values = Vec::with_capacity(vlen);
                    for _ in 0..vlen {
                        let name_off = cur.u32().ok_or_else(trunc)?;
                        let v = cur.u32().ok_or_else(trunc)?;
                        let value = if kind_flag {
                            i64::from(v as i32)
                        } else {
                            i64::from(v)
                        };
                        values.push(Enumerator {
                            name: str_at(strings, name_off, &tloc())?,
                            value,
                        });
                    }
                    Kind::Enum {
                        size: size_or_type,
                        signed: kind_flag,
                        values,
                    }
                }
                7 => Kind::Fwd { union: kind_flag },
                8 => Kind::Typedef(size_or_type),
                9 => Kind::Volatile(size_or_type),
                10 => Kind::Const(size_or_type),
                11 => Kind::Restrict(size_or_type),
                12 => Kind::Func {
                    proto: size_or_type,
                    linkage: vlen as u16,
                },
                13 => {
                    let mut params = Vec::with_capacity(vlen);
                    for _ in 0..vlen {
                        let name_off = cur.u32().ok_or_else(trunc)?;
                        let ty = cur.u32().ok_or_else(trunc)?;
                        params.push(Param {
                            name: str_at(strings, name_off, &tloc())?,
                            ty,
                        });
                    }
                    Kind::FuncProto {
                        ret: size_or_type,
                        params,
                    }
                }
                14 => Kind::Var {
                    ty: size_or_type,
                    linkage: cur.u32().ok_or_else(trunc)?,
                },
                15 => {
                    let mut vars = Vec::with_capacity(vlen);
                    for _ in 0..vlen {
                        let ty = cur.u32().ok_or_else(trunc)?;
                        let offset = cur.u32().ok_or_else(trunc)?;
                        let size = cur.u32().ok_or_else(trunc)?;
                        vars.push(VarSecInfo { ty, offset, size });
                    }
                    Kind::Datasec {
                        size: size_or_type,
                        vars,
                    }
                }
                16 => Kind::Float { size: size_or_type },
                17 => Kind::DeclTag {
                    ty: size_or_type,
                    component: cur.u32().ok_or_else(trunc)? as i32,
                },
                18 => Kind::TypeTag(size_or_type),
                19 => {
                    let mut values = Vec::with_capacity(vlen);
                    for _ in 0..vlen {
                        let name_off = cur.u32().ok_or_else(trunc)?;
                        let lo = cur.u32().ok_or_else(trunc)?;
                        let hi = cur.u32().ok_or_else(trunc)?;
                        values.push(Enumerator {
                            name: str_at(strings, name_off, &tloc())?,
                            value: ((u64::from(hi) << 32) | u64::from(lo)) as i64,
                        });
                    }
                    Kind::Enum {
                        size: size_or_type,
                        signed: kind_flag,
                        values,
                    }
                }
                other => {
                    return Err(Error::unsupported(
                        tloc(),
                        format!("BTF kind {other} (newer than Linux 6.18?)"),
                    ))
                }
            };
            types.push(Type { name, kind, record });
        }
        Ok(Btf {
            raw: data.to_vec(),
            types,
            type_start: type_range.start,
        })
    }

    /// The blob as `BPF_BTF_LOAD` takes it, with fix-ups applied.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// Number of type ids, including `void` (id 0).
    pub fn len(&self) -> usize {
        self.types.len()
    }

    /// Whether the blob defines no type besides `void`.
    pub fn is_empty(&self) -> bool {
        self.types.len() <= 1
    }

    /// The type with id `id`.
    pub fn get(&self, id: TypeId) -> Result<&Type> {
        self.types.get(id as usize).ok_or_else(|| {
            Error::malformed(
                ".BTF",
                format!("type id {id} out of range (max {})", self.types.len() - 1),
            )
        })
    }

    /// All types with their ids.
    pub fn types(&self) -> impl Iterator<Item = (TypeId, &Type)> {
        self.types.iter().enumerate().map(|(i, t)| (i as TypeId, t))
    }

    /// The first type named `name` for which `pred` holds.
    pub fn find(&self, name: &str, pred: impl Fn(&Kind) -> bool) -> Option<TypeId> {
        self.types
            .iter()
            .position(|t| t.name == name && pred(&t.kind))
            .map(|i| i as TypeId)
    }

    /// Follows typedefs and qualifiers (`const`, `volatile`, `restrict`,
    /// type tags) to the underlying type id.
    pub fn resolve(&self, mut id: TypeId) -> Result<TypeId> {
        for _ in 0..64 {
            match self.get(id)?.kind {
                Kind::Typedef(t)
                | Kind::Volatile(t)
                | Kind::Const(t)
                | Kind::Restrict(t)
                | Kind::TypeTag(t) => id = t,
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
        let t = self.get(id)?;
        Ok(match &t.kind {
            Kind::Int { size, .. }
            | Kind::Struct { size, .. }
            | Kind::Union { size, .. }
            | Kind::Enum { size, .. }
            | Kind::Float { size }
            | Kind::Datasec { size, .. } => *size,
            Kind::Ptr(_) => 8,
            Kind::Array { elem, len, .. } => self
                .size_of_depth(*elem, depth + 1)?
                .checked_mul(*len)
                .ok_or_else(|| Error::malformed(".BTF", format!("array type {id} overflows")))?,
            Kind::Var { ty, .. } => self.size_of_depth(*ty, depth + 1)?,
            _ => {
                return Err(Error::malformed(
                    ".BTF",
                    format!("type {id} (`{}`) has no size", t.name),
                ))
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
        let ty = self
            .types
            .get_mut(id as usize)
            .ok_or_else(|| Error::malformed(".BTF", format!("no type id {id}")))?;
        let base = self.type_start + ty.record;
        let Kind::Datasec {
            size: model_size,
            vars,
        } = &mut ty.kind
        else {
            return Err(Error::malformed(
                ".BTF",
                format!("type {id} is not a DATASEC"),
            ));
        };
        let bad = || Error::malformed(".BTF", format!("DATASEC {id} record out of range"));
        *model_size = size;
        wr_u32(&mut self.raw, base + 8, size).ok_or_else(bad)?;
        for &(i, offset) in var_offsets {
            let var = vars.get_mut(i).ok_or_else(bad)?;
            var.offset = offset;
            wr_u32(&mut self.raw, base + 12 + i * 12 + 4, offset).ok_or_else(bad)?;
        }
        Ok(())
    }

    /// The string table (`.BTF.ext` refers to it for section and file
    /// names).
    pub fn strings(&self) -> &[u8] {
        let hdr_len = rd_u32(&self.raw, 4).unwrap_or(0) as usize;
        let off = rd_u32(&self.raw, 16).unwrap_or(0) as usize;
        let len = rd_u32(&self.raw, 20).unwrap_or(0) as usize;
        let start = hdr_len.saturating_add(off);
        self.raw
            .get(start..start.saturating_add(len))
            .unwrap_or_default()
    }
}
