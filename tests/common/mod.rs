//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use bpf_skeleton::runtime::obj::insn::Insn;
use bpf_skeleton::runtime::{Object, ObjectFile, Program, RawProgram};

/// Path of a corpus object.
pub fn corpus(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/bpf")
        .join(name)
}

/// Every corpus object the kernel must accept in full.
pub const LOADABLE: &[&str] = &[
    "counter.bpf.o",
    "exclusive.bpf.o",
    "other.bpf.o",
    "multi.bpf.o",
    "legacy.bpf.o",
    "kinds.bpf.o",
    "types.bpf.o",
    "tailcall.bpf.o",
    "edge.bpf.o",
    "core.bpf.o",
    "core_exact.bpf.o",
    "perf.bpf.o",
    "mom.bpf.o",
    "int128.bpf.o",
    "big_bss.bpf.o",
    "externs.bpf.o",
];

/// A 64-byte Ethernet-sized packet for XDP test runs.
pub fn packet(len: usize) -> Vec<u8> {
    let mut p = vec![0u8; len];
    p[12] = 0x08; // EtherType IPv4
    p
}

/// The bytes of global variable `var` in data map `section`, read from the
/// kernel through the map.
pub fn global(file: &ObjectFile, obj: &Object, section: &str, var: &str) -> Vec<u8> {
    let idx = file
        .map_index(section)
        .unwrap_or_else(|| panic!("no map {section}"));
    let v = file
        .variables(idx)
        .unwrap()
        .into_iter()
        .find(|v| v.name == var)
        .unwrap_or_else(|| panic!("no variable {var} in {section}"));
    let value = obj
        .map(section)
        .unwrap()
        .lookup(&0u32.to_ne_bytes(), 0)
        .unwrap()
        .expect("data map has its one element");
    value[v.offset as usize..(v.offset + v.size) as usize].to_vec()
}

/// The value of `key` in `map` as a native-endian u64; panics if absent.
pub fn value_u64(map: &bpf_skeleton::Map, key: &[u8]) -> u64 {
    let v = map.lookup(key, 0).unwrap().expect("key present");
    u64_of(&v[..8])
}

pub fn u64_of(b: &[u8]) -> u64 {
    u64::from_ne_bytes(b.try_into().expect("8 bytes"))
}

pub fn u32_of(b: &[u8]) -> u32 {
    u32::from_ne_bytes(b.try_into().expect("4 bytes"))
}

/// Number of open file descriptors of this process.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

/// Loads a hand-assembled XDP program that references map `map_fd`
/// (`ld_imm64` with `src_reg` = `pseudo`: 1 map fd, 2 map value), with a
/// verifier log. Returns the errno and log on failure.
pub fn raw_xdp_using_map(
    map: impl std::os::fd::AsFd,
    pseudo: u8,
) -> Result<Program, (i32, String)> {
    let map_fd = std::os::fd::AsRawFd::as_raw_fd(&map.as_fd());
    let mut ld = Insn {
        code: 0x18,
        regs: 0x01,
        off: 0,
        imm: map_fd,
    };
    ld.set_src_reg(pseudo);
    let mut insns = vec![ld, Insn::default()];
    if pseudo == 2 {
        // r0 = *(u64 *)(r1 + 0)
        insns.push(Insn {
            code: 0x79,
            regs: 0x10,
            off: 0,
            imm: 0,
        });
    }
    insns.push(Insn {
        code: 0xb7,
        regs: 0x00,
        off: 0,
        imm: 2,
    }); // r0 = XDP_PASS
    insns.push(Insn {
        code: 0x95,
        regs: 0,
        off: 0,
        imm: 0,
    }); // exit
    let r = Program::load_raw(&RawProgram {
        name: "raw_intruder",
        prog_type: 6,
        expected_attach_type: None,
        insns: &insns,
        license: "GPL",
    });
    r.map_err(|e| {
        let errno = e.raw_os_error().unwrap_or(0);
        (errno, e.verifier_log().unwrap_or_default().to_string())
    })
}

/// The kernel's log line for a program whose hash does not match an
/// exclusive map's.
pub const EXCL_LOG: &str = "program's hash doesn't match map's excl_prog_hash";
