//! The BTF reader accepts what clang emits and the kernel accepts.

mod common;

use bpf_skeleton::runtime::obj::btf::{Btf, Kind, KindTag};
use bpf_skeleton::runtime::{ObjectFile, OpenObject};
use common::*;

/// A FUNC's `vlen` is its linkage, not a count of trailing records: a
/// global function as the last BTF record (issue 14's false positive,
/// "vlen 1 exceeds the remaining 0 bytes") is accepted, and the program
/// loads and runs.
#[test]
fn global_function_as_last_btf_record() {
    let bytes = std::fs::read(corpus("func_last.bpf.o")).unwrap();
    let file = ObjectFile::parse(&bytes).unwrap();
    let btf = file.btf.as_ref().expect("the object has BTF");
    let last = (btf.len() - 1) as u32;
    let t = btf.get(last).unwrap();
    assert_eq!(t.name, "pass_all");
    assert!(matches!(t.kind, Kind::Func { linkage: 1, .. }), "{t:?}");
    // The in-place reader agrees with the decoded model.
    let v = btf.view(last).unwrap();
    assert_eq!(
        (v.tag(), v.vlen(), v.name().unwrap()),
        (KindTag::Func, 1, &b"pass_all"[..])
    );

    let obj = OpenObject::from_bytes(&bytes).unwrap().load().unwrap();
    let out = obj
        .program("pass_all")
        .unwrap()
        .test_run(&packet(64))
        .unwrap();
    assert_eq!(out.retval, 2, "XDP_PASS");
}

/// The lazily indexed reader (the kernel's BTF path) reads the same types
/// as the eager one, without decoding until asked.
#[test]
fn lazy_and_eager_readers_agree() {
    let bytes = std::fs::read(corpus("types.bpf.o")).unwrap();
    let file = ObjectFile::parse(&bytes).unwrap();
    let eager = file.btf.as_ref().unwrap();
    let lazy = Btf::from_shared(std::sync::Arc::new(eager.raw().to_vec())).unwrap();
    assert_eq!(lazy.len(), eager.len());
    for (id, t) in eager.types() {
        let v = lazy.view(id).unwrap();
        assert_eq!(v.name().unwrap(), t.name.as_bytes(), "type {id}");
        assert_eq!(lazy.get(id).unwrap().kind, t.kind, "type {id}");
        assert_eq!(lazy.size_of(id).ok(), eager.size_of(id).ok(), "type {id}");
        if let Kind::Struct { members, .. } | Kind::Union { members, .. } = &t.kind {
            let raw: Vec<_> = v.members().collect();
            assert_eq!(raw.len(), members.len());
            for (r, m) in raw.iter().zip(members) {
                assert!(v.name_is(r.name_off, m.name.as_bytes()));
                assert_eq!(
                    (r.ty, r.bit_offset, r.bitfield_size),
                    (m.ty, m.bit_offset, m.bitfield_size)
                );
            }
        }
    }
}
