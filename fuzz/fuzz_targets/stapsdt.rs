//! USDT probes of a user-space binary: `.note.stapsdt` notes, their
//! resolution to file offsets, and argument specs with both encodings.
#![no_main]

use bpf_skeleton_obj::stapsdt::{Notes, Spec, SpecLayout};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(notes) = Notes::parse(data) {
        for n in &notes.notes {
            let _ = notes.sites(&n.provider, &n.name);
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(spec) = Spec::parse(text) {
            let _ = spec.encode(SpecLayout::V1, 1);
            let _ = spec.encode(SpecLayout::V2, 1);
        }
    }
});
