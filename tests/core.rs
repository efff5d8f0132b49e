//! CO-RE relocations against the running kernel's BTF: values read through
//! relocated offsets match what user space knows independently (thread id,
//! process id, type sizes); missing fields are 0 for `exists` and poison
//! the instruction otherwise. (tests/libbpf_parity.rs checks the relocated
//! programs are libbpf's, tag for tag.)

mod common;

use bpf_skeleton::bpf_skeleton;
use bpf_skeleton::runtime::obj::btf::Kind;
use bpf_skeleton::runtime::Subject;
use bpf_skeleton::Error;

#[bpf_skeleton("tests/bpf/core.bpf.o")]
struct Core;

/// This thread's kernel task id, from /proc/thread-self.
fn gettid() -> u32 {
    let link = std::fs::read_link("/proc/thread-self").unwrap();
    link.file_name().unwrap().to_str().unwrap().parse().unwrap()
}

#[test]
fn relocated_reads_see_this_task() {
    let skel = Core::open_and_load().unwrap_or_else(|e| panic!("CO-RE object refused: {e}"));
    let out = skel
        .progs
        .read_task
        .raw()
        .test_run_with_ctx(&[], &mut [0u8; 16])
        .unwrap();
    assert_eq!(out.retval, 0);
    // BPF_PROG_TEST_RUN of a raw tracepoint runs in this thread.
    assert_eq!(skel.bss.seen_pid(), gettid(), "task_struct->pid");
    assert_eq!(
        skel.bss.seen_tgid(),
        std::process::id(),
        "task_struct->tgid"
    );
    assert_eq!(
        skel.bss.flavor_tgid(),
        std::process::id(),
        "___flavor matched by essential name"
    );
    assert_eq!(skel.bss.has_pid(), 1);
    assert_eq!(skel.data.has_missing(), 0, "field exists in no kernel");
    assert_eq!(
        skel.data.reset_on_fork(),
        0,
        "bitfield read through CO-RE shifts"
    );
    assert_eq!(skel.bss.ringbuf_value(), 27, "BPF_MAP_TYPE_RINGBUF");
    let kernel = bpf_skeleton::runtime::kernel_btf::target().unwrap();
    let btf = kernel.btf();
    let id = btf
        .find("task_struct", |k| matches!(k, Kind::Struct { .. }))
        .unwrap();
    assert_eq!(skel.bss.task_size(), u64::from(btf.size_of(id).unwrap()));
    assert!(
        skel.bss.task_size() > 1000,
        "the kernel's struct, not the local 16 bytes"
    );
    // tp_btf with a relocated direct load (next->pid): attached, it sees
    // this thread scheduled in after each sleep.
    skel.bss.set_switch_target(gettid());
    let link = skel.progs.on_switch.raw().attach().unwrap();
    // Each sleep schedules this thread out and back in; on a loaded machine
    // a wake-up can be missed, so allow up to 50 sleeps to see three.
    for _ in 0..50 {
        std::thread::sleep(std::time::Duration::from_millis(2));
        if skel.bss.switch_seen() >= 3 {
            break;
        }
    }
    drop(link);
    let seen = skel.bss.switch_seen();
    assert!(
        seen >= 3,
        "switched to this thread {seen} times in 50 sleeps"
    );
    std::thread::sleep(std::time::Duration::from_millis(5));
    assert_eq!(skel.bss.switch_seen(), seen, "detached on drop");
}

#[bpf_skeleton("tests/bpf/core_poison.bpf.o")]
struct CorePoison;

#[test]
fn missing_field_access_is_poisoned_and_explained() {
    match CorePoison::open_and_load() {
        Err(Error::Verifier { subject, log, .. }) => {
            assert_eq!(subject, Subject::program("uses_missing"));
            // libbpf's rewrite of the poisoned call's two lines.
            assert!(
                log.contains("<invalid CO-RE relocation>"),
                "poisoned call explained: {log}"
            );
            assert!(
                log.contains("failed to resolve CO-RE relocation <byte_off> [")
                    && log.contains(
                        "struct task_struct.no_such_field_in_any_kernel (0:0 @ offset 0): \
                         field `task_struct.no_such_field_in_any_kernel` not found in the kernel"
                    ),
                "which relocation and why: {log}"
            );
            assert!(!log.contains("invalid func unknown#195896080"), "{log}");
            // The rest of the kernel's log is kept.
            assert!(log.contains("processed"), "full log kept: {log}");
        }
        r => panic!("expected the poisoned program to be refused: {r:?}"),
    }
}

#[bpf_skeleton("tests/bpf/core_exact.bpf.o")]
struct CoreExact;

/// A type of the running kernel's BTF, by name and kind.
fn kernel_type(name: &str, pred: impl Fn(&Kind) -> bool) -> (u32, u32) {
    let kernel = bpf_skeleton::runtime::kernel_btf::target().unwrap();
    let btf = kernel.btf();
    let id = btf
        .find(name, pred)
        .unwrap_or_else(|| panic!("kernel has no {name}"));
    (id, btf.size_of(id).unwrap())
}

/// Byte offset of member `member` of the kernel's struct `name`.
fn kernel_offset(name: &str, member: &str) -> usize {
    let kernel = bpf_skeleton::runtime::kernel_btf::target().unwrap();
    let btf = kernel.btf();
    let (id, _) = kernel_type(name, |k| matches!(k, Kind::Struct { .. }));
    match &btf.get(id).unwrap().kind {
        Kind::Struct { members, .. } => {
            let m = members.iter().find(|m| m.name == member).unwrap();
            assert_eq!(m.bitfield_size, 0);
            m.bit_offset as usize / 8
        }
        k => panic!("{name} is {k:?}"),
    }
}

#[test]
fn core_is_libbpf_exactly_bitfields_typedefs_compat_matches() {
    let skel = CoreExact::open_and_load().unwrap_or_else(|e| panic!("CO-RE object refused: {e}"));
    // In a thread of its own that sets SCHED_RESET_ON_FORK, so that
    // task_struct.sched_reset_on_fork is 1 there (BPF_PROG_TEST_RUN of a
    // raw tracepoint runs in the calling thread).
    let policy = std::thread::scope(|s| {
        s.spawn(|| {
            let param = libc::sched_param { sched_priority: 0 };
            // SAFETY: `param` is a live sched_param; pid 0 is this thread.
            let rc = unsafe {
                libc::sched_setscheduler(0, libc::SCHED_OTHER | libc::SCHED_RESET_ON_FORK, &param)
            };
            assert_eq!(rc, 0, "{}", std::io::Error::last_os_error());
            let out = skel
                .progs
                .exact
                .raw()
                .test_run_with_ctx(&[], &mut [0u8; 16])
                .unwrap();
            assert_eq!(out.retval, 0);
            // SAFETY: no pointer arguments.
            unsafe { libc::sched_getscheduler(0) }
        })
        .join()
        .unwrap()
    });
    assert_ne!(policy & libc::SCHED_RESET_ON_FORK, 0, "the thread's policy");
    let d = &skel.data;
    // task_struct.sched_reset_on_fork, read through three local layouts
    // whose compiler-chosen load units differ from libbpf's.
    assert_eq!(
        (d.dump1(), d.dump2(), d.dump3()),
        (1, 1, 1),
        "sched_reset_on_fork bitfield"
    );
    let (_, atomic_size) = kernel_type("atomic_t", |k| matches!(k, Kind::Typedef(_)));
    assert_eq!(d.atomic_exists(), 1, "typedef atomic_t exists");
    assert_eq!(d.atomic_size(), atomic_size, "typedef atomic_t size");
    assert_eq!(d.atomic_matches(), 1, "typedef atomic_t matches");
    assert_eq!(d.atomic_wrong_exists(), 0, "int typedef vs struct typedef");
    assert_eq!(d.no_typedef_exists(), 0);
    assert_eq!(d.no_typedef_size(), 0, "missing type: size 0, not poison");
    assert_eq!(d.enum_field(), 1, "enum bpf_map_type field");
    assert_eq!(d.int_field(), 0, "int is not compatible with an enum");
    assert_eq!(d.other_enum_field(), 0, "enum of another name");
    assert_eq!(d.anon_enum_field(), 1, "anonymous enum");
    assert_eq!(d.union_field(), 1, "union vs the kernel's struct");
    assert_eq!(d.matches_same(), 1, "int pid, tgid match pid_t");
    assert_eq!(d.matches_long(), 0, "long pid does not match pid_t");
    assert_eq!(d.matches_ptrs(), 1, "pointers to the same names");
    assert_eq!(d.matches_int_ptr(), 0, "int vs pointer");
}

#[test]
fn core_stores_move_and_resize_as_libbpf() {
    let skel = CoreExact::open_and_load().unwrap_or_else(|e| panic!("CO-RE object refused: {e}"));
    skel.progs
        .stores
        .raw()
        .test_run_with_ctx(&[], &mut [0u8; 16])
        .unwrap();
    let buf = skel.data.store_buf();
    let func = kernel_offset("callback_head", "func");
    assert_eq!(func, 8);
    let (_, color) = kernel_type("rb_node", |k| matches!(k, Kind::Struct { .. }));
    assert!(color >= 8);
    // callback_head.func: stored at the kernel's offset, not 0.
    assert_eq!(buf[0], u64::MAX, "local offset untouched");
    assert_eq!(buf[func / 8], 0x1234, "kernel offset written");
    // rb_node.__rb_parent_color: a 4-byte store widened to the kernel's
    // 8-byte unsigned long (upper half zeroed), and the load likewise.
    assert_eq!(buf[2], 0x1234_5678, "store resized to 8 bytes");
    assert_eq!(buf[3], u64::MAX);
    assert_eq!(skel.data.loaded_color(), 0x1234_5678);
}

#[test]
fn unsafe_signed_resize_is_poisoned_and_explained() {
    let mut obj = bpf_skeleton::runtime::OpenObject::from_file(common::corpus("core_signed.bpf.o"))
        .expect("opens: the poisoned store only fails if it can run");
    obj.set_autoload("signed_resize", true).unwrap();
    match obj.load() {
        Err(Error::Verifier { subject, log, .. }) => {
            assert_eq!(subject, Subject::program("signed_resize"));
            assert!(
                log.contains("failed to resolve CO-RE relocation <byte_off>")
                    && log.contains("timespec64___s.tv_nsec")
                    && log.contains("only pointers and unsigned integers may change size"),
                "{log}"
            );
        }
        r => panic!("expected the signed resize to be refused: {r:?}"),
    }
}
