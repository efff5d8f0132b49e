//! 10,000 open/load/drop cycles in one process leave the fd count and the
//! resident set flat. One test in its own binary: nothing else runs while
//! it measures.

mod common;

use bpf_skeleton::runtime::OpenObject;
use common::*;

const CYCLES: usize = 10_000;
const WARMUP: usize = 500;

/// Resident set size in KiB (`VmRSS` of /proc/self/status).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn ten_thousand_load_cycles_leave_fds_and_memory_flat() {
    if !exclusive_maps() {
        return;
    }
    let bytes = std::fs::read(corpus("counter.bpf.o")).unwrap();
    let cycle = |i: usize| {
        let mut open = OpenObject::from_bytes(&bytes).unwrap();
        open.set_exclusive("counts", "count_packets").unwrap();
        let obj = open
            .load()
            .unwrap_or_else(|e| panic!("cycle {i}: load refused: {e}"));
        let p = obj.program("count_packets").unwrap();
        assert_eq!(p.test_run(&packet(64)).unwrap().retval, 2);
    };
    let fds = open_fds();
    for i in 0..WARMUP {
        cycle(i);
    }
    let rss_warm = rss_kib();
    let start = std::time::Instant::now();
    for i in WARMUP..CYCLES {
        cycle(i);
        if i % 1000 == 0 {
            assert_eq!(open_fds(), fds, "fds grew by cycle {i}");
        }
    }
    let elapsed = start.elapsed();
    let rss_end = rss_kib();
    assert_eq!(open_fds(), fds, "fds left after {CYCLES} cycles");
    let growth = rss_end.saturating_sub(rss_warm);
    eprintln!(
        "{} cycles in {:.2?} ({:.0} us each); RSS {rss_warm} KiB -> {rss_end} KiB",
        CYCLES - WARMUP,
        elapsed,
        elapsed.as_micros() as f64 / (CYCLES - WARMUP) as f64
    );
    assert!(
        growth < 2048,
        "RSS grew by {growth} KiB over {CYCLES} cycles"
    );
}
