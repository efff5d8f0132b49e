//! `uprobe.session` and `kprobe.session` against the kernel: one program
//! runs at a function's entry and, when its entry returned 0, at its
//! return (`bpf_session_is_return()` tells which), through the multi
//! links with the session attach types. Exact entry and return counts; a
//! non-zero entry suppresses the return run; dropping the link stops
//! both. uprobe.session (Linux 6.13) runs on this host on functions of
//! this test binary; kprobe.session (Linux 6.10) needs CONFIG_FPROBE,
//! which this host's kernel lacks: here its error is checked, on the VM
//! kernels (`scripts/vmtest`) the counts.
#![deny(warnings, missing_docs)]

use std::sync::{Mutex, MutexGuard};

use bpf_skeleton::bpf_skeleton;
use bpf_skeleton::runtime::link::link_type;
use bpf_skeleton::runtime::{Error, UprobeMultiOptions, UprobeMultiTarget};

mod common;

/// The session programs.
#[bpf_skeleton("tests/bpf/session.bpf.o")]
pub struct Session;

/// The uprobes fire on any thread calling the probed functions of this
/// binary: tests take turns.
static TURN: Mutex<()> = Mutex::new(());

fn turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

/// Probed explicitly by `us`.
#[no_mangle]
#[inline(never)]
pub extern "C" fn bpf_skeleton_session_target(x: u64) -> u64 {
    std::hint::black_box(x).wrapping_mul(5)
}

/// Auto-attach target of `us_auto`'s section.
#[no_mangle]
#[inline(never)]
pub extern "C" fn bpf_skeleton_session_auto_one(x: u64) -> u64 {
    std::hint::black_box(x) ^ 9
}

fn call(f: extern "C" fn(u64) -> u64, n: u64) {
    for i in 0..n {
        std::hint::black_box(f(std::hint::black_box(i)));
    }
}

fn getpgid_n(n: usize) {
    for _ in 0..n {
        // SAFETY: no preconditions.
        unsafe { libc::getpgid(0) };
    }
}

/// Loads the uprobe (`uprobe`) or the kprobe session programs, or `None`
/// (recorded as a skip) when the kernel predates that session kind and
/// refuses to load them.
fn load(uprobe: bool) -> Option<Session> {
    let mut open = Session::open().unwrap();
    // SAFETY: gettid has no preconditions.
    open.bss.target_tid = unsafe { libc::gettid() } as u32;
    open.progs.us.set_autoload(uprobe);
    open.progs.us_auto.set_autoload(uprobe);
    open.progs.ks.set_autoload(!uprobe);
    open.progs.ks_auto.set_autoload(!uprobe);
    let (kind, since) = if uprobe {
        ("uprobe.session", (6, 13))
    } else {
        ("kprobe.session", (6, 10))
    };
    match open.load() {
        Ok(skel) => Some(skel),
        Err(e) if common::kernel_version() < since => {
            common::skip(&format!(
                "{kind} needs Linux {}.{}; this kernel refuses the program: {e}",
                since.0, since.1
            ));
            None
        }
        Err(e) => panic!("{kind} programs must load on this kernel: {e}"),
    }
}

#[test]
fn uprobe_session_counts_entries_and_returns_exactly_and_stops_on_drop() {
    let _turn = turn();
    let Some(skel) = load(true) else { return };
    let exe = std::env::current_exe().unwrap();
    let link = skel
        .progs
        .us
        .attach_uprobe_multi(Some(0), &exe, "bpf_skeleton_session_target")
        .unwrap();
    assert_eq!(link.info().unwrap().link_type, link_type::UPROBE_MULTI);
    call(bpf_skeleton_session_target, 5);
    call(bpf_skeleton_session_auto_one, 2);
    assert_eq!(skel.bss.us_entries(), 5);
    assert_eq!(skel.bss.us_returns(), 5, "entry returned 0: return runs");

    // A non-zero entry tells the kernel to skip this call's return run.
    skel.bss.set_skip_return(1);
    call(bpf_skeleton_session_target, 3);
    assert_eq!(skel.bss.us_entries(), 8);
    assert_eq!(skel.bss.us_returns(), 5, "entry returned 1: no return run");
    skel.bss.set_skip_return(0);
    call(bpf_skeleton_session_target, 1);
    assert_eq!((skel.bss.us_entries(), skel.bss.us_returns()), (9, 6));

    drop(link);
    call(bpf_skeleton_session_target, 4);
    assert_eq!(
        (skel.bss.us_entries(), skel.bss.us_returns()),
        (9, 6),
        "detached when the link dropped"
    );
    assert_eq!(skel.bss.us_auto_entries(), 0, "never attached");

    // A session is entry and return probe in one: a return probe is
    // refused, as libbpf refuses `retprobe` with `session`.
    let e = skel
        .progs
        .us
        .attach_uprobe_multi_with(
            Some(0),
            &exe,
            UprobeMultiTarget::Symbols(&["bpf_skeleton_session_target"]),
            &UprobeMultiOptions {
                retprobe: Some(true),
                ..UprobeMultiOptions::default()
            },
        )
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("uprobe.session program runs at entry and return already"),
        "{e}"
    );
}

#[test]
fn uprobe_session_auto_attaches_from_its_section() {
    let _turn = turn();
    let Some(mut skel) = load(true) else { return };
    assert!(skel.progs.us_auto.raw().can_auto_attach());
    assert!(!skel.progs.us.raw().can_auto_attach());
    skel.attach().unwrap();
    assert!(skel.links.us_auto.is_some());
    assert!(
        skel.links.us.is_none(),
        "a bare `uprobe.session` names no target: skipped"
    );
    call(bpf_skeleton_session_auto_one, 6);
    call(bpf_skeleton_session_target, 6);
    assert_eq!(skel.bss.us_auto_entries(), 6);
    assert_eq!(skel.bss.us_auto_returns(), 6);
    assert_eq!(skel.bss.us_entries(), 0);
    skel.links.us_auto = None;
    call(bpf_skeleton_session_auto_one, 6);
    assert_eq!(
        (skel.bss.us_auto_entries(), skel.bss.us_auto_returns()),
        (6, 6)
    );
}

#[test]
fn kprobe_session_counts_exactly_or_names_what_is_missing() {
    let Some(mut skel) = load(false) else { return };
    let link = match skel.progs.ks.attach_kprobe_multi("__x64_sys_getpgid") {
        Ok(link) => link,
        Err(e) => {
            assert!(matches!(e, Error::HookUnavailable { .. }), "{e}");
            let msg = e.to_string();
            assert!(
                msg.contains("kprobe.session is not available")
                    && msg.contains("CONFIG_FPROBE")
                    && msg.contains("`ks`"),
                "{msg}"
            );
            // The skeleton's auto-attach reaches the same error.
            let msg = skel.attach().unwrap_err().to_string();
            assert!(
                msg.contains("kprobe.session is not available") && msg.contains("ks_auto"),
                "{msg}"
            );
            common::skip(&format!("kprobe.session: {e}"));
            return;
        }
    };
    assert_eq!(link.info().unwrap().link_type, link_type::KPROBE_MULTI);
    getpgid_n(3);
    assert_eq!((skel.bss.ks_entries(), skel.bss.ks_returns()), (3, 3));
    skel.bss.set_skip_return(1);
    getpgid_n(2);
    assert_eq!((skel.bss.ks_entries(), skel.bss.ks_returns()), (5, 3));
    skel.bss.set_skip_return(0);
    drop(link);
    getpgid_n(3);
    assert_eq!(
        (skel.bss.ks_entries(), skel.bss.ks_returns()),
        (5, 3),
        "detached when the link dropped"
    );
    let e = skel
        .progs
        .ks
        .attach_kprobe_multi_with(
            bpf_skeleton::runtime::KprobeMultiTarget::Pattern("__x64_sys_getpgid"),
            &bpf_skeleton::runtime::KprobeMultiOptions {
                retprobe: Some(true),
                ..Default::default()
            },
        )
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("kprobe.session program runs at entry and return already"),
        "{e}"
    );

    // Auto-attach from `kprobe.session/__x64_sys_getpgid`.
    skel.attach().unwrap();
    assert!(skel.links.ks_auto.is_some() && skel.links.ks.is_none());
    getpgid_n(4);
    assert_eq!(
        (skel.bss.ks_auto_entries(), skel.bss.ks_auto_returns()),
        (4, 4)
    );
    skel.links.ks_auto = None;
    getpgid_n(4);
    assert_eq!(skel.bss.ks_auto_entries(), 4);
}
