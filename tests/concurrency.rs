//! Eight threads loading and using skeletons at once, and one skeleton
//! shared by eight threads. Skeleton types are Send + Sync with no unsafe
//! impl: they own file descriptors and plain data only.

mod common;

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
