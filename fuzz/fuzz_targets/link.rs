//! The object model, relocation, subprogram linking and hashing.
#![no_main]

use bpf_skeleton_obj::hash::program_digest;
use bpf_skeleton_obj::reloc::link;
use bpf_skeleton_obj::ObjectFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = ObjectFile::parse(data) {
        for i in 0..file.programs.len() {
            if let Ok(linked) = link(&file, i) {
                let _ = program_digest(&linked.insns);
            }
        }
        for i in 0..file.maps.len() {
            let _ = file.variables(i);
        }
    }
});
