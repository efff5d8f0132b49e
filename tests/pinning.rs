//! Map pinning (LIBBPF_PIN_BY_NAME and explicit pin paths) on a real bpffs.
//! Each test mounts its own private bpffs (tests/common's `PrivateBpffs`),
//! so nothing needs /sys/fs/bpf mounted and nothing is left behind.

mod common;

use bpf_skeleton::bpf_skeleton;
use bpf_skeleton::runtime::{Error, OpenObject};
use bpf_skeleton::runtime::{Map, MapSpec, ReuseOrigin};
use common::*;

#[bpf_skeleton("tests/bpf/pin.bpf.o")]
struct Pin;

#[test]
fn pinned_by_name_map_is_created_once_then_reused() {
    let dir = PrivateBpffs::new("reuse");
    let pin = dir.path().join("shared_count");
    let open_in = || {
        let mut o = OpenObject::from_file(corpus("pin.bpf.o")).unwrap();
        assert_eq!(
            o.map("shared_count").unwrap().pin_path(),
            Some(std::path::Path::new("/sys/fs/bpf/shared_count")),
            "libbpf's default root"
        );
        assert_eq!(o.map("private_map").unwrap().pin_path(), None);
        o.set_pin_root(dir.path());
        o
    };
    let first = open_in().load().unwrap();
    assert!(pin.exists(), "pinned at load");
    let id = first.map("shared_count").unwrap().info().unwrap().id;
    first
        .program("bump")
        .unwrap()
        .test_run(&packet(64))
        .unwrap();
    drop(first);
    assert!(pin.exists(), "the pin outlives the object");

    let second = open_in().load().unwrap();
    let shared = second.map("shared_count").unwrap();
    assert_eq!(shared.info().unwrap().id, id, "the same kernel map");
    assert_eq!(shared.pin_path(), Some(pin.as_path()));
    second
        .program("bump")
        .unwrap()
        .test_run(&packet(64))
        .unwrap();
    assert_eq!(
        value_u64(shared, &0u32.to_ne_bytes()),
        2,
        "state survived the first object"
    );
}

#[test]
fn incompatible_pinned_map_is_refused_and_failed_loads_leave_no_pins() {
    let dir = PrivateBpffs::new("bad");
    let pin = dir.path().join("shared_count");
    // Something else is pinned under the name: a hash map.
    let mut other = Map::create(&MapSpec {
        map_type: 1,
        key_size: 4,
        value_size: 8,
        max_entries: 1,
        name: "impostor".into(),
        ..Default::default()
    })
    .unwrap();
    other.pin(&pin).unwrap();
    let mut o = OpenObject::from_file(corpus("pin.bpf.o")).unwrap();
    o.set_pin_root(dir.path());
    match o.load() {
        Err(Error::ReuseMismatch {
            map,
            origin,
            field,
            expected,
            found,
            ..
        }) => {
            assert_eq!(map, "shared_count");
            assert_eq!(origin, ReuseOrigin::Pin(pin.clone()));
            // pin.bpf.o's shared_count is an array (2); the impostor a hash.
            assert_eq!((field, expected, found), ("type", 2, 1));
        }
        r => panic!("expected the pinned impostor to be refused: {r:?}"),
    }
    std::fs::remove_file(&pin).unwrap();

    // A load that fails after creating and pinning the map removes the pin.
    let mut o = OpenObject::from_file(corpus("pin.bpf.o")).unwrap();
    o.set_pin_root(dir.path());
    o.set_autoload("broken", true).unwrap();
    assert!(matches!(o.load(), Err(Error::Verifier { .. })));
    assert!(!pin.exists(), "the failed load's pin was removed");
}

#[test]
fn skeleton_pin_paths_and_unpin() {
    let dir = PrivateBpffs::new("skel");
    let mut open = Pin::open().unwrap();
    let private = dir.path().join("private");
    open.maps.private_map.set_pin_path(Some(&private));
    open.maps
        .shared_count
        .set_pin_path(Some(dir.path().join("count")));
    let mut skel = open.load().unwrap();
    assert!(private.exists() && dir.path().join("count").exists());
    assert_eq!(skel.maps.private_map.pin_path(), Some(private.as_path()));
    skel.maps.private_map.unpin().unwrap();
    assert!(!private.exists());
    skel.maps.private_map.pin(dir.path().join("again")).unwrap();
    assert!(dir.path().join("again").exists());
}
