//! The BTF and BTF.ext readers. The input is a `.BTF` blob; on success the
//! same bytes are also read as `.BTF.ext` against its string table, and
//! every type is resolved and sized (cycles and overflows must be errors).
#![no_main]

use bpf_skeleton_obj::btf::Btf;
use bpf_skeleton_obj::btf_ext::BtfExt;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
