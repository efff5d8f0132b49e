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
    for _ in 0..3 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    drop(link);
    let seen = skel.bss.switch_seen();
    assert!(seen >= 3, "switched to this thread {seen} times");
    std::thread::sleep(std::time::Duration::from_millis(5));
    assert_eq!(skel.bss.switch_seen(), seen, "detached on drop");
}

#[bpf_skeleton("tests/bpf/core_poison.bpf.o")]
struct CorePoison;

#[test]
fn missing_field_access_is_poisoned() {
    match CorePoison::open_and_load() {
        Err(Error::Verifier { subject, log, .. }) => {
            assert_eq!(subject, Subject::program("uses_missing"));
            assert!(log.contains("195896080"), "poisoned call 0xbad2310: {log}");
        }
        r => panic!("expected the poisoned program to be refused: {r:?}"),
    }
}
