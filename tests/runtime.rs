//! The runtime against the real kernel: every corpus program loads with the
//! kernel's digest, exclusive maps are enforced, verifier failures carry
//! the log, and global data and maps round-trip.

mod common;

use bpf_skeleton::runtime::hash::hex;
use bpf_skeleton::runtime::obj::section::prog_type;
use bpf_skeleton::runtime::Subject;
use bpf_skeleton::runtime::{Error, OpenObject};
use common::*;

fn open(name: &str) -> OpenObject {
    OpenObject::from_file(corpus(name)).unwrap_or_else(|e| panic!("opening {name}: {e}"))
}

#[test]
fn every_program_loads_and_its_hash_is_the_kernels_digest() {
    let mut checked = 0;
    let mut skipped = 0;
    for name in LOADABLE {
        if *name == "externs.bpf.o" && !common::has_task_kfuncs() {
            skipped += open(name).programs().len();
            continue;
        }
        let mut o = open(name);
        let names: Vec<String> = o.programs().iter().map(|p| p.name().to_string()).collect();
        for n in &names {
            o.set_autoload(n, true).unwrap();
        }
        // The digest is known at open, before anything is in the kernel.
        let before: Vec<[u8; 32]> = o.programs().iter().map(|p| p.hash()).collect();
        let obj = o.load().unwrap_or_else(|e| {
            panic!("{name}: load refused (are we root with CAP_BPF on Linux >= 6.18?): {e}")
        });
        for (p, open_hash) in obj.programs().iter().zip(before) {
            assert!(p.is_loaded(), "{name}/{}", p.name());
            let info = p.info().unwrap();
            assert_eq!(
                hex(&info.tag),
                hex(&expected_tag(&open_hash)),
                "{name}/{}: kernel prog tag vs the digest known at open",
                p.name()
            );
            checked += 1;
        }
    }
    assert_eq!(checked + skipped, 46, "programs in the loadable corpus");
}

#[test]
fn program_types_follow_section_names() {
    let o = open("kinds.bpf.o");
    let ty = |n: &str| o.program(n).unwrap().prog_type();
    assert_eq!(ty("tp_getpid"), prog_type::TRACEPOINT);
    assert_eq!(ty("raw_enter"), prog_type::RAW_TRACEPOINT);
    assert_eq!(ty("btf_switch"), prog_type::TRACING);
    assert_eq!(ty("iter_task"), prog_type::TRACING);
    assert_eq!(ty("sock"), prog_type::SOCKET_FILTER);
    assert_eq!(ty("tc_cls"), prog_type::SCHED_CLS);
    assert_eq!(ty("cg_in"), prog_type::CGROUP_SKB);
    assert_eq!(ty("cg_sock"), prog_type::CGROUP_SOCK);
    assert_eq!(ty("cg_connect"), prog_type::CGROUP_SOCK_ADDR);
    assert_eq!(ty("sys_prog"), prog_type::SYSCALL);
    assert_eq!(ty("perf"), prog_type::PERF_EVENT);
    assert_eq!(ty("msg"), prog_type::SK_MSG);
    assert_eq!(ty("dissect"), prog_type::FLOW_DISSECTOR);
    let obj = o.load().unwrap();
    // A syscall program runs with BPF_PROG_TEST_RUN and writes .bss.
    let out = obj
        .program("sys_prog")
        .unwrap()
        .test_run_with_ctx(&[], &mut [0u8; 8])
        .unwrap();
    assert_eq!(out.retval, 42);
}

#[test]
fn subprograms_callbacks_and_global_data() {
    let o = open("multi.bpf.o");
    let classify = o.program("xdp_classify").unwrap();
    assert_eq!(
        classify.linked().subprograms,
        ["classify", "mul_scale", "bump", "loop_cb"],
        "each used subprogram appended once, depth-first as libbpf does"
    );
    let file = o.file().clone();
    let obj = o.load().unwrap();
    let prog = obj.program("xdp_classify").unwrap();
    let out = prog.test_run(&packet(64)).unwrap();
    assert_eq!(
        out.retval, 2,
        "XDP_PASS: banner from .rodata.banner starts with 'm'"
    );

    // classify(64): 64 <= threshold(100), mul_scale(64) = 64 * 3 > 10 -> 1.
    let by_len = obj.map("by_len").unwrap();
    let v = by_len
        .lookup(&1u32.to_ne_bytes(), 0)
        .unwrap()
        .expect("key 1 counted");
    assert_eq!(u64_of(&v), 1);
    assert_eq!(by_len.keys().count(), 1);

    // bpf_loop ran the callback 4 times: total = 0 + 1 + 2 + 3.
    assert_eq!(u32_of(&global(&file, &obj, ".bss", "loops_done")), 4);
    assert_eq!(u64_of(&global(&file, &obj, ".bss", "total")), 6);
    assert_eq!(u32_of(&global(&file, &obj, ".bss", "static_counter")), 1);
    assert_eq!(
        u64_of(&global(&file, &obj, ".data.custom", "custom_hits")),
        12
    );
    assert_eq!(u64_of(&global(&file, &obj, ".data", "scale")), 3);
    assert_eq!(u32_of(&global(&file, &obj, ".rodata", "threshold")), 100);

    // Per-CPU: one 8-byte slot per possible CPU, one of which counted.
    let pc = obj
        .map("per_cpu")
        .unwrap()
        .lookup(&0u32.to_ne_bytes(), 0)
        .unwrap()
        .unwrap();
    let cpus = bpf_skeleton::runtime::possible_cpus().unwrap();
    assert_eq!(pc.len(), 8 * cpus);
    let sum: u64 = pc.chunks(8).map(u64_of).sum();
    assert_eq!(sum, 1);

    // Second program shares the subprograms and writes an LRU map.
    let out = obj
        .program("xdp_recent")
        .unwrap()
        .test_run(&packet(200))
        .unwrap();
    assert_eq!(out.retval, 2);
    let r = obj
        .map("recent")
        .unwrap()
        .lookup(&200u64.to_ne_bytes(), 0)
        .unwrap()
        .unwrap();
    assert_eq!(u32_of(&r), 2, "classify(200) > threshold");
    let sized = obj
        .map("sized")
        .unwrap()
        .lookup(&2u32.to_ne_bytes(), 0)
        .unwrap()
        .unwrap();
    assert_eq!(u64_of(&sized), 3, "mul_scale(1) = scale");

    assert_eq!(
        obj.program("xdp_events")
            .unwrap()
            .test_run(&packet(64))
            .unwrap()
            .retval,
        2
    );
    assert_eq!(obj.map("events").unwrap().map_type(), 27);
}

#[test]
fn rodata_is_frozen_and_initial_values_can_be_set_before_load() {
    let mut o = open("counter.bpf.o");
    let file = o.file().clone();
    let slot = file
        .variables(file.map_index(".rodata").unwrap())
        .unwrap()
        .into_iter()
        .find(|v| v.name == "slot")
        .unwrap();
    let init = o.map_mut(".rodata").unwrap().initial_value_mut().unwrap();
    init[slot.offset as usize..slot.offset as usize + 4].copy_from_slice(&3u32.to_ne_bytes());
    let obj = o.load().unwrap();
    obj.program("count_packets")
        .unwrap()
        .test_run(&packet(64))
        .unwrap();
    let counts = obj.map("counts").unwrap();
    assert_eq!(value_u64(counts, &3u32.to_ne_bytes()), 1);
    assert_eq!(value_u64(counts, &0u32.to_ne_bytes()), 0);
    assert_eq!(u64_of(&global(&file, &obj, ".bss", "packets_seen")), 1);
    // .rodata is frozen: user space cannot write it.
    let ro = obj.map(".rodata").unwrap();
    let err = ro
        .update(&0u32.to_ne_bytes(), &vec![0u8; ro.value_size() as usize], 0)
        .unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc_eperm()), "{err}");
    // debug_only was not autoloaded (the `?` section prefix).
    let dbg = obj.program("debug_only").unwrap();
    assert!(!dbg.is_loaded());
    assert!(dbg.test_run(&packet(64)).is_err());
}

fn libc_eperm() -> i32 {
    1
}

#[test]
fn exclusive_map_conflict_is_caught_before_any_syscall() {
    let mut o = open("exclusive.bpf.o");
    o.set_exclusive("secret", "reader").unwrap();
    assert_eq!(o.map("secret").unwrap().exclusive_program(), Some("reader"));
    let err = o.clone().load().unwrap_err();
    match &err {
        Error::ExclusiveConflict {
            map,
            designated,
            other,
        } => {
            assert_eq!(
                (map.as_str(), designated.as_str(), other.as_str()),
                ("secret", "reader", "intruder")
            );
        }
        e => panic!("expected ExclusiveConflict, got {e}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("`secret`") && msg.contains("`reader`") && msg.contains("`intruder`"),
        "{msg}"
    );

    // A second call replaces the first: exclusive to intruder, now reader conflicts.
    o.set_exclusive("secret", "intruder").unwrap();
    match o.clone().load().unwrap_err() {
        Error::ExclusiveConflict { other, .. } => assert_eq!(other, "reader"),
        e => panic!("{e}"),
    }
    // A program of another object is refused by the setter.
    let other = open("other.bpf.o");
    let err = o
        .map_mut("secret")
        .unwrap()
        .set_exclusive(other.program("thief").unwrap())
        .unwrap_err();
    assert!(err.to_string().contains("another object"), "{err}");
    // Unknown names are errors.
    assert!(matches!(
        o.set_exclusive("nope", "reader"),
        Err(Error::NotFound(Subject::Map(_)))
    ));
    assert!(matches!(
        o.set_exclusive("secret", "nope"),
        Err(Error::NotFound(Subject::Program(_)))
    ));
}

#[test]
fn exclusive_map_is_enforced_by_the_kernel() {
    if !exclusive_maps() {
        return;
    }
    let mut o = open("exclusive.bpf.o");
    let file = o.file().clone();
    let reader_hash = o.program("reader").unwrap().hash();
    {
        let reader = o.program("reader").unwrap().clone();
        o.map_mut("secret").unwrap().set_exclusive(&reader).unwrap();
    }
    o.set_autoload("intruder", false).unwrap();
    let obj = o
        .load()
        .expect("designated program loads with its exclusive map");
    let secret = obj.map("secret").unwrap();
    assert_eq!(secret.exclusive_program(), Some("reader"));
    let reader = obj.program("reader").unwrap();
    assert_eq!(reader.hash(), reader_hash);

    // The designated program runs and writes the exclusive map and globals.
    let out = reader.test_run(&packet(64)).unwrap();
    assert_eq!(out.retval, 2);
    assert_eq!(value_u64(secret, &0u32.to_ne_bytes()), 64);
    assert_eq!(value_u64(secret, &1u32.to_ne_bytes()), 0xfeed);
    assert_eq!(u64_of(&global(&file, &obj, ".bss", "runs")), 1);
    assert_eq!(u64_of(&global(&file, &obj, ".data", "last_len")), 64);

    // A raw BPF_PROG_LOAD referencing the map's fd is refused with EACCES.
    let (errno, log) = raw_xdp_using_map(secret, 1).expect_err("kernel must refuse");
    assert_eq!(errno, 13, "EACCES; log: {log}");
    assert!(log.contains(EXCL_LOG), "log: {log}");
    // Control: the same raw program against a non-exclusive map loads.
    let public = obj.map("public_stats").unwrap();
    raw_xdp_using_map(public, 1).expect("non-exclusive map is usable");

    // A program of another object, handed the map's fd, is refused.
    let mut thief = open("other.bpf.o");
    thief.map_mut("secret").unwrap().reuse_fd(secret).unwrap();
    match thief.load().unwrap_err() {
        Error::Verifier {
            subject,
            source,
            log,
            ..
        } => {
            assert_eq!(subject, Subject::program("thief"));
            assert_eq!(source.raw_os_error(), Some(13));
            assert!(log.contains(EXCL_LOG), "log: {log}");
        }
        e => panic!("expected the kernel to refuse the thief: {e}"),
    }
    // The intruder of the same object, handed the fd, is refused too.
    let mut again = open("exclusive.bpf.o");
    again.map_mut("secret").unwrap().reuse_fd(secret).unwrap();
    again.set_autoload("reader", false).unwrap();
    again.set_autoload("bystander", false).unwrap();
    match again.load().unwrap_err() {
        Error::Verifier { subject, log, .. } => {
            assert_eq!(subject, Subject::program("intruder"));
            assert!(log.contains(EXCL_LOG), "log: {log}");
        }
        e => panic!("{e}"),
    }
    // Exclusivity is by digest: another copy of the same `reader` may use it.
    let mut twin = open("exclusive.bpf.o");
    twin.map_mut("secret").unwrap().reuse_fd(secret).unwrap();
    twin.set_autoload("intruder", false).unwrap();
    let twin = twin.load().expect("identical program has the same digest");
    twin.program("reader")
        .unwrap()
        .test_run(&packet(100))
        .unwrap();
    assert_eq!(value_u64(secret, &0u32.to_ne_bytes()), 164);

    // User space holding the fd can still read and write the map.
    secret
        .update(&0u32.to_ne_bytes(), &7u64.to_ne_bytes(), 0)
        .unwrap();
    assert_eq!(value_u64(secret, &0u32.to_ne_bytes()), 7);
}

#[test]
fn global_data_maps_can_be_exclusive() {
    if !exclusive_maps() {
        return;
    }
    let mut o = open("exclusive.bpf.o");
    o.set_exclusive(".bss", "reader").unwrap();
    // Neither intruder nor bystander touches .bss: everything loads.
    let obj = o.load().unwrap();
    let bss = obj.map(".bss").unwrap();
    assert_eq!(bss.exclusive_program(), Some("reader"));
    obj.program("reader")
        .unwrap()
        .test_run(&packet(64))
        .unwrap();
    let (errno, log) = raw_xdp_using_map(bss, 2).expect_err("refused");
    assert_eq!(errno, 13);
    assert!(log.contains(EXCL_LOG), "log: {log}");
    // Control: the non-exclusive .data map is readable by the same raw program.
    raw_xdp_using_map(obj.map(".data").unwrap(), 2).expect(".data is not exclusive");
}

#[test]
fn low_level_map_create_takes_an_exclusive_hash() {
    if !exclusive_maps() {
        return;
    }
    use bpf_skeleton::runtime::{Map, MapSpec};
    let hash = [0x5a; 32];
    let fd = Map::create(&MapSpec {
        map_type: 2,
        key_size: 4,
        value_size: 8,
        max_entries: 1,
        name: "excl_raw".into(),
        excl_prog_hash: Some(hash),
        ..Default::default()
    })
    .expect("BPF_MAP_CREATE with excl_prog_hash (Linux >= 6.18)");
    assert_eq!(
        fd.exclusive_program(),
        Some(bpf_skeleton::runtime::hash::hex(&hash).as_str())
    );
    let (errno, log) = raw_xdp_using_map(&fd, 1).expect_err("no program has that digest");
    assert_eq!(errno, 13);
    assert!(log.contains(EXCL_LOG), "{log}");
}

#[test]
fn verifier_rejection_carries_the_full_log() {
    let err = open("reject.bpf.o").load().unwrap_err();
    let Error::Verifier {
        subject,
        source,
        log,
        ..
    } = &err
    else {
        panic!("expected a verifier error, got {err}");
    };
    assert_eq!(subject, &Subject::program("unchecked"));
    assert_eq!(source.raw_os_error(), Some(13));
    assert!(
        log.contains("invalid mem access 'map_value_or_null'"),
        "{log}"
    );
    assert!(
        log.contains("; *v += 1; /* no NULL check */"),
        "line info gives source lines: {log}"
    );
    if kernel_version() >= (6, 12) {
        // 6.1 prints the source line without file:line.
        assert!(log.contains("reject.bpf.c:21"), "file and line: {log}");
    }
    assert!(log.contains("processed"), "log is complete: {log}");
    assert!(err.to_string().contains("invalid mem access"));
    // Without the bad program the object loads.
    let mut o = open("reject.bpf.o");
    o.set_autoload("unchecked", false).unwrap();
    o.load().unwrap();
}

#[test]
fn legacy_maps_load_and_work() {
    let o = open("legacy.bpf.o");
    assert_eq!(o.maps().len(), 2);
    let obj = o.load().unwrap();
    obj.program("legacy_xdp")
        .unwrap()
        .test_run(&packet(80))
        .unwrap();
    let hits = obj.map("hits").unwrap();
    assert_eq!(value_u64(hits, &2u32.to_ne_bytes()), 1);
    let seen = obj.map("seen").unwrap();
    assert_eq!(
        u32_of(&seen.lookup(&80u32.to_ne_bytes(), 0).unwrap().unwrap()),
        80
    );
    assert!(seen.delete(&80u32.to_ne_bytes()).unwrap());
    assert!(!seen.delete(&80u32.to_ne_bytes()).unwrap());
}

#[test]
fn dynamic_api_settings_and_errors() {
    let mut o = open("counter.bpf.o");
    assert!(matches!(
        o.map("nope"),
        Err(Error::NotFound(Subject::Map(_)))
    ));
    assert!(matches!(
        o.set_autoload("nope", true),
        Err(Error::NotFound(Subject::Program(_)))
    ));
    assert!(o.map_mut("counts").unwrap().set_max_entries(0).is_err());
    assert!(o.map_mut(".bss").unwrap().set_max_entries(2).is_err());
    o.map_mut("counts").unwrap().set_max_entries(128).unwrap();
    let obj = o.load().unwrap();
    let counts = obj.map("counts").unwrap();
    let info = counts.info().unwrap();
    assert_eq!(
        (info.max_entries, info.key_size, info.value_size),
        (128, 4, 8)
    );
    assert_eq!(info.name, "counts");
    assert!(counts.lookup(&[0u8; 3], 0).is_err(), "key size is checked");
    assert!(
        counts.update(&0u32.to_ne_bytes(), &[0u8; 4], 0).is_err(),
        "value size is checked"
    );
    assert!(matches!(obj.program("nope"), Err(Error::NotFound { .. })));
}
