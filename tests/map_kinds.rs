//! Every map kind typed (issue 11): queues, stacks, bloom filters,
//! `lookup_and_delete`, `BPF_F_LOCK` on a value with a `bpf_spin_lock`,
//! per-CPU iteration and batch lookup, against the real kernel; and the
//! compiler's constant pool (`.rodata.cst16`) loaded but kept internal.
#![deny(warnings, missing_docs)]

use bpf_skeleton::bpf_skeleton;
use bpf_skeleton::runtime::map::flags::EXIST;
use bpf_skeleton::Error;

/// The map kinds object.
#[bpf_skeleton("tests/bpf/mapkinds.bpf.o")]
pub struct MapKinds;

fn run(skel: &MapKinds) {
    let out = skel.progs.exercise.test_run(&[0u8; 64]).unwrap();
    assert_eq!(out.retval, 2, "XDP_PASS");
}

#[test]
fn queues_and_stacks_push_pop_and_peek_in_their_order() {
    let skel = MapKinds::open_and_load().unwrap();
    let (fifo, lifo) = (&skel.maps.fifo, &skel.maps.lifo);
    assert_eq!(fifo.pop().unwrap(), None, "empty queue");
    assert_eq!(lifo.peek().unwrap(), None, "empty stack");
    for v in [1u64, 2, 3] {
        fifo.push(&v, 0).unwrap();
        lifo.push(&(v as u32), 0).unwrap();
    }
    // The program pushes 42 onto the queue and 7 onto the stack.
    run(&skel);
    assert_eq!(fifo.peek().unwrap(), Some(1));
    assert_eq!(lifo.peek().unwrap(), Some(7));
    let q: Vec<u64> = std::iter::from_fn(|| fifo.pop().unwrap()).collect();
    let s: Vec<u32> = std::iter::from_fn(|| lifo.pop().unwrap()).collect();
    assert_eq!(q, [1, 2, 3, 42]);
    assert_eq!(s, [7, 3, 2, 1]);

    // A full queue refuses a push unless BPF_EXIST drops the oldest.
    for v in 0..8u64 {
        fifo.push(&v, 0).unwrap();
    }
    let e = fifo.push(&100, 0).expect_err("full");
    assert!(e.to_string().contains("BPF_MAP_UPDATE_ELEM"), "{e}");
    fifo.push(&100, EXIST).unwrap();
    assert_eq!(fifo.pop().unwrap(), Some(1), "0 was dropped");
}

#[test]
fn bloom_filters_have_no_false_negatives() {
    let skel = MapKinds::open_and_load().unwrap();
    let seen = &skel.maps.seen;
    assert!(!seen.contains(&1234).unwrap(), "empty filter");
    run(&skel);
    assert!(seen.contains(&1234).unwrap(), "pushed by the program");
    for v in 0..20u32 {
        seen.push(&v).unwrap();
    }
    for v in 0..20u32 {
        assert!(seen.contains(&v).unwrap(), "{v} was pushed");
    }
    let absent = (1_000_000..1_000_050u32)
        .filter(|v| !seen.contains(v).unwrap())
        .count();
    assert!(
        absent > 25,
        "a 64-entry filter holding 21 values: {absent}/50 absent"
    );
}

#[test]
fn spin_locked_values_and_lookup_and_delete() {
    let skel = MapKinds::open_and_load().unwrap();
    let guarded = &skel.maps.guarded;
    let v = bpf_skeleton::runtime::plain::Plain::zeroed();
    let mut value: map_kinds::types::Locked = v;
    value.hits = 10;
    guarded.update_locked(&1, &value, 0).unwrap();
    run(&skel);
    run(&skel);
    let got = guarded.lookup_locked(&1).unwrap().unwrap();
    assert_eq!(got.hits, 12, "the program bumped it twice under the lock");
    // Without BPF_F_LOCK the plain update still works; the lock variants
    // of a missing key find nothing.
    assert!(guarded.lookup_locked(&3).unwrap().is_none());
    let taken = guarded.lookup_and_delete(&1).unwrap().unwrap();
    assert_eq!(taken.hits, 12);
    assert!(guarded.lookup(&1).unwrap().is_none(), "deleted");
    assert!(guarded.lookup_and_delete(&1).unwrap().is_none());
}

#[test]
fn per_cpu_maps_iterate_and_batch() {
    let skel = MapKinds::open_and_load().unwrap();
    let m = &skel.maps.per_cpu;
    let cpus = bpf_skeleton::runtime::possible_cpus().unwrap();
    for k in 0..5u32 {
        let values: Vec<u64> = (0..cpus as u64).map(|c| k as u64 * 100 + c).collect();
        m.update(&k, &values, 0).unwrap();
    }
    let mut it: Vec<(u32, Vec<u64>)> = m.iter().map(Result::unwrap).collect();
    it.sort_by_key(|e| e.0);
    let mut batch = m.lookup_batch().unwrap();
    batch.sort_by_key(|e| e.0);
    assert_eq!(it, batch);
    assert_eq!(it.len(), 5);
    for (k, v) in &it {
        let want: Vec<u64> = (0..cpus as u64).map(|c| *k as u64 * 100 + c).collect();
        assert_eq!(v, &want);
    }
    let taken = m.lookup_and_delete(&2).unwrap().unwrap();
    assert_eq!(taken.first(), Some(&200));
    assert!(m.lookup(&2).unwrap().is_none());
}

#[test]
fn constant_pools_are_loaded_but_internal() {
    let skel = MapKinds::open_and_load().unwrap();
    // The program copies a 16-byte constant from `.rodata.cst16`: the pool
    // was created and relocated although the skeleton has no field for it.
    run(&skel);
    let v = skel.maps.pattern.lookup(&0).unwrap().unwrap();
    let want: Vec<u8> = (1..=16).collect();
    assert_eq!(v.as_slice(), want.as_slice());
    let debug = format!("{:?}", skel.maps);
    assert!(debug.contains(".rodata.cst16"), "still loaded: {debug}");
}

#[test]
fn keyless_calls_on_a_keyed_map_are_refused_by_name() {
    let skel = MapKinds::open_and_load().unwrap();
    let e = skel
        .maps
        .drained
        .raw()
        .push(&[0u8; 8], 0)
        .expect_err("has keys");
    assert!(matches!(e, Error::InvalidArgument { .. }), "{e:?}");
    assert!(
        e.to_string().contains("`push` is for maps without keys"),
        "{e}"
    );
    let e = skel
        .maps
        .fifo
        .raw()
        .push(&[0u8; 4], 0)
        .expect_err("short value");
    assert!(
        matches!(
            e,
            Error::SizeMismatch {
                expected: 8,
                found: 4,
                ..
            }
        ),
        "{e:?}"
    );
    let e = skel
        .maps
        .seen
        .raw()
        .contains(&[0u8; 5])
        .expect_err("long value");
    assert!(
        matches!(
            e,
            Error::SizeMismatch {
                expected: 4,
                found: 5,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn user_ring_buffers_carry_records_to_the_program() {
    let skel = MapKinds::open_and_load().unwrap();
    let ring = &skel.maps.requests;
    let free = ring.available().unwrap();
    assert_eq!(free, 4096);
    for v in [5u64, 6, 7] {
        ring.submit_value(&v).unwrap();
    }
    assert_eq!(ring.available().unwrap(), 4096 - 3 * 16);
    // The program drains them and sums the values into `drained`.
    run(&skel);
    assert_eq!(skel.maps.drained.lookup(&0).unwrap(), Some(18));
    assert_eq!(ring.available().unwrap(), 4096, "drained");

    // Fill it: 4096 / 16 records of 8 bytes, then it refuses, naming why.
    for i in 0..256u64 {
        ring.submit_value(&i).unwrap();
    }
    let e = ring.submit_value(&1u64).expect_err("full");
    assert!(e.to_string().contains("full"), "{e}");
    let e = ring.submit(&[0u8; 4096]).expect_err("too large");
    assert!(e.to_string().contains("does not fit"), "{e}");
    run(&skel);
    assert_eq!(skel.maps.drained.lookup(&0).unwrap(), Some(255 * 256 / 2));
    // A record that is not a multiple of 8 bytes keeps the next one
    // aligned: the program's 8-byte read fails on the 3-byte record (its
    // dynptr is 3 bytes) and reads the next one whole.
    ring.submit(&[1, 2, 3]).unwrap();
    ring.submit_value(&9u64).unwrap();
    assert_eq!(ring.available().unwrap(), 4096 - 16 - 16);
    run(&skel);
    assert_eq!(skel.maps.drained.lookup(&0).unwrap(), Some(9));
    assert_eq!(ring.available().unwrap(), 4096, "both drained");
}
