//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod mounts;
pub mod veth;

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
    "sanitize.bpf.o",
    "usdt.bpf.o",
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

/// A private bpffs instance mounted at a fresh temporary directory (every
/// `mount -t bpf` at a new place is its own instance), so that tests pin
/// without depending on, or littering, `/sys/fs/bpf`. Unmounted and removed
/// on drop, pins and all.
pub struct PrivateBpffs(PathBuf);

impl PrivateBpffs {
    /// Mounts a new bpffs; `tag` makes the directory name unique per test.
    pub fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "bpf-skeleton-vm-bpffs-{}-{tag}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir for the private bpffs");
        let c = |s: &str| std::ffi::CString::new(s).expect("no NUL");
        let target = c(dir.to_str().expect("UTF-8 temp dir"));
        let (src, fstype) = (c("bpf"), c("bpf"));
        // SAFETY: all three are NUL-terminated strings that outlive the
        // call; `data` may be null for bpffs.
        let r = unsafe {
            libc::mount(
                src.as_ptr(),
                target.as_ptr(),
                fstype.as_ptr(),
                0,
                std::ptr::null(),
            )
        };
        assert_eq!(
            r,
            0,
            "mount -t bpf at {}: {} (are we root?)",
            dir.display(),
            std::io::Error::last_os_error()
        );
        PrivateBpffs(dir)
    }

    /// The mount point.
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for PrivateBpffs {
    fn drop(&mut self) {
        if let Ok(target) = std::ffi::CString::new(self.0.as_os_str().as_encoded_bytes()) {
            // SAFETY: a NUL-terminated path that outlives the call.
            unsafe { libc::umount2(target.as_ptr(), libc::MNT_DETACH) };
        }
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Whether the running kernel's prog tags are the first 8 bytes of the
/// SHA-256 digest (Linux 6.18 and later) rather than of SHA-1 over the same
/// bytes (before 6.18). Found out once, by loading `r0 = 0; exit`.
pub fn sha256_tags() -> bool {
    static RULE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *RULE.get_or_init(|| {
        let insns = [
            Insn {
                code: 0xb7,
                regs: 0,
                off: 0,
                imm: 0,
            },
            Insn {
                code: 0x95,
                regs: 0,
                off: 0,
                imm: 0,
            },
        ];
        let prog = Program::load_raw(&RawProgram {
            name: "tag_rule",
            prog_type: 1, // socket filter
            expected_attach_type: None,
            insns: &insns,
            license: "GPL",
        })
        .expect("load a socket filter");
        let info = prog.info().expect("prog info");
        let tag = &info.tag[..];
        if tag == &bpf_skeleton::runtime::hash::program_digest(&insns)[..8] {
            true
        } else if tag == sha1_tag(&insns) {
            false
        } else {
            panic!("prog tag {tag:02x?} is neither SHA-256 nor SHA-1 of `r0 = 0; exit`")
        }
    })
}

/// The first 8 bytes of SHA-1 over the bytes the kernel digests.
pub fn sha1_tag(insns: &[Insn]) -> [u8; 8] {
    use sha1::Digest;
    let d = sha1::Sha1::digest(bpf_skeleton::runtime::hash::digest_input(insns));
    let mut t = [0u8; 8];
    t.copy_from_slice(&d[..8]);
    t
}

/// The prog tag the running kernel gives the program whose SHA-256 digest
/// is `digest`: its first 8 bytes from 6.18 on; before, SHA-1 of the same
/// instructions, found by the digest among the corpus programs (relocated
/// for this kernel).
pub fn expected_tag(digest: &[u8; 32]) -> [u8; 8] {
    if sha256_tags() {
        let mut t = [0u8; 8];
        t.copy_from_slice(&digest[..8]);
        return t;
    }
    static TABLE: std::sync::OnceLock<std::collections::HashMap<[u8; 32], [u8; 8]>> =
        std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = std::collections::HashMap::new();
        let dir = corpus("");
        for entry in std::fs::read_dir(&dir).expect("tests/bpf") {
            let path = entry.expect("dir entry").path();
            if path.extension().is_some_and(|e| e == "o") {
                if let Ok(o) = bpf_skeleton::runtime::OpenObject::from_file(&path) {
                    for p in o.programs() {
                        t.insert(p.hash(), sha1_tag(&p.linked().insns));
                    }
                }
            }
        }
        t
    });
    *table
        .get(digest)
        .unwrap_or_else(|| panic!("digest {digest:02x?} is no corpus program's"))
}

/// Records that the calling test is skipped and why: printed, and appended
/// as `<test name>: <reason>` to the file named by `BPF_SKELETON_SKIP_LOG`
/// (scripts/vmtest sets it and fails when a test its kernel must run was
/// skipped).
pub fn skip(reason: &str) {
    let thread = std::thread::current();
    let name = thread.name().unwrap_or("?");
    eprintln!("skipped {name}: {reason}");
    if let Some(path) = std::env::var_os("BPF_SKELETON_SKIP_LOG") {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            // One write of the whole line: O_APPEND keeps lines from
            // threads skipping at the same moment apart. One line per
            // skip (a reason holding a verifier log is folded), as the
            // skip counts of .ci/run and scripts/vmtest read it.
            let reason = reason.trim_end().replace('\n', " | ");
            let _ = f.write_all(format!("{name}: {reason}\n").as_bytes());
        }
    }
}

/// Whether the kernel has exclusive maps (Linux 6.18); if not, records the
/// calling test as skipped. Tests of exclusive maps start with
/// `if !exclusive_maps() { return; }`.
pub fn exclusive_maps() -> bool {
    let yes = bpf_skeleton::runtime::probe::exclusive_maps().expect("exclusive-map probe");
    if !yes {
        skip(&format!(
            "needs exclusive maps (Linux 6.18); this is {}",
            bpf_skeleton::runtime::probe::kernel_release()
        ));
    }
    yes
}

/// The running kernel's (major, minor) version.
pub fn kernel_version() -> (u32, u32) {
    let r = bpf_skeleton::runtime::probe::kernel_release();
    let mut it = r.split(|c: char| !c.is_ascii_digit());
    let major = it.next().and_then(|s| s.parse().ok()).expect("major");
    let minor = it.next().and_then(|s| s.parse().ok()).expect("minor");
    (major, minor)
}

/// Whether the running kernel's BTF has a function `name` (a kfunc, say).
pub fn kernel_has_func(name: &str) -> bool {
    use bpf_skeleton::runtime::obj::btf::Kind;
    bpf_skeleton::runtime::kernel_btf::target()
        .expect("the kernel's BTF")
        .btf()
        .find(name, |k| matches!(k, Kind::Func { .. }))
        .is_some()
}

/// The kfuncs tests/bpf/externs*.bpf.c call (Linux 6.2): on older kernels
/// the programs calling them cannot load, and the tests say so.
pub fn has_task_kfuncs() -> bool {
    let yes = kernel_has_func("bpf_task_from_pid") && kernel_has_func("bpf_task_release");
    if !yes {
        skip("needs the kfuncs bpf_task_from_pid and bpf_task_release (Linux 6.2)");
    }
    yes
}
