//! `kprobe.multi` and `uprobe.multi` against the kernel: one link fires on
//! every function a glob or list names, with exact counts (and cookies),
//! and stops once dropped. uprobe.multi runs on this host (functions of
//! this test binary); kprobe.multi needs CONFIG_FPROBE, which this host's
//! kernel lacks: here its error is checked, on the VM kernels
//! (`scripts/vmtest`) the counts.
#![deny(warnings, missing_docs)]

use std::sync::{Mutex, MutexGuard};

use bpf_skeleton::bpf_skeleton;
use bpf_skeleton::runtime::attach::multi::matching_functions;
use bpf_skeleton::runtime::link::link_type;
use bpf_skeleton::runtime::{
    Error, KprobeMultiOptions, KprobeMultiTarget, UprobeMultiOptions, UprobeMultiTarget,
};

mod common;

/// The multi-probe programs.
#[bpf_skeleton("tests/bpf/multiprobe.bpf.o")]
pub struct Multiprobe;

/// The uprobes of these tests fire on any thread calling the probed
/// functions of this binary: tests take turns.
static TURN: Mutex<()> = Mutex::new(());

fn turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

/// First probed function (matches `bpf_skeleton_multi_target_*`).
#[no_mangle]
#[inline(never)]
pub extern "C" fn bpf_skeleton_multi_target_a(x: u64) -> u64 {
    std::hint::black_box(x).wrapping_mul(3)
}

/// Second probed function.
#[no_mangle]
#[inline(never)]
pub extern "C" fn bpf_skeleton_multi_target_b(x: u64) -> u64 {
    std::hint::black_box(x).wrapping_add(7)
}

/// Not matched by the pattern (`_c` would be; `other` is not).
#[no_mangle]
#[inline(never)]
pub extern "C" fn bpf_skeleton_multi_other(x: u64) -> u64 {
    std::hint::black_box(x).wrapping_sub(1)
}

/// Auto-attach target of `upm_auto`'s section.
#[no_mangle]
#[inline(never)]
pub extern "C" fn bpf_skeleton_multi_auto_one(x: u64) -> u64 {
    std::hint::black_box(x) ^ 5
}

fn call(f: extern "C" fn(u64) -> u64, n: u64) {
    for i in 0..n {
        std::hint::black_box(f(std::hint::black_box(i)));
    }
}

fn tid() -> u32 {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::gettid() as u32 }
}

fn load() -> Multiprobe {
    let mut open = Multiprobe::open().unwrap();
    open.bss.target_tid = tid();
    open.load().unwrap()
}

const PATTERN: &str = "bpf_skeleton_multi_target_*";

/// Whether this kernel has uprobe.multi links (Linux 6.6); if not, the
/// attach error says so and the test is skipped.
fn has_uprobe_multi(skel: &Multiprobe) -> bool {
    let exe = std::env::current_exe().unwrap();
    match skel.progs.upm.attach_uprobe_multi(Some(0), &exe, PATTERN) {
        Ok(_) => true,
        Err(e) if e.to_string().contains("uprobe.multi links need Linux 6.6") => {
            common::skip(&format!("uprobe.multi: {e}"));
            false
        }
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn uprobe_multi_pattern_and_list_count_exactly_and_stop_on_drop() {
    let _turn = turn();
    let exe = std::env::current_exe().unwrap();
    let found = matching_functions(&exe, PATTERN).unwrap();
    let mut names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        ["bpf_skeleton_multi_target_a", "bpf_skeleton_multi_target_b"]
    );

    let skel = load();
    if !has_uprobe_multi(&skel) {
        return;
    }
    // A glob: both targets, one link, this process only.
    let link = skel
        .progs
        .upm
        .attach_uprobe_multi(Some(0), &exe, PATTERN)
        .unwrap();
    assert_eq!(link.info().unwrap().link_type, link_type::UPROBE_MULTI);
    call(bpf_skeleton_multi_target_a, 3);
    call(bpf_skeleton_multi_target_b, 4);
    call(bpf_skeleton_multi_other, 5);
    assert_eq!(
        skel.bss.upm_hits(),
        7,
        "3 + 4 calls of the matched functions"
    );

    // A list with one cookie each, as return probes (the section says
    // `uretprobe.multi`).
    let ret = skel
        .progs
        .upm_ret
        .attach_uprobe_multi_with(
            None,
            &exe,
            UprobeMultiTarget::Symbols(&[
                "bpf_skeleton_multi_target_a",
                "bpf_skeleton_multi_other",
            ]),
            &UprobeMultiOptions {
                cookies: vec![10, 1000],
                ..UprobeMultiOptions::default()
            },
        )
        .unwrap();
    call(bpf_skeleton_multi_target_a, 2);
    call(bpf_skeleton_multi_other, 3);
    assert_eq!(skel.bss.upm_ret_hits(), 2 * 10 + 3 * 1000);
    assert_eq!(skel.bss.upm_hits(), 9);

    drop(link);
    call(bpf_skeleton_multi_target_a, 4);
    call(bpf_skeleton_multi_target_b, 4);
    assert_eq!(skel.bss.upm_hits(), 9, "detached when the link dropped");
    assert_eq!(skel.bss.upm_ret_hits(), 3020 + 4 * 10);
    drop(ret);
    call(bpf_skeleton_multi_target_a, 1);
    assert_eq!(skel.bss.upm_ret_hits(), 3060);

    // Raw file offsets, as the pattern resolved them.
    let offsets: Vec<u64> = found.iter().map(|(_, o)| *o).collect();
    let link = skel
        .progs
        .upm
        .attach_uprobe_multi_with(
            Some(0),
            &exe,
            UprobeMultiTarget::Offsets(&offsets),
            &UprobeMultiOptions::default(),
        )
        .unwrap();
    call(bpf_skeleton_multi_target_b, 2);
    assert_eq!(skel.bss.upm_hits(), 11);
    drop(link);
}

#[test]
fn uprobe_multi_pid_filter_counts_only_that_process() {
    let _turn = turn();
    let exe = std::env::current_exe().unwrap();
    let skel = load();
    if !has_uprobe_multi(&skel) {
        return;
    }
    let mut child = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .unwrap();
    let other = skel
        .progs
        .upm
        .attach_uprobe_multi(Some(child.id() as i32), &exe, PATTERN)
        .unwrap();
    call(bpf_skeleton_multi_target_a, 5);
    assert_eq!(skel.bss.upm_hits(), 0, "calls of another process");
    drop(other);
    child.kill().unwrap();
    child.wait().unwrap();

    let mine = skel
        .progs
        .upm
        .attach_uprobe_multi(Some(std::process::id() as i32), &exe, PATTERN)
        .unwrap();
    call(bpf_skeleton_multi_target_a, 5);
    assert_eq!(skel.bss.upm_hits(), 5);
    drop(mine);
}

#[test]
fn uprobe_multi_auto_attaches_from_its_section() {
    let _turn = turn();
    let mut open = Multiprobe::open().unwrap();
    open.bss.target_tid = tid();
    // kprobe.multi needs CONFIG_FPROBE; its auto-attach is tested below.
    open.progs.kpm_auto.set_autoattach(false);
    let mut skel = open.load().unwrap();
    if !has_uprobe_multi(&skel) {
        return;
    }
    assert!(skel.progs.upm_auto.raw().can_auto_attach());
    skel.attach().unwrap();
    assert!(skel.links.upm_auto.is_some());
    assert!(
        skel.links.upm.is_none() && skel.links.kpm.is_none(),
        "a bare `uprobe.multi` / `kprobe.multi` names no target: skipped"
    );
    call(bpf_skeleton_multi_auto_one, 6);
    call(bpf_skeleton_multi_target_a, 6);
    assert_eq!(skel.bss.upm_auto_hits(), 6);
    skel.links.upm_auto = None;
    call(bpf_skeleton_multi_auto_one, 6);
    assert_eq!(skel.bss.upm_auto_hits(), 6);
}

#[test]
fn multi_misuse_is_refused_naming_it() {
    let exe = std::env::current_exe().unwrap();
    let skel = load();
    let err = |r: bpf_skeleton::Result<bpf_skeleton::runtime::Link>| r.unwrap_err().to_string();

    let e = err(skel
        .progs
        .upm
        .attach_uprobe_multi(None, &exe, "no_such_function_*"));
    assert!(
        e.contains("no function of") && e.contains("no_such_function_*"),
        "{e}"
    );
    let e = err(skel.progs.upm.attach_uprobe_multi_with(
        None,
        &exe,
        UprobeMultiTarget::Pattern(PATTERN),
        &UprobeMultiOptions {
            cookies: vec![1],
            ..UprobeMultiOptions::default()
        },
    ));
    assert!(e.contains("cookies need a list"), "{e}");
    let e = err(skel.progs.upm.attach_uprobe_multi_with(
        None,
        &exe,
        UprobeMultiTarget::Symbols(&["bpf_skeleton_multi_target_a"]),
        &UprobeMultiOptions {
            cookies: vec![1, 2],
            ..UprobeMultiOptions::default()
        },
    ));
    assert!(e.contains("2 cookies for 1 probes"), "{e}");
    let e = err(skel.progs.kpm.attach_kprobe_multi("bad pattern"));
    assert!(e.contains("pattern `bad pattern` is invalid"), "{e}");
    let e = err(skel.progs.kpm.attach_kprobe_multi_with(
        KprobeMultiTarget::Symbols(&[]),
        &KprobeMultiOptions::default(),
    ));
    assert!(e.contains("list is empty"), "{e}");

    // The by-name API checks the program at run time: a multi program is
    // not a single probe, and the families do not mix.
    let upm = skel.progs.upm.raw();
    let e = err(upm.attach_uprobe(None, &exe, "bpf_skeleton_multi_target_a"));
    assert!(
        e.contains("use attach_kprobe_multi or attach_uprobe_multi"),
        "{e}"
    );
    let e = err(upm.attach_kprobe_multi("x"));
    assert!(
        e.contains("attach_kprobe_multi needs a program loaded for it"),
        "{e}"
    );
    let e = err(skel
        .progs
        .kpm
        .raw()
        .attach_uprobe_multi(None, &exe, PATTERN));
    assert!(
        e.contains("attach_uprobe_multi needs a program loaded for it"),
        "{e}"
    );
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

/// 1 if the kernel lists `name` in available_filter_functions (what a
/// kprobe.multi glob can match), else 0.
fn traceable(name: &str) -> u64 {
    let list = ["/sys/kernel/debug/tracing", "/sys/kernel/tracing"]
        .iter()
        .find_map(|d| std::fs::read_to_string(format!("{d}/available_filter_functions")).ok())
        .expect("available_filter_functions");
    u64::from(
        list.lines()
            .any(|l| l.split_whitespace().next() == Some(name)),
    )
}

#[test]
fn kprobe_multi_counts_exactly_or_names_what_is_missing() {
    let mut skel = load();
    // An exact name goes to the kernel as a name.
    let link = match skel.progs.kpm.attach_kprobe_multi("__x64_sys_getppid") {
        Ok(link) => link,
        Err(e) => {
            assert!(matches!(e, Error::HookUnavailable { .. }), "{e}");
            let msg = e.to_string();
            assert!(
                msg.contains("kprobe.multi is not available")
                    && msg.contains("CONFIG_FPROBE")
                    && msg.contains("`kpm`"),
                "{msg}"
            );
            common::skip(&format!("kprobe.multi: {msg}"));
            return;
        }
    };
    assert_eq!(link.info().unwrap().link_type, link_type::KPROBE_MULTI);
    getppid_n(3);
    getpgid_n(2);
    assert_eq!(skel.bss.kpm_hits(), 3);
    drop(link);
    getppid_n(3);
    assert_eq!(skel.bss.kpm_hits(), 3, "detached when the link dropped");

    // A glob, resolved through tracefs as libbpf resolves it: only the
    // functions in available_filter_functions are attached (Debian's 6.12
    // lists __x64_sys_getpgid but not __x64_sys_getppid, which the name
    // above still reached).
    let link = skel
        .progs
        .kpm
        .attach_kprobe_multi("__x64_sys_getp?id")
        .unwrap();
    getppid_n(4);
    getpgid_n(5);
    let want = 4 * traceable("__x64_sys_getppid") + 5 * traceable("__x64_sys_getpgid");
    assert!(want > 0, "neither function is traceable");
    assert_eq!(skel.bss.kpm_hits(), 3 + want);
    drop(link);
    // A wider glob: every get*id entry point the kernel lists (on 6.12
    // getpgid and getsid, not the argument-less ones); this thread calls
    // three of them.
    let link = skel
        .progs
        .kpm
        .attach_kprobe_multi("__x64_sys_get*id")
        .unwrap();
    getppid_n(4);
    getpgid_n(5);
    for _ in 0..6 {
        // SAFETY: no preconditions.
        unsafe { libc::getsid(0) };
    }
    let want2 = 4 * traceable("__x64_sys_getppid")
        + 5 * traceable("__x64_sys_getpgid")
        + 6 * traceable("__x64_sys_getsid");
    assert_eq!(skel.bss.kpm_hits(), 3 + want + want2);
    drop(link);

    // Names with cookies, as return probes (the section says so).
    let ret = skel
        .progs
        .kpm_ret
        .attach_kprobe_multi_with(
            KprobeMultiTarget::Symbols(&["__x64_sys_getppid", "__x64_sys_getpgid"]),
            &KprobeMultiOptions {
                cookies: vec![1, 1000],
                ..KprobeMultiOptions::default()
            },
        )
        .unwrap();
    getppid_n(3);
    getpgid_n(2);
    assert_eq!(skel.bss.kpm_ret_hits(), 3 + 2000);
    drop(ret);
    getpgid_n(2);
    assert_eq!(skel.bss.kpm_ret_hits(), 2003);

    // The skeleton's attach() from `kprobe.multi/__x64_sys_getp?id`.
    skel.attach().unwrap();
    assert!(skel.links.kpm_auto.is_some());
    getppid_n(1);
    getpgid_n(1);
    assert_eq!(
        skel.bss.kpm_auto_hits(),
        traceable("__x64_sys_getppid") + traceable("__x64_sys_getpgid")
    );

    let e = skel
        .progs
        .kpm
        .attach_kprobe_multi("bpf_skeleton_no_such_function_*")
        .unwrap_err()
        .to_string();
    assert!(e.contains("no traceable kernel function matches"), "{e}");
}
