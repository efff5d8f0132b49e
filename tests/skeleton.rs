//! Generated skeletons for every corpus object, loaded into the kernel.
//! Compiled under `deny(warnings, missing_docs)`: the generated code is
//! documented and warning-free (clippy runs on it in CI too).
#![deny(warnings, missing_docs)]

mod common;

use std::sync::OnceLock;

use bpf_skeleton::bpf_skeleton;
use bpf_skeleton::runtime::hash::hex;
use bpf_skeleton::runtime::Subject;
use bpf_skeleton::Error;
use common::*;

/// The README's counter.
#[bpf_skeleton("tests/bpf/counter.bpf.o")]
pub struct Counter;

/// Exclusive maps, set at run time.
#[bpf_skeleton("tests/bpf/exclusive.bpf.o")]
pub struct Exclusive;

/// Exclusive maps, declared: `.bss` for `reader`, `public_stats` for
/// `bystander` (`secret` cannot be declared: `intruder` uses it too, a
/// compile error tested in tests/ui).
#[bpf_skeleton(
    "tests/bpf/exclusive.bpf.o",
    exclusive(bss = reader, public_stats = bystander)
)]
pub(crate) struct DeclaredExclusive;

/// Exclusive maps, declared with the program that conflicts turned off in
/// the attribute instead of the C source.
#[bpf_skeleton(
    "tests/bpf/exclusive.bpf.o",
    exclusive(secret = reader),
    autoload(intruder = false)
)]
pub struct DeclaredWithAutoload;

/// The counter with its `?xdp` program turned on in the attribute.
#[bpf_skeleton("tests/bpf/counter.bpf.o", autoload(debug_only = true))]
pub struct CounterAllLoaded;

/// Another object.
#[bpf_skeleton("tests/bpf/other.bpf.o")]
struct Other;

/// Subprograms, callbacks and every data section kind.
#[bpf_skeleton("tests/bpf/multi.bpf.o")]
pub struct Multi;

/// Legacy maps.
#[bpf_skeleton("tests/bpf/legacy.bpf.o")]
pub struct Legacy;

/// One program per section convention.
#[bpf_skeleton("tests/bpf/kinds.bpf.o")]
pub struct Kinds;

/// A program the verifier rejects.
#[bpf_skeleton("tests/bpf/reject.bpf.o")]
pub struct Reject;

fn assert_send_sync<T: Send + Sync + 'static>() {}

#[test]
fn skeletons_are_send_sync_and_storable_in_a_static() {
    assert_send_sync::<Counter>();
    assert_send_sync::<OpenCounter>();
    assert_send_sync::<Exclusive>();
    assert_send_sync::<OpenMulti>();
    static SKEL: OnceLock<Counter> = OnceLock::new();
    let skel = SKEL.get_or_init(|| Counter::open_and_load().unwrap());
    // Used from another thread.
    std::thread::scope(|s| {
        s.spawn(|| skel.progs.count_packets.test_run(&packet(64)).unwrap());
    });
    let c = skel
        .maps
        .counts
        .raw()
        .lookup(&0u32.to_ne_bytes(), 0)
        .unwrap()
        .unwrap();
    assert!(u64_of(&c) >= 1);
}

#[test]
fn counter_contract() {
    if !exclusive_maps() {
        return;
    }
    let mut open: OpenCounter = Counter::open().unwrap();
    open.maps.counts.set_max_entries(4096);
    open.maps.counts.set_exclusive(&open.progs.count_packets);
    assert_eq!(open.maps.counts.exclusive_program(), Some("count_packets"));
    assert!(
        !open.progs.debug_only.autoload(),
        "`?xdp` is not autoloaded"
    );
    open.progs.debug_only.set_autoload(false);
    let open_hash: [u8; 32] = open.progs.count_packets.hash();
    let skel: Counter = open.load().unwrap();
    let info = skel.progs.count_packets.raw().info().unwrap();
    assert_eq!(
        hex(&info.tag),
        hex(&expected_tag(&open_hash)),
        "kernel tag vs hash at open"
    );
    assert_eq!(skel.maps.counts.raw().info().unwrap().max_entries, 4096);
    assert_eq!(skel.maps.counts.exclusive_program(), Some("count_packets"));
    assert!(!skel.progs.debug_only.is_loaded());
    assert!(skel.progs.debug_only.fd().is_none());
    // Global-data maps get Rust names.
    assert_eq!(skel.maps.rodata.name(), ".rodata");
    assert_eq!(skel.maps.bss.name(), ".bss");
    skel.progs.count_packets.test_run(&packet(64)).unwrap();
    assert_eq!(value_u64(skel.maps.counts.raw(), &0u32.to_ne_bytes()), 1);
}

#[test]
fn zero_max_entries_is_refused_before_any_syscall() {
    let mut open = Counter::open().unwrap();
    open.maps.counts.set_max_entries(0);
    // InvalidArgument comes from validation, which runs before any syscall
    // (fd hygiene on this path is checked in tests/fd_hygiene.rs).
    match open.load() {
        Err(Error::InvalidArgument {
            subject, message, ..
        }) => {
            assert_eq!(subject, Subject::map("counts"));
            assert!(message.contains("max_entries"), "{message}");
        }
        r => panic!("{r:?}"),
    }
}

#[test]
fn rodata_initial_value_is_set_before_load() {
    let mut open = Counter::open().unwrap();
    assert_eq!(open.rodata.slot, 0, "the object's initial value");
    open.rodata.slot = 2;
    let skel = open.load().unwrap();
    skel.progs.count_packets.test_run(&packet(64)).unwrap();
    assert_eq!(value_u64(skel.maps.counts.raw(), &2u32.to_ne_bytes()), 1);
}

#[test]
fn every_corpus_skeleton_loads_with_the_kernels_digest() {
    fn check(progs: &[&bpf_skeleton::Program]) -> usize {
        for p in progs {
            let info = p.info().unwrap();
            assert_eq!(info.tag, expected_tag(&p.hash()), "{}", p.name());
        }
        progs.len()
    }
    let c = Counter::open_and_load().unwrap();
    let e = Exclusive::open_and_load().unwrap();
    let o = Other::open_and_load().unwrap();
    let m = Multi::open_and_load().unwrap();
    let l = Legacy::open_and_load().unwrap();
    let k = Kinds::open_and_load().unwrap();
    let mut n = 0;
    n += check(&[c.progs.count_packets.raw()]);
    n += check(&[
        e.progs.reader.raw(),
        e.progs.intruder.raw(),
        e.progs.bystander.raw(),
    ]);
    n += check(&[o.progs.thief.raw()]);
    n += check(&[
        m.progs.xdp_classify.raw(),
        m.progs.xdp_recent.raw(),
        m.progs.xdp_events.raw(),
        m.progs.sock_filter.raw(),
    ]);
    n += check(&[l.progs.legacy_xdp.raw()]);
    n += check(&[
        k.progs.tp_getpid.raw(),
        k.progs.raw_enter.raw(),
        k.progs.btf_switch.raw(),
        k.progs.iter_task.raw(),
        k.progs.sock.raw(),
        k.progs.tc_cls.raw(),
        k.progs.cg_in.raw(),
        k.progs.cg_sock.raw(),
        k.progs.cg_connect.raw(),
        k.progs.sys_prog.raw(),
        k.progs.perf.raw(),
        k.progs.msg.raw(),
        k.progs.dissect.raw(),
    ]);
    assert_eq!(n, 23);
    // All the data-section names.
    let names = [
        m.maps.bss.name(),
        m.maps.data.name(),
        m.maps.rodata.name(),
        m.maps.data_custom.name(),
        m.maps.rodata_banner.name(),
    ];
    assert_eq!(
        names,
        [".bss", ".data", ".rodata", ".data.custom", ".rodata.banner"]
    );
    assert_eq!(l.maps.hits.raw().key_size(), 4);
    // Legacy maps have no BTF key/value types: byte arrays of the right size.
    l.progs.legacy_xdp.test_run(&packet(64)).unwrap();
    let v: [u8; 8] = l.maps.hits.lookup(&2u32.to_ne_bytes()).unwrap().unwrap();
    assert_eq!(u64::from_ne_bytes(v), 1);
}

#[test]
fn exclusive_at_run_time_is_enforced_by_the_kernel() {
    if !exclusive_maps() {
        return;
    }
    let mut open = Exclusive::open().unwrap();
    open.maps.secret.set_exclusive(&open.progs.reader);
    // The in-object conflict is caught before any syscall.
    match Exclusive::open().map(|mut o| {
        o.maps.secret.set_exclusive(&o.progs.reader);
        o.load()
    }) {
        Ok(Err(Error::ExclusiveConflict {
            map,
            designated,
            other,
        })) => {
            assert_eq!(
                (map.as_str(), designated.as_str(), other.as_str()),
                ("secret", "reader", "intruder")
            )
        }
        r => panic!("expected a conflict: {r:?}"),
    }

    open.progs.intruder.set_autoload(false);
    let skel = open.load().unwrap();
    let out = skel.progs.reader.test_run(&packet(64)).unwrap();
    assert_eq!(out.retval, 2);
    let secret = skel.maps.secret.raw();
    assert_eq!(value_u64(secret, &0u32.to_ne_bytes()), 64);
    assert_eq!(value_u64(secret, &1u32.to_ne_bytes()), 0xfeed);

    // Another skeleton's program, handed the map, is refused by the kernel.
    let mut thief = Other::open().unwrap();
    thief.maps.secret.reuse_fd(&skel.maps.secret).unwrap();
    match thief.load() {
        Err(Error::Verifier {
            subject,
            source,
            log,
            ..
        }) => {
            assert_eq!(subject, Subject::program("thief"));
            assert_eq!(source.raw_os_error(), Some(13));
            assert!(log.contains(EXCL_LOG), "{log}");
        }
        r => panic!("expected the kernel to refuse: {r:?}"),
    }
    let (errno, log) = raw_xdp_using_map(&skel.maps.secret, 1).expect_err("refused");
    assert_eq!(errno, 13);
    assert!(log.contains(EXCL_LOG));
}

#[test]
fn declared_exclusive_is_applied_at_open() {
    if !exclusive_maps() {
        return;
    }
    let mut open = DeclaredExclusive::open().unwrap();
    assert_eq!(open.maps.bss.exclusive_program(), Some("reader"));
    assert_eq!(
        open.maps.public_stats.exclusive_program(),
        Some("bystander")
    );
    assert_eq!(open.maps.secret.exclusive_program(), None);
    // Declared pairs can still be changed before load; the run-time check
    // then applies as usual.
    open.maps.secret.set_exclusive(&open.progs.reader);
    assert!(matches!(open.load(), Err(Error::ExclusiveConflict { .. })));
    let skel = DeclaredExclusive::open_and_load().unwrap();
    skel.progs.reader.test_run(&packet(80)).unwrap();
    skel.progs.bystander.test_run(&packet(80)).unwrap();
    let (errno, log) = raw_xdp_using_map(&skel.maps.bss, 2).expect_err("refused");
    assert_eq!(errno, 13);
    assert!(log.contains(EXCL_LOG));
    let (errno, _) = raw_xdp_using_map(&skel.maps.public_stats, 1).expect_err("refused");
    assert_eq!(errno, 13);
    raw_xdp_using_map(&skel.maps.data, 2).expect("not exclusive");
}

#[test]
fn declared_autoload_is_applied_at_open_and_lifts_the_conflict() {
    if !exclusive_maps() {
        return;
    }
    let open = DeclaredWithAutoload::open().unwrap();
    assert!(!open.progs.intruder.autoload());
    assert!(open.progs.reader.autoload() && open.progs.bystander.autoload());
    assert_eq!(open.maps.secret.exclusive_program(), Some("reader"));
    let skel = open.load().unwrap();
    assert!(!skel.progs.intruder.is_loaded());
    assert!(skel.progs.reader.is_loaded());
    assert_eq!(skel.maps.secret.exclusive_program(), Some("reader"));
    skel.progs.reader.test_run(&packet(64)).unwrap();
    let (errno, log) = raw_xdp_using_map(&skel.maps.secret, 1).expect_err("refused");
    assert_eq!(errno, 13);
    assert!(log.contains(EXCL_LOG), "{log}");

    // `true` overrides the `?` section prefix.
    let open = CounterAllLoaded::open().unwrap();
    assert!(open.progs.debug_only.autoload());
    let skel = open.load().unwrap();
    assert!(skel.progs.debug_only.is_loaded());
    assert!(!Counter::open().unwrap().progs.debug_only.autoload());
}

#[test]
fn verifier_failure_through_a_skeleton() {
    match Reject::open_and_load() {
        Err(Error::Verifier { subject, log, .. }) => {
            assert_eq!(subject, Subject::program("unchecked"));
            assert!(log.contains("map_value_or_null"), "{log}");
        }
        r => panic!("{r:?}"),
    }
    let mut open = Reject::open().unwrap();
    open.progs.unchecked.set_autoload(false);
    let skel = open.load().unwrap();
    assert!(skel.progs.fine.is_loaded());
}

#[test]
fn the_object_is_embedded_with_include_bytes() {
    // `OBJECT` is `include_bytes!` of the absolute path: the bytes are the
    // file's, so cargo tracks the file and rebuilds when it changes.
    let on_disk = std::fs::read(corpus("counter.bpf.o")).unwrap();
    assert_eq!(Counter::OBJECT, on_disk.as_slice());
    // The dep-info cargo uses for rebuilds, next to this test binary, lists
    // the object file.
    let exe = std::env::current_exe().unwrap();
    let target_dir = exe.parent().unwrap();
    let mut found = false;
    for entry in std::fs::read_dir(target_dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("skeleton-") && name.ends_with(".d") {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            if text.contains("tests/bpf/counter.bpf.o") {
                found = true;
            }
        }
    }
    assert!(
        found,
        "no dep-info in {} lists counter.bpf.o",
        target_dir.display()
    );
}

/// Tail calls through a program array.
#[bpf_skeleton("tests/bpf/tailcall.bpf.o")]
pub struct TailCall;

#[test]
fn prog_array_slots_hold_programs() {
    let skel = TailCall::open_and_load().unwrap();
    assert_eq!(
        skel.progs.entry.test_run(&packet(64)).unwrap().retval,
        2,
        "empty slot: XDP_PASS"
    );
    skel.maps.jmp.set(0, &skel.progs.target).unwrap();
    assert_eq!(
        skel.progs.entry.test_run(&packet(64)).unwrap().retval,
        1,
        "tail call: XDP_DROP"
    );
    assert_eq!(skel.bss.reached_target(), 1);
    assert!(skel.maps.jmp.clear(0).unwrap());
    assert_eq!(skel.progs.entry.test_run(&packet(64)).unwrap().retval, 2);
}

#[test]
fn ring_buffer_records_are_consumed_in_order() {
    let skel = Multi::open_and_load().unwrap();
    for len in [64usize, 80, 96] {
        skel.progs.xdp_events.test_run(&packet(len)).unwrap();
    }
    let mut seen = Vec::new();
    let n = skel
        .maps
        .events
        .poll(std::time::Duration::from_millis(100), |rec| {
            seen.push(u64_of(rec));
        })
        .unwrap();
    assert_eq!(n, 3);
    assert_eq!(seen, [64, 80, 96]);
    assert_eq!(skel.maps.events.consume(|_| {}).unwrap(), 0, "nothing left");
    // Enough records to wrap around the 4096-byte ring several times.
    let mut total = 0;
    for round in 0..50 {
        for _ in 0..100 {
            skel.progs.xdp_events.test_run(&packet(64)).unwrap();
        }
        total += skel
            .maps
            .events
            .consume(|rec| assert_eq!(u64_of(rec), 64))
            .unwrap();
        assert_eq!(total, (round + 1) * 100, "round {round}");
    }
}

/// Type-generator edge cases.
#[bpf_skeleton("tests/bpf/edge.bpf.o")]
pub struct Edge;

#[test]
fn generated_names_never_clash_and_inexpressible_types_fall_back_to_bytes() {
    let skel = Edge::open_and_load().unwrap();
    skel.progs.edge.test_run(&packet(64)).unwrap();
    let c: edge::types::Clash = skel.maps.clashes.lookup(&0).unwrap().unwrap();
    assert_eq!((c.first, c._pad0, c.set_a, c._bitfield0), (1, 2, 4, 6));
    assert_eq!(c.a(), 5);
    // `struct too_wide` has a 70-bit bitfield: its map's values are bytes.
    // (16 bytes, `after` at byte 9.)
    let w: [u8; 16] = skel.maps.wides.lookup(&[0; 4]).unwrap().unwrap();
    assert_eq!(w[9], 9, "`after` at byte 9");
}

/// A perf event array.
#[bpf_skeleton("tests/bpf/perf.bpf.o")]
pub struct Perf;

#[test]
fn perf_buffer_delivers_samples_in_order_and_reports_losses() {
    use bpf_skeleton::runtime::perf::PerfRecord;
    let skel = Perf::open_and_load().unwrap();
    let cpus = bpf_skeleton::runtime::possible_cpus().unwrap();
    assert_eq!(
        skel.maps.events.raw().max_entries() as usize,
        cpus,
        "0 entries: one per CPU"
    );
    let mut buf = skel.maps.events.open_buffer(4).unwrap();
    for len in [64usize, 70, 90] {
        skel.progs.emit.test_run(&packet(len)).unwrap();
    }
    let mut samples = Vec::new();
    let n = buf
        .poll(std::time::Duration::from_millis(200), |r| match r {
            PerfRecord::Sample { data, .. } => {
                samples.push((u32_of(&data[..4]), u32_of(&data[4..8])));
            }
            PerfRecord::Lost { count, .. } => panic!("lost {count}"),
        })
        .unwrap();
    assert_eq!(n, 3);
    samples.sort_by_key(|s| s.1);
    assert_eq!(samples, [(64, 0), (70, 1), (90, 2)]);
    // Far more records than 4 pages hold. The kernel counts the drops and
    // writes the LOST record with the next record that finds room: drain,
    // emit once more on every CPU's ring, drain again.
    let (mut got, mut lost) = (0u64, 0u64);
    fn tally(r: PerfRecord<'_>, got: &mut u64, lost: &mut u64) {
        match r {
            PerfRecord::Sample { .. } => *got += 1,
            PerfRecord::Lost { count, .. } => *lost += count,
        }
    }
    // Pin this thread to one CPU so that every record, and the LOST record
    // the kernel writes with the next record that finds room, is on the
    // same ring.
    // SAFETY: a zeroed cpu_set_t is a valid empty set; CPU_SET and
    // sched_setaffinity(0 = this thread) only read the set we own.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(0, &mut set);
        assert_eq!(
            libc::sched_setaffinity(0, std::mem::size_of_val(&set), &set),
            0
        );
    }
    let mut emitted = 0u64;
    for _ in 0..5000 {
        skel.progs.emit.test_run(&packet(64)).unwrap();
        emitted += 1;
    }
    buf.consume(|r| tally(r, &mut got, &mut lost));
    skel.progs.emit.test_run(&packet(64)).unwrap();
    emitted += 1;
    buf.consume(|r| tally(r, &mut got, &mut lost));
    assert!(lost > 0, "4 pages per CPU cannot hold 5000 records");
    assert_eq!(
        got + lost,
        emitted,
        "every record delivered or counted lost"
    );
}

/// Maps of maps and initialised slots.
#[bpf_skeleton("tests/bpf/mom.bpf.o")]
pub struct Mom;

#[test]
fn maps_of_maps_and_initial_slots() {
    let skel = Mom::open_and_load().unwrap();
    // Slot 1 starts as slot_b: the program reaches slot_b through outer.
    assert_eq!(
        skel.progs.via_outer.test_run(&packet(64)).unwrap().retval,
        2
    );
    assert_eq!(skel.maps.slot_b.lookup(&2).unwrap(), Some(1));
    assert_eq!(skel.maps.slot_a.lookup(&2).unwrap(), Some(0));
    let slot_b_id = skel.maps.slot_b.raw().info().unwrap().id;
    assert_eq!(skel.maps.outer.inner_id(&1).unwrap(), Some(slot_b_id));
    assert_eq!(skel.maps.outer.inner_id(&0).unwrap(), None);

    // A new inner map from the template replaces it.
    let fresh = skel.maps.outer.create_inner().unwrap();
    skel.maps.outer.set(&1, &fresh).unwrap();
    skel.progs.via_outer.test_run(&packet(64)).unwrap();
    assert_eq!(value_u64(&fresh, &2u32.to_ne_bytes()), 1);
    assert_eq!(
        skel.maps.slot_b.lookup(&2).unwrap(),
        Some(1),
        "slot_b untouched"
    );
    // Without an inner map the program aborts.
    assert!(skel.maps.outer.delete(&1).unwrap());
    assert_eq!(
        skel.progs.via_outer.test_run(&packet(64)).unwrap().retval,
        0
    );

    // The program array starts with jump_target in slot 0.
    assert_eq!(
        skel.progs.jump_entry.test_run(&packet(64)).unwrap().retval,
        1
    );
    assert_eq!(skel.bss.jumped(), 1);

    // Ring buffers in a map-of-maps: the template's 1000 bytes are created
    // as 4096 (libbpf's rounding), the template map and new inner maps
    // alike, and the program's output into the slot's ring succeeds.
    assert_eq!(skel.maps.ring_a.raw().info().unwrap().max_entries, 4096);
    let ring = skel.maps.rings.create_inner().unwrap();
    assert_eq!(ring.info().unwrap().max_entries, 4096);
    let pass = 2;
    assert_eq!(
        skel.progs.via_rings.test_run(&packet(64)).unwrap().retval,
        pass
    );
    skel.maps.rings.set(&0, &ring).unwrap();
    assert_eq!(
        skel.progs.via_rings.test_run(&packet(64)).unwrap().retval,
        pass
    );
    assert!(skel.maps.rings.delete(&0).unwrap());
    let drop = 1;
    assert_eq!(
        skel.progs.via_rings.test_run(&packet(64)).unwrap().retval,
        drop
    );
}
