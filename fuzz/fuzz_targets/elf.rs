//! The ELF layer: header checks, sections, symbols, relocations.
#![no_main]

use bpf_skeleton_obj::elf::Elf;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(elf) = Elf::parse(data) {
        for (i, _) in elf.sections.iter().enumerate() {
            let _ = elf.symbols_in(i).count();
        }
    }
});
