//! BTF sanitization for kernels that lack some BTF kinds, as libbpf's
//! `bpf_object__sanitize_btf` does: a copy of the object's BTF is
//! rewritten so that every kind the kernel does not know becomes one it
//! does, with type ids unchanged (programs' `func_info` and maps' key and
//! value types keep pointing at the same ids). What the kernel supports is
//! probed by the runtime (libbpf's `FEAT_BTF_*` probes); nothing here reads
//! the kernel.
//!
//! The rewrites, by missing feature (one per type, in libbpf's order):
//!
//! | kernel lacks | rewrite |
//! |---|---|
//! | `DATASEC` (5.2) | `VAR` → 1-byte `INT`; `DATASEC` → `STRUCT` (members named after the variables, `.`/`?` in its name → `_`) |
//! | `DECL_TAG` (5.16) | `DECL_TAG` → 1-byte `INT` |
//! | `?` leading a `DATASEC` name (probed) | the `?` → `_` |
//! | `FUNC`/`FUNC_PROTO` (5.0) | `FUNC_PROTO` → `ENUM` (4 bytes), `FUNC` → `TYPEDEF` |
//! | global `FUNC` linkage (5.6) | global `FUNC` → static |
//! | `FLOAT` (5.13) | `FLOAT` → anonymous empty `STRUCT` of its size |
//! | `TYPE_TAG` (5.17) | `TYPE_TAG` → anonymous `CONST` |
//! | `ENUM64` (6.0) | `ENUM` loses its signedness flag; `ENUM64` → `UNION` of an added 1-byte `INT` `enum64_placeholder` |

use crate::error::{Error, Result};

/// Which BTF kinds and forms the kernel accepts in `BPF_BTF_LOAD`, one
/// field per libbpf `FEAT_BTF_*` probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BtfFeatures {
    /// `BPF_BTF_LOAD` itself (Linux 4.18): without it no BTF is loaded.
    pub btf: bool,
    /// `FUNC` and `FUNC_PROTO` (5.0); also decides whether programs get
    /// `func_info`/`line_info`.
    pub func: bool,
    /// `FUNC` with global linkage (5.6).
    pub global_func: bool,
    /// `VAR` and `DATASEC` (5.2).
    pub datasec: bool,
    /// `FLOAT` (5.13).
    pub float: bool,
    /// `DECL_TAG` (5.16).
    pub decl_tag: bool,
    /// `TYPE_TAG` (5.17).
    pub type_tag: bool,
    /// `ENUM64` and signed `ENUM` (6.0).
    pub enum64: bool,
    /// `DATASEC` names starting with `?` (probed; no fixed version).
    pub qmark_datasec: bool,
}

impl BtfFeatures {
    /// Every feature: nothing to sanitize.
    pub const ALL: BtfFeatures = BtfFeatures {
        btf: true,
        func: true,
        global_func: true,
        datasec: true,
        float: true,
        decl_tag: true,
        type_tag: true,
        enum64: true,
        qmark_datasec: true,
    };

    /// No feature, not even BTF itself: a kernel that loads no BTF.
    pub const NONE: BtfFeatures = BtfFeatures {
        btf: false,
        func: false,
        global_func: false,
        datasec: false,
        float: false,
        decl_tag: false,
        type_tag: false,
        enum64: false,
        qmark_datasec: false,
    };

    /// Whether an object's BTF must be rewritten for this kernel (libbpf's
    /// `btf_needs_sanitization`).
    pub fn needs_sanitization(&self) -> bool {
        !(self.func
            && self.global_func
            && self.datasec
            && self.float
            && self.decl_tag
            && self.type_tag
            && self.enum64
            && self.qmark_datasec)
    }
    /// The features whose absence would change the object BTF `raw` (the
    /// kinds and forms it uses): a feature set to `false` here rewrites
    /// nothing, so the runtime need not probe the kernel for it. `btf`
    /// and `func` are always set (they also decide whether BTF and
    /// `func_info` are loaded at all). A blob this cannot walk needs
    /// everything (sanitizing it then reports the error).
    pub fn used_by(raw: &[u8]) -> BtfFeatures {
        Self::scan(raw).unwrap_or(BtfFeatures::ALL)
    }

    fn scan(raw: &[u8]) -> Result<BtfFeatures> {
        let hdr_len = rd(raw, 4)? as usize;
        let (type_off, type_len) = (rd(raw, 8)? as usize, rd(raw, 12)? as usize);
        let (str_off, str_len) = (rd(raw, 16)? as usize, rd(raw, 20)? as usize);
        let range = |off: usize, len: usize| {
            hdr_len
                .checked_add(off)
                .and_then(|s| Some(s..s.checked_add(len)?))
                .and_then(|r| raw.get(r))
                .ok_or_else(|| bad("section out of range"))
        };
        let types = range(type_off, type_len)?;
        let strings = range(str_off, str_len)?;
        let mut used = BtfFeatures {
            btf: true,
            func: true,
            ..BtfFeatures::NONE
        };
        let mut pos = 0;
        while pos < types.len() {
            let word = rd(types, pos + 4)?;
            let (kind, vlen) = ((word >> 24) & 0x1f, word & 0xffff);
            match kind {
                FUNC if vlen != 0 => used.global_func = true,
                VAR => used.datasec = true,
                DATASEC => {
                    used.datasec = true;
                    if strings.get(rd(types, pos)? as usize) == Some(&b'?') {
                        used.qmark_datasec = true;
                    }
                }
                FLOAT => used.float = true,
                DECL_TAG => used.decl_tag = true,
                TYPE_TAG => used.type_tag = true,
                // Without ENUM64 an ENUM only loses its signedness flag.
                ENUM if word >> 31 != 0 => used.enum64 = true,
                ENUM64 => used.enum64 = true,
                _ => {}
            }
            let len = tail_len(kind, vlen as usize)
                .ok_or_else(|| bad(format!("unknown kind {kind} at offset {pos}")))?;
            pos += 12 + len;
        }
        Ok(used)
    }
}

const INT: u32 = 1;
const STRUCT: u32 = 4;
const UNION: u32 = 5;
const ENUM: u32 = 6;
const TYPEDEF: u32 = 8;
const CONST: u32 = 10;
const FUNC: u32 = 12;
const FUNC_PROTO: u32 = 13;
const VAR: u32 = 14;
const DATASEC: u32 = 15;
const FLOAT: u32 = 16;
const DECL_TAG: u32 = 17;
const TYPE_TAG: u32 = 18;
const ENUM64: u32 = 19;

/// The placeholder member type of a sanitized `ENUM64` (libbpf's name).
const PLACEHOLDER: &[u8] = b"enum64_placeholder";

fn info(kind: u32, vlen: u32) -> u32 {
    (kind << 24) | (vlen & 0xffff)
}

fn bad(what: impl Into<String>) -> Error {
    Error::malformed(".BTF", what)
}

fn rd(data: &[u8], at: usize) -> Result<u32> {
    data.get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| bad(format!("offset {at} out of range while sanitizing")))
}

fn wr(data: &mut [u8], at: usize, v: u32) -> Result<()> {
    data.get_mut(at..at + 4)
        .ok_or_else(|| bad(format!("offset {at} out of range while sanitizing")))?
        .copy_from_slice(&v.to_le_bytes());
    Ok(())
}

/// The bytes after a record's 12-byte header (the kernel's layout).
fn tail_len(kind: u32, vlen: usize) -> Option<usize> {
    Some(match kind {
        1 | 14 | 17 => 4,
        3 => 12,
        4 | 5 | 15 | 19 => 12 * vlen,
        6 | 13 => 8 * vlen,
        2 | 7..=12 | 16 | 18 => 0,
        _ => return None,
    })
}

/// A copy of the raw BTF blob `raw` (an object's, not split) rewritten for
/// a kernel with `features`, as libbpf's `bpf_object__sanitize_btf`. With
/// every feature present the copy is unchanged.
pub fn sanitize(raw: &[u8], features: &BtfFeatures) -> Result<Vec<u8>> {
    let hdr_len = rd(raw, 4)? as usize;
    let (type_off, type_len) = (rd(raw, 8)? as usize, rd(raw, 12)? as usize);
    let (str_off, str_len) = (rd(raw, 16)? as usize, rd(raw, 20)? as usize);
    let header = raw.get(..hdr_len).ok_or_else(|| bad("truncated header"))?;
    let range = |off: usize, len: usize| {
        hdr_len
            .checked_add(off)
            .and_then(|s| Some(s..s.checked_add(len)?))
            .and_then(|r| raw.get(r))
            .ok_or_else(|| bad("section out of range"))
    };
    let mut types = range(type_off, type_len)?.to_vec();
    let mut strings = range(str_off, str_len)?.to_vec();

    // Record offsets, so that a DATASEC can read its variables' names.
    let mut records = vec![0usize];
    let mut pos = 0;
    while pos < types.len() {
        let i = rd(&types, pos + 4)?;
        let len = tail_len((i >> 24) & 0x1f, (i & 0xffff) as usize)
            .ok_or_else(|| bad(format!("type [{}]: unknown kind", records.len())))?;
        records.push(pos);
        pos += 12 + len;
    }
    if pos != types.len() {
        return Err(bad("type section ends inside a record"));
    }

    let mut placeholder: Option<u32> = None;
    let f = features;
    for id in 1..records.len() {
        let Some(&at) = records.get(id) else { break };
        let word = rd(&types, at + 4)?;
        let (kind, vlen) = ((word >> 24) & 0x1f, word & 0xffff);
        let name_off = rd(&types, at)? as usize;
        if (!f.datasec && kind == VAR) || (!f.decl_tag && kind == DECL_TAG) {
            // A 1-byte INT: 4 bytes could exceed what a small variable
            // took, which the kernel's validation would refuse.
            wr(&mut types, at + 4, info(INT, 0))?;
            wr(&mut types, at + 8, 1)?;
            wr(&mut types, at + 12, 8)?;
        } else if !f.datasec && kind == DATASEC {
            let name = strings
                .get_mut(name_off..)
                .ok_or_else(|| bad(format!("type [{id}]: name out of range")))?;
            for c in name.iter_mut().take_while(|c| **c != 0) {
                if *c == b'.' || *c == b'?' {
                    *c = b'_';
                }
            }
            wr(&mut types, at + 4, info(STRUCT, vlen))?;
            for j in 0..vlen as usize {
                let m = at + 12 + j * 12;
                let (var, offset) = (rd(&types, m)?, rd(&types, m + 4)?);
                let var_at = *records
                    .get(var as usize)
                    .ok_or_else(|| bad(format!("type [{id}]: variable [{var}] out of range")))?;
                let var_name = rd(&types, var_at)?;
                wr(&mut types, m, var_name)?;
                wr(&mut types, m + 4, var)?;
                wr(&mut types, m + 8, offset.wrapping_mul(8))?;
            }
        } else if !f.qmark_datasec && kind == DATASEC && strings.get(name_off) == Some(&b'?') {
            if let Some(c) = strings.get_mut(name_off) {
                *c = b'_';
            }
        } else if !f.func && kind == FUNC_PROTO {
            wr(&mut types, at + 4, info(ENUM, vlen))?;
            wr(&mut types, at + 8, 4)?;
        } else if !f.func && kind == FUNC {
            wr(&mut types, at + 4, info(TYPEDEF, 0))?;
        } else if !f.global_func && kind == FUNC {
            wr(&mut types, at + 4, info(FUNC, 0))?;
        } else if !f.float && kind == FLOAT {
            wr(&mut types, at, 0)?;
            wr(&mut types, at + 4, info(STRUCT, 0))?;
        } else if !f.type_tag && kind == TYPE_TAG {
            wr(&mut types, at, 0)?;
            wr(&mut types, at + 4, info(CONST, 0))?;
        } else if !f.enum64 && kind == ENUM {
            wr(&mut types, at + 4, info(ENUM, vlen))?;
        } else if !f.enum64 && kind == ENUM64 {
            let ph = match placeholder {
                Some(p) => p,
                None => {
                    let p = add_placeholder(&mut types, &mut strings, records.len())?;
                    placeholder = Some(p);
                    p
                }
            };
            wr(&mut types, at + 4, info(UNION, vlen))?;
            for j in 0..vlen as usize {
                let m = at + 12 + j * 12;
                wr(&mut types, m + 4, ph)?;
                wr(&mut types, m + 8, 0)?;
            }
        }
    }

    let type_len = u32::try_from(types.len()).map_err(|_| bad("too large"))?;
    let str_len = u32::try_from(strings.len()).map_err(|_| bad("too large"))?;
    let mut out = Vec::with_capacity(header.len() + types.len() + strings.len());
    out.extend_from_slice(header);
    out.extend_from_slice(&types);
    out.extend_from_slice(&strings);
    for (at, v) in [(8, 0), (12, type_len), (16, type_len), (20, str_len)] {
        wr(&mut out, at, v)?;
    }
    Ok(out)
}

/// Appends libbpf's `enum64_placeholder` (`btf__add_int(btf,
/// "enum64_placeholder", 1, 0)`): a 1-byte unsigned INT, its name reused
/// if the string table has it. Returns its id (`next_id`).
fn add_placeholder(types: &mut Vec<u8>, strings: &mut Vec<u8>, next_id: usize) -> Result<u32> {
    let mut existing = None;
    let mut start = 0;
    while start < strings.len() {
        let end = strings
            .get(start..)
            .and_then(|s| s.iter().position(|&b| b == 0))
            .map_or(strings.len(), |e| start + e);
        if strings.get(start..end) == Some(PLACEHOLDER) {
            existing = Some(start);
            break;
        }
        start = end + 1;
    }
    let name_off = match existing {
        Some(o) => o,
        None => {
            let o = strings.len();
            strings.extend_from_slice(PLACEHOLDER);
            strings.push(0);
            o
        }
    };
    let name_off = u32::try_from(name_off).map_err(|_| bad("string table too large"))?;
    for w in [name_off, info(INT, 0), 1, 8] {
        types.extend_from_slice(&w.to_le_bytes());
    }
    u32::try_from(next_id).map_err(|_| bad("too many types"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btf::{Btf, Kind, KindTag};

    fn info_of(kind: u32, kflag: bool, vlen: u32) -> u32 {
        (u32::from(kflag) << 31) | (kind << 24) | vlen
    }

    /// A blob with one type of every kind sanitization touches:
    /// [1] INT int, [2] FUNC_PROTO int(int a), [3] FUNC f (global),
    /// [4] FUNC g (static), [5] VAR v int, [6] DATASEC ".data" {v},
    /// [7] DATASEC "?.bss" {v}, [8] FLOAT float, [9] DECL_TAG on [5],
    /// [10] TYPE_TAG on [1], [11] PTR to [10], [12] ENUM signed {N=-1},
    /// [13] ENUM64 {B=2^32}, [14] STRUCT s {int m}.
    fn every_kind() -> Vec<u8> {
        let strings = b"\0int\0a\0f\0g\0v\0.data\0?.bss\0float\0tag\0e\0N\0e64\0B\0s\0m\0";
        let off = |name: &str| {
            let pat = format!("\0{name}\0");
            let at = strings
                .windows(pat.len())
                .position(|w| w == pat.as_bytes())
                .unwrap();
            (at + 1) as u32
        };
        let types: Vec<u32> = vec![
            off("int"),
            info_of(1, false, 0),
            4,
            (1 << 24) | 32,
            0,
            info_of(13, false, 1),
            1,
            off("a"),
            1,
            off("f"),
            info_of(12, false, 1),
            2,
            off("g"),
            info_of(12, false, 0),
            2,
            off("v"),
            info_of(14, false, 0),
            1,
            1,
            off(".data"),
            info_of(15, false, 1),
            4,
            5,
            0,
            4,
            off("?.bss"),
            info_of(15, false, 1),
            4,
            5,
            0,
            4,
            off("float"),
            info_of(16, false, 0),
            4,
            off("tag"),
            info_of(17, false, 0),
            5,
            u32::MAX,
            off("tag"),
            info_of(18, false, 0),
            1,
            0,
            info_of(2, false, 0),
            10,
            off("e"),
            info_of(6, true, 1),
            4,
            off("N"),
            u32::MAX,
            off("e64"),
            info_of(19, false, 1),
            8,
            off("B"),
            0,
            1,
            off("s"),
            info_of(4, false, 1),
            4,
            off("m"),
            1,
            0,
        ];
        crate::btf::test_blob(&types, strings)
    }

    fn features(bits: u32) -> BtfFeatures {
        BtfFeatures {
            btf: true,
            func: bits & 1 != 0,
            global_func: bits & 2 != 0,
            datasec: bits & 4 != 0,
            float: bits & 8 != 0,
            decl_tag: bits & 16 != 0,
            type_tag: bits & 32 != 0,
            enum64: bits & 64 != 0,
            qmark_datasec: bits & 128 != 0,
        }
    }

    fn name(btf: &Btf, id: u32) -> String {
        btf.get(id).unwrap().name.clone()
    }

    #[test]
    fn every_feature_present_changes_nothing() {
        let raw = every_kind();
        assert!(!BtfFeatures::ALL.needs_sanitization());
        assert_eq!(sanitize(&raw, &BtfFeatures::ALL).unwrap(), raw);
    }

    /// All 256 combinations of the eight probes: the result parses, keeps
    /// every type id (plus the placeholder without ENUM64), and holds no
    /// kind or form the kernel lacks.
    #[test]
    fn features_an_object_does_not_use_rewrite_nothing() {
        assert_eq!(BtfFeatures::used_by(&every_kind()), BtfFeatures::ALL);
        assert_eq!(BtfFeatures::used_by(b"junk"), BtfFeatures::ALL);
        let mut seen = 0;
        for dir in ["tests/bpf", "bench/bpf"] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join(dir);
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if !path.to_string_lossy().ends_with(".bpf.o") {
                    continue;
                }
                let bytes = std::fs::read(&path).unwrap();
                let Some(btf) = crate::ObjectFile::parse(&bytes).ok().and_then(|o| o.btf) else {
                    continue;
                };
                let raw = btf.raw();
                let used = BtfFeatures::used_by(raw);
                seen += 1;
                for bits in 0..256 {
                    let f = features(bits);
                    // The same kernel, with every feature the object does
                    // not use reported present (what the runtime does).
                    let g = BtfFeatures {
                        btf: true,
                        func: f.func || !used.func,
                        global_func: f.global_func || !used.global_func,
                        datasec: f.datasec || !used.datasec,
                        float: f.float || !used.float,
                        decl_tag: f.decl_tag || !used.decl_tag,
                        type_tag: f.type_tag || !used.type_tag,
                        enum64: f.enum64 || !used.enum64,
                        qmark_datasec: f.qmark_datasec || !used.qmark_datasec,
                    };
                    let (a, b) = (sanitize(raw, &f).unwrap(), sanitize(raw, &g).unwrap());
                    assert!(a == b, "{}: {f:?} vs {g:?}", path.display());
                }
            }
        }
        assert!(seen > 10, "only {seen} objects with BTF");
    }

    #[test]
    fn every_combination_leaves_only_what_the_kernel_accepts() {
        let raw = every_kind();
        let n = Btf::parse(&raw).unwrap().len();
        for bits in 0..256 {
            let f = features(bits);
            assert_eq!(f.needs_sanitization(), bits != 255);
            let out = Btf::parse(&sanitize(&raw, &f).unwrap()).unwrap();
            assert_eq!(out.len(), n + usize::from(!f.enum64), "{f:?}");
            for (id, t) in out.types().skip(1) {
                let tag = out.view(id).unwrap().tag();
                let ok = match tag {
                    KindTag::Func | KindTag::FuncProto => f.func,
                    KindTag::Var | KindTag::Datasec => f.datasec,
                    KindTag::Float => f.float,
                    KindTag::DeclTag => f.decl_tag,
                    KindTag::TypeTag => f.type_tag,
                    _ => true,
                };
                assert!(ok, "{f:?}: type [{id}] is still {tag:?}");
                match &t.kind {
                    Kind::Func { linkage, .. } if !f.global_func => {
                        assert_eq!(*linkage, 0, "{f:?}: global FUNC [{id}]")
                    }
                    Kind::Enum { signed, size, .. } if !f.enum64 => {
                        assert!(!signed && *size == 4, "{f:?}: ENUM [{id}] {t:?}")
                    }
                    Kind::Datasec { .. } if !f.qmark_datasec => {
                        assert!(!t.name.starts_with('?'), "{f:?}: {}", t.name)
                    }
                    _ => {}
                }
                assert!(!out.view(id).unwrap().is_enum64() || f.enum64);
            }
        }
    }

    #[test]
    fn each_rewrite_is_libbpfs() {
        let raw = every_kind();
        let all_but = |f: fn(&mut BtfFeatures)| {
            let mut x = BtfFeatures::ALL;
            f(&mut x);
            Btf::parse(&sanitize(&raw, &x).unwrap()).unwrap()
        };
        // No DATASEC: VARs become 1-byte INTs, DATASECs structs of them
        // named after the variables, '.' and '?' replaced.
        let b = all_but(|f| f.datasec = false);
        assert!(matches!(
            b.get(5).unwrap().kind,
            Kind::Int {
                size: 1,
                bits: 8,
                signed: false,
                offset: 0,
                ..
            }
        ));
        assert_eq!(name(&b, 5), "v");
        let Kind::Struct { size, members } = &b.get(6).unwrap().kind else {
            panic!("{:?}", b.get(6))
        };
        assert_eq!((*size, name(&b, 6)), (4, "_data".to_string()));
        assert_eq!(
            (
                members[0].name.as_str(),
                members[0].ty,
                members[0].bit_offset
            ),
            ("v", 5, 0)
        );
        assert_eq!(name(&b, 7), "__bss");
        // No '?' in DATASEC names: only the leading '?' changes.
        let b = all_but(|f| f.qmark_datasec = false);
        assert_eq!((name(&b, 6), name(&b, 7)), (".data".into(), "_.bss".into()));
        assert!(matches!(b.get(7).unwrap().kind, Kind::Datasec { .. }));
        // No FUNC: prototypes become 4-byte enums (parameters as
        // enumerators), functions typedefs of them.
        let b = all_but(|f| f.func = false);
        let Kind::Enum {
            size: 4, values, ..
        } = &b.get(2).unwrap().kind
        else {
            panic!("{:?}", b.get(2))
        };
        assert_eq!((values[0].name.as_str(), values[0].value), ("a", 1));
        assert_eq!(b.get(3).unwrap().kind, Kind::Typedef(2));
        assert_eq!(b.get(4).unwrap().kind, Kind::Typedef(2));
        // No global FUNC: static linkage.
        let b = all_but(|f| f.global_func = false);
        assert_eq!(
            b.get(3).unwrap().kind,
            Kind::Func {
                proto: 2,
                linkage: 0
            }
        );
        assert_eq!(
            b.get(4).unwrap().kind,
            Kind::Func {
                proto: 2,
                linkage: 0
            }
        );
        // No FLOAT: an anonymous empty struct of its size.
        let b = all_but(|f| f.float = false);
        assert_eq!(b.get(8).unwrap().name, "");
        assert_eq!(
            b.get(8).unwrap().kind,
            Kind::Struct {
                size: 4,
                members: vec![]
            }
        );
        // No DECL_TAG: a 1-byte INT keeping its name.
        let b = all_but(|f| f.decl_tag = false);
        assert!(matches!(
            b.get(9).unwrap().kind,
            Kind::Int {
                size: 1,
                bits: 8,
                ..
            }
        ));
        // No TYPE_TAG: an anonymous CONST of the same type.
        let b = all_but(|f| f.type_tag = false);
        assert_eq!(
            (name(&b, 10), &b.get(10).unwrap().kind),
            (String::new(), &Kind::Const(1))
        );
        assert_eq!(b.get(11).unwrap().kind, Kind::Ptr(10));
        // No ENUM64: ENUMs lose the signed flag; ENUM64 becomes a union of
        // the added placeholder, one member per enumerator.
        let b = all_but(|f| f.enum64 = false);
        assert!(matches!(
            b.get(12).unwrap().kind,
            Kind::Enum {
                signed: false,
                size: 4,
                ..
            }
        ));
        let placeholder = b.len() as u32 - 1;
        assert_eq!(name(&b, placeholder), "enum64_placeholder");
        assert!(matches!(
            b.get(placeholder).unwrap().kind,
            Kind::Int {
                size: 1,
                bits: 8,
                signed: false,
                ..
            }
        ));
        let Kind::Union { size: 8, members } = &b.get(13).unwrap().kind else {
            panic!("{:?}", b.get(13))
        };
        assert_eq!(
            (
                members[0].name.as_str(),
                members[0].ty,
                members[0].bit_offset
            ),
            ("B", placeholder, 0)
        );
        // Precedence as libbpf's chain: without DATASEC the '?' rule never
        // applies (the struct rule already renamed), without FUNC the
        // global rule neither.
        let b = all_but(|f| {
            f.datasec = false;
            f.qmark_datasec = false;
            f.func = false;
            f.global_func = false;
        });
        assert_eq!(name(&b, 7), "__bss");
        assert_eq!(b.get(3).unwrap().kind, Kind::Typedef(2));
    }

    #[test]
    fn malformed_blobs_are_errors() {
        let raw = every_kind();
        let f = features(0);
        // Truncated: the header's lengths now run past the end.
        for cut in [0, 10, 24, 40, raw.len() - 1] {
            assert!(sanitize(&raw[..cut], &f).is_err(), "cut at {cut}");
        }
    }
}
