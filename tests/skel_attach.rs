//! A skeleton's `attach()` against the kernel: it attaches the programs
//! whose section names their hook, they fire with exact counts, and they
//! stop once the skeleton is dropped; `set_autoattach(false)` is honoured;
//! ring buffer records arrive typed. Syscall hooks count only this test's
//! thread (its id in `.rodata`), so concurrent tests do not disturb them.
#![deny(warnings, missing_docs)]

use std::time::Duration;

use bpf_skeleton::bpf_skeleton;
use common::mounts::{ensure_tracefs, with_private_mounts};

mod common;

/// Two tracepoints (auto-attachable), one XDP program (not), a typed
/// ring buffer and an extra BTF type.
#[bpf_skeleton(
    "tests/bpf/skel_attach.bpf.o",
    ringbuf(events = event),
    types(sample)
)]
pub struct SkelAttach;

fn tid() -> u32 {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::gettid() as u32 }
}

fn getppid_n(n: usize) {
    for _ in 0..n {
        // SAFETY: no preconditions.
        unsafe { libc::getppid() };
    }
}

fn getpgid_n(n: usize) {
    for _ in 0..n {
        // SAFETY: no preconditions.
        unsafe { libc::getpgid(0) };
    }
}

fn open_for_me() -> OpenSkelAttach {
    let mut open = SkelAttach::open().unwrap();
    open.rodata.target_tid = tid();
    open
}

#[test]
fn attach_all_fires_exactly_then_stops_after_drop() {
    with_private_mounts(|| {
        let _tracefs = ensure_tracefs();
        let mut skel = open_for_me().load().unwrap();
        assert!(skel.links.on_getppid.is_none());
        getppid_n(3);
        assert_eq!(
            skel.bss.getppid_hits(),
            0,
            "nothing attached before attach()"
        );

        skel.attach().unwrap();
        assert!(skel.links.on_getppid.is_some());
        assert!(skel.links.on_getpgid.is_some());
        assert!(
            skel.links.on_xdp.is_none(),
            "a plain `xdp` section names no interface: skipped"
        );
        getppid_n(5);
        getpgid_n(7);
        assert_eq!(skel.bss.getppid_hits(), 5);
        assert_eq!(skel.bss.getpgid_hits(), 7);
        assert_eq!(skel.bss.xdp_hits(), 0);

        // A second attach() leaves the links it already holds alone.
        skel.attach().unwrap();
        getppid_n(1);
        assert_eq!(skel.bss.getppid_hits(), 6, "attached once, not twice");

        // Dropping one link detaches that program only.
        skel.links.on_getpgid = None;
        getpgid_n(4);
        getppid_n(1);
        assert_eq!(skel.bss.getpgid_hits(), 7);
        assert_eq!(skel.bss.getppid_hits(), 7);

        // A mapping of .bss that outlives the skeleton shows the counts after
        // the links are gone.
        let mem = std::sync::Arc::clone(skel.maps.bss.raw().mmap().unwrap());
        let hits_at = |mem: &bpf_skeleton::runtime::mmap::Mmap| {
            let mut b = [0u8; 8];
            assert!(mem.read(0, &mut b));
            u64::from_ne_bytes(b)
        };
        assert_eq!(hits_at(&mem), 7, "getppid_hits is the first .bss variable");
        drop(skel);
        getppid_n(10);
        assert_eq!(hits_at(&mem), 7, "detached when the skeleton dropped");
    })
}

#[test]
fn set_autoattach_false_is_honoured() {
    with_private_mounts(|| {
        let _tracefs = ensure_tracefs();
        let mut open = open_for_me();
        assert!(open.progs.on_getpgid.autoattach());
        open.progs.on_getpgid.set_autoattach(false);
        let mut skel = open.load().unwrap();
        assert!(!skel.progs.on_getpgid.autoattach());
        skel.attach().unwrap();
        assert!(skel.links.on_getppid.is_some());
        assert!(skel.links.on_getpgid.is_none());
        getpgid_n(3);
        getppid_n(2);
        assert_eq!(skel.bss.getpgid_hits(), 0, "autoattach off: not attached");
        assert_eq!(skel.bss.getppid_hits(), 2);

        // It can still be attached by hand, and then fires.
        let link = skel.progs.on_getpgid.attach().unwrap();
        getpgid_n(3);
        assert_eq!(skel.bss.getpgid_hits(), 3);
        drop(link);
        getpgid_n(3);
        assert_eq!(skel.bss.getpgid_hits(), 3);
    })
}

#[test]
fn typed_attach_methods() {
    with_private_mounts(|| {
        let _tracefs = ensure_tracefs();
        let skel = open_for_me().load().unwrap();
        let link = skel
            .progs
            .on_getpgid
            .attach_tracepoint("syscalls", "sys_enter_getpgid")
            .unwrap();
        getpgid_n(2);
        assert_eq!(skel.bss.getpgid_hits(), 2);
        drop(link);
        // attach_xdp exists on the XDP program; ifindex 1 is this network
        // namespace's loopback.
        let link = skel.progs.on_xdp.attach_xdp(1, Default::default()).unwrap();
        drop(link);
    })
}

#[test]
fn ring_buffer_records_are_typed() {
    with_private_mounts(|| {
        let _tracefs = ensure_tracefs();
        let mut skel = open_for_me().load().unwrap();
        skel.attach().unwrap();
        getppid_n(4);
        let mut got: Vec<skel_attach::types::Event> = Vec::new();
        let n = skel
            .maps
            .events
            .poll(Duration::from_secs(1), |e: &skel_attach::types::Event| {
                got.push(*e)
            })
            .unwrap();
        assert_eq!(n, 4);
        let seqs: Vec<u32> = got.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [0, 1, 2, 3]);
        assert!(got.iter().all(|e| e.tid == tid() && e.cookie == 0x5eed));
        // Nothing more: a short poll returns zero records.
        let n = skel
            .maps
            .events
            .poll(Duration::from_millis(10), |_| panic!("no record expected"))
            .unwrap();
        assert_eq!(n, 0);
        // `types(sample)` generated a type nothing in the object uses by value.
        let s = skel_attach::types::Sample { a: 1, b: 2, c: 3 };
        assert_eq!(std::mem::size_of_val(&s), 16);
    })
}

#[test]
fn ring_buffer_record_of_the_wrong_size_is_an_error() {
    with_private_mounts(|| {
        let _tracefs = ensure_tracefs();
        let mut skel = open_for_me().load().unwrap();
        skel.attach().unwrap();
        getppid_n(1);
        // SAFETY: no preconditions.
        unsafe { libc::getsid(0) };
        getppid_n(1);
        let mut seqs = Vec::new();
        let err = skel
            .maps
            .events
            .poll(Duration::from_secs(1), |e: &skel_attach::types::Event| {
                seqs.push(e.seq)
            })
            .unwrap_err();
        assert_eq!(seqs, [0, 1], "the well-formed records around it arrive");
        let msg = err.to_string();
        assert!(
            msg.contains("events") && msg.contains("16 bytes") && msg.contains("was 4 bytes"),
            "{msg}"
        );
        // The bad record was consumed: the ring is empty now.
        let n = skel
            .maps
            .events
            .consume(|_: &skel_attach::types::Event| ())
            .unwrap();
        assert_eq!(n, 0);
    })
}

#[test]
fn several_ring_buffers_polled_together() {
    with_private_mounts(|| {
        let _tracefs = ensure_tracefs();
        let mut skel = open_for_me().load().unwrap();
        skel.attach().unwrap();
        getppid_n(2);
        getpgid_n(3);
        let (mut events, mut logs) = (Vec::new(), Vec::new());
        let mut rings = bpf_skeleton::runtime::skel::RingBufPoller::new().unwrap();
        rings
            .add(&skel.maps.events, |e: &skel_attach::types::Event| {
                events.push(e.seq)
            })
            .unwrap()
            .add_raw(&skel.maps.counts_log, |b: &[u8]| logs.push(b.to_vec()))
            .unwrap();
        let mut total = 0;
        let start = std::time::Instant::now();
        while total < 5 && start.elapsed() < Duration::from_secs(5) {
            total += rings.poll(Duration::from_millis(500)).unwrap();
        }
        assert_eq!(total, 5);
        assert_eq!(rings.consume().unwrap(), 0, "nothing left");
        drop(rings);
        assert_eq!(events, [0, 1]);
        let logs: Vec<u64> = logs
            .iter()
            .map(|b| u64::from_ne_bytes(b.as_slice().try_into().unwrap()))
            .collect();
        assert_eq!(logs, [1, 2, 3]);
    })
}

extern "C" fn ignore_signal(_: libc::c_int) {}

#[test]
fn poll_interrupted_by_a_signal_returns_no_records() {
    let skel = open_for_me().load().unwrap();
    // A handler without SA_RESTART (poll is never restarted anyway).
    // SAFETY: a sigaction struct we own; the handler does nothing.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = ignore_signal as *const () as libc::sighandler_t;
        assert_eq!(libc::sigaction(libc::SIGUSR1, &sa, std::ptr::null_mut()), 0);
    }
    // SAFETY: pthread_self has no preconditions.
    let me = unsafe { libc::pthread_self() };
    let kicker = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        // SAFETY: `me` is alive: it waits in poll until this signal.
        unsafe { libc::pthread_kill(me, libc::SIGUSR1) };
    });
    let start = std::time::Instant::now();
    let n = skel
        .maps
        .events
        .poll(Duration::from_secs(20), |_| panic!("no record expected"))
        .unwrap();
    kicker.join().unwrap();
    assert_eq!(n, 0);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "returned at the signal, not the timeout"
    );
}
