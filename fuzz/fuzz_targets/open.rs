//! The whole open path, as a user's `OpenObject::from_bytes` runs it, plus
//! the pre-syscall validation of `load()`.
#![no_main]

use bpf_skeleton_runtime::OpenObject;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(mut open) = OpenObject::from_bytes(data) {
        let names: Vec<String> = open
            .programs()
            .iter()
            .map(|p| p.name().to_string())
            .collect();
        let maps: Vec<String> = open.maps().iter().map(|m| m.name().to_string()).collect();
        if let (Some(p), Some(m)) = (names.first(), maps.first()) {
            let _ = open.set_exclusive(m, p);
        }
        for m in &maps {
            if let Ok(map) = open.map_mut(m) {
                let _ = map.initial_value_mut();
            }
        }
        let _ = open.validate();
    }
});
