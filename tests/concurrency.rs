//! Eight threads loading and using skeletons at once, and one skeleton
//! shared by eight threads. Skeleton types are Send + Sync with no unsafe
//! impl: they own file descriptors and plain data only.

mod common;

use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::sync::Arc;

use bpf_skeleton::bpf_skeleton;
use common::*;

#[bpf_skeleton("tests/bpf/multi.bpf.o")]
struct Multi;

#[bpf_skeleton("tests/bpf/counter.bpf.o")]
struct Counter;

const THREADS: usize = 8;

#[test]
fn eight_threads_load_and_run_their_own_skeletons() {
    std::thread::scope(|s| {
        for t in 0..THREADS {
            s.spawn(move || {
                for round in 0..25 {
                    let skel = Multi::open_and_load()
                        .unwrap_or_else(|e| panic!("thread {t} round {round}: {e}"));
                    let out = skel.progs.xdp_classify.test_run(&packet(64)).unwrap();
                    assert_eq!(out.retval, 2);
                    let by_len = skel.maps.by_len.raw();
                    assert_eq!(value_u64(by_len, &1u32.to_ne_bytes()), 1);
                    // Each skeleton has its own maps: one run each.
                    let data = skel
                        .maps
                        .bss
                        .raw()
                        .lookup(&0u32.to_ne_bytes(), 0)
                        .unwrap()
                        .unwrap();
                    assert_eq!(u64_of(&data[..8]), 6, "total from bpf_loop");
                }
            });
        }
    });
}

#[test]
fn one_skeleton_shared_by_eight_threads() {
    let skel = Arc::new(Counter::open_and_load().unwrap());
    let runs = 200;
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let skel = Arc::clone(&skel);
            std::thread::spawn(move || {
                for _ in 0..runs {
                    skel.progs.count_packets.test_run(&packet(64)).unwrap();
                    let _ = skel
                        .maps
                        .counts
                        .raw()
                        .lookup(&0u32.to_ne_bytes(), 0)
                        .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    // The program adds atomically: every run counted once.
    let counts = skel.maps.counts.raw();
    assert_eq!(
        value_u64(counts, &0u32.to_ne_bytes()),
        (THREADS * runs) as u64
    );
    let bss = skel
        .maps
        .bss
        .raw()
        .lookup(&0u32.to_ne_bytes(), 0)
        .unwrap()
        .unwrap();
    assert_eq!(u64_of(&bss[..8]), (THREADS * runs) as u64, "packets_seen");
}

#[bpf_skeleton("tests/bpf/types.bpf.o")]
struct Types;

/// Live globals shared by 8 threads: atomic increments from user space
/// and from the program interleave without losing any, while the plain
/// getter and whole-section snapshots read the same counter (all accesses
/// atomic, with the counter's one width).
#[test]
fn live_globals_shared_by_eight_threads() {
    let skel = Arc::new(Types::open_and_load().unwrap());
    let per_thread = 500;
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let skel = Arc::clone(&skel);
            s.spawn(move || {
                let hits = skel.bss.hits_atomic().expect("aligned and writable");
                let mut last = 0;
                for i in 0..per_thread {
                    if (i + t) % 2 == 0 {
                        hits.fetch_add(1, SeqCst);
                    } else {
                        // The program does __sync_fetch_and_add(&hits, 1).
                        skel.progs.fill.test_run(&packet(64)).unwrap();
                    }
                    let seen = skel.bss.read().hits.max(skel.bss.hits());
                    assert!(seen >= last, "{seen} after {last}");
                    last = seen;
                }
            });
        }
    });
    assert_eq!(skel.bss.hits(), (THREADS * per_thread) as u64);
}

/// 8 threads each do 1M `fetch_add` on one counter while two others read
/// it through the plain getter and a snapshot: the total is exact, and
/// every read is a value that was written. Each add is `STEP`, which
/// increments both 32-bit halves, so a torn read (halves of two different
/// values) shows unequal halves.
#[test]
fn eight_threads_fetch_add_while_others_read_the_plain_getter() {
    const STEP: u64 = (1 << 32) | 1;
    const ADDS: u64 = 1_000_000;
    let skel = Types::open_and_load().unwrap();
    let hits = skel.bss.hits_atomic().expect("aligned and writable");
    let done = std::sync::atomic::AtomicBool::new(false);
    let check = |v: u64, last: u64| {
        assert_eq!(v >> 32, v & 0xffff_ffff, "torn read {v:#x}");
        assert!(v >= last, "{v:#x} after {last:#x}");
        assert!(v <= THREADS as u64 * ADDS * STEP, "never written: {v:#x}");
    };
    std::thread::scope(|s| {
        let getter = s.spawn(|| {
            let (mut last, mut reads) = (0, 0u64);
            while !done.load(SeqCst) {
                let v = skel.bss.hits();
                check(v, last);
                (last, reads) = (v, reads + 1);
            }
            reads
        });
        let snapshot = s.spawn(|| {
            let (mut last, mut reads) = (0, 0u64);
            while !done.load(SeqCst) {
                let v = skel.bss.with(|b| b.hits);
                check(v, last);
                (last, reads) = (v, reads + 1);
            }
            reads
        });
        let adders: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    for _ in 0..ADDS {
                        hits.fetch_add(STEP, std::sync::atomic::Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for a in adders {
            a.join().unwrap();
        }
        done.store(true, SeqCst);
        assert!(getter.join().unwrap() > 0);
        assert!(snapshot.join().unwrap() > 0);
    });
    let total = skel.bss.hits();
    assert_eq!(
        total & 0xffff_ffff,
        THREADS as u64 * ADDS,
        "exactly 8M adds"
    );
    assert_eq!(total, THREADS as u64 * ADDS * STEP);
}

/// `RingBuffer` consumed by 8 threads while producers run: every record is
/// delivered exactly once.
#[test]
fn ring_buffer_consumers_in_eight_threads() {
    let skel = Arc::new(Multi::open_and_load().unwrap());
    let produced = AtomicUsize::new(0);
    let consumed = AtomicUsize::new(0);
    let sum = AtomicU64::new(0);
    // Consumes what is available, adding each record's value to `sum`.
    let drain = |skel: &Multi| {
        let n = skel
            .maps
            .events
            .consume(|rec| {
                sum.fetch_add(u64_of(rec), SeqCst);
            })
            .unwrap();
        consumed.fetch_add(n, SeqCst);
    };
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let skel = Arc::clone(&skel);
            let (produced, consumed, drain) = (&produced, &consumed, &drain);
            s.spawn(move || {
                for i in 0..200 {
                    // Backpressure: the ring holds 256 records of 16 bytes; a
                    // full ring would drop records, not test delivery.
                    while produced.load(SeqCst) > consumed.load(SeqCst) + 128 {
                        drain(&skel);
                    }
                    if t % 2 == 0 {
                        // 64..=127 byte packets; the program records the length.
                        skel.progs
                            .xdp_events
                            .test_run(&packet(64 + (i % 64)))
                            .unwrap();
                        produced.fetch_add(1, SeqCst);
                    }
                    drain(&skel);
                }
            });
        }
    });
    drain(&skel);
    let consumed = consumed.into_inner();
    assert_eq!(consumed, produced.into_inner());
    let expected: u64 = (0..200u64).map(|i| 64 + (i % 64)).sum::<u64>() * (THREADS as u64 / 2);
    assert_eq!(sum.into_inner(), expected, "each record delivered once");
}

#[bpf_skeleton("tests/bpf/perf.bpf.o")]
struct Perf;

/// `PerfBuffer` is Send: created here, consumed in another thread.
#[test]
fn perf_buffer_moves_to_another_thread() {
    let skel = Perf::open_and_load().unwrap();
    let mut buf = skel.maps.events.open_buffer(2).unwrap();
    for _ in 0..10 {
        skel.progs.emit.test_run(&packet(64)).unwrap();
    }
    let n = std::thread::spawn(move || {
        buf.poll(std::time::Duration::from_millis(200), |_| {})
            .unwrap()
    })
    .join()
    .unwrap();
    assert_eq!(n, 10);
}
