//! libbpf's section conventions against the kernel: programs of newer
//! section kinds load with the program and attach types libbpf gives them,
//! a program that cannot load fails its own load only (never the object's
//! open), and ring buffer sizes are rounded as libbpf rounds them.

mod common;

use bpf_skeleton::runtime::{OpenObject, Subject};
use bpf_skeleton::Error;
use common::{corpus, packet};

/// The macro generates a skeleton for an object whose unloadable programs
/// are not autoloaded.
#[bpf_skeleton::bpf_skeleton("tests/bpf/sections.bpf.o")]
struct Sections;

#[test]
fn the_skeleton_of_such_an_object_loads() {
    let mut open = Sections::open().unwrap();
    if !has_6_7_hooks() {
        open.progs.unix_connect.set_autoload(false);
        open.progs.nk_primary.set_autoload(false);
    }
    let skel = open.load().unwrap();
    assert!(skel.progs.plain_xdp.is_loaded());
    assert!(!skel.progs.unknown_section.is_loaded());
}

/// The programs of hooks that appeared in Linux 6.7 (cgroup AF_UNIX hooks,
/// netkit): on older kernels they are not autoloaded, and said so.
const NEW_IN_6_7: [&str; 2] = ["unix_connect", "nk_primary"];

fn has_6_7_hooks() -> bool {
    let yes = common::kernel_version() >= (6, 7);
    if !yes {
        common::skip("cgroup/connect_unix and netkit programs need Linux 6.7");
    }
    yes
}

fn open() -> OpenObject {
    let mut o = OpenObject::from_file(corpus("sections.bpf.o"))
        .expect("an object with unknown sections opens");
    if common::kernel_version() < (6, 7) {
        for name in NEW_IN_6_7 {
            o.set_autoload(name, false).unwrap();
        }
    }
    o
}

#[test]
fn every_autoloaded_program_loads_and_the_rest_wait() {
    let o = open();
    let kind = |n: &str| {
        let p = o.program(n).unwrap();
        (p.prog_type(), p.autoload())
    };
    assert_eq!(kind("plain_xdp"), (6, true));
    let new_hooks = has_6_7_hooks();
    assert_eq!(kind("unix_connect"), (18, new_hooks));
    assert_eq!(kind("nk_primary"), (3, new_hooks));
    assert_eq!(kind("unknown_section"), (0, false));
    assert_eq!(kind("fentry_without_target"), (26, false));
    assert_eq!(kind("lonely_op"), (27, false));

    let obj = o.load().expect("the autoloaded programs load");
    for (name, ty) in [("plain_xdp", 6), ("unix_connect", 18), ("nk_primary", 3)] {
        if !new_hooks && NEW_IN_6_7.contains(&name) {
            continue;
        }
        let p = obj.program(name).unwrap();
        assert!(p.is_loaded(), "{name}");
        assert_eq!(p.info().unwrap().prog_type, ty, "{name}: the kernel's view");
    }
    assert!(!obj.program("unknown_section").unwrap().is_loaded());

    // 1000 bytes is no power-of-two multiple of the page size: rounded up
    // as libbpf does, and the kernel accepted the map.
    let ring = obj.map("odd_ring").unwrap();
    let page = bpf_skeleton::runtime::page_size() as u32;
    assert_eq!(ring.max_entries(), page);
    assert_eq!(ring.info().unwrap().max_entries, page);
    obj.program("plain_xdp")
        .unwrap()
        .test_run(&packet(64))
        .unwrap();
    let mut got = Vec::new();
    ring.ring_buffer()
        .unwrap()
        .consume(|r| got.push(r.to_vec()));
    assert_eq!(got, vec![1u64.to_ne_bytes().to_vec()]);
}

#[test]
fn a_program_that_cannot_load_fails_alone_and_says_why() {
    for (name, why) in [
        (
            "unknown_section",
            "`?mystery` follows none of libbpf's SEC() conventions",
        ),
        ("fentry_without_target", "names no attach target"),
        ("lonely_op", "struct_ops map"),
    ] {
        let mut o = open();
        o.set_autoload(name, true).unwrap();
        match o.load().unwrap_err() {
            Error::Unsupported { subject, what } => {
                assert_eq!(subject, Subject::program(name));
                assert!(what.contains(why), "{name}: {what}");
            }
            e => panic!("{name}: expected Unsupported, got {e}"),
        }
    }
}
