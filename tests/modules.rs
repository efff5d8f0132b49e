//! Kernel module kfuncs, typed module ksyms and CO-RE against module BTF
//! (tests/bpf/module_kfunc.bpf.c). On Debian's 6.12 under scripts/vmtest
//! (which insmods nf_conntrack and x_tables) the kfuncs, the ksym and the
//! CO-RE type are found only in module BTF: kfunc calls name the module by
//! their index in `fd_array`, the ksym's `ld_imm64` holds the module BTF's
//! fd, CO-RE finds the module's type. On a kernel with them built in (this
//! host's 6.18) the same programs resolve in vmlinux. Where neither has
//! them, the tests say so and skip.

mod common;

use std::os::fd::AsRawFd;

use bpf_skeleton::runtime::hash::program_digest;
use bpf_skeleton::runtime::kernel_btf;
use bpf_skeleton::runtime::obj::btf::Kind;
use bpf_skeleton::runtime::obj::externs::PSEUDO_BTF_ID;
use bpf_skeleton::runtime::obj::insn::{Insn, PSEUDO_KFUNC_CALL};
use bpf_skeleton::runtime::OpenObject;
use common::*;

const OBJ: &str = "module_kfunc.bpf.o";

/// Where the kernel defines `name` (a FUNC if `func`, else a VAR or
/// STRUCT as `kind` says): `Some(None)` in vmlinux, `Some(Some(module))`
/// only in that module's BTF, `None` nowhere.
fn defined_in(name: &str, kind: fn(&Kind) -> bool) -> Option<Option<String>> {
    let vmlinux = kernel_btf::target().expect("the kernel's BTF");
    if vmlinux.btf().find(name, kind).is_some() {
        return Some(None);
    }
    kernel_btf::modules()
        .expect("module BTF")
        .iter()
        .find(|m| m.btf().find(name, kind).is_some())
        .map(|m| Some(m.name().to_string()))
}

/// Opens the object with only `prog` autoloaded.
fn open_only(prog: &str) -> OpenObject {
    let mut open = OpenObject::from_file(corpus(OBJ)).expect("open");
    let names: Vec<String> = open
        .programs()
        .iter()
        .map(|p| p.name().to_string())
        .collect();
    for n in names {
        open.set_autoload(&n, n == prog).unwrap();
    }
    open
}

/// The tag the running kernel computes for `insns` (SHA-256 from 6.18,
/// SHA-1 before), computed here from the instructions themselves.
fn tag_of(insns: &[Insn]) -> [u8; 8] {
    if sha256_tags() {
        let mut t = [0u8; 8];
        t.copy_from_slice(&program_digest(insns)[..8]);
        t
    } else {
        sha1_tag(insns)
    }
}

fn is_btf_fd(fd: i32) -> bool {
    std::fs::read_link(format!("/proc/self/fd/{fd}"))
        .is_ok_and(|l| l.to_string_lossy() == "anon_inode:btf")
}

#[test]
fn module_kfunc_call_names_the_module_in_fd_array_and_runs() {
    let is_func = |k: &Kind| matches!(k, Kind::Func { .. });
    let Some(home) = defined_in("bpf_xdp_ct_lookup", is_func) else {
        return skip("no bpf_xdp_ct_lookup in the kernel's BTF (nf_conntrack not loaded)");
    };
    let open = open_only("ct_lookup");
    let prog = open.program("ct_lookup").unwrap();
    let calls: Vec<&Insn> = prog
        .linked()
        .insns
        .iter()
        .filter(|i| i.code == 0x85 && i.src_reg() == PSEUDO_KFUNC_CALL)
        .collect();
    // bpf_xdp_ct_lookup and bpf_ct_release, both nf_conntrack's.
    assert_eq!(calls.len(), 2, "two kfunc calls");
    let want_off = if home.is_some() { 1 } else { 0 };
    for c in &calls {
        assert_eq!(
            c.off, want_off,
            "fd_array index of {home:?} (0 = vmlinux, 1 = the first module)"
        );
        assert!(c.imm > 0, "a BTF id");
    }
    if let Some(module) = &home {
        let m = kernel_btf::modules()
            .unwrap()
            .into_iter()
            .find(|m| m.name() == module.as_str())
            .unwrap();
        let id = m.btf().find("bpf_xdp_ct_lookup", is_func).unwrap();
        assert!(calls.iter().any(|c| c.imm as u32 == id));
        assert!(id >= m.btf().first_own_id(), "an id of the module's own");
    }
    let insns = prog.linked().insns.clone();
    let hash = prog.hash();
    assert_eq!(hash, program_digest(&insns));
    let file = open.file().clone();
    let obj = open.load().expect("load the module kfunc caller");
    let p = obj.program("ct_lookup").unwrap();
    assert_eq!(p.info().unwrap().tag, tag_of(&insns), "kernel tag");
    let out = p.test_run(&packet(64)).unwrap();
    assert_eq!(out.retval, 2, "XDP_PASS");
    assert_eq!(
        u32_of(&global(&file, &obj, ".data", "ct_error")) as i32,
        -libc::ENOENT,
        "the kfunc ran and found no connection"
    );
    assert_eq!(u32_of(&global(&file, &obj, ".bss", "ct_found")), 0);
}

#[test]
fn typed_module_ksym_holds_the_module_btf_fd_and_reads() {
    let is_var = |k: &Kind| matches!(k, Kind::Var { .. });
    let Some(home) = defined_in("xt_recseq", is_var) else {
        return skip("no xt_recseq in the kernel's BTF (x_tables not loaded)");
    };
    let kallsyms = std::fs::read_to_string("/proc/kallsyms").unwrap();
    if !kallsyms
        .lines()
        .any(|l| l.split_whitespace().nth(2) == Some("xt_recseq"))
    {
        // The verifier finds a typed ksym's address in kallsyms, which
        // lists built-in data symbols only with CONFIG_KALLSYMS_ALL.
        return skip("/proc/kallsyms does not list xt_recseq (CONFIG_KALLSYMS_ALL off)");
    }
    let open = open_only("read_recseq");
    let prog = open.program("read_recseq").unwrap();
    let insns = prog.linked().insns.clone();
    let at = insns
        .iter()
        .position(|i| i.is_ld_imm64() && i.src_reg() == PSEUDO_BTF_ID)
        .expect("an ld_imm64 of a BTF id");
    let fd = insns[at + 1].imm;
    match &home {
        None => assert_eq!(fd, 0, "vmlinux: no BTF fd"),
        Some(module) => {
            // Held by the open object from open until load.
            assert!(is_btf_fd(fd), "fd {fd} is a BTF object's");
            let m = kernel_btf::modules()
                .unwrap()
                .into_iter()
                .find(|m| m.name() == module.as_str())
                .unwrap();
            assert_eq!(
                insns[at].imm as u32,
                m.btf().find("xt_recseq", is_var).unwrap()
            );
            // The fd number is part of the digest hash() reported.
            let mut other = insns.clone();
            other[at + 1].imm += 1;
            assert_ne!(program_digest(&other), prog.hash());
        }
    }
    assert_eq!(prog.hash(), program_digest(&insns));
    let file = open.file().clone();
    let obj = open.load().expect("load the typed module ksym reader");
    let p = obj.program("read_recseq").unwrap();
    assert_eq!(p.info().unwrap().tag, tag_of(&insns), "kernel tag");
    p.test_run(&packet(64)).unwrap();
    assert_eq!(
        u32_of(&global(&file, &obj, ".bss", "recseq_read")),
        1,
        "CPU 0's xt_recseq"
    );
}

#[test]
fn core_finds_a_type_only_a_module_defines() {
    let is_struct = |k: &Kind| matches!(k, Kind::Struct { .. });
    let Some(home) = defined_in("bpf_ct_opts", is_struct) else {
        return skip("no struct bpf_ct_opts in the kernel's BTF (nf_conntrack not loaded)");
    };
    let size = match &home {
        None => {
            let k = kernel_btf::target().unwrap();
            let id = k.btf().find("bpf_ct_opts", is_struct).unwrap();
            k.btf().size_of(id).unwrap()
        }
        Some(module) => {
            let m = kernel_btf::modules()
                .unwrap()
                .into_iter()
                .find(|m| m.name() == module.as_str())
                .unwrap();
            let id = m.btf().find("bpf_ct_opts", is_struct).unwrap();
            m.btf().size_of(id).unwrap()
        }
    };
    let open = open_only("core_module");
    let file = open.file().clone();
    let obj = open.load().expect("load");
    obj.program("core_module")
        .unwrap()
        .test_run(&packet(64))
        .unwrap();
    let var = |name| u32_of(&global(&file, &obj, ".data", name));
    assert_eq!(var("core_exists"), 1, "found in {home:?}");
    assert_eq!(var("core_size"), size);
    assert_eq!(var("core_error_off"), 4);
    assert_eq!(var("core_l4proto_off"), 8);
    assert_eq!(var("core_missing"), 0, "a type no BTF has");
}

#[test]
fn module_btfs_are_kernel_btf_split_on_vmlinux() {
    let vmlinux = kernel_btf::target().unwrap();
    let modules = kernel_btf::modules().unwrap();
    let dir: Vec<String> = std::fs::read_dir("/sys/kernel/btf")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n != "vmlinux")
                .collect()
        })
        .unwrap_or_default();
    if dir.is_empty() {
        assert!(modules.is_empty());
        return skip("no kernel module has BTF here");
    }
    let mut names: Vec<String> = modules.iter().map(|m| m.name().to_string()).collect();
    names.sort();
    let mut dir = dir;
    dir.sort();
    assert_eq!(names, dir, "one per /sys/kernel/btf/<module>");
    for m in &modules {
        assert!(is_btf_fd(m.fd().as_raw_fd()));
        assert_eq!(m.btf().first_own_id() as usize, vmlinux.btf().len());
        // The data read through the fd is the sysfs file's.
        let sysfs = std::fs::read(format!("/sys/kernel/btf/{}", m.name())).unwrap();
        assert_eq!(m.btf().raw(), &sysfs[..]);
    }
}
