//! The promises that must hold under reuse and misuse (issue 8): a buffer of
//! the wrong length never reaches the kernel, exclusivity of a reused map is
//! proven or the load refused, a reused map is checked before anything
//! touches it, a missing capability is named, a perf buffer cleans up.

mod common;

use std::path::Path;

use bpf_skeleton::runtime::{Capability, Map, MapSpec, OpenObject, ReuseOrigin, Subject};
use bpf_skeleton::Error;
use common::{corpus, raw_xdp_using_map, EXCL_LOG};

fn open(name: &str) -> OpenObject {
    OpenObject::from_file(corpus(name)).unwrap_or_else(|e| panic!("opening {name}: {e}"))
}

/// exclusive.bpf.o with `secret` pinned at `pin`, only `reader` loaded
/// (`intruder` also uses `secret`), optionally exclusive to `reader`.
fn vault(pin: &Path, exclusive: bool) -> OpenObject {
    let mut o = open("exclusive.bpf.o");
    o.map_mut("secret").unwrap().set_pin_path(Some(pin));
    o.set_autoload("intruder", false).unwrap();
    if exclusive {
        o.set_exclusive("secret", "reader").unwrap();
    }
    o
}

#[test]
fn buffers_of_the_wrong_length_are_refused_and_left_untouched() {
    let obj = open("exclusive.bpf.o").load().unwrap();
    let secret = obj.map("secret").unwrap(); // u32 -> u64, 2 entries
    let key = 1u32.to_ne_bytes();
    let mut buf = [0xaau8; 16];
    let err = secret.lookup_into(&key, &mut buf[..1], 0).unwrap_err();
    match &err {
        Error::SizeMismatch {
            map,
            what,
            expected,
            found,
        } => assert_eq!(
            (map.as_str(), *what, *expected, *found),
            ("secret", "value", 8, 1)
        ),
        e => panic!("expected SizeMismatch, got {e}"),
    }
    assert!(err.to_string().contains("8 bytes"), "{err}");
    assert_eq!(
        buf, [0xaa; 16],
        "nothing was written, not even inside the slice"
    );
    // A key too short or too long, a value too long.
    assert!(matches!(
        secret.lookup(&key[..2], 0),
        Err(Error::SizeMismatch {
            what: "key",
            expected: 4,
            found: 2,
            ..
        })
    ));
    assert!(matches!(
        secret.update(&[0u8; 5], &[0u8; 8], 0),
        Err(Error::SizeMismatch { what: "key", .. })
    ));
    assert!(matches!(
        secret.update(&key, &[0u8; 9], 0),
        Err(Error::SizeMismatch {
            what: "value",
            expected: 8,
            found: 9,
            ..
        })
    ));
    assert!(matches!(
        secret.update_batch(&[0u8; 8], &[0u8; 8], 0),
        Err(Error::SizeMismatch {
            what: "values",
            expected: 16,
            found: 8,
            ..
        })
    ));
    // The right length works, and the kernel wrote exactly the value.
    secret
        .update(&key, &0x1122_3344_5566_7788u64.to_ne_bytes(), 0)
        .unwrap();
    assert!(secret.lookup_into(&key, &mut buf[..8], 0).unwrap());
    assert_eq!(buf[..8], 0x1122_3344_5566_7788u64.to_ne_bytes());
    assert_eq!(buf[8..], [0xaa; 8], "bytes after the value untouched");
}

#[test]
fn a_pinned_map_is_exclusive_only_if_proven() {
    if !common::exclusive_maps() {
        return;
    }
    let fs = common::PrivateBpffs::new("soundness-pin");
    let pin = fs.path().join("secret");

    // A plain (non-exclusive) map is pinned first...
    let plain = vault(&pin, false).load().unwrap();
    assert_eq!(plain.map("secret").unwrap().exclusive_program(), None);
    // ...so asking for exclusivity on reuse is refused, naming the pin.
    match vault(&pin, true).load().unwrap_err() {
        Error::ExclusiveReuse {
            map,
            program,
            origin,
            reason,
        } => {
            assert_eq!((map.as_str(), program.as_str()), ("secret", "reader"));
            assert_eq!(origin, ReuseOrigin::Pin(pin.clone()));
            assert!(reason.contains("not exclusive"), "{reason}");
        }
        e => panic!("expected ExclusiveReuse, got {e}"),
    }
    drop(plain);
    std::fs::remove_file(&pin).unwrap();

    // Created exclusive and pinned; a later load reuses the pin and proves
    // the existing map is exclusive to `reader`.
    let first = vault(&pin, true).load().unwrap();
    assert_eq!(
        first.map("secret").unwrap().exclusive_program(),
        Some("reader")
    );
    let again = vault(&pin, true).load().unwrap();
    let secret = again.map("secret").unwrap();
    assert_eq!(secret.pin_path(), Some(pin.as_path()));
    assert_eq!(secret.exclusive_program(), Some("reader"));
    // Really exclusive: the kernel refuses another program on that map.
    let (errno, log) = raw_xdp_using_map(secret, 1).expect_err("exclusive map");
    assert_eq!(errno, libc::EACCES);
    assert!(log.contains(EXCL_LOG), "{log}");
    // And `reader` of the second load really uses the pinned map.
    again
        .program("reader")
        .unwrap()
        .test_run(&common::packet(64))
        .unwrap();
    let v = first
        .map("secret")
        .unwrap()
        .lookup(&0u32.to_ne_bytes(), 0)
        .unwrap()
        .unwrap();
    assert_eq!(common::u64_of(&v), 64, "the second load's reader wrote it");

    // Exclusive to `reader`, asked to be exclusive to `intruder`: the
    // probe passes (exclusive to someone) but the designated program is
    // refused, and the error says why.
    let mut wrong = open("exclusive.bpf.o");
    wrong.map_mut("secret").unwrap().set_pin_path(Some(&pin));
    wrong.set_autoload("reader", false).unwrap();
    wrong.set_exclusive("secret", "intruder").unwrap();
    match wrong.load().unwrap_err() {
        Error::ExclusiveReuse {
            program, reason, ..
        } => {
            assert_eq!(program, "intruder");
            assert!(reason.contains("another digest"), "{reason}");
        }
        e => panic!("expected ExclusiveReuse, got {e}"),
    }

    // The designated program not loaded: nothing can prove it.
    let mut idle = vault(&pin, true);
    idle.set_autoload("reader", false).unwrap();
    match idle.load().unwrap_err() {
        Error::ExclusiveReuse { reason, .. } => {
            assert!(reason.contains("not loaded"), "{reason}")
        }
        e => panic!("expected ExclusiveReuse, got {e}"),
    }
    std::fs::remove_file(&pin).unwrap();
}

#[test]
fn a_reused_fd_is_exclusive_only_if_proven() {
    if !common::exclusive_maps() {
        return;
    }
    let plain = open("exclusive.bpf.o");
    let mut plain = plain;
    plain.set_autoload("intruder", false).unwrap();
    let plain = plain.load().unwrap();
    let mut o = open("exclusive.bpf.o");
    o.set_autoload("intruder", false).unwrap();
    o.map_mut("secret")
        .unwrap()
        .reuse_fd(plain.map("secret").unwrap())
        .unwrap();
    o.set_exclusive("secret", "reader").unwrap();
    match o.load().unwrap_err() {
        Error::ExclusiveReuse { origin, .. } => assert_eq!(origin, ReuseOrigin::Fd),
        e => panic!("expected ExclusiveReuse, got {e}"),
    }

    // An fd of a map created exclusive to the same program is accepted.
    let mut made = open("exclusive.bpf.o");
    made.set_autoload("intruder", false).unwrap();
    made.set_exclusive("secret", "reader").unwrap();
    let made = made.load().unwrap();
    let mut o = open("exclusive.bpf.o");
    o.set_autoload("intruder", false).unwrap();
    o.map_mut("secret")
        .unwrap()
        .reuse_fd(made.map("secret").unwrap())
        .unwrap();
    o.set_exclusive("secret", "reader").unwrap();
    let reused = o.load().unwrap();
    assert_eq!(
        reused.map("secret").unwrap().exclusive_program(),
        Some("reader")
    );
}

#[test]
fn a_reused_map_is_checked_before_anything_touches_it() {
    // `.bss` is an mmapable array; an array of the same sizes without
    // BPF_F_MMAPABLE must be refused for its flags (before, it was mmapped
    // first and failed there, or worse).
    let o = open("exclusive.bpf.o");
    let def = o.map(".bss").unwrap().def().clone();
    assert_ne!(def.map_flags & 0x400, 0, ".bss is mmapable");
    let impostor = Map::create(&MapSpec {
        name: "impostor".into(),
        map_type: def.map_type,
        key_size: def.key_size,
        value_size: def.value_size,
        max_entries: def.max_entries,
        map_flags: 0,
        ..Default::default()
    })
    .unwrap();
    let mut o = o;
    o.map_mut(".bss").unwrap().reuse_fd(&impostor).unwrap();
    match o.load().unwrap_err() {
        Error::ReuseMismatch {
            map,
            origin,
            field,
            expected,
            found,
        } => {
            assert_eq!((map.as_str(), field), (".bss", "flags"));
            assert_eq!(origin, ReuseOrigin::Fd);
            assert_eq!((expected, found), (u64::from(def.map_flags), 0));
        }
        e => panic!("expected ReuseMismatch, got {e}"),
    }
}

/// Runs `f` on a thread whose effective capability set lacks `drop`
/// (capabilities are per thread on Linux; the permitted set is kept).
fn without_caps<T: Send>(drop: &[u32], f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(|| {
            #[repr(C)]
            struct Header {
                version: u32,
                pid: i32,
            }
            #[repr(C)]
            #[derive(Clone, Copy, Default)]
            struct Data {
                effective: u32,
                permitted: u32,
                inheritable: u32,
            }
            let mut h = Header {
                version: 0x2008_0522,
                pid: 0,
            };
            let mut d = [Data::default(); 2];
            // SAFETY: header and two data words, as capget v3 expects.
            let r =
                unsafe { libc::syscall(libc::SYS_capget, &mut h as *mut Header, d.as_mut_ptr()) };
            assert_eq!(r, 0);
            for &cap in drop {
                d[(cap / 32) as usize].effective &= !(1 << (cap % 32));
            }
            // SAFETY: as above; capset lowers only this thread's effective set.
            let r = unsafe { libc::syscall(libc::SYS_capset, &mut h as *mut Header, d.as_ptr()) };
            assert_eq!(r, 0, "capset: {}", std::io::Error::last_os_error());
            f()
        })
        .join()
        .unwrap()
    })
}

#[test]
fn a_missing_capability_is_named_not_mistaken_for_the_verifier() {
    const NET_ADMIN: u32 = 12;
    const SYS_ADMIN: u32 = 21;
    const PERFMON: u32 = 38;
    const BPF: u32 = 39;
    // No CAP_BPF (nor CAP_SYS_ADMIN): the first syscall (BTF) is refused.
    let err = without_caps(&[BPF, SYS_ADMIN], || {
        open("counter.bpf.o").load().unwrap_err()
    });
    match &err {
        Error::MissingCapability { capability, .. } => {
            assert_eq!(*capability, Capability::Bpf)
        }
        e => panic!("expected MissingCapability, got {e}"),
    }
    assert!(err.to_string().contains("CAP_BPF"), "{err}");
    // CAP_BPF but no CAP_NET_ADMIN: the XDP program is refused for that.
    let err = without_caps(&[NET_ADMIN, SYS_ADMIN], || {
        open("counter.bpf.o").load().unwrap_err()
    });
    match &err {
        Error::MissingCapability {
            capability,
            subject,
            ..
        } => {
            assert_eq!(*capability, Capability::NetAdmin);
            assert_eq!(*subject, Subject::program("count_packets"));
        }
        e => panic!("expected MissingCapability, got {e}"),
    }
    // CAP_BPF but no CAP_PERFMON: tracing programs need it.
    let err = without_caps(&[PERFMON, SYS_ADMIN], || {
        let mut o = open("kinds.bpf.o");
        let names: Vec<String> = o.programs().iter().map(|p| p.name().to_string()).collect();
        for n in &names {
            o.set_autoload(n, n == "tp_getpid").unwrap();
        }
        o.load().unwrap_err()
    });
    assert!(
        matches!(
            err,
            Error::MissingCapability {
                capability: Capability::Perfmon,
                ..
            }
        ),
        "{err}"
    );
    // With every capability the same objects load (the errors above were
    // about capabilities, not the programs).
    open("counter.bpf.o").load().unwrap();
}

#[test]
fn a_perf_buffer_removes_its_entries_when_dropped() {
    let obj = open("perf.bpf.o").load().unwrap();
    let events = obj.map("events").unwrap();
    let cpus = bpf_skeleton::runtime::online_cpus().unwrap();
    let buf = bpf_skeleton::runtime::perf::PerfBuffer::new(events, 2).unwrap();
    assert_eq!(buf.fds().count(), cpus.len());
    drop(buf);
    for cpu in cpus {
        assert!(
            !events.delete(&cpu.to_ne_bytes()).unwrap(),
            "CPU {cpu}'s entry was already removed"
        );
    }
}
