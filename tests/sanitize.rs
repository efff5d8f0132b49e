//! BTF sanitization for old kernels, checked against the running kernel:
//! tests/bpf/sanitize.bpf.o (FLOAT, ENUM64, signed ENUM, DECL_TAG,
//! TYPE_TAG, global FUNC, DATASECs) is loaded with the kernel taken to
//! lack each BTF feature in turn, and all of them: the kernel must accept
//! the rewritten BTF (it holds exactly the sanitized bytes) and the
//! program must load and run. The rewrite rules themselves are unit-tested
//! for all 256 probe combinations in obj/src/btf/sanitize.rs.

mod common;

use bpf_skeleton::runtime::kernel_btf;
use bpf_skeleton::runtime::obj::btf::sanitize::{sanitize, BtfFeatures};
use bpf_skeleton::runtime::obj::btf::{Btf, KindTag};
use bpf_skeleton::runtime::{probe, OpenObject};
use common::*;

const OBJ: &str = "sanitize.bpf.o";

/// Loads the object as if the kernel had `features`, runs its program and
/// checks what it computed and the BTF the kernel holds.
fn load_as(features: BtfFeatures) {
    let mut open = OpenObject::from_file(corpus(OBJ)).unwrap();
    let raw = open.file().btf.as_ref().unwrap().raw().to_vec();
    open.set_btf_features(features);
    let file = open.file().clone();
    let obj = open.load().unwrap_or_else(|e| panic!("{features:?}: {e}"));
    match obj.btf_fd() {
        None => assert!(!features.btf, "{features:?}: no BTF loaded"),
        Some(fd) => {
            assert!(features.btf);
            let held = kernel_btf::btf_data(fd).unwrap();
            assert_eq!(
                held,
                sanitize(&raw, &features).unwrap(),
                "{features:?}: the kernel holds the sanitized BTF"
            );
            if !features.needs_sanitization() {
                assert_eq!(held, raw, "nothing to sanitize");
            } else if features != without(|f| f.qmark_datasec = false) {
                // (The object has no `?` section: that rule changes nothing.)
                assert_ne!(held, raw, "{features:?}: sanitized");
            }
            // What the kernel lacks is gone from what it was given.
            let btf = Btf::parse(&held).unwrap();
            for id in 1..btf.len() as u32 {
                let tag = btf.view(id).unwrap().tag();
                assert!(features.float || tag != KindTag::Float, "{features:?}");
                assert!(features.type_tag || tag != KindTag::TypeTag, "{features:?}");
                assert!(features.decl_tag || tag != KindTag::DeclTag, "{features:?}");
                assert!(features.datasec || tag != KindTag::Datasec, "{features:?}");
                assert!(features.func || tag != KindTag::Func, "{features:?}");
                assert!(features.enum64 || !btf.view(id).unwrap().is_enum64());
            }
        }
    }
    let p = obj.program("sanitize_prog").unwrap();
    assert_eq!(p.test_run(&packet(64)).unwrap().retval, 2, "XDP_PASS");
    assert_eq!(
        u32_of(&global(&file, &obj, ".bss", "counter")),
        4,
        "{features:?}"
    );
    assert_eq!(
        u32_of(&global(&file, &obj, ".data", "seen")),
        6,
        "{features:?}"
    );
}

fn without(f: fn(&mut BtfFeatures)) -> BtfFeatures {
    let mut x = BtfFeatures::ALL;
    f(&mut x);
    x
}

#[test]
fn sanitized_btf_is_accepted_for_each_missing_feature() {
    load_as(BtfFeatures::ALL);
    load_as(without(|f| f.func = false));
    load_as(without(|f| f.global_func = false));
    load_as(without(|f| f.datasec = false));
    load_as(without(|f| f.float = false));
    load_as(without(|f| f.decl_tag = false));
    load_as(without(|f| f.type_tag = false));
    load_as(without(|f| f.enum64 = false));
    load_as(without(|f| f.qmark_datasec = false));
}

#[test]
fn sanitized_btf_is_accepted_with_every_feature_missing() {
    load_as(BtfFeatures {
        btf: true,
        ..BtfFeatures::NONE
    });
    // As on a kernel from before 5.2: functions, but no data sections,
    // floats, tags or 64-bit enums.
    load_as(BtfFeatures {
        datasec: false,
        global_func: false,
        float: false,
        decl_tag: false,
        type_tag: false,
        enum64: false,
        qmark_datasec: false,
        ..BtfFeatures::ALL
    });
}

#[test]
fn without_btf_support_no_btf_is_loaded() {
    load_as(BtfFeatures {
        btf: false,
        ..without(|f| {
            f.func = false;
        })
    });
}

/// The probes answer as the kernel's version says: every kind our objects
/// use is there from Linux 6.0 on (so nothing is sanitized on 6.1, 6.12
/// or 6.18).
#[test]
fn btf_probes_find_every_kind_on_current_kernels() {
    let f = probe::btf_features().unwrap();
    eprintln!("BTF features of {}: {f:?}", probe::kernel_release());
    if kernel_version() < (6, 0) {
        return skip("the expectations are for Linux 6.0 and later");
    }
    assert!(f.btf && f.func && f.global_func && f.datasec && f.float);
    assert!(f.decl_tag && f.type_tag && f.enum64);
    // Asking again answers from the cache, the same.
    assert_eq!(probe::btf_features().unwrap(), f);
}
