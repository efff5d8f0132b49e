//! The ELF layer: checks that the file is a little-endian ELF64 BPF object
//! and turns its sections, symbols and relocations into plain data, so that
//! nothing above this module depends on the `object` crate.

use object::read::elf::ElfFile64;
use object::{
    LittleEndian, Object, ObjectSection, ObjectSymbol, RelocationFlags, RelocationTarget,
    SectionFlags, SectionKind, SymbolFlags, SymbolSection,
};

use crate::error::{Error, Result};

/// `EM_BPF`.
const EM_BPF: u16 = 247;
/// `SHF_EXECINSTR`.
const SHF_EXECINSTR: u64 = 0x4;
/// `SHF_WRITE`.
const SHF_WRITE: u64 = 0x1;

/// ELF symbol types (`st_info & 0xf`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolType {
    /// `STT_NOTYPE`.
    NoType,
    /// `STT_OBJECT`.
    Object,
    /// `STT_FUNC`.
    Func,
    /// `STT_SECTION`.
    Section,
    /// Anything else.
    Other,
}

/// One symbol-table entry.
#[derive(Debug, Clone)]
pub struct Symbol {
    /// The symbol's name (empty for section symbols).
    pub name: String,
    /// Index of the section it is defined in; `None` if undefined/absolute.
    pub section: Option<usize>,
    /// `st_value`: offset within its section.
    pub value: u64,
    /// `st_size`.
    pub size: u64,
    /// `st_info & 0xf`.
    pub kind: SymbolType,
    /// `STB_GLOBAL` or `STB_WEAK`.
    pub global: bool,
    /// `STB_WEAK`.
    pub weak: bool,
    /// `STV_HIDDEN` or `STV_INTERNAL` visibility.
    pub hidden: bool,
    /// `SHN_UNDEF`: declared here, defined elsewhere (an extern).
    pub undefined: bool,
}

/// One relocation of a section, from its `.rel` section.
#[derive(Debug, Clone, Copy)]
pub struct Reloc {
    /// `r_offset`: byte offset within the relocated section.
    pub offset: u64,
    /// `ELF64_R_TYPE(r_info)`.
    pub r_type: u32,
    /// `ELF64_R_SYM(r_info)`: index into the symbol table.
    pub symbol: usize,
}

/// One section.
#[derive(Debug, Clone)]
pub struct Section<'a> {
    /// The section's name.
    pub name: String,
    /// Its contents; empty for `SHT_NOBITS` (`.bss`).
    pub data: &'a [u8],
    /// `sh_size`, also for `SHT_NOBITS`.
    pub size: u64,
    /// `SHF_EXECINSTR`.
    pub executable: bool,
    /// `SHF_WRITE`.
    pub writable: bool,
    /// `SHT_NOBITS`.
    pub nobits: bool,
    /// The relocations that apply to this section.
    pub relocs: Vec<Reloc>,
}

/// A parsed ELF file: sections and symbols indexed as in the file.
#[derive(Debug)]
pub struct Elf<'a> {
    /// Indexed by ELF section index; index 0 is the null section.
    pub sections: Vec<Option<Section<'a>>>,
    /// Indexed by ELF symbol index.
    pub symbols: Vec<Option<Symbol>>,
}

impl<'a> Elf<'a> {
    /// Parses and validates the ELF header, sections, symbols and
    /// relocations.
    pub fn parse(data: &'a [u8]) -> Result<Self> {
        check_header(data)?;
        let file = ElfFile64::<LittleEndian>::parse(data)
            .map_err(|e| Error::malformed("ELF file", e.to_string()))?;

        let mut sections: Vec<Option<Section<'a>>> = Vec::new();
        for section in file.sections() {
            let index = section.index().0;
            let name = section
                .name()
                .map_err(|e| Error::malformed(format!("section #{index}"), e.to_string()))?
                .to_string();
            let nobits = section.kind() == SectionKind::UninitializedData
                || section.kind() == SectionKind::UninitializedTls;
            let data = if nobits {
                &[][..]
            } else {
                section.data().map_err(|e| {
                    Error::malformed(format!("section `{name}`"), format!("bad contents: {e}"))
                })?
            };
            let sh_flags = match section.flags() {
                SectionFlags::Elf { sh_flags } => sh_flags,
                _ => 0,
            };
            let mut relocs = Vec::new();
            for (offset, reloc) in section.relocations() {
                let r_type = match reloc.flags() {
                    RelocationFlags::Elf { r_type } => r_type,
                    _ => continue,
                };
                let symbol = match reloc.target() {
                    RelocationTarget::Symbol(s) => s.0,
                    _ => {
                        return Err(Error::malformed(
                            format!("relocation of section `{name}` at offset {offset:#x}"),
                            "does not name a symbol",
                        ))
                    }
                };
                relocs.push(Reloc {
                    offset,
                    r_type,
                    symbol,
                });
            }
            if sections.len() <= index {
                sections.resize_with(index + 1, || None);
            }
            if let Some(slot) = sections.get_mut(index) {
                *slot = Some(Section {
                    name,
                    data,
                    size: section.size(),
                    executable: sh_flags & SHF_EXECINSTR != 0,
                    writable: sh_flags & SHF_WRITE != 0,
                    nobits,
                    relocs,
                });
            }
        }

        let mut symbols: Vec<Option<Symbol>> = Vec::new();
        for sym in file.symbols() {
            let index = sym.index().0;
            let name = sym
                .name()
                .map_err(|e| Error::malformed(format!("symbol #{index}"), e.to_string()))?
                .to_string();
            let (st_info, st_other) = match sym.flags() {
                SymbolFlags::Elf { st_info, st_other } => (st_info, st_other),
                _ => (0, 0),
            };
            let kind = match st_info & 0xf {
                0 => SymbolType::NoType,
                1 => SymbolType::Object,
                2 => SymbolType::Func,
                3 => SymbolType::Section,
                _ => SymbolType::Other,
            };
            let section = match sym.section() {
                SymbolSection::Section(s) => Some(s.0),
                _ => None,
            };
            if symbols.len() <= index {
                symbols.resize_with(index + 1, || None);
            }
            if let Some(slot) = symbols.get_mut(index) {
                *slot = Some(Symbol {
                    name,
                    section,
                    value: sym.address(),
                    size: sym.size(),
                    kind,
                    global: sym.is_global(),
                    weak: sym.is_weak(),
                    // STV_INTERNAL (1) or STV_HIDDEN (2).
                    hidden: matches!(st_other & 3, 1 | 2),
                    undefined: sym.is_undefined(),
                });
            }
        }
        Ok(Elf { sections, symbols })
    }

    /// The section at `index`, if any.
    pub fn section(&self, index: usize) -> Option<&Section<'a>> {
        self.sections.get(index).and_then(Option::as_ref)
    }

    /// The first section named `name`, with its index.
    pub fn section_by_name(&self, name: &str) -> Option<(usize, &Section<'a>)> {
        self.sections
            .iter()
            .enumerate()
            .find_map(|(i, s)| s.as_ref().filter(|s| s.name == name).map(|s| (i, s)))
    }

    /// The symbol at `index`, if any.
    pub fn symbol(&self, index: usize) -> Option<&Symbol> {
        self.symbols.get(index).and_then(Option::as_ref)
    }

    /// The named (non-section) symbols defined in section `index`.
    pub fn symbols_in(&self, index: usize) -> impl Iterator<Item = &Symbol> {
        self.symbols.iter().filter_map(move |s| {
            s.as_ref()
                .filter(|s| s.section == Some(index) && s.kind != SymbolType::Section)
        })
    }
}

/// Checks magic, class, byte order and machine before handing the file to
/// the generic parser, so that the error says what kind of file it is.
fn check_header(data: &[u8]) -> Result<()> {
    let ident = data
        .get(..20)
        .ok_or_else(|| Error::malformed("ELF header", "file too short to be an ELF object"))?;
    if ident.get(..4) != Some(&b"\x7fELF"[..]) {
        return Err(Error::malformed(
            "ELF header",
            "not an ELF file (bad magic)",
        ));
    }
    match ident.get(4) {
        Some(2) => {}
        Some(1) => {
            return Err(Error::malformed(
                "ELF header",
                "32-bit ELF object; BPF objects are ELF64",
            ))
        }
        _ => return Err(Error::malformed("ELF header", "unknown ELF class")),
    }
    let little = match ident.get(5) {
        Some(1) => true,
        Some(2) => false,
        _ => return Err(Error::malformed("ELF header", "unknown ELF byte order")),
    };
    let machine_bytes = [ident.get(18).copied(), ident.get(19).copied()];
    let machine = match machine_bytes {
        [Some(a), Some(b)] if little => u16::from_le_bytes([a, b]),
        [Some(a), Some(b)] => u16::from_be_bytes([a, b]),
        _ => 0,
    };
    if machine != EM_BPF {
        return Err(Error::malformed(
            "ELF header",
            format!("e_machine is {machine}, not EM_BPF (247): not a BPF object"),
        ));
    }
    if !little {
        return Err(Error::malformed(
            "ELF header",
            "big-endian BPF object (bpfeb); this loader needs little-endian (bpfel) \
             objects, as the kernel on this host is little-endian",
        ));
    }
    Ok(())
}
