//! Externs against the running kernel: `__kconfig` values of every kind
//! (compared with the kernel's own Kconfig and `uname`, read here
//! independently), typeless and typed `__ksym` variables, weak missing
//! ones reading 0, vmlinux kfunc calls with a visible effect, a guarded
//! call to a missing weak kfunc, and strong missing externs failing only
//! the programs that use them. (tests/libbpf_parity.rs checks the tags are
//! libbpf's.)

mod common;

use std::io::Read;

use bpf_skeleton::bpf_skeleton;
use bpf_skeleton::runtime::obj::btf::Kind;
use bpf_skeleton::runtime::obj::externs::PSEUDO_BTF_ID;
use bpf_skeleton::runtime::obj::insn::PSEUDO_KFUNC_CALL;
use bpf_skeleton::runtime::{Error, Object, ObjectFile, OpenObject};
use common::*;

#[bpf_skeleton("tests/bpf/externs.bpf.o")]
struct Externs;

/// The kernel's Kconfig, from /boot/config-$(uname -r) or /proc/config.gz.
fn kconfig() -> String {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    let boot = format!("/boot/config-{}", release.trim());
    if let Ok(text) = std::fs::read_to_string(boot) {
        return text;
    }
    let gz = std::fs::read("/proc/config.gz").expect("a kernel Kconfig");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .unwrap();
    text
}

fn config_value(config: &str, name: &str) -> Option<String> {
    config
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}=")))
        .map(str::to_string)
}

fn bss_u32(file: &ObjectFile, obj: &Object, var: &str) -> u32 {
    u32_of(&global(file, obj, ".bss", var))
}

fn data_bytes(file: &ObjectFile, obj: &Object, var: &str) -> Vec<u8> {
    global(file, obj, ".data", var)
}

/// Writes `bytes` into global `var` of data map `section` of a loaded
/// object.
fn set_global(file: &ObjectFile, obj: &Object, section: &str, var: &str, bytes: &[u8]) {
    let idx = file.map_index(section).unwrap();
    let v = file
        .variables(idx)
        .unwrap()
        .into_iter()
        .find(|v| v.name == var)
        .unwrap();
    let map = obj.map(section).unwrap();
    let mut value = map.lookup(&0u32.to_ne_bytes(), 0).unwrap().unwrap();
    value[v.offset as usize..][..bytes.len()].copy_from_slice(bytes);
    map.update(&0u32.to_ne_bytes(), &value, 0).unwrap();
}

fn open_only(name: &str, progs: &[&str]) -> OpenObject {
    let mut open = OpenObject::from_file(corpus(name)).unwrap();
    let all: Vec<String> = open
        .programs()
        .iter()
        .map(|p| p.name().to_string())
        .collect();
    for p in all {
        open.set_autoload(&p, progs.contains(&p.as_str())).unwrap();
    }
    open
}

#[test]
fn kconfig_values_of_every_kind_are_the_kernels() {
    let mut open = open_only("externs.bpf.o", &["read_kconfig"]);
    open.set_kconfig("CONFIG_BPF_SKEL_OVERRIDDEN", "m").unwrap();
    assert!(open.set_kconfig("CONFIG_NOT_DECLARED_HERE", "y").is_err());
    assert!(open.set_kconfig("LINUX_KERNEL_VERSION", "1").is_err());
    let file = open.file().clone();
    let obj = open.load().unwrap_or_else(|e| panic!("{e}"));
    let out = obj
        .program("read_kconfig")
        .unwrap()
        .test_run_with_ctx(&[], &mut [0u8; 16])
        .unwrap();
    assert_eq!(out.retval, 0);

    let config = kconfig();
    // libbpf's rule: a Debian kernel's real version is in `uname -v`
    // ("... Debian 6.1.192-2"), its release says 6.1.0; else the release.
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    let version = std::fs::read_to_string("/proc/sys/kernel/version").unwrap();
    let numbers = match version.split_once("Debian ") {
        Some((_, v)) => v.to_string(),
        None => release.clone(),
    };
    let nums: Vec<u32> = numbers
        .trim()
        .split(['.', '-', ' ', '+'])
        .take(3)
        .map(|n| n.parse().unwrap())
        .collect();
    let expected_version = (nums[0] << 16) + (nums[1] << 8) + nums[2].min(255);
    assert_eq!(bss_u32(&file, &obj, "kernel_version"), expected_version);
    // BPF cookies exist since 5.15; this test machine runs 6.18.
    assert_eq!(u32_of(&data_bytes(&file, &obj, "has_cookie")), 1);
    // libbpf probes the wrapper with a kprobe; without the kprobe PMU it
    // reports 0.
    let kprobe_pmu = std::path::Path::new("/sys/bus/event_source/devices/kprobe").exists();
    if !kprobe_pmu {
        assert_eq!(u32_of(&data_bytes(&file, &obj, "has_wrapper")), 0);
    }
    let yes = |name: &str| config_value(&config, name).as_deref() == Some("y");
    assert_eq!(
        u32_of(&data_bytes(&file, &obj, "bpf_syscall")),
        u32::from(yes("CONFIG_BPF_SYSCALL")),
        "bool"
    );
    let tristate = match config_value(&config, "CONFIG_NET").as_deref() {
        Some("y") => 1,
        Some("m") => 2,
        _ => 0,
    };
    assert_eq!(
        u32_of(&data_bytes(&file, &obj, "net")),
        tristate,
        "tristate"
    );
    let jit = config_value(&config, "CONFIG_BPF_JIT").map_or(0, |v| u32::from(v.as_bytes()[0]));
    assert_eq!(u32_of(&data_bytes(&file, &obj, "jit")), jit, "char");
    let hz: i32 = config_value(&config, "CONFIG_HZ").unwrap().parse().unwrap();
    assert_eq!(u32_of(&data_bytes(&file, &obj, "hz")) as i32, hz, "int");
    let cpus: u64 = config_value(&config, "CONFIG_NR_CPUS")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(u64_of(&data_bytes(&file, &obj, "nr_cpus")), cpus, "u64");
    let local = config_value(&config, "CONFIG_LOCALVERSION").unwrap();
    let local = local.trim_matches('"');
    let got = global(&file, &obj, ".bss", "localversion");
    let end = got.iter().position(|&b| b == 0).unwrap();
    assert_eq!(&got[..end], local.as_bytes(), "string");
    assert_eq!(
        u32_of(&data_bytes(&file, &obj, "missing")),
        0,
        "weak missing"
    );
    assert_eq!(
        u32_of(&data_bytes(&file, &obj, "overridden")),
        2,
        "set_kconfig 'm'"
    );

    // The .kconfig map is frozen: user space cannot change what the
    // program reads.
    let kmap = obj.map(".kconfig").unwrap();
    let value = kmap.lookup(&0u32.to_ne_bytes(), 0).unwrap().unwrap();
    assert!(kmap.update(&0u32.to_ne_bytes(), &value, 0).is_err());
}

#[test]
fn typeless_ksyms_are_kallsyms_addresses_and_weak_missing_ones_read_zero() {
    let open = open_only("externs.bpf.o", &["read_ksyms"]);
    let file = open.file().clone();
    let obj = open.load().unwrap_or_else(|e| panic!("{e}"));
    obj.program("read_ksyms")
        .unwrap()
        .test_run_with_ctx(&[], &mut [0u8; 16])
        .unwrap();
    let kallsyms = std::fs::read_to_string("/proc/kallsyms").unwrap();
    let stext = kallsyms
        .lines()
        .find_map(|l| {
            let mut f = l.split_whitespace();
            let addr = f.next()?;
            f.next()?;
            (f.next()? == "_stext").then(|| u64::from_str_radix(addr, 16).unwrap())
        })
        .unwrap();
    assert_ne!(stext, 0);
    assert_eq!(u64_of(&global(&file, &obj, ".bss", "stext_addr")), stext);
    assert_eq!(u64_of(&data_bytes(&file, &obj, "missing_typed")), 0);
    assert_eq!(u64_of(&data_bytes(&file, &obj, "missing_typeless")), 0);
}

#[test]
fn kfunc_calls_find_this_process_and_missing_weak_kfuncs_are_poisoned() {
    let open = open_only("externs.bpf.o", &["call_kfuncs", "call_missing_kfunc"]);
    let file = open.file().clone();
    let prog = open.program("call_kfuncs").unwrap();
    let kernel = bpf_skeleton::runtime::kernel_btf::target().unwrap();
    let Some(from_pid) = kernel
        .btf()
        .find("bpf_task_from_pid", |k| matches!(k, Kind::Func { .. }))
    else {
        common::skip("needs the kfunc bpf_task_from_pid (Linux 6.2)");
        return;
    };
    let insns = &prog.linked().insns;
    assert!(
        insns.iter().any(|i| i.code == 0x85
            && i.src_reg() == PSEUDO_KFUNC_CALL
            && i.imm == from_pid as i32),
        "bpf_task_from_pid called by its vmlinux BTF id"
    );
    let insns = &open.program("call_missing_kfunc").unwrap().linked().insns;
    let ext = file
        .externs
        .iter()
        .position(|e| e.name == "bpf_skel_no_such_kfunc")
        .unwrap();
    assert!(
        insns
            .iter()
            .any(|i| i.code == 0x85 && i.src_reg() == 0 && i.imm == 2_002_000_000 + ext as i32),
        "the missing weak kfunc's call is poisoned with its extern index"
    );
    let obj = open.load().unwrap_or_else(|e| panic!("{e}"));
    set_global(
        &file,
        &obj,
        ".bss",
        "find_pid",
        &(std::process::id() as i32).to_ne_bytes(),
    );
    obj.program("call_kfuncs")
        .unwrap()
        .test_run_with_ctx(&[], &mut [0u8; 16])
        .unwrap();
    assert_eq!(
        u32_of(&data_bytes(&file, &obj, "found_tgid")),
        std::process::id(),
        "bpf_task_from_pid found this process"
    );
    obj.program("call_missing_kfunc")
        .unwrap()
        .test_run_with_ctx(&[], &mut [0u8; 16])
        .unwrap();
    assert_eq!(u32_of(&data_bytes(&file, &obj, "no_such_kfunc_exists")), 0);
    assert_eq!(
        u32_of(&data_bytes(&file, &obj, "rcu_read_lock_exists")),
        1,
        "bpf_ksym_exists on a kfunc this kernel has"
    );
}

#[test]
fn typed_ksyms_carry_vmlinux_btf_ids() {
    let open = OpenObject::from_file(corpus("externs_typed.bpf.o")).unwrap();
    let kernel = bpf_skeleton::runtime::kernel_btf::target().unwrap();
    let rq = kernel
        .btf()
        .find("runqueues", |k| matches!(k, Kind::Var { .. }))
        .unwrap();
    let insns = &open.program("read_typed").unwrap().linked().insns;
    let at = insns
        .iter()
        .position(|i| i.is_ld_imm64() && i.src_reg() == PSEUDO_BTF_ID && i.imm == rq as i32)
        .expect("ld_imm64 of runqueues by BTF id");
    assert_eq!(insns[at + 1].imm, 0, "vmlinux: no module BTF fd");
    // The verifier finds the variable's address through kallsyms: kernels
    // without CONFIG_KALLSYMS_ALL list no data symbols and refuse the load
    // (libbpf's load fails the same way).
    match open.load() {
        Ok(obj) => {
            let file =
                ObjectFile::parse(&std::fs::read(corpus("externs_typed.bpf.o")).unwrap()).unwrap();
            let cpus = bpf_skeleton::runtime::online_cpus().unwrap();
            let last = *cpus.last().unwrap();
            set_global(&file, &obj, ".bss", "want_cpu", &last.to_ne_bytes());
            obj.program("read_typed")
                .unwrap()
                .test_run_with_ctx(&[], &mut [0u8; 16])
                .unwrap();
            assert_eq!(u32_of(&data_bytes(&file, &obj, "rq_cpu")), last);
        }
        Err(e) => {
            let log = e.verifier_log().unwrap_or_else(|| panic!("{e}"));
            assert!(
                log.contains("failed to find the address for kernel symbol 'runqueues'"),
                "{log}"
            );
        }
    }
}

#[test]
fn strong_missing_externs_fail_only_the_programs_that_use_them() {
    let open = open_only("externs_missing.bpf.o", &["plain"]);
    let obj = open.load().unwrap_or_else(|e| panic!("{e}"));
    assert!(obj.program("plain").unwrap().is_loaded());
    for (prog, ext) in [
        ("uses_kconfig", "CONFIG_BPF_SKEL_STRONG_MISSING"),
        ("uses_ksym", "bpf_skel_strong_missing_ksym"),
        ("uses_kfunc", "bpf_skel_strong_missing_kfunc"),
        ("uses_bad_prototype", "bpf_task_release"),
    ] {
        let err = open_only("externs_missing.bpf.o", &[prog])
            .load()
            .unwrap_err();
        assert!(
            matches!(&err, Error::Unsupported { .. }) && err.to_string().contains(ext),
            "{prog}: {err}"
        );
    }
    let err = open_only("externs_missing.bpf.o", &["uses_weak_unguarded"])
        .load()
        .unwrap_err();
    let log = err.verifier_log().unwrap_or_else(|| panic!("{err}"));
    assert!(
        log.contains("<invalid kfunc call>\nkfunc 'bpf_skel_weak_unguarded_kfunc' is referenced but wasn't resolved"),
        "libbpf's rewrite of the poisoned call: {log}"
    );
    assert!(!log.contains("unknown#2002"), "{log}");
    if common::has_task_kfuncs() {
        let err = open_only("externs_missing.bpf.o", &["uses_bad_prototype"])
            .load()
            .unwrap_err();
        assert!(err.to_string().contains("incompatible"), "{err}");
    }
}

#[test]
fn a_bad_kconfig_value_fails_only_the_programs_reading_kconfig() {
    // A string for a tristate: refused, as libbpf refuses it.
    let mut open = open_only("externs.bpf.o", &["read_ksyms"]);
    open.set_kconfig("CONFIG_BPF_SKEL_OVERRIDDEN", "\"text\"")
        .unwrap();
    assert!(open.load().is_ok(), "read_ksyms reads no kconfig value");

    let mut open = open_only("externs.bpf.o", &["read_kconfig"]);
    open.set_kconfig("CONFIG_BPF_SKEL_OVERRIDDEN", "\"text\"")
        .unwrap();
    let err = open.load().unwrap_err();
    assert!(
        err.to_string().contains("CONFIG_BPF_SKEL_OVERRIDDEN"),
        "{err}"
    );
}

#[test]
fn skeletons_set_kconfig_values_and_refuse_writes_to_the_computed_section() {
    let mut open = Externs::open().unwrap();
    if !common::kernel_has_func("bpf_task_from_pid") {
        // Linux 6.1: the kfunc program cannot load; the kconfig part can.
        open.progs.call_kfuncs.set_autoload(false);
    }
    open.set_kconfig("CONFIG_BPF_SKEL_OVERRIDDEN", "y").unwrap();
    let skel = open.load().unwrap_or_else(|e| panic!("{e}"));
    skel.progs
        .read_kconfig
        .raw()
        .test_run_with_ctx(&[], &mut [0u8; 16])
        .unwrap();
    assert_eq!(
        skel.data.overridden(),
        1,
        "set_kconfig through the skeleton"
    );
    assert_eq!(skel.data.hz() as i64, {
        let config = kconfig();
        config_value(&config, "CONFIG_HZ")
            .unwrap()
            .parse::<i64>()
            .unwrap()
    });

    // The `.kconfig` section's values are computed at load: writing them
    // in the open skeleton would be lost, so the load refuses it.
    let mut open = Externs::open().unwrap();
    open.kconfig.config_hz = 1;
    let err = open.load().unwrap_err();
    assert!(err.to_string().contains("set_kconfig"), "{err}");
}

#[test]
fn a_kconfig_extern_of_an_unsupported_type_is_refused_at_open_naming_it() {
    let err = OpenObject::from_file(corpus("externs_bad_kconfig.bpf.o")).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("extern `CONFIG_BPF_SKEL_PAIR`") && text.contains("__kconfig"),
        "{text}"
    );
}
