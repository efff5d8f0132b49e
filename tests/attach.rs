//! Attaching programs to real kernel hooks: each kind attaches, fires an
//! exact number of times, and stops firing once its link is dropped (the
//! link id is gone from the kernel then). Programs are in
//! tests/bpf/attach.bpf.c; hooks that see the whole system count only the
//! test's own thread, and packet hooks run in network namespaces the tests
//! create (and which vanish with their thread).

mod common;

use std::io::Read;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bpf_skeleton::runtime::link::link_type;
use bpf_skeleton::runtime::perf_event;
use bpf_skeleton::runtime::{
    Error, IterTarget, Link, Object, OpenObject, TcxDirection, UprobeOptions, XdpFlags,
};
use common::mounts::*;
use common::veth;
use common::*;

// Indices into `counts` and `config` (attach.bpf.c).
const C_TP: u32 = 0;
const C_RAW_TP: u32 = 1;
const C_TP_BTF: u32 = 2;
const C_XDP: u32 = 3;
const C_TCX: u32 = 4;
const C_CGROUP: u32 = 5;
const C_SOCKET: u32 = 6;
const C_UPROBE: u32 = 7;
const C_URETPROBE: u32 = 8;
const C_PERF: u32 = 9;
const C_ITER: u32 = 10;
const C_SK_LOOKUP: u32 = 11;
const C_COOKIE: u32 = 12;
const C_XDP2: u32 = 13;
const C_AUTO_UPROBE: u32 = 14;
const C_KPROBE: u32 = 15;
const C_KSYSCALL: u32 = 16;
const CFG_TID: u32 = 0;
const CFG_NR: u32 = 1;
const CFG_LO: u32 = 2;
const CFG_HI: u32 = 3;

fn load() -> Object {
    OpenObject::from_file(corpus("attach.bpf.o"))
        .and_then(|o| o.load())
        .unwrap_or_else(|e| panic!("loading attach.bpf.o: {e}"))
}

fn count(obj: &Object, idx: u32) -> u64 {
    value_u64(obj.map("counts").unwrap(), &idx.to_ne_bytes())
}

fn set_config(obj: &Object, idx: u32, v: u64) {
    obj.map("config")
        .unwrap()
        .update(&idx.to_ne_bytes(), &v.to_ne_bytes(), 0)
        .unwrap();
}

fn gettid() -> u32 {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::gettid() as u32 }
}

/// Configures the object to count only the calling thread.
fn only_this_thread(obj: &Object) {
    set_config(obj, CFG_TID, u64::from(gettid()));
}

fn getppid() {
    // SAFETY: a raw syscall without arguments (not the libc wrapper, which
    // might cache).
    unsafe { libc::syscall(libc::SYS_getppid) };
}

/// Waits (for hooks that run in softirq context after the syscall that
/// triggered them returned) until `counts[idx]` reaches `want`, then checks
/// that it is exactly `want` a little later.
fn wait_count(obj: &Object, idx: u32, want: u64) {
    let deadline = Instant::now() + Duration::from_secs(3);
    while count(obj, idx) < want && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(count(obj, idx), want, "counts[{idx}]");
}

/// Drops `link` and checks the kernel no longer knows its id.
fn drop_and_check_gone(link: Link) {
    let id = link.info().unwrap().id;
    assert!(Link::from_id(id).is_ok(), "link {id} exists while held");
    drop(link);
    // The kernel frees links asynchronously (RCU): give it a moment.
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        match Link::from_id(id) {
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => return,
            Ok(_) | Err(_) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10))
            }
            other => panic!("link {id} still exists after drop: {other:?}"),
        }
    }
}

#[test]
fn tracepoint_with_cookie_counts_and_stops_on_drop() {
    with_private_mounts(|| {
        let _tracefs = ensure_tracefs();
        let obj = load();
        only_this_thread(&obj);
        let prog = obj.program("tp_getppid").unwrap();
        let link = prog
            .attach_tracepoint_with(
                "syscalls",
                "sys_enter_getppid",
                &bpf_skeleton::runtime::TracepointOptions { cookie: 0xc00c1e },
            )
            .unwrap();
        assert_eq!(link.info().unwrap().link_type, link_type::PERF_EVENT);
        assert_eq!(link.info().unwrap().prog_id, prog.info().unwrap().id);
        for _ in 0..7 {
            getppid();
        }
        assert_eq!(count(&obj, C_TP), 7);
        assert_eq!(count(&obj, C_COOKIE), 0xc00c1e);
        drop_and_check_gone(link);
        getppid();
        assert_eq!(count(&obj, C_TP), 7);

        // Auto-attach from `tracepoint/syscalls/sys_enter_getppid`.
        assert!(prog.can_auto_attach());
        let link = prog.attach().unwrap();
        getppid();
        getppid();
        assert_eq!(count(&obj, C_TP), 9);
        assert_eq!(count(&obj, C_COOKIE), 0);
        drop_and_check_gone(link);
        getppid();
        assert_eq!(count(&obj, C_TP), 9);
    });
}

#[test]
fn tracepoint_errors_name_the_tracepoint() {
    with_private_mounts(|| {
        let _tracefs = ensure_tracefs();
        let obj = load();
        let e = obj
            .program("tp_getppid")
            .unwrap()
            .attach_tracepoint("syscalls", "sys_enter_no_such_call")
            .unwrap_err();
        assert!(matches!(e, Error::HookUnavailable { .. }), "{e}");
        assert!(
            e.to_string()
                .contains("no tracepoint syscalls:sys_enter_no_such_call"),
            "{e}"
        );
    });
}

#[test]
fn raw_tracepoint_counts_and_stops_on_drop() {
    let obj = load();
    only_this_thread(&obj);
    set_config(&obj, CFG_NR, libc::SYS_getppid as u64);
    let prog = obj.program("raw_sys_enter").unwrap();
    let link = prog.attach_raw_tracepoint("sys_enter").unwrap();
    assert_eq!(link.info().unwrap().link_type, link_type::RAW_TRACEPOINT);
    for _ in 0..5 {
        getppid();
    }
    assert_eq!(count(&obj, C_RAW_TP), 5);
    drop_and_check_gone(link);
    getppid();
    assert_eq!(count(&obj, C_RAW_TP), 5);

    let link = prog.attach().unwrap(); // raw_tp/sys_enter
    getppid();
    assert_eq!(count(&obj, C_RAW_TP), 6);
    drop_and_check_gone(link);
    getppid();
    assert_eq!(count(&obj, C_RAW_TP), 6);

    // Raw tracepoint links can neither swap their program nor be detached
    // explicitly (XDP links can: see the XDP test).
    let link = prog.attach_raw_tracepoint("sys_enter").unwrap();
    let e = link.update_program(prog).unwrap_err();
    assert!(e.to_string().contains("cannot replace the program"), "{e}");
    let e = link.detach().unwrap_err();
    assert!(
        e.to_string().contains("cannot be detached explicitly"),
        "{e}"
    );
    drop(link);

    let e = prog.attach_raw_tracepoint("no_such_raw_tp").unwrap_err();
    assert!(
        e.to_string().contains("no raw tracepoint `no_such_raw_tp`"),
        "{e}"
    );
}

#[test]
fn tp_btf_counts_and_stops_on_drop() {
    let obj = load();
    only_this_thread(&obj);
    set_config(&obj, CFG_NR, libc::SYS_getppid as u64);
    let prog = obj.program("btf_sys_enter").unwrap();
    assert!(prog.can_auto_attach());
    let link = prog.attach().unwrap(); // tp_btf/sys_enter
                                       // BTF-typed tracepoints attach as raw tracepoint links.
    assert_eq!(link.info().unwrap().link_type, link_type::RAW_TRACEPOINT);
    for _ in 0..4 {
        getppid();
    }
    assert_eq!(count(&obj, C_TP_BTF), 4);
    drop_and_check_gone(link);
    getppid();
    assert_eq!(count(&obj, C_TP_BTF), 4);
}

#[test]
fn pinned_link_survives_its_handle_and_detaches_on_unpin() {
    with_private_mounts(|| {
        let mount = TempMount::new("bpf");
        let bpffs = mount.0.clone();
        let pin = bpffs.join("attach_raw_tp_link");
        let obj = load();
        only_this_thread(&obj);
        set_config(&obj, CFG_NR, libc::SYS_getppid as u64);
        let mut link = obj
            .program("raw_sys_enter")
            .unwrap()
            .attach_raw_tracepoint("sys_enter")
            .unwrap();
        link.pin(&pin).unwrap();
        let id = link.info().unwrap().id;
        drop(link);
        getppid();
        getppid();
        assert_eq!(count(&obj, C_RAW_TP), 2, "pinned link still attached");

        // A map pin is not a link.
        obj.map("counts")
            .unwrap()
            .try_clone()
            .unwrap()
            .pin(bpffs.join("attach_not_a_link"))
            .unwrap();
        let e = Link::from_pin(bpffs.join("attach_not_a_link")).unwrap_err();
        assert!(e.to_string().contains("not a BPF link"), "{e}");

        let mut link = Link::from_pin(&pin).unwrap();
        assert_eq!(link.info().unwrap().id, id);
        assert_eq!(link.pin_path(), Some(pin.as_path()));
        link.unpin().unwrap();
        assert!(!pin.exists());
        getppid();
        assert_eq!(
            count(&obj, C_RAW_TP),
            3,
            "still attached through the handle"
        );
        drop_and_check_gone(link);
        getppid();
        assert_eq!(count(&obj, C_RAW_TP), 3, "detached after unpin + drop");
        // Dropping `mount` unmounts the private bpffs (and its map pin).
    });
}

// ---- network namespaces and veth pairs (tests/common/veth.rs) ----

fn with_veth<T: Send + 'static>(f: impl FnOnce(u32, u32) -> T + Send + 'static) -> T {
    veth::with_veth("attach-a", "attach-b", f)
}

fn send_frames(ifindex: u32, n: u64) {
    veth::send_frames(ifindex, n).expect("send frames");
}

#[test]
fn xdp_counts_frames_over_veth_updates_and_stops_on_drop() {
    with_veth(|a, b| {
        let obj = load();
        let prog = obj.program("xdp_count").unwrap();
        assert!(!prog.can_auto_attach());
        let link = prog.attach_xdp(b, XdpFlags::DEFAULT).unwrap();
        assert_eq!(link.info().unwrap().link_type, link_type::XDP);
        send_frames(a, 5);
        wait_count(&obj, C_XDP, 5);

        link.update_program(obj.program("xdp_count2").unwrap())
            .unwrap();
        assert_eq!(
            link.info().unwrap().prog_id,
            obj.program("xdp_count2").unwrap().info().unwrap().id
        );
        send_frames(a, 3);
        wait_count(&obj, C_XDP2, 3);
        assert_eq!(count(&obj, C_XDP), 5);

        // An explicit detach stops it while the handle lives.
        link.detach().unwrap();
        send_frames(a, 4);
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!((count(&obj, C_XDP), count(&obj, C_XDP2)), (5, 3));
        drop(link);
        send_frames(a, 4);
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!((count(&obj, C_XDP), count(&obj, C_XDP2)), (5, 3));

        // Generic (SKB-mode) XDP works on the same interface.
        let link = prog.attach_xdp(b, XdpFlags::SKB_MODE).unwrap();
        send_frames(a, 2);
        wait_count(&obj, C_XDP, 7);
        drop_and_check_gone(link);
        let e = prog.attach_xdp(999_999, XdpFlags::DEFAULT).unwrap_err();
        assert!(
            e.to_string().contains("no interface with index 999999"),
            "{e}"
        );
    });
}

/// The running kernel's (major, minor).
fn kernel_version() -> (u32, u32) {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    let mut parts = release
        .trim()
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

#[test]
fn tcx_ingress_counts_frames_over_veth_and_stops_on_drop() {
    with_veth(|a, b| {
        let obj = load();
        let prog = obj.program("tcx_in").unwrap();
        // Before Linux 6.6 (no tcx links) attach_tcx makes a netlink tc
        // filter instead (tests/tc_netlink.rs tests that path itself).
        let link = prog.attach_tcx(b, TcxDirection::Ingress).unwrap();
        let tcx = kernel_version() >= (6, 6);
        if tcx {
            assert_eq!(link.info().unwrap().link_type, link_type::TCX);
        } else {
            assert!(!link.is_bpf_link(), "{}", link.description());
        }
        send_frames(a, 6);
        wait_count(&obj, C_TCX, 6);
        if tcx {
            drop_and_check_gone(link);
        } else {
            drop(link);
        }
        send_frames(a, 3);
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(count(&obj, C_TCX), 6);
        // The section loaded it for ingress.
        let e = prog.attach_tcx(b, TcxDirection::Egress).unwrap_err();
        assert!(e.to_string().contains("other direction"), "{e}");
    });
}

#[test]
fn sk_lookup_and_flow_dissector_attach_to_their_netns() {
    with_loopback_netns(|| {
        let netns = std::fs::File::open("/proc/thread-self/ns/net").unwrap();
        let obj = load();
        let prog = obj.program("lookup_count").unwrap();
        let link = prog.attach_netns(netns.as_fd()).unwrap();
        assert_eq!(link.info().unwrap().link_type, link_type::NETNS);
        let connect = || {
            let e = std::net::TcpStream::connect("127.0.0.1:7777").unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused);
        };
        for _ in 0..3 {
            connect();
        }
        assert_eq!(count(&obj, C_SK_LOOKUP), 3);
        drop_and_check_gone(link);
        connect();
        connect();
        assert_eq!(count(&obj, C_SK_LOOKUP), 3);

        // A flow dissector attaches to the namespace the same way (one per
        // namespace: a second is refused while the first is attached).
        let kinds = OpenObject::from_file(corpus("kinds.bpf.o"))
            .and_then(|o| o.load())
            .unwrap();
        let dissect = kinds.program("dissect").unwrap();
        let link = dissect.attach_netns(netns.as_fd()).unwrap();
        assert_eq!(link.info().unwrap().link_type, link_type::NETNS);
        assert_eq!(link.info().unwrap().prog_id, dissect.info().unwrap().id);
        assert!(dissect.attach_netns(netns.as_fd()).is_err());
        drop_and_check_gone(link);
        drop(dissect.attach_netns(netns.as_fd()).unwrap());
    });
}

/// Runs `f` on a new thread in a new network namespace with `lo` up (the
/// namespace vanishes with the thread; forked children inherit it).
fn with_loopback_netns<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::spawn(move || {
        // SAFETY: unshare has no memory preconditions.
        check(
            unsafe { libc::unshare(libc::CLONE_NEWNET) }.into(),
            "unshare(CLONE_NEWNET)",
        );
        veth::set_up("lo").expect("set lo up");
        f()
    })
    .join()
    .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

#[test]
fn socket_filter_counts_datagrams_and_stops_on_drop() {
    with_loopback_netns(socket_filter_test);
}

fn socket_filter_test() {
    let rx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    let tx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let to = rx.local_addr().unwrap();
    let obj = load();
    let prog = obj.program("sock_count").unwrap();
    let link = prog.attach_socket(rx.as_fd()).unwrap();
    assert!(!link.is_bpf_link());
    let roundtrip = |n: usize| {
        let mut buf = [0u8; 64];
        for i in 0..n {
            tx.send_to(&[i as u8; 10], to).unwrap();
            assert_eq!(rx.recv(&mut buf).unwrap(), 10);
        }
    };
    roundtrip(4);
    assert_eq!(count(&obj, C_SOCKET), 4);
    let mut link = link;
    assert!(
        link.pin("/sys/fs/bpf/never").is_err(),
        "socket filters are not pinnable"
    );
    drop(link);
    roundtrip(3);
    assert_eq!(count(&obj, C_SOCKET), 4);
    let e = prog
        .attach_socket(obj.map("counts").unwrap().as_fd())
        .unwrap_err();
    assert!(matches!(e, Error::AttachFailed { .. }), "{e}");
}

// ---- cgroups ----

/// A cgroup v2 mount point: an existing one, or one mounted privately
/// (then returned as the guard that unmounts it).
fn cgroup2_root() -> (PathBuf, Option<TempMount>) {
    let info = std::fs::read_to_string("/proc/thread-self/mountinfo").unwrap();
    for line in info.lines() {
        let Some((pre, post)) = line.split_once(" - ") else {
            continue;
        };
        if post.starts_with("cgroup2 ") {
            if let Some(mp) = pre.split(' ').nth(4) {
                return (PathBuf::from(mp), None);
            }
        }
    }
    let m = TempMount::new("cgroup2");
    (m.0.clone(), Some(m))
}

/// Forks a child that moves itself into the cgroup whose `cgroup.procs` is
/// open as `procs`, connects `n` UDP sockets to 127.0.0.1:9 and exits.
fn connect_in_cgroup(procs: &std::fs::File, n: usize) {
    // SAFETY: sockaddr_in is plain integers, valid all-zero.
    let mut addr: libc::sockaddr_in = unsafe { std::mem::zeroed() };
    addr.sin_family = libc::AF_INET as u16;
    addr.sin_port = 9u16.to_be();
    addr.sin_addr.s_addr = u32::from_be_bytes([127, 0, 0, 1]).to_be();
    let procs = procs.as_raw_fd();
    // SAFETY: the child only makes async-signal-safe raw system calls on
    // memory prepared before the fork, then _exits.
    unsafe {
        let pid = libc::fork();
        assert!(pid >= 0, "fork");
        if pid == 0 {
            if libc::write(procs, b"0".as_ptr().cast(), 1) != 1 {
                libc::_exit(2);
            }
            for _ in 0..n {
                let s = libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0);
                if s < 0
                    || libc::connect(
                        s,
                        std::ptr::addr_of!(addr).cast(),
                        std::mem::size_of::<libc::sockaddr_in>() as u32,
                    ) != 0
                {
                    libc::_exit(3);
                }
                libc::close(s);
            }
            libc::_exit(0);
        }
        let mut status = 0;
        assert_eq!(libc::waitpid(pid, &mut status, 0), pid);
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "child failed: {status:#x}"
        );
    }
}

#[test]
fn cgroup_connect4_counts_connects_in_the_cgroup_and_stops_on_drop() {
    // The forked children connect in this thread's network namespace.
    with_private_mounts(|| with_loopback_netns(cgroup_test));
}

fn cgroup_test() {
    {
        let (root, mounted) = cgroup2_root();
        let dir = root.join(format!("bpf-skeleton-attach-{}", std::process::id()));
        std::fs::create_dir(&dir).unwrap();
        let result = std::panic::catch_unwind(|| {
            let cg = std::fs::File::open(&dir).unwrap();
            let procs = std::fs::OpenOptions::new()
                .write(true)
                .open(dir.join("cgroup.procs"))
                .unwrap();
            let obj = load();
            let prog = obj.program("cg_connect4").unwrap();
            assert!(!prog.can_auto_attach(), "cgroup programs need a cgroup");
            let link = prog.attach_cgroup(cg.as_fd()).unwrap();
            assert_eq!(link.info().unwrap().link_type, link_type::CGROUP);
            connect_in_cgroup(&procs, 3);
            assert_eq!(count(&obj, C_CGROUP), 3);
            drop_and_check_gone(link);
            connect_in_cgroup(&procs, 2);
            assert_eq!(count(&obj, C_CGROUP), 3);
        });
        // The children have been reaped: the cgroup is empty.
        let mut removed = std::fs::remove_dir(&dir);
        for _ in 0..100 {
            if removed.is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
            removed = std::fs::remove_dir(&dir);
        }
        drop(mounted);
        if let Err(e) = result {
            std::panic::resume_unwind(e);
        }
        removed.unwrap();
    }
}

// ---- uprobes on this test binary ----

/// The probed function.
#[no_mangle]
#[inline(never)]
pub extern "C" fn bpf_skeleton_attach_probe_target(x: u64) -> u64 {
    std::hint::black_box(x).wrapping_mul(3)
}

fn call_target(n: u64) {
    for i in 0..n {
        std::hint::black_box(bpf_skeleton_attach_probe_target(std::hint::black_box(i)));
    }
}

#[test]
fn uprobe_and_uretprobe_on_a_function_of_this_binary() {
    let obj = load();
    only_this_thread(&obj);
    let exe = std::env::current_exe().unwrap();
    let entry = obj.program("probe_entry").unwrap();
    let ret = obj.program("probe_return").unwrap();
    assert!(!entry.can_auto_attach(), "bare `uprobe` names no target");
    // SAFETY: getpid has no preconditions.
    let pid = unsafe { libc::getpid() };
    let l1 = entry
        .attach_uprobe(Some(pid), &exe, "bpf_skeleton_attach_probe_target")
        .unwrap();
    let l2 = ret
        .attach_uprobe(None, &exe, "bpf_skeleton_attach_probe_target")
        .unwrap();
    assert_eq!(l1.info().unwrap().link_type, link_type::PERF_EVENT);
    call_target(5);
    assert_eq!((count(&obj, C_UPROBE), count(&obj, C_URETPROBE)), (5, 5));
    drop_and_check_gone(l1);
    call_target(2);
    assert_eq!((count(&obj, C_UPROBE), count(&obj, C_URETPROBE)), (5, 7));
    drop_and_check_gone(l2);
    call_target(2);
    assert_eq!((count(&obj, C_UPROBE), count(&obj, C_URETPROBE)), (5, 7));

    // The entry program as a return probe, by option.
    let l3 = entry
        .attach_uprobe_with(
            None,
            &exe,
            "bpf_skeleton_attach_probe_target",
            &UprobeOptions {
                retprobe: Some(true),
                ..UprobeOptions::default()
            },
        )
        .unwrap();
    call_target(1);
    assert_eq!(count(&obj, C_UPROBE), 6);
    drop(l3);

    let e = entry
        .attach_uprobe(None, &exe, "no_such_function_anywhere")
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("no function `no_such_function_anywhere`"),
        "{e}"
    );
}

/// A USDT-style semaphore: the kernel counts attached uprobes that name it
/// as their `ref_ctr_offset`. In `.data` (file-backed), as the kernel
/// requires; zero-initialised statics would land in `.bss`.
#[no_mangle]
#[link_section = ".data.bpf_skeleton_attach_semaphore"]
pub static BPF_SKELETON_ATTACH_SEMAPHORE: std::sync::atomic::AtomicU16 =
    std::sync::atomic::AtomicU16::new(0);

/// Probed with the semaphore (a uprobe's ref_ctr_offset must agree with
/// every other uprobe at the same place, so not the function above).
#[no_mangle]
#[inline(never)]
pub extern "C" fn bpf_skeleton_attach_semaphore_target(x: u64) -> u64 {
    std::hint::black_box(x).wrapping_add(7)
}

#[test]
fn uprobe_ref_ctr_offset_counts_attached_probes() {
    use std::sync::atomic::Ordering;
    let obj = load();
    only_this_thread(&obj);
    let exe = std::env::current_exe().unwrap();
    let sem =
        bpf_skeleton::runtime::attach::symbol_file_offset(&exe, "BPF_SKELETON_ATTACH_SEMAPHORE")
            .unwrap();
    assert_eq!(BPF_SKELETON_ATTACH_SEMAPHORE.load(Ordering::SeqCst), 0);
    let link = obj
        .program("probe_entry")
        .unwrap()
        .attach_uprobe_with(
            None,
            &exe,
            "bpf_skeleton_attach_semaphore_target",
            &UprobeOptions {
                ref_ctr_offset: sem,
                cookie: 42,
                retprobe: None,
            },
        )
        .unwrap();
    // Note: the kernel increments the semaphore again for every new mapping
    // of this binary's text made while the probe is attached, e.g. by a
    // concurrently panicking test symbolising its backtrace; a failure here
    // alongside another test's panic is that, not this test.
    assert_eq!(BPF_SKELETON_ATTACH_SEMAPHORE.load(Ordering::SeqCst), 1);
    std::hint::black_box(bpf_skeleton_attach_semaphore_target(1));
    assert_eq!(count(&obj, C_UPROBE), 1);
    drop_and_check_gone(link);
    assert_eq!(BPF_SKELETON_ATTACH_SEMAPHORE.load(Ordering::SeqCst), 0);
}

#[test]
fn uprobe_auto_attaches_from_its_section() {
    let obj = load();
    only_this_thread(&obj);
    // SEC("uprobe//proc/self/exe:bpf_skeleton_attach_probe_target")
    let prog = obj.program("probe_auto").unwrap();
    assert!(prog.can_auto_attach());
    let link = prog.attach().unwrap();
    call_target(3);
    assert_eq!(count(&obj, C_AUTO_UPROBE), 3);
    drop_and_check_gone(link);
    call_target(3);
    assert_eq!(count(&obj, C_AUTO_UPROBE), 3);
}

#[test]
fn uprobe_resolves_a_shared_library_function() {
    // libc's `getpid` through a bare library name, as libbpf resolves it.
    let obj = load();
    let prog = obj.program("probe_entry").unwrap();
    match prog.attach_uprobe(None, "libc.so.6", "getpid") {
        Ok(link) => drop_and_check_gone(link),
        Err(e) if e.to_string().contains("not found in LD_LIBRARY_PATH") => {
            eprintln!("skipped: no libc.so.6 in the library directories ({e})")
        }
        Err(e) => panic!("{e}"),
    }
}

// ---- perf events ----

#[test]
fn perf_event_counts_page_faults_of_this_thread_and_stops_on_drop() {
    let page = bpf_skeleton::runtime::page_size();
    let len = 16 * page;
    // SAFETY: a fresh private anonymous mapping, unmapped below.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    assert_ne!(base, libc::MAP_FAILED);
    // SAFETY: advice on our own mapping (one fault per page).
    unsafe { libc::madvise(base, len, libc::MADV_NOHUGEPAGE) };
    let obj = load();
    set_config(&obj, CFG_LO, base as u64);
    set_config(&obj, CFG_HI, base as u64 + len as u64);
    let perf = perf_event::open(
        perf_event::TYPE_SOFTWARE,
        perf_event::SW_PAGE_FAULTS,
        1,
        perf_event::SAMPLE_ADDR,
        0,
        -1,
    )
    .unwrap();
    let prog = obj.program("perf_fault").unwrap();
    assert!(!prog.can_auto_attach());
    let link = prog.attach_perf_event(perf.as_fd()).unwrap();
    assert_eq!(link.info().unwrap().link_type, link_type::PERF_EVENT);
    let touch = |pages: std::ops::Range<usize>| {
        for p in pages {
            // SAFETY: inside the mapping.
            unsafe { std::ptr::write_volatile((base as *mut u8).add(p * page), 1) };
        }
    };
    touch(0..8);
    assert_eq!(count(&obj, C_PERF), 8);
    drop_and_check_gone(link);
    touch(8..16);
    assert_eq!(count(&obj, C_PERF), 8);
    // SAFETY: unmapping our own mapping.
    unsafe { libc::munmap(base, len) };
}

// ---- iterators ----

#[test]
fn map_iterator_reads_exact_elements_and_task_iterator_one_thread() {
    let obj = load();
    let items = obj.map("items").unwrap();
    for (k, v) in [(0u32, 10u64), (1, 20), (2, 30)] {
        items.update(&k.to_ne_bytes(), &v.to_ne_bytes(), 0).unwrap();
    }
    let prog = obj.program("dump_items").unwrap();
    let link = prog
        .attach_iter_with(IterTarget::Map(items.as_fd()))
        .unwrap();
    assert_eq!(link.info().unwrap().link_type, link_type::ITER);
    let out = link.open_iter().unwrap().read_all().unwrap();
    let mut want = Vec::new();
    for (k, v) in [(0u32, 10u64), (1, 20), (2, 30)] {
        want.extend_from_slice(&k.to_ne_bytes());
        want.extend_from_slice(&v.to_ne_bytes());
    }
    assert_eq!(out, want);
    assert_eq!(count(&obj, C_ITER), 3);
    // A second pass, read in small pieces.
    let mut it = link.open_iter().unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 5];
    loop {
        let n = it.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    assert_eq!(out, want);
    assert_eq!(count(&obj, C_ITER), 6);
    drop_and_check_gone(link);
    assert_eq!(count(&obj, C_ITER), 6);

    // Without the map parameter the kernel refuses a map-element iterator.
    assert!(prog.attach_iter().is_err());

    // The task iterator on one thread gives exactly that thread.
    let tasks = obj.program("dump_tasks").unwrap();
    let tid = gettid();
    let link = tasks.attach_iter_with(IterTarget::Thread(tid)).unwrap();
    let out = link.open_iter().unwrap().read_all().unwrap();
    let mut me = (tid as i32).to_ne_bytes().to_vec();
    me.extend_from_slice(&(std::process::id() as i32).to_ne_bytes());
    assert_eq!(out, me);
    drop_and_check_gone(link);

    // All threads of this process, by pid and by pidfd.
    let pid = std::process::id();
    // SAFETY: pidfd_open with a pid and no flags; the fd is owned below.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    assert!(pidfd >= 0, "pidfd_open");
    // SAFETY: a new fd nothing else owns.
    let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd as i32) };
    for target in [IterTarget::Process(pid), IterTarget::PidFd(pidfd.as_fd())] {
        let link = tasks.attach_iter_with(target).unwrap();
        let out = link.open_iter().unwrap().read_all().unwrap();
        assert_eq!(out.len() % 8, 0);
        assert!(out.chunks(8).any(|c| c == me.as_slice()), "{target:?}");
        assert!(
            out.chunks(8).all(|c| c[4..] == (pid as i32).to_ne_bytes()),
            "only this process's threads for {target:?}"
        );
        drop_and_check_gone(link);
    }

    // Auto-attached (`iter/task`): every task, this thread among them.
    assert!(tasks.can_auto_attach());
    let link = tasks.attach().unwrap();
    let out = link.open_iter().unwrap().read_all().unwrap();
    assert_eq!(out.len() % 8, 0);
    assert!(out.chunks(8).any(|c| c == me.as_slice()));
    assert!(out.len() / 8 > 1);
}

// ---- hooks this kernel lacks, wrong kinds ----

#[test]
fn kprobes_count_or_say_the_kernel_lacks_them() {
    let obj = load();
    only_this_thread(&obj);
    let missing = PathBuf::from("/nonexistent/bpf-skeleton-attach-unlink");
    let unlink = || assert!(std::fs::remove_file(&missing).is_err());
    // (program, counter, one firing of its hook)
    let cases: [(&str, u32, &dyn Fn()); 2] = [
        ("kprobe_unlink", C_KPROBE, &unlink),
        ("ksys_getppid", C_KSYSCALL, &getppid),
    ];
    for (name, idx, fire) in cases {
        let prog = obj.program(name).unwrap();
        assert!(prog.can_auto_attach());
        match prog.attach() {
            // Kernels with kprobes (not this project's 6.18 test VM).
            Ok(link) => {
                for _ in 0..3 {
                    fire();
                }
                assert_eq!(count(&obj, idx), 3, "{name}");
                drop_and_check_gone(link);
                fire();
                assert_eq!(count(&obj, idx), 3, "{name}");
                eprintln!("{name}: attached, counted 3, detached");
            }
            Err(e) => {
                assert!(matches!(e, Error::HookUnavailable { .. }), "{e}");
                let msg = e.to_string();
                assert!(msg.contains("kprobes are not available"), "{msg}");
                assert!(msg.contains("CONFIG_KPROBE"), "{msg}");
                assert!(msg.contains(name), "{msg}");
            }
        }
    }
}

#[test]
fn wrong_kinds_are_refused_before_any_syscall() {
    let obj = load();
    let tp = obj.program("tp_getppid").unwrap();
    let e = tp.attach_xdp(1, XdpFlags::DEFAULT).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("attach_xdp needs a XDP program; this is a tracepoint program"),
        "{msg}"
    );
    let xdp = obj.program("xdp_count").unwrap();
    let e = xdp.attach().unwrap_err();
    assert!(
        e.to_string().contains("section `xdp` does not say where"),
        "{e}"
    );
    assert!(xdp
        .attach_tracepoint("syscalls", "sys_enter_getppid")
        .is_err());
    assert!(xdp.attach_uprobe(None, "/proc/self/exe", 0u64).is_err());
    assert!(obj.program("sock_count").unwrap().attach_iter().is_err());
    // A program whose autoload was off has nothing to attach.
    let idle = OpenObject::from_file(corpus("trampoline.bpf.o"))
        .and_then(|o| o.load())
        .unwrap();
    let e = idle.program("fentry_test1").unwrap().attach().unwrap_err();
    assert!(e.to_string().contains("was not loaded"), "{e}");
    assert!(obj
        .program("cg_connect4")
        .unwrap()
        .attach_raw_tracepoint("sys_enter")
        .is_err());
}

#[test]
fn trampoline_programs_say_why_the_kernel_refuses_them() {
    for (name, kind) in [
        ("fentry_test1", "fentry"),
        ("fexit_test1", "fexit"),
        ("lsm_file_open", "lsm"),
    ] {
        let mut o = OpenObject::from_file(corpus("trampoline.bpf.o")).unwrap();
        o.set_autoload(name, true).unwrap();
        match o.load() {
            // Kernels with trampolines (and BPF LSM for lsm) load and
            // attach them; a test run of a tracing program calls
            // bpf_fentry_test1 once.
            Ok(obj) => {
                let prog = obj.program(name).unwrap();
                let link = prog.attach().unwrap();
                if kind != "lsm" {
                    prog.test_run(&[]).unwrap();
                    let file = bpf_skeleton::runtime::ObjectFile::parse(
                        &std::fs::read(corpus("trampoline.bpf.o")).unwrap(),
                    )
                    .unwrap();
                    assert_eq!(u64_of(&global(&file, &obj, ".bss", "hits")), 1);
                }
                drop_and_check_gone(link);
                eprintln!("{name}: loaded, attached, detached (fired once unless lsm)");
            }
            Err(e) => {
                assert!(matches!(e, Error::HookUnavailable { .. }), "{e:?}");
                let msg = e.to_string();
                assert!(msg.contains("BPF trampolines refused (EPERM)"), "{msg}");
                assert!(msg.contains(&format!("{kind} program `{name}`")), "{msg}");
            }
        }
    }
}

#[test]
fn links_can_live_in_any_thread() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Link>();
    send_sync::<bpf_skeleton::runtime::Iter>();
}
