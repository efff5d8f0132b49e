//! The `.BTF.ext` reader: per-section function info, line info and the
//! count of CO-RE relocations.

use std::collections::BTreeMap;

use crate::btf::str_at;
use crate::error::{Error, Result};

const MAGIC: u16 = 0xeb9f;

/// One `bpf_func_info` record. `insn_off` is in bytes as stored in the
/// object; the relocator converts it to instructions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FuncInfo {
    /// Byte offset of the function within its section.
    pub insn_off: u32,
    /// The function's `BTF_KIND_FUNC` id.
    pub type_id: u32,
}

/// One `bpf_line_info` record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineInfo {
    /// Byte offset of the instruction within its section.
    pub insn_off: u32,
    /// String offset of the file name in `.BTF`.
    pub file_name_off: u32,
    /// String offset of the source line in `.BTF`.
    pub line_off: u32,
    /// Line number (high 22 bits) and column (low 10 bits).
    pub line_col: u32,
}

/// One `bpf_core_relo` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreReloRec {
    /// Byte offset of the instruction within its section.
    pub insn_off: u32,
    /// The local (object) BTF type the access starts from.
    pub type_id: u32,
    /// The access string, e.g. `0:1:2`.
    pub access: String,
    /// `enum bpf_core_relo_kind`.
    pub kind: u32,
}

/// The parsed `.BTF.ext`, keyed by ELF section name.
#[derive(Debug, Clone, Default)]
pub struct BtfExt {
    /// Function info per section.
    pub func_info: BTreeMap<String, Vec<FuncInfo>>,
    /// Line info per section.
    pub line_info: BTreeMap<String, Vec<LineInfo>>,
    /// CO-RE relocation records per section.
    pub core_relos: BTreeMap<String, Vec<CoreReloRec>>,
}

fn rd(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Walks one info sub-section (`rec_size`, then blocks of
/// `{sec_name_off, num_info, records}`), calling `rec` for each record.
fn walk(
    data: &[u8],
    strings: &[u8],
    what: &str,
    min_rec: u32,
    mut rec: impl FnMut(&str, &[u8]) -> Result<()>,
) -> Result<()> {
    let loc = format!(".BTF.ext {what}");
    if data.is_empty() {
        return Ok(());
    }
    let rec_size = rd(data, 0).ok_or_else(|| Error::malformed(&loc, "truncated"))?;
    if rec_size < min_rec || rec_size > 4096 {
        return Err(Error::malformed(&loc, format!("record size {rec_size}")));
    }
    let rec_size = rec_size as usize;
    let mut pos = 4;
    while pos < data.len() {
        let name_off = rd(data, pos).ok_or_else(|| Error::malformed(&loc, "truncated block"))?;
        let n = rd(data, pos + 4).ok_or_else(|| Error::malformed(&loc, "truncated block"))?;
        pos += 8;
        let sec = str_at(strings, name_off, &loc)?;
        let len = (n as usize)
            .checked_mul(rec_size)
            .filter(|&l| pos.checked_add(l).is_some_and(|end| end <= data.len()))
            .ok_or_else(|| {
                Error::malformed(
                    &loc,
                    format!("section `{sec}`: {n} records of {rec_size} bytes overrun the data"),
                )
            })?;
        let block = data.get(pos..pos + len).unwrap_or_default();
        for r in block.chunks_exact(rec_size) {
            rec(&sec, r)?;
        }
        pos += len;
    }
    Ok(())
}

impl BtfExt {
    /// Parses `.BTF.ext`; `strings` is the `.BTF` string table.
    pub fn parse(data: &[u8], strings: &[u8]) -> Result<Self> {
        let loc = ".BTF.ext";
        let magic = data
            .get(..2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .ok_or_else(|| Error::malformed(loc, "too short for a header"))?;
        if magic != MAGIC {
            return Err(Error::malformed(loc, format!("bad magic {magic:#06x}")));
        }
        let hdr_len =
            rd(data, 4).ok_or_else(|| Error::malformed(loc, "truncated header"))? as usize;
        if hdr_len < 24 {
            return Err(Error::malformed(
                loc,
                format!("header length {hdr_len} < 24"),
            ));
        }
        let field = |at: usize| {
            if at + 4 <= hdr_len {
                rd(data, at).ok_or_else(|| Error::malformed(loc, "truncated header"))
            } else {
                Ok(0)
            }
        };
        let sub = |off: u32, len: u32, what: &str| -> Result<&[u8]> {
            let start = hdr_len.checked_add(off as usize);
            let end = start.and_then(|s| s.checked_add(len as usize));
            match (start, end) {
                (Some(s), Some(e)) => data.get(s..e).ok_or_else(|| {
                    Error::malformed(loc, format!("{what} runs past the end of the section"))
                }),
                _ => Err(Error::malformed(loc, format!("{what} offset overflows"))),
            }
        };
        let func = sub(field(8)?, field(12)?, "func_info")?;
        let line = sub(field(16)?, field(20)?, "line_info")?;
        let core = sub(field(24)?, field(28)?, "core_relo")?;

        let mut ext = BtfExt::default();
        walk(func, strings, "func_info", 8, |sec, r| {
            ext.func_info
                .entry(sec.to_string())
                .or_default()
                .push(FuncInfo {
                    insn_off: rd(r, 0).unwrap_or(0),
                    type_id: rd(r, 4).unwrap_or(0),
                });
            Ok(())
        })?;
        walk(line, strings, "line_info", 16, |sec, r| {
            ext.line_info
                .entry(sec.to_string())
                .or_default()
                .push(LineInfo {
                    insn_off: rd(r, 0).unwrap_or(0),
                    file_name_off: rd(r, 4).unwrap_or(0),
                    line_off: rd(r, 8).unwrap_or(0),
                    line_col: rd(r, 12).unwrap_or(0),
                });
            Ok(())
        })?;
        walk(core, strings, "core_relo", 16, |sec, r| {
            let access_off = rd(r, 8).unwrap_or(0);
            let access = str_at(strings, access_off, ".BTF.ext core_relo access string")?;
            ext.core_relos
                .entry(sec.to_string())
                .or_default()
                .push(CoreReloRec {
                    insn_off: rd(r, 0).unwrap_or(0),
                    type_id: rd(r, 4).unwrap_or(0),
                    access,
                    kind: rd(r, 12).unwrap_or(0),
                });
            Ok(())
        })?;
        Ok(ext)
    }
}
