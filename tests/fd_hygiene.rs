//! No file descriptor outlives the objects that own it, on success or on
//! any failure. One test in its own binary, so that no other test opens or
//! closes descriptors while it counts them.

mod common;

use bpf_skeleton::runtime::{Error, OpenObject};
use common::*;

#[test]
fn no_fd_is_left_open_after_drop_or_failure() {
    if !exclusive_maps() {
        return;
    }
    let bytes: Vec<Vec<u8>> = LOADABLE
        .iter()
        .map(|n| std::fs::read(corpus(n)).unwrap())
        .collect();
    let reject = std::fs::read(corpus("reject.bpf.o")).unwrap();
    let exclusive = std::fs::read(corpus("exclusive.bpf.o")).unwrap();
    let other = std::fs::read(corpus("other.bpf.o")).unwrap();

    let base = open_fds();
    for round in 0..3 {
        // Successful loads, then drop.
        for b in &bytes {
            let obj = OpenObject::from_bytes(b).unwrap().load().unwrap();
            assert!(open_fds() > base, "a loaded object holds fds");
            drop(obj);
            assert_eq!(open_fds(), base, "round {round}: fds left after drop");
        }
        // A verifier failure after maps and a first program were created.
        let err = OpenObject::from_bytes(&reject).unwrap().load().unwrap_err();
        assert!(matches!(err, Error::Verifier { .. }));
        assert_eq!(open_fds(), base, "fds left after a verifier failure");

        // The pre-syscall exclusive conflict.
        let mut o = OpenObject::from_bytes(&exclusive).unwrap();
        o.set_exclusive("secret", "reader").unwrap();
        assert!(matches!(o.load(), Err(Error::ExclusiveConflict { .. })));
        assert_eq!(open_fds(), base, "fds left after an exclusive conflict");

        // Settings refused by validation.
        let mut o = OpenObject::from_bytes(&bytes[0]).unwrap();
        o.map_mut("counts").unwrap().set_max_entries_deferred(0);
        assert!(matches!(o.load(), Err(Error::InvalidArgument { .. })));
        assert_eq!(open_fds(), base, "fds left after a refused setting");

        // The kernel's refusal of another object's program on an exclusive
        // map, after that object's own maps were created.
        let mut o = OpenObject::from_bytes(&exclusive).unwrap();
        o.set_exclusive("secret", "reader").unwrap();
        o.set_autoload("intruder", false).unwrap();
        let obj = o.load().unwrap();
        let during = open_fds();
        let mut thief = OpenObject::from_bytes(&other).unwrap();
        thief
            .map_mut("secret")
            .unwrap()
            .reuse_fd(obj.map("secret").unwrap())
            .unwrap();
        assert_eq!(open_fds(), during + 1, "reuse_fd holds one duplicate");
        assert!(matches!(thief.load(), Err(Error::Verifier { .. })));
        assert_eq!(
            open_fds(),
            during,
            "fds left after the kernel refused the thief"
        );
        drop(obj);
        assert_eq!(
            open_fds(),
            base,
            "fds left after dropping the exclusive object"
        );
    }
}
