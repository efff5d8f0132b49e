//! The async ring buffer consumer (feature `tokio`) against the kernel: a
//! tracepoint program sends one typed record per `getppid` of a producer
//! thread; a tokio task receives exactly that many, in order, without
//! blocking its thread, and a pending wait dropped loses none.
#![cfg(feature = "tokio")]
#![deny(warnings, missing_docs)]

use std::sync::mpsc;
use std::time::Duration;

use bpf_skeleton::bpf_skeleton;
use bpf_skeleton::runtime::skel::{AsyncRingBuf, RingBufPoller};
use common::mounts::{ensure_tracefs, with_private_mounts};

mod common;

/// Sends a typed `event` per getppid of its target thread.
#[bpf_skeleton("tests/bpf/skel_attach.bpf.o", ringbuf(events = event))]
pub struct SkelAttach;

const N: u32 = 300;

#[test]
fn async_consumer_receives_exactly_n_typed_records() {
    with_private_mounts(|| {
        let _tracefs = ensure_tracefs();
        // The producer thread: reports its id, then makes `N` getppid
        // calls when told, a little apart so the consumer waits many times.
        let (tid_tx, tid_rx) = mpsc::channel();
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let producer = std::thread::spawn(move || {
            // SAFETY: gettid has no preconditions.
            tid_tx.send(unsafe { libc::gettid() } as u32).unwrap();
            go_rx.recv().unwrap();
            for i in 0..N {
                // SAFETY: no preconditions.
                unsafe { libc::getppid() };
                if i % 10 == 0 {
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        });
        let mut open = SkelAttach::open().unwrap();
        open.rodata.target_tid = tid_rx.recv().unwrap();
        let mut skel = open.load().unwrap();
        skel.attach().unwrap();

        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .unwrap();
        let seqs = rt.block_on(async {
            let mut seqs = Vec::new();
            let mut wakeups = 0;
            {
                let mut events =
                    AsyncRingBuf::typed(&skel.maps.events, |e: &skel_attach::types::Event| {
                        assert_eq!(e.cookie, 0x5eed);
                        seqs.push(e.seq);
                    })
                    .unwrap();
                // A wait that is dropped before anything arrives.
                let idle = tokio::time::timeout(Duration::from_millis(50), events.poll_async());
                assert!(idle.await.is_err(), "no records before the producer runs");
                go_tx.send(()).unwrap();
                let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
                let mut got = 0;
                while got < N as usize {
                    let n = tokio::time::timeout_at(deadline, events.poll_async())
                        .await
                        .expect("records within 20 s")
                        .unwrap();
                    assert!(n > 0);
                    got += n;
                    wakeups += 1;
                }
                // Nothing more comes.
                let extra = tokio::time::timeout(Duration::from_millis(100), events.poll_async());
                assert!(extra.await.is_err(), "exactly {N} records");
            }
            eprintln!("{N} records in {wakeups} wakeups");
            seqs
        });
        producer.join().unwrap();
        assert_eq!(seqs, (0..N).collect::<Vec<_>>(), "every record, in order");
        assert_eq!(skel.bss.getppid_hits(), u64::from(N));
    })
}

#[test]
fn async_consumer_of_several_rings_through_one_poller() {
    with_private_mounts(|| {
        let _tracefs = ensure_tracefs();
        let mut open = SkelAttach::open().unwrap();
        // SAFETY: gettid has no preconditions.
        open.rodata.target_tid = unsafe { libc::gettid() } as u32;
        let mut skel = open.load().unwrap();
        skel.attach().unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .unwrap();
        let (mut typed, mut raw) = (0usize, Vec::new());
        rt.block_on(async {
            let mut poller = RingBufPoller::new().unwrap();
            poller
                .add(&skel.maps.events, |_: &skel_attach::types::Event| {
                    typed += 1
                })
                .unwrap();
            poller
                .add_raw(&skel.maps.counts_log, |b| raw.push(b.len()))
                .unwrap();
            let mut rings = AsyncRingBuf::new(poller).unwrap();
            for _ in 0..4 {
                // SAFETY: no preconditions.
                unsafe { libc::getppid() };
                // SAFETY: no preconditions.
                unsafe { libc::getpgid(0) };
            }
            let mut got = 0;
            while got < 8 {
                got += tokio::time::timeout(Duration::from_secs(10), rings.poll_async())
                    .await
                    .expect("records within 10 s")
                    .unwrap();
            }
            assert_eq!(got, 8);
        });
        assert_eq!((typed, raw), (4, vec![8; 4]));
    })
}
