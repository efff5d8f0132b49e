//! USDT probes of a user-space ELF binary: its `.note.stapsdt` notes (the
//! SystemTap SDT format that `<sys/sdt.h>`, folly and others emit), the
//! file offset of each probe site and of its semaphore, and the x86-64
//! argument specs (`-4@%eax`, `8@-16(%rbp)`, `-4@$5`, `8@(%rax,%rdx,8)`)
//! turned into the `struct __bpf_usdt_spec` that libbpf's `usdt.bpf.h`
//! reads from its `__bpf_usdt_specs` map.
//!
//! Facts from libbpf's `usdt.c` and `usdt.bpf.h` (1.0 to 1.7): a note has
//! type 3 and name `stapsdt`; its descriptor is the probe address, the
//! link-time address of the `.stapsdt.base` section and the semaphore
//! address (three native words), then the provider, the probe name and
//! the argument string, each NUL-terminated. If the binary has a
//! `.stapsdt.base` section whose address differs from the recorded one
//! (prelink), both differences are applied. Addresses become file offsets
//! through the `PT_LOAD` program headers; the probe must lie in an
//! executable segment and the semaphore in a non-executable one.
//!
//! Only the bytes are read: no system calls. Every malformed input is an
//! [`Error`] naming the note; nothing here panics on input.

use object::elf;
use object::read::elf::{FileHeader, ProgramHeader, SectionHeader};
use object::Endianness;

use crate::error::{Error, Result};

/// The notes' section.
pub const NOTE_SECTION: &str = ".note.stapsdt";
/// The prelink-marker section.
pub const BASE_SECTION: &str = ".stapsdt.base";
const NOTE_TYPE: u32 = 3;
const NOTE_NAME: &[u8] = b"stapsdt";

/// Most arguments a spec holds (`BPF_USDT_MAX_ARG_CNT`).
pub const MAX_ARGS: usize = 12;

/// One `.note.stapsdt` note, as recorded (addresses not yet adjusted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The provider (`STAP_PROBE(provider, name, ...)`).
    pub provider: String,
    /// The probe's name.
    pub name: String,
    /// The argument spec string (empty for none), e.g. `-4@%edi 8@$5`.
    pub args: String,
    /// The probe site's link-time address.
    pub location: u64,
    /// The link-time address of `.stapsdt.base` recorded in the note
    /// (0: none).
    pub base: u64,
    /// The semaphore's address (0: none).
    pub semaphore: u64,
}

/// A probe site to attach to: one note of the asked provider and name,
/// resolved to file offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// The note it comes from.
    pub note: Note,
    /// The probe's virtual address after the `.stapsdt.base` adjustment
    /// (absolute for executables, relative to the load base for shared
    /// objects and PIE executables).
    pub address: u64,
    /// The file offset of the probe site (the uprobe's offset).
    pub file_offset: u64,
    /// The file offset of the semaphore, 0 if there is none (the uprobe's
    /// `ref_ctr_offset`).
    pub semaphore_offset: u64,
    /// The parsed argument spec.
    pub spec: Spec,
}

/// The USDT notes of an ELF executable or shared object.
#[derive(Debug, Clone)]
pub struct Notes {
    /// Every note, in section order.
    pub notes: Vec<Note>,
    /// `ET_DYN` (a shared object or PIE executable) rather than `ET_EXEC`.
    pub shared: bool,
    /// `.stapsdt.base`'s address in this file, 0 if absent.
    base_section: u64,
    /// `PT_LOAD` segments: (vaddr, memsz, offset, executable).
    segments: Vec<(u64, u64, u64, bool)>,
}

fn bad(location: impl Into<String>, message: impl Into<String>) -> Error {
    Error::malformed(location, message)
}

impl Notes {
    /// Parses the notes and load segments of `data`, a 64-bit
    /// little-endian ELF executable or shared object. A binary without a
    /// `.note.stapsdt` section is an error saying so.
    pub fn parse(data: &[u8]) -> Result<Notes> {
        let header = elf::FileHeader64::<Endianness>::parse(data)
            .map_err(|e| bad("ELF header", e.to_string()))?;
        let endian = header
            .endian()
            .map_err(|e| bad("ELF header", e.to_string()))?;
        if endian != Endianness::Little {
            return Err(Error::unsupported(
                "ELF header",
                "USDT probes in big-endian binaries",
            ));
        }
        let shared = match header.e_type(endian) {
            elf::ET_EXEC => false,
            elf::ET_DYN => true,
            t => {
                return Err(Error::unsupported(
                    "ELF header",
                    format!(
                    "USDT probes in an ELF file of type {t} (only executables and shared objects)"
                ),
                ))
            }
        };
        let sections = header
            .sections(endian, data)
            .map_err(|e| bad("section headers", e.to_string()))?;
        let mut segments = Vec::new();
        for ph in header
            .program_headers(endian, data)
            .map_err(|e| bad("program headers", e.to_string()))?
        {
            if ph.p_type(endian) == elf::PT_LOAD {
                segments.push((
                    ph.p_vaddr(endian),
                    ph.p_memsz(endian),
                    ph.p_offset(endian),
                    ph.p_flags(endian) & elf::PF_X != 0,
                ));
            }
        }
        let base_section = sections
            .section_by_name(endian, BASE_SECTION.as_bytes())
            .map_or(0, |(_, s)| s.sh_addr(endian));
        let Some((_, sec)) = sections.section_by_name(endian, NOTE_SECTION.as_bytes()) else {
            return Err(Error::NotFound {
                kind: "section",
                name: NOTE_SECTION.into(),
            });
        };
        if sec.sh_type(endian) != elf::SHT_NOTE {
            return Err(bad(NOTE_SECTION, "not a SHT_NOTE section"));
        }
        let mut notes = Vec::new();
        let iter = sec
            .notes(endian, data)
            .map_err(|e| bad(NOTE_SECTION, e.to_string()))?
            .ok_or_else(|| bad(NOTE_SECTION, "not a note section"))?;
        let mut iter = iter;
        loop {
            let i = notes.len();
            let note = match iter.next() {
                Ok(Some(n)) => n,
                Ok(None) => break,
                Err(e) => return Err(bad(format!("{NOTE_SECTION} note #{i}"), e.to_string())),
            };
            if note.name() != NOTE_NAME || note.n_type(endian) != NOTE_TYPE {
                // libbpf refuses such a note in this section.
                return Err(bad(
                    format!("{NOTE_SECTION} note #{i}"),
                    "not a stapsdt note (name `stapsdt`, type 3)",
                ));
            }
            notes.push(parse_desc(note.desc(), i)?);
        }
        Ok(Notes {
            notes,
            shared,
            base_section,
            segments,
        })
    }

    /// The segment holding virtual address `addr`.
    fn segment(&self, addr: u64) -> Option<(u64, u64, bool)> {
        self.segments
            .iter()
            .find(|(va, sz, _, _)| addr >= *va && addr - va < *sz)
            .map(|&(va, _, off, x)| (va, off, x))
    }

    /// The sites of probe `provider:name`, each resolved to file offsets
    /// with its spec parsed. No site is an empty list; a site that cannot
    /// be resolved, or an argument spec this parser does not know, is an
    /// error naming the note.
    pub fn sites(&self, provider: &str, name: &str) -> Result<Vec<Site>> {
        let mut out = Vec::new();
        for (i, note) in self.notes.iter().enumerate() {
            if note.provider != provider || note.name != name {
                continue;
            }
            let at = || format!("{NOTE_SECTION} note #{i} ({provider}:{name})");
            let adjust = |addr: u64| {
                if self.base_section != 0 && note.base != 0 {
                    addr.wrapping_add(self.base_section.wrapping_sub(note.base))
                } else {
                    addr
                }
            };
            let address = adjust(note.location);
            let (va, off, exec) = self.segment(address).ok_or_else(|| {
                bad(
                    at(),
                    format!("probe address 0x{address:x} lies in no loadable segment"),
                )
            })?;
            if !exec {
                return Err(bad(
                    at(),
                    format!("probe address 0x{address:x} lies in a non-executable segment"),
                ));
            }
            let file_offset = (address - va)
                .checked_add(off)
                .ok_or_else(|| bad(at(), "probe file offset overflows"))?;
            let semaphore_offset = if note.semaphore != 0 {
                let sema = adjust(note.semaphore);
                let (va, off, exec) = self.segment(sema).ok_or_else(|| {
                    bad(
                        at(),
                        format!("semaphore address 0x{sema:x} lies in no loadable segment"),
                    )
                })?;
                if exec {
                    return Err(bad(
                        at(),
                        format!("semaphore address 0x{sema:x} lies in an executable segment"),
                    ));
                }
                (sema - va)
                    .checked_add(off)
                    .ok_or_else(|| bad(at(), "semaphore file offset overflows"))?
            } else {
                0
            };
            let spec = Spec::parse(&note.args).map_err(|e| match e {
                Error::Unsupported { feature, .. } => Error::unsupported(at(), feature),
                Error::Malformed { message, .. } => bad(at(), message),
                other => other,
            })?;
            out.push(Site {
                note: note.clone(),
                address,
                file_offset,
                semaphore_offset,
                spec,
            });
        }
        Ok(out)
    }
}

/// A note's descriptor: three addresses, then provider, name and
/// arguments, NUL-terminated (libbpf's checks: a non-empty name; an
/// argument string starting with `:` counts as none).
fn parse_desc(desc: &[u8], i: usize) -> Result<Note> {
    let at = || format!("{NOTE_SECTION} note #{i}");
    let word = |k: usize| -> Result<u64> {
        let b = desc
            .get(k * 8..k * 8 + 8)
            .ok_or_else(|| bad(at(), "descriptor shorter than its three addresses"))?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    };
    let (location, base, semaphore) = (word(0)?, word(1)?, word(2)?);
    let mut strings = desc.get(24..).unwrap_or_default().split(|&b| b == 0);
    let mut field = |what: &str| -> Result<String> {
        let s = strings
            .next()
            .ok_or_else(|| bad(at(), format!("no {what}")))?;
        String::from_utf8(s.to_vec()).map_err(|_| bad(at(), format!("{what} is not UTF-8")))
    };
    let provider = field("provider")?;
    let name = field("probe name")?;
    let rest = desc.get(24..).unwrap_or_default();
    // provider NUL name NUL args NUL: at least three NULs.
    if rest.iter().filter(|&&b| b == 0).count() < 3 {
        return Err(bad(at(), "provider, name or arguments not NUL-terminated"));
    }
    if name.is_empty() {
        return Err(bad(at(), "empty probe name"));
    }
    let mut args = field("arguments")?;
    if args.starts_with(':') {
        args.clear();
    }
    Ok(Note {
        provider,
        name,
        args,
        location,
        base,
        semaphore,
    })
}

/// Where an argument's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgLocation {
    /// A constant (`$5`).
    Const(i64),
    /// A register (`%rax`, `%eax`, `%ax`, `%al`): the offset of its 64-bit
    /// register in the kernel's x86-64 `struct pt_regs`.
    Reg(u16),
    /// Memory at a register plus an offset (`-16(%rbp)`, `(%rsp)`).
    Deref {
        /// `pt_regs` offset of the address register.
        reg: u16,
        /// Byte offset.
        offset: i64,
    },
    /// Memory at base + index * scale + offset (`-96(%rbp,%rax,8)`).
    Sib {
        /// `pt_regs` offset of the base register.
        base: u16,
        /// `pt_regs` offset of the index register.
        index: u16,
        /// log2 of the scale (0 to 3).
        scale_shift: u8,
        /// Byte offset.
        offset: i64,
    },
}

/// One argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arg {
    /// Where the value is.
    pub location: ArgLocation,
    /// Size in bytes: 1, 2, 4 or 8.
    pub size: u8,
    /// A signed value (a negative size in the spec).
    pub signed: bool,
}

/// A probe site's argument spec.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spec {
    /// The arguments, at most [`MAX_ARGS`].
    pub args: Vec<Arg>,
}

/// The layouts of `struct __bpf_usdt_spec` that `usdt.bpf.h` has had,
/// told apart by the `__bpf_usdt_specs` map's value size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecLayout {
    /// libbpf 0.8 to 1.6: 16-byte argument specs (`val_off`, a 4-byte
    /// `arg_type`, `reg_off`, `arg_signed`, `arg_bitshift`); no
    /// scale-index-base arguments. Value size 208.
    V1,
    /// libbpf 1.7: 24-byte argument specs, `arg_type` an 8-bit field
    /// followed by `idx_reg_off:12` and `scale_bitshift:4` in the next
    /// 16-bit unit, `reg_off` at 14. Value size 304.
    V2,
}

impl SpecLayout {
    /// The layout whose `struct __bpf_usdt_spec` has `size` bytes.
    pub fn from_value_size(size: u32) -> Option<SpecLayout> {
        match size {
            208 => Some(SpecLayout::V1),
            304 => Some(SpecLayout::V2),
            _ => None,
        }
    }

    fn arg_size(self) -> usize {
        match self {
            SpecLayout::V1 => 16,
            SpecLayout::V2 => 24,
        }
    }

    /// The size of `struct __bpf_usdt_spec` in this layout.
    pub fn value_size(self) -> usize {
        // args, then usdt_cookie (u64) and arg_cnt (short), padded to 8.
        self.arg_size() * MAX_ARGS + 16
    }
}

/// `enum __bpf_usdt_arg_type`.
const ARG_CONST: u8 = 0;
const ARG_REG: u8 = 1;
const ARG_REG_DEREF: u8 = 2;
const ARG_SIB: u8 = 3;

impl Spec {
    /// Parses an x86-64 argument string (space-separated `SIZE@LOCATION`
    /// items). Unknown registers, sizes other than 1, 2, 4, 8 (signed or
    /// not), symbolic offsets (`8@foo(%rip)`) and more than [`MAX_ARGS`]
    /// arguments are errors naming the item.
    pub fn parse(args: &str) -> Result<Spec> {
        let mut out = Vec::new();
        for (i, item) in args.split_ascii_whitespace().enumerate() {
            if i >= MAX_ARGS {
                return Err(Error::unsupported(
                    "USDT arguments",
                    format!("more than {MAX_ARGS} arguments (`{args}`)"),
                ));
            }
            out.push(parse_arg(item).ok_or_else(|| {
                Error::unsupported(
                    "USDT arguments",
                    format!("argument #{i} spec `{item}` (x86-64 forms: N@%reg, N@$imm, N@off(%reg), N@off(%base,%index,scale))"),
                )
            })?);
        }
        Ok(Spec { args: out })
    }

    /// The `struct __bpf_usdt_spec` bytes in `layout`, native
    /// (little-endian) order, with `cookie` (what `bpf_usdt_cookie`
    /// returns). A scale-index-base argument needs layout
    /// [`SpecLayout::V2`].
    pub fn encode(&self, layout: SpecLayout, cookie: u64) -> Result<Vec<u8>> {
        let mut v = vec![0u8; layout.value_size()];
        let n = layout.arg_size();
        for (i, a) in self.args.iter().enumerate() {
            let (ty, val, reg, idx) = match a.location {
                ArgLocation::Const(c) => (ARG_CONST, c as u64, 0u16, None),
                ArgLocation::Reg(r) => (ARG_REG, 0, r, None),
                ArgLocation::Deref { reg, offset } => (ARG_REG_DEREF, offset as u64, reg, None),
                ArgLocation::Sib {
                    base,
                    index,
                    scale_shift,
                    offset,
                } => (ARG_SIB, offset as u64, base, Some((index, scale_shift))),
            };
            let (reg_at, signed_at) = match layout {
                SpecLayout::V1 => (12, 14),
                SpecLayout::V2 => (14, 16),
            };
            let slot = v
                .get_mut(i * n..(i + 1) * n)
                .ok_or_else(|| Error::unsupported("USDT arguments", "too many arguments"))?;
            slot[0..8].copy_from_slice(&val.to_le_bytes());
            slot[8] = ty;
            if let Some((index, shift)) = idx {
                if layout == SpecLayout::V1 {
                    return Err(Error::unsupported(
                        format!("USDT argument #{i}"),
                        "a scale-index-base argument: the object's usdt.bpf.h predates \
                         libbpf 1.7 and cannot read it",
                    ));
                }
                // idx_reg_off:12 and scale_bitshift:4 share the 16-bit unit
                // at byte 10.
                let unit = (index & 0x0fff) | (u16::from(shift & 0xf) << 12);
                slot[10..12].copy_from_slice(&unit.to_le_bytes());
            }
            slot[reg_at..reg_at + 2].copy_from_slice(&(reg as i16).to_le_bytes());
            slot[signed_at] = u8::from(a.signed);
            slot[signed_at + 1] = 64 - a.size * 8;
        }
        let tail = n * MAX_ARGS;
        v[tail..tail + 8].copy_from_slice(&cookie.to_le_bytes());
        v[tail + 8..tail + 10].copy_from_slice(&(self.args.len() as i16).to_le_bytes());
        Ok(v)
    }
}

/// Offsets in the kernel's x86-64 `struct pt_regs` and every name of each
/// register (64, 32, 16 and 8-bit).
const REGS: &[(u16, [&str; 4])] = &[
    (128, ["rip", "eip", "", ""]),
    (80, ["rax", "eax", "ax", "al"]),
    (40, ["rbx", "ebx", "bx", "bl"]),
    (88, ["rcx", "ecx", "cx", "cl"]),
    (96, ["rdx", "edx", "dx", "dl"]),
    (104, ["rsi", "esi", "si", "sil"]),
    (112, ["rdi", "edi", "di", "dil"]),
    (32, ["rbp", "ebp", "bp", "bpl"]),
    (152, ["rsp", "esp", "sp", "spl"]),
    (72, ["r8", "r8d", "r8w", "r8b"]),
    (64, ["r9", "r9d", "r9w", "r9b"]),
    (56, ["r10", "r10d", "r10w", "r10b"]),
    (48, ["r11", "r11d", "r11w", "r11b"]),
    (24, ["r12", "r12d", "r12w", "r12b"]),
    (16, ["r13", "r13d", "r13w", "r13b"]),
    (8, ["r14", "r14d", "r14w", "r14b"]),
    (0, ["r15", "r15d", "r15w", "r15b"]),
];

/// The `pt_regs` offset of register `%name`.
pub fn register_offset(name: &str) -> Option<u16> {
    if name.is_empty() {
        return None;
    }
    REGS.iter()
        .find(|(_, names)| names.contains(&name))
        .map(|&(off, _)| off)
}

/// A decimal integer with an optional sign, as the whole of `s`.
fn int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn reg(s: &str) -> Option<u16> {
    register_offset(s.strip_prefix('%')?)
}

/// One `SIZE@LOCATION` item.
fn parse_arg(item: &str) -> Option<Arg> {
    let (size, loc) = item.split_once('@')?;
    let size = int(size)?;
    let signed = size < 0;
    let size = match size.unsigned_abs() {
        s @ (1 | 2 | 4 | 8) => s as u8,
        _ => return None,
    };
    let location = if let Some(c) = loc.strip_prefix('$') {
        ArgLocation::Const(int(c)?)
    } else if loc.starts_with('%') {
        ArgLocation::Reg(reg(loc)?)
    } else {
        let (off, inner) = loc.split_once('(')?;
        let inner = inner.strip_suffix(')')?;
        let offset = if off.is_empty() { 0 } else { int(off)? };
        let parts: Vec<&str> = inner.split(',').collect();
        match parts.as_slice() {
            [r] => ArgLocation::Deref {
                reg: reg(r)?,
                offset,
            },
            [b, i] | [b, i, _] => {
                let scale_shift = match parts.get(2) {
                    None => 0,
                    Some(s) => match int(s)? {
                        1 => 0,
                        2 => 1,
                        4 => 2,
                        8 => 3,
                        _ => return None,
                    },
                };
                ArgLocation::Sib {
                    base: reg(b)?,
                    index: reg(i)?,
                    scale_shift,
                    offset,
                }
            }
            _ => return None,
        }
    };
    Some(Arg {
        location,
        size,
        signed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(s: &str) -> Arg {
        Spec::parse(s).unwrap().args[0]
    }

    #[test]
    fn x86_64_arg_specs() {
        let a = arg("-4@%eax");
        assert_eq!(
            (a.location, a.size, a.signed),
            (ArgLocation::Reg(80), 4, true)
        );
        assert_eq!(arg("8@%r9").location, ArgLocation::Reg(64));
        assert_eq!(arg("-1@%sil").location, ArgLocation::Reg(104));
        assert_eq!(arg("2@%r10w").location, ArgLocation::Reg(56));
        assert_eq!(
            arg("8@-16(%rbp)").location,
            ArgLocation::Deref {
                reg: 32,
                offset: -16
            }
        );
        assert_eq!(
            arg("8@(%rsp)").location,
            ArgLocation::Deref {
                reg: 152,
                offset: 0
            }
        );
        assert_eq!(arg("-4@$-9").location, ArgLocation::Const(-9));
        assert_eq!(arg("4@$71").location, ArgLocation::Const(71));
        assert_eq!(
            arg("1@-96(%rbp,%rax,8)").location,
            ArgLocation::Sib {
                base: 32,
                index: 80,
                scale_shift: 3,
                offset: -96
            }
        );
        assert_eq!(
            arg("1@(%rbp,%rax)").location,
            ArgLocation::Sib {
                base: 32,
                index: 80,
                scale_shift: 0,
                offset: 0
            }
        );
        let s = Spec::parse("-4@-1204(%rbp) -4@%edi -8@-1216(%rbp) -8@%r8 -4@$5 -8@%r9 8@%rdx 8@%r10 -4@$-9 -2@%cx -2@%ax -1@%sil").unwrap();
        assert_eq!(s.args.len(), 12);
        assert!(Spec::parse("").unwrap().args.is_empty());
        for bad in [
            "3@%eax",
            "4@%xmm0",
            "8@foo(%rip)",
            "4",
            "4@",
            "4@$",
            "4@$0x10",
            "8@(%rax,%rbx,3)",
            "8@(%rax",
            "@%rax",
        ] {
            assert!(Spec::parse(bad).is_err(), "{bad}");
        }
        let thirteen = vec!["8@%rax"; 13].join(" ");
        assert!(Spec::parse(&thirteen).is_err());
    }

    #[test]
    fn encodes_both_layouts() {
        let s = Spec::parse("-4@%eax 8@-16(%rbp) 2@$7").unwrap();
        let v = s.encode(SpecLayout::V1, 0x1122).unwrap();
        assert_eq!(v.len(), 208);
        // arg 0: REG, reg_off 80 at 12, signed, bitshift 32.
        assert_eq!(
            &v[0..16],
            &[0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 80, 0, 1, 32]
        );
        // arg 1: REG_DEREF, val_off -16, reg_off 32 (rbp), bitshift 0.
        assert_eq!(&v[16..24], &(-16i64).to_le_bytes());
        assert_eq!(&v[24..32], &[2, 0, 0, 0, 32, 0, 0, 0]);
        // arg 2: CONST 7, unsigned 2 bytes.
        assert_eq!(&v[32..40], &7u64.to_le_bytes());
        assert_eq!(&v[40..48], &[0, 0, 0, 0, 0, 0, 0, 48]);
        assert_eq!(&v[192..200], &0x1122u64.to_le_bytes());
        assert_eq!(&v[200..202], &3i16.to_le_bytes());

        let s = Spec::parse("-4@%eax 1@-96(%rbp,%rax,8)").unwrap();
        let v = s.encode(SpecLayout::V2, 5).unwrap();
        assert_eq!(v.len(), 304);
        assert_eq!(
            &v[8..24],
            &[1, 0, 0, 0, 0, 0, 80, 0, 1, 32, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(&v[24..32], &(-96i64).to_le_bytes());
        // SIB: idx_reg_off 80 | scale_bitshift 3 << 12 at byte 10.
        assert_eq!(
            &v[32..48],
            &[3, 0, 80, 0x30, 0, 0, 32, 0, 0, 56, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(&v[288..296], &5u64.to_le_bytes());
        assert_eq!(&v[296..298], &2i16.to_le_bytes());
        assert!(s.encode(SpecLayout::V1, 0).is_err());
    }

    #[test]
    fn note_descriptors() {
        let mut d = Vec::new();
        for w in [0x1000u64, 0x2000, 0x3000] {
            d.extend_from_slice(&w.to_le_bytes());
        }
        d.extend_from_slice(b"prov\0name\0-4@%eax\0");
        let n = parse_desc(&d, 0).unwrap();
        assert_eq!(
            (n.provider.as_str(), n.name.as_str(), n.args.as_str()),
            ("prov", "name", "-4@%eax")
        );
        assert_eq!((n.location, n.base, n.semaphore), (0x1000, 0x2000, 0x3000));
        assert!(parse_desc(&d[..20], 0).is_err());
        assert!(parse_desc(&d[..d.len() - 1], 0).is_err());
        let mut e = d[..24].to_vec();
        e.extend_from_slice(b"prov\0\0\0");
        assert!(parse_desc(&e, 0).is_err(), "empty name");
        let mut c = d[..24].to_vec();
        c.extend_from_slice(b"p\0n\0:x\0");
        assert_eq!(parse_desc(&c, 0).unwrap().args, "");
    }

    /// fuzz/seeds/stapsdt/notes.elf: a static ET_EXEC (assembled with
    /// `as`/`ld`) with one probe `prov:probe` at 0x401000 (file offset
    /// 0x1000), `.stapsdt.base` at 0x402000 and a semaphore at 0x403001
    /// (file offset 0x2001).
    const SEED: &[u8] = include_bytes!("../../fuzz/seeds/stapsdt/notes.elf");

    #[test]
    fn resolves_sites_of_an_executable() {
        let notes = Notes::parse(SEED).unwrap();
        assert!(!notes.shared);
        assert_eq!(notes.notes.len(), 1);
        let sites = notes.sites("prov", "probe").unwrap();
        assert_eq!(sites.len(), 1);
        let s = &sites[0];
        assert_eq!((s.address, s.file_offset), (0x401000, 0x1000));
        assert_eq!(s.semaphore_offset, 0x2001);
        assert_eq!(s.note.base, 0x402000);
        assert_eq!(s.spec.args.len(), 5);
        assert!(notes.sites("prov", "other").unwrap().is_empty());
        assert!(notes.sites("other", "probe").unwrap().is_empty());

        // Prelink moved `.stapsdt.base` after the notes were written: the
        // probe moves with it (off its segment's end; into a data one).
        let mut moved = notes.clone();
        moved.base_section += 0x10;
        assert!(moved.sites("prov", "probe").is_err());
        moved.base_section -= 0x10 + 0xf00;
        let e = moved.sites("prov", "probe").unwrap_err().to_string();
        assert!(
            e.contains("0x400100 lies in a non-executable segment"),
            "{e}"
        );
    }

    #[test]
    fn not_elf_is_an_error() {
        assert!(Notes::parse(b"").is_err());
        assert!(Notes::parse(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]).is_err());
    }
}
