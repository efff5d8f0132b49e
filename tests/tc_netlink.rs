//! tc classifiers through netlink (`attach_tc`, and `attach_tcx`'s fallback
//! where the kernel has no tcx links): a clsact qdisc and a direct-action
//! cls_bpf filter on a veth pair in a private network namespace count
//! exact frames, honour handle and priority, and the filter is deleted
//! when its link drops.

mod common;

use std::time::{Duration, Instant};

use bpf_skeleton::runtime::{Object, OpenObject, TcOptions, TcxDirection};
use common::veth::{send_frames, with_veth};

/// `counts` index of `tcx_in` (tests/bpf/attach.bpf.c).
const C_TCX: u32 = 4;

fn load() -> Object {
    OpenObject::from_file(common::corpus("attach.bpf.o"))
        .unwrap()
        .load()
        .unwrap()
}

fn count(obj: &Object) -> u64 {
    common::value_u64(obj.map("counts").unwrap(), &C_TCX.to_ne_bytes())
}

/// Waits up to 3 s for the count to reach `want`, then checks it stays.
fn wait_count(obj: &Object, want: u64) {
    let deadline = Instant::now() + Duration::from_secs(3);
    while count(obj) < want && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(count(obj), want);
}

#[test]
fn tc_filter_counts_frames_honours_handle_and_priority_and_is_deleted_on_drop() {
    with_veth("tcnl-a", "tcnl-b", |a, b| {
        let obj = load();
        let prog = obj.program("tcx_in").unwrap();
        let opts = TcOptions {
            handle: 7,
            priority: 3,
            replace: false,
        };
        let link = prog.attach_tc(b, TcxDirection::Ingress, &opts).unwrap();
        assert!(!link.is_bpf_link());
        assert!(
            link.description().contains("handle 0x7 priority 3"),
            "{}",
            link.description()
        );
        send_frames(a, 5).unwrap();
        wait_count(&obj, 5);

        // The same handle and priority again: refused, unless replacing.
        let e = prog.attach_tc(b, TcxDirection::Ingress, &opts).unwrap_err();
        assert!(e.to_string().contains("exists (TcOptions::replace)"), "{e}");
        let e = {
            let mut link = prog
                .attach_tc(b, TcxDirection::Ingress, &TcOptions { handle: 8, ..opts })
                .unwrap();
            link.pin("/sys/fs/bpf/never-made").unwrap_err()
        };
        assert!(e.to_string().contains("not a BPF link"), "{e}");

        drop(link);
        send_frames(a, 4).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(count(&obj), 5, "no filter once the links dropped");
        // Deleted: the same handle and priority can be had again.
        let again = prog.attach_tc(b, TcxDirection::Ingress, &opts).unwrap();
        send_frames(a, 2).unwrap();
        wait_count(&obj, 7);
        drop(again);
    });
}

#[test]
fn tc_filter_on_egress_with_kernel_chosen_handle_and_priority() {
    with_veth("tcne-a", "tcne-b", |_a, b| {
        let obj = load();
        let prog = obj.program("tcx_in").unwrap();
        let link = prog
            .attach_tc(b, TcxDirection::Egress, &TcOptions::default())
            .unwrap();
        // The kernel picked both: neither is 0 in what the link says.
        let d = link.description().to_string();
        assert!(
            !d.contains("handle 0x0 ") && !d.ends_with("priority 0"),
            "{d}"
        );
        send_frames(b, 4).unwrap();
        wait_count(&obj, 4);
        drop(link);
        send_frames(b, 4).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(count(&obj), 4);

        let e = prog
            .attach_tc(999_999, TcxDirection::Ingress, &TcOptions::default())
            .unwrap_err();
        assert!(
            e.to_string().contains("no interface with index 999999"),
            "{e}"
        );
        let xdp = obj.program("xdp_count").unwrap();
        let e = xdp
            .attach_tc(b, TcxDirection::Ingress, &TcOptions::default())
            .unwrap_err();
        assert!(e.to_string().contains("attach_tc needs a"), "{e}");
    });
}
