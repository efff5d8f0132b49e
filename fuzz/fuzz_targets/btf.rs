//! The BTF and BTF.ext readers. The input is a `.BTF` blob; on success the
//! same bytes are also read as `.BTF.ext` against its string table, and
//! every type is resolved and sized (cycles and overflows must be errors).
//! The same bytes are also indexed lazily (the kernel BTF path) and read
//! in place: views, members, enumerators and the CO-RE candidate scan.
#![no_main]

use std::sync::Arc;

use bpf_skeleton_obj::btf::{Btf, KindTag};
use bpf_skeleton_obj::btf_ext::BtfExt;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(lazy) = Btf::from_shared(Arc::new(data.to_vec())) {
        for id in 0..lazy.len() as u32 {
            let Ok(v) = lazy.view(id) else { continue };
            let _ = v.name();
            for m in v.members() {
                let _ = v.name_is(m.name_off, b"pid");
            }
            for e in v.enumerators() {
                let _ = v.string(e.name_off);
            }
            let _ = lazy.resolve(id);
            let _ = lazy.size_of(id);
        }
        let _ = lazy.find_by_essential_names(&[
            (KindTag::Struct, b"task_struct"),
            (KindTag::Enum, b""),
            (KindTag::Int, b"int"),
        ]);
        let _ = lazy.find("int", |_| true);
        let _ = lazy.get(1);
    }
    let Ok(btf) = Btf::parse(data) else {
        let _ = BtfExt::parse(data, &[0]);
        return;
    };
    for (id, _) in btf.types() {
        let _ = btf.resolve(id);
        let _ = btf.size_of(id);
    }
    let _ = BtfExt::parse(data, btf.strings());
});
