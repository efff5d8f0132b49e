//! Feature probing (runtime::probe) against the running kernel, the
//! fail-closed refusal of exclusive maps on kernels without them, and the
//! programs the 6.18 host cannot load (kprobe, fentry), which run on the VM
//! kernels (scripts/vmtest; scripts/vmtest.d lists what must run there).

mod common;

use bpf_skeleton::bpf_skeleton;
use bpf_skeleton::runtime::obj::section::prog_type as pt;
use bpf_skeleton::runtime::probe::{self, map_type, Link};
use bpf_skeleton::runtime::{Error, OpenObject};
use common::*;

#[bpf_skeleton("tests/bpf/counter.bpf.o")]
struct Counter;

/// Tests here count the process's fds, and probes open fds for a moment:
/// one test at a time.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

#[test]
fn exclusive_map_probe_follows_the_kernel_version() {
    let _serial = serial();
    assert_eq!(
        probe::exclusive_maps().unwrap(),
        kernel_version() >= (6, 18),
        "Linux {}",
        probe::kernel_release()
    );
}

/// The refusal with the running kernel's release replaced by `<release>`.
fn snapshot(e: &Error) -> String {
    e.to_string().replace(&probe::kernel_release(), "<release>")
}

#[test]
fn exclusive_map_load_fails_closed_before_any_map_or_pin() {
    let _serial = serial();
    if probe::exclusive_maps().unwrap() {
        skip("this kernel has exclusive maps; nothing to refuse");
        return;
    }
    let bpffs = PrivateBpffs::new("fail-closed");
    let mut o = OpenObject::from_file(corpus("pin.bpf.o")).unwrap();
    o.set_pin_root(bpffs.path());
    o.set_exclusive("shared_count", "bump").unwrap();
    let fds = open_fds();
    let e = o.load().unwrap_err();
    assert!(matches!(e, Error::KernelLacks { .. }), "{e:?}");
    assert_eq!(
        snapshot(&e),
        "map `shared_count` exclusive to program `bump`: this kernel (Linux <release>) \
         has no exclusive maps, which need Linux 6.18 or later"
    );
    assert_eq!(open_fds(), fds, "no map (nor BTF) was created");
    assert!(
        std::fs::read_dir(bpffs.path()).unwrap().next().is_none(),
        "nothing was pinned"
    );

    // The same through a skeleton.
    let mut open = Counter::open().unwrap();
    open.maps.counts.set_exclusive(&open.progs.count_packets);
    let Err(e) = open.load() else {
        panic!("an exclusive map loaded without kernel support")
    };
    assert_eq!(
        snapshot(&e),
        "map `counts` exclusive to program `count_packets`: this kernel (Linux <release>) \
         has no exclusive maps, which need Linux 6.18 or later"
    );
    // Without exclusivity the same object loads.
    let open = Counter::open().unwrap();
    assert!(open.load().is_ok());
}

#[test]
fn probes_answer_as_the_kernel_version_says() {
    let _serial = serial();
    let v = kernel_version();
    assert!(probe::prog_type(pt::SOCKET_FILTER).unwrap());
    assert!(probe::prog_type(pt::XDP).unwrap());
    assert!(probe::prog_type(pt::SYSCALL).unwrap());
    assert!(probe::prog_type(pt::CGROUP_SOCK_ADDR).unwrap());
    assert_eq!(
        probe::prog_type(pt::TRACING).unwrap(),
        probe::fentry().unwrap(),
        "tracing programs are there when trampolines are"
    );
    probe::prog_type(pt::LSM).unwrap(); // depends on the kernel's lsm= list
    assert_eq!(
        probe::prog_type(pt::NETFILTER).unwrap(),
        v >= (6, 4),
        "netfilter, 6.4"
    );
    assert!(!probe::prog_type(999).unwrap(), "no program type 999");
    assert!(probe::map_type(map_type::ARRAY).unwrap());
    assert!(probe::map_type(map_type::LPM_TRIE).unwrap());
    assert!(probe::map_type(map_type::BLOOM_FILTER).unwrap(), "5.16");
    assert!(probe::map_type(map_type::USER_RINGBUF).unwrap(), "6.1");
    assert!(matches!(
        probe::map_type(map_type::SK_STORAGE), // its probe needs BTF
        Err(Error::InvalidArgument { .. })
    ));
    assert!(probe::ring_buffer().unwrap(), "5.8");
    assert!(probe::global_data().unwrap(), "5.2");
    assert!(probe::bpf_cookie().unwrap(), "5.15");
    assert!(probe::link(Link::PerfEvent).unwrap(), "5.15");
    assert!(probe::link(Link::Cgroup).unwrap(), "5.7");
    assert_eq!(probe::link(Link::Tcx).unwrap(), v >= (6, 6), "tcx, 6.6");
    // Cached: the same answers again, without new kernel objects.
    let fds = open_fds();
    assert!(probe::ring_buffer().unwrap() && probe::global_data().unwrap());
    assert_eq!(open_fds(), fds);
}

/// Loads `prog` alone from kernel_trace.bpf.o and checks the kernel's view.
fn load_alone(prog: &str, prog_type: u32) {
    let mut o = OpenObject::from_file(corpus("kernel_trace.bpf.o")).unwrap();
    for p in ["on_nanosleep", "on_fentry_test1"] {
        o.set_autoload(p, p == prog).unwrap();
    }
    let digest = o.program(prog).unwrap().hash();
    let obj = o
        .load()
        .unwrap_or_else(|e| panic!("{prog} refused on Linux {}: {e}", probe::kernel_release()));
    let p = obj.program(prog).unwrap();
    assert!(p.is_loaded());
    let info = p.info().unwrap();
    assert_eq!(info.prog_type, prog_type);
    assert_eq!(info.tag, expected_tag(&digest), "kernel tag vs our digest");
}

#[test]
fn kprobe_program_loads() {
    let _serial = serial();
    if !std::path::Path::new("/sys/bus/event_source/devices/kprobe").exists() {
        skip(&format!(
            "no kprobes on Linux {} (no kprobe PMU: CONFIG_KPROBES off)",
            probe::kernel_release()
        ));
        return;
    }
    load_alone("on_nanosleep", pt::KPROBE);
}

#[test]
fn fentry_program_loads() {
    let _serial = serial();
    assert!(probe::global_data().unwrap(), "privileged probes work");
    if !probe::fentry().unwrap() {
        skip(&format!(
            "Linux {} refuses BPF trampolines (fentry probe failed)",
            probe::kernel_release()
        ));
        return;
    }
    load_alone("on_fentry_test1", pt::TRACING);
}
