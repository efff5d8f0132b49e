//! Feature probing: what the running kernel supports, found out the way
//! libbpf does (`libbpf_probe_bpf_prog_type`, `libbpf_probe_bpf_map_type`
//! and its internal `probe_kern_*`): by loading a tiny program or creating
//! a tiny map, once per process. Every answer is cached, so asking again
//! costs a lock and a lookup.
//!
//! Each probe returns `Ok(true)` (supported), `Ok(false)` (the kernel
//! refused in the way a kernel without the feature refuses) or an error
//! for any other failure (not root, out of memory...): an unexpected
//! refusal is never read as "unsupported".
//!
//! The loader uses [`exclusive_maps`] itself: [`crate::OpenObject::load`]
//! refuses an object with an exclusive map on a kernel without them, before
//! any map or pin is created ([`Error::KernelLacks`]).

use std::collections::HashMap;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::sync::{Mutex, OnceLock};

use crate::error::{Error, Result, Subject};
use crate::obj::btf::Kind;
use crate::obj::insn::{encode, Insn, PSEUDO_MAP_VALUE};
use crate::obj::section::{attach_type as at, prog_type as pt};
use crate::open::OpenObject;
use crate::sys::{self, MapCreateOpts, ProgLoadOpts};

/// `enum bpf_map_type` values (the object model's one table); the map-type
/// probe creates the kinds it knows how to and refuses the others.
pub use crate::obj::maps::map_type;

/// BPF links, by the attach type probed with `BPF_LINK_CREATE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Link {
    /// `BPF_PERF_EVENT`: kprobes, uprobes, tracepoints as links (5.15).
    PerfEvent,
    /// `BPF_CGROUP_INET_INGRESS` with a `cgroup_skb` program (5.7).
    Cgroup,
    /// `BPF_TCX_INGRESS`: tc programs as links, no qdisc (6.6).
    Tcx,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Feature {
    ProgType(u32),
    MapType(u32),
    GlobalData,
    BpfCookie,
    Link(Link),
    ExclusiveMaps,
    Fentry,
    Btf(BtfProbe),
}

/// One of libbpf's `FEAT_BTF_*` probes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum BtfProbe {
    Btf,
    Func,
    GlobalFunc,
    Datasec,
    QmarkDatasec,
    Float,
    DeclTag,
    TypeTag,
    Enum64,
}

impl Feature {
    fn name(self) -> String {
        match self {
            Feature::ProgType(t) => format!("program type {t}"),
            Feature::MapType(t) => format!("map type {t}"),
            Feature::GlobalData => "global data".into(),
            Feature::BpfCookie => "bpf_cookie".into(),
            Feature::Link(l) => format!("{l:?} links"),
            Feature::ExclusiveMaps => "exclusive maps".into(),
            Feature::Fentry => "fentry programs".into(),
            Feature::Btf(p) => format!("BTF {p:?}"),
        }
    }
}

/// The probe results of this process: `Err` holds the errno of an
/// unexpected failure (kept, so a failing probe is not retried on every
/// call either).
fn cache() -> &'static Mutex<HashMap<Feature, std::result::Result<bool, i32>>> {
    static CACHE: OnceLock<Mutex<HashMap<Feature, std::result::Result<bool, i32>>>> =
        OnceLock::new();
    CACHE.get_or_init(Default::default)
}

fn cached(f: Feature, probe: impl FnOnce() -> Result<bool>) -> Result<bool> {
    let mut c = cache().lock().unwrap_or_else(|p| p.into_inner());
    let r = match c.get(&f) {
        Some(r) => *r,
        None => {
            let r = match probe() {
                Ok(b) => Ok(b),
                Err(e) => Err(e.raw_os_error().unwrap_or(libc::EINVAL)),
            };
            c.insert(f, r);
            r
        }
    };
    r.map_err(|errno| {
        Error::syscall(
            "feature probe",
            Subject::Feature(f.name()),
            io::Error::from_raw_os_error(errno),
        )
    })
}

/// Like [`cached`], but a failure is not remembered: the loader runs these
/// probes itself, possibly first on a thread without `CAP_BPF` (its
/// capabilities are its own), and that thread's refusal must not become
/// every other thread's answer.
fn cached_if_ok(f: Feature, probe: impl FnOnce() -> Result<bool>) -> Result<bool> {
    let mut c = cache().lock().unwrap_or_else(|p| p.into_inner());
    if let Some(Ok(b)) = c.get(&f) {
        return Ok(*b);
    }
    let b = probe()?;
    c.insert(f, Ok(b));
    Ok(b)
}

/// The running kernel's release, as `uname -r` prints it.
pub fn kernel_release() -> String {
    // SAFETY: `utsname` is plain old data; all-zero is a valid value.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid, writable `utsname` for the call.
    if unsafe { libc::uname(&mut u) } != 0 {
        return "unknown".into();
    }
    let bytes: Vec<u8> = u
        .release
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

const R0_0: Insn = Insn {
    code: 0xb7, // r0 = imm
    regs: 0,
    off: 0,
    imm: 0,
};
const EXIT: Insn = Insn {
    code: 0x95,
    regs: 0,
    off: 0,
    imm: 0,
};

/// What a probe program is: the attributes of `BPF_PROG_LOAD` it sets.
#[derive(Clone, Copy, Default)]
struct Spec {
    prog_type: u32,
    expected_attach_type: u32,
    attach_btf_id: u32,
    prog_flags: u32,
}

/// Loads `insns`; Ok(()) or the errno with the verifier log.
fn load(s: Spec, insns: &[Insn]) -> std::result::Result<(), (i32, String)> {
    let code = encode(insns);
    let mut log = vec![0u8; 4096];
    let opts = ProgLoadOpts {
        prog_type: s.prog_type,
        insns: &code,
        license: c"GPL",
        prog_flags: s.prog_flags,
        name: "probe",
        expected_attach_type: s.expected_attach_type,
        attach_btf_id: s.attach_btf_id,
        ..Default::default()
    };
    let r = sys::prog_load(&opts, Some((1, &mut log)))
        .map(drop)
        .map_err(|(e, _)| e);
    let end = log.iter().position(|&b| b == 0).unwrap_or(log.len());
    let text = String::from_utf8_lossy(log.get(..end).unwrap_or(&[])).into_owned();
    r.map_err(|e| (e.raw_os_error().unwrap_or(0), text))
}

/// A probe the kernel answered with an unexpected errno; `what` names the
/// feature probed (e.g. "feature probe: bpf_cookie").
fn errno_error(what: &'static str, errno: i32) -> Error {
    Error::syscall(what, Subject::Kernel, io::Error::from_raw_os_error(errno))
}

/// Whether the kernel loads programs of type `prog_type` (`enum
/// bpf_prog_type`), probed like `libbpf_probe_bpf_prog_type`: `r0 = 0;
/// exit` with the expected attach type the type requires. `EINVAL` means
/// unsupported (libbpf reads every refusal so; we report other errnos as
/// errors). Tracing, LSM, extension and struct_ops programs need an attach
/// target: as in libbpf they count as supported only when the kernel gets
/// as far as rejecting the bogus target `attach_btf_id = 1` (a kernel that
/// refuses trampolines, with `EPERM`, says no to tracing).
pub fn prog_type(prog_type: u32) -> Result<bool> {
    cached(Feature::ProgType(prog_type), || {
        let mut o = Spec {
            prog_type,
            ..Default::default()
        };
        let needs_target = matches!(prog_type, pt::TRACING | pt::LSM | 27 | 28); // EXT, STRUCT_OPS
        match prog_type {
            pt::CGROUP_SOCK_ADDR => o.expected_attach_type = at::CGROUP_INET4_CONNECT,
            pt::CGROUP_SOCKOPT => o.expected_attach_type = at::CGROUP_GETSOCKOPT,
            pt::SK_LOOKUP => o.expected_attach_type = 36, // BPF_SK_LOOKUP
            pt::NETFILTER => o.expected_attach_type = 45, // BPF_NETFILTER
            pt::SYSCALL => o.prog_flags = 1 << 4,         // BPF_F_SLEEPABLE
            pt::TRACING => o.expected_attach_type = at::TRACE_FENTRY,
            pt::LSM => o.expected_attach_type = at::LSM_MAC,
            _ => {}
        }
        if needs_target {
            o.attach_btf_id = 1;
        }
        match load(o, &[R0_0, EXIT]) {
            Ok(()) => Ok(true),
            // libbpf's rule for these: supported only if the log shows the
            // kernel checked the target; any other refusal means no.
            Err((_, log)) if needs_target => {
                Ok(log.contains("attach_btf_id 1")
                    || log.contains("Cannot replace kernel functions"))
            }
            Err((libc::EINVAL, _)) => Ok(false),
            Err((e, _)) => Err(errno_error("feature probe: program type", e)),
        }
    })
}

/// Whether the kernel creates maps of type `map_type` (`enum
/// bpf_map_type`, see [`map_type`]), probed like
/// `libbpf_probe_bpf_map_type`: a one-element map of the smallest valid
/// shape. `EINVAL` means unsupported. Map types whose probe needs BTF or an
/// inner map (local storages, struct_ops, maps of maps, arenas) are not
/// probed: they give [`Error::InvalidArgument`].
pub fn map_type(map_type: u32) -> Result<bool> {
    use self::map_type as mt;
    let page = sys::page_size() as u32;
    let (key, value, max, flags) = match map_type {
        mt::HASH
        | mt::ARRAY
        | mt::PERCPU_HASH
        | mt::PERCPU_ARRAY
        | mt::LRU_HASH
        | mt::LRU_PERCPU_HASH => (4, 8, 1, 0),
        mt::PROG_ARRAY
        | mt::PERF_EVENT_ARRAY
        | mt::CGROUP_ARRAY
        | mt::DEVMAP
        | mt::SOCKMAP
        | mt::CPUMAP
        | mt::XSKMAP
        | mt::SOCKHASH
        | mt::DEVMAP_HASH => (4, 4, 1, 0),
        mt::STACK_TRACE => (4, 8, 1, 0),
        mt::LPM_TRIE => (8, 8, 1, 1), // BPF_F_NO_PREALLOC
        mt::QUEUE | mt::STACK | mt::BLOOM_FILTER => (0, 8, 1, 0),
        mt::RINGBUF | mt::USER_RINGBUF => (0, 0, page, 0),
        _ => {
            return Err(Error::invalid(
                Subject::Kernel,
                "this map type is not probed (its probe needs BTF or an inner map)",
            ))
        }
    };
    cached(Feature::MapType(map_type), || {
        match sys::map_create(&MapCreateOpts {
            map_type,
            key_size: key,
            value_size: value,
            max_entries: max,
            map_flags: flags,
            name: "probe",
            ..Default::default()
        }) {
            Ok(_) => Ok(true),
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Ok(false),
            Err(e) => Err(Error::syscall("feature probe", Subject::Kernel, e)),
        }
    })
}

/// Whether the kernel has ring buffers (`BPF_MAP_TYPE_RINGBUF`, 5.8).
pub fn ring_buffer() -> Result<bool> {
    map_type(map_type::RINGBUF)
}

/// Whether programs can use global data (`.data`, `.rodata`, `.bss`: an
/// `ld_imm64` of a map value, 5.2), probed like libbpf: a socket filter
/// storing to an array map's value.
pub fn global_data() -> Result<bool> {
    cached(Feature::GlobalData, || {
        let map = sys::map_create(&MapCreateOpts {
            map_type: map_type::ARRAY,
            key_size: 4,
            value_size: 32,
            max_entries: 1,
            name: "probe_global",
            ..Default::default()
        })
        .map_err(|e| Error::syscall("feature probe", Subject::Kernel, e))?;
        let mut ld = Insn {
            code: 0x18,
            regs: 0x01, // r1
            off: 0,
            imm: map.as_raw_fd(),
        };
        ld.set_src_reg(PSEUDO_MAP_VALUE);
        let insns = [
            ld,
            Insn::default(),
            Insn {
                code: 0x7a, // *(u64 *)(r1 + 0) = 42
                regs: 0x01,
                off: 0,
                imm: 42,
            },
            R0_0,
            EXIT,
        ];
        let o = Spec {
            prog_type: pt::SOCKET_FILTER,
            ..Default::default()
        };
        match load(o, &insns) {
            Ok(()) => Ok(true),
            Err((libc::EINVAL, _)) => Ok(false),
            Err((e, _)) => Err(errno_error("feature probe: global data", e)),
        }
    })
}

/// Whether programs can read their attach cookie (`bpf_get_attach_cookie`,
/// 5.15), probed like libbpf: a tracepoint program calling the helper.
pub fn bpf_cookie() -> Result<bool> {
    cached(Feature::BpfCookie, || {
        let call = Insn {
            code: 0x85,
            regs: 0,
            off: 0,
            imm: 174, // BPF_FUNC_get_attach_cookie
        };
        let o = Spec {
            prog_type: pt::TRACEPOINT,
            ..Default::default()
        };
        match load(o, &[call, EXIT]) {
            Ok(()) => Ok(true),
            Err((libc::EINVAL, _)) => Ok(false),
            Err((e, _)) => Err(errno_error("feature probe: bpf_cookie", e)),
        }
    })
}

/// `BPF_LINK_CREATE` (28) with `prog_fd`, `target_fd` and `attach_type`;
/// the errno it fails with (or 0).
fn link_create_errno(prog: BorrowedFd<'_>, target: i32, attach_type: u32) -> i32 {
    #[repr(C, align(8))]
    struct Attr([u8; 64]);
    let mut a = Attr([0; 64]);
    a.0[0..4].copy_from_slice(&prog.as_raw_fd().to_ne_bytes());
    a.0[4..8].copy_from_slice(&target.to_ne_bytes());
    a.0[8..12].copy_from_slice(&attach_type.to_ne_bytes());
    // SAFETY: `a` is a valid, writable, 8-byte aligned 64-byte buffer that
    // lives for the whole call and holds no pointers.
    let ret = unsafe { libc::syscall(libc::SYS_bpf, 28 as libc::c_long, a.0.as_mut_ptr(), 64) };
    if ret >= 0 {
        // An fd we did not expect: close it.
        // SAFETY: the kernel just returned this fd to us and nothing else
        // owns it.
        drop(unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(ret as i32) });
        0
    } else {
        io::Error::last_os_error().raw_os_error().unwrap_or(0)
    }
}

/// Whether the kernel creates BPF links of this kind, probed like libbpf's
/// `probe_perf_link`: a program of the matching type is linked to an
/// invalid target; a kernel with the link type gets as far as looking the
/// target up (`EBADF`, `ENODEV`), one without refuses the attach type
/// (`EINVAL`).
pub fn link(kind: Link) -> Result<bool> {
    cached(Feature::Link(kind), || {
        let (prog_type, expected, attach, target) = match kind {
            Link::PerfEvent => (pt::TRACEPOINT, 0, 41, -1), // BPF_PERF_EVENT
            Link::Cgroup => (
                pt::CGROUP_SKB,
                at::CGROUP_INET_INGRESS,
                at::CGROUP_INET_INGRESS,
                -1,
            ),
            Link::Tcx => (pt::SCHED_CLS, 46, 46, i32::MAX), // BPF_TCX_INGRESS, no such ifindex
        };
        let code = encode(&[R0_0, EXIT]);
        let opts = ProgLoadOpts {
            prog_type,
            insns: &code,
            license: c"GPL",
            name: "probe_link",
            expected_attach_type: expected,
            ..Default::default()
        };
        let prog = sys::prog_load(&opts, None);
        let prog = match prog {
            Ok(fd) => fd,
            // The program type itself is missing (or, for tcx, the
            // expected attach type): so is the link.
            Err((e, _)) if e.raw_os_error() == Some(libc::EINVAL) => return Ok(false),
            Err((e, _)) => return Err(Error::syscall("feature probe", Subject::Kernel, e)),
        };
        match link_create_errno(prog.as_fd(), target, attach) {
            libc::EBADF | libc::ENODEV => Ok(true),
            libc::EINVAL => Ok(false),
            e => Err(errno_error("feature probe: link", e)),
        }
    })
}

/// `BPF_BTF_LOAD` of `types` (u32 words) and `strings`: supported if the
/// kernel accepts it, not if it refuses it with `EINVAL` (an unknown
/// kind, or a form the kernel's validation does not know).
fn btf_loads(types: &[u32], strings: &[u8]) -> Result<bool> {
    let type_len = (types.len() * 4) as u32;
    let mut blob = Vec::with_capacity(24 + types.len() * 4 + strings.len());
    // magic, version 1, flags 0, hdr_len 24, type_off, type_len, str_off,
    // str_len.
    blob.extend_from_slice(&0xeb9f_u16.to_le_bytes());
    blob.extend_from_slice(&[1, 0]);
    for w in [24, 0, type_len, type_len, strings.len() as u32] {
        blob.extend_from_slice(&w.to_le_bytes());
    }
    for w in types {
        blob.extend_from_slice(&w.to_le_bytes());
    }
    blob.extend_from_slice(strings);
    match sys::btf_load(&blob, None) {
        Ok(_) => Ok(true),
        Err((e, _)) if e.raw_os_error() == Some(libc::EINVAL) => Ok(false),
        Err((e, _)) => Err(Error::syscall("feature probe: BTF", Subject::Kernel, e)),
    }
}

/// The BTF kinds the kernel accepts, probed as libbpf's `FEAT_BTF_*`
/// probes do (loading a tiny BTF blob of each kind, once per process; a
/// probe that fails, say for lack of `CAP_BPF`, is an error and is asked
/// again next time). The loader sanitizes an object's BTF for what is
/// missing ([`crate::obj::btf::sanitize`]).
pub fn btf_features() -> Result<crate::obj::btf::sanitize::BtfFeatures> {
    btf_features_for(&crate::obj::btf::sanitize::BtfFeatures::ALL)
}

/// [`btf_features`], probing only the features set in `needed` (as
/// [`BtfFeatures::used_by`](crate::obj::btf::sanitize::BtfFeatures::used_by)
/// gives for an object): the others are reported present, which rewrites
/// nothing in an object that does not use them. libbpf probes all of them
/// for every object with BTF; skipping a probe saves a `BPF_BTF_LOAD` and
/// a `close` per feature in a fresh process.
pub fn btf_features_for(
    needed: &crate::obj::btf::sanitize::BtfFeatures,
) -> Result<crate::obj::btf::sanitize::BtfFeatures> {
    const fn info(kind: u32, kflag: u32, vlen: u32) -> u32 {
        (kflag << 31) | (kind << 24) | vlen
    }
    // BTF_INT_ENC(BTF_INT_SIGNED, 0, 32)
    const INT_SIGNED_32: u32 = (1 << 24) | 32;
    let probe = |p: BtfProbe| {
        cached_if_ok(Feature::Btf(p), || match p {
            BtfProbe::Btf => btf_loads(&[1, info(1, 0, 0), 4, INT_SIGNED_32], b"\0int\0"),
            // void x(int a) {}, with FUNC linkage static / global.
            BtfProbe::Func | BtfProbe::GlobalFunc => {
                let linkage = u32::from(p == BtfProbe::GlobalFunc);
                btf_loads(
                    &[
                        1,
                        info(1, 0, 0),
                        4,
                        INT_SIGNED_32,
                        0,
                        info(13, 0, 1),
                        0,
                        7,
                        1,
                        5,
                        info(12, 0, linkage),
                        2,
                    ],
                    b"\0int\0x\0a\0",
                )
            }
            // static int x in DATASEC ".data" / "?.data".
            BtfProbe::Datasec | BtfProbe::QmarkDatasec => {
                let strings: &[u8] = if p == BtfProbe::Datasec {
                    b"\0x\0.data\0"
                } else {
                    b"\0x\0?.data\0"
                };
                btf_loads(
                    &[
                        0,
                        info(1, 0, 0),
                        4,
                        INT_SIGNED_32,
                        1,
                        info(14, 0, 0),
                        1,
                        0,
                        3,
                        info(15, 0, 1),
                        4,
                        2,
                        0,
                        4,
                    ],
                    strings,
                )
            }
            BtfProbe::Float => btf_loads(&[1, info(16, 0, 0), 4], b"\0float\0"),
            BtfProbe::DeclTag => btf_loads(
                &[
                    0,
                    info(1, 0, 0),
                    4,
                    INT_SIGNED_32,
                    1,
                    info(14, 0, 0),
                    1,
                    0,
                    1,
                    info(17, 0, 0),
                    2,
                    u32::MAX,
                ],
                b"\0tag\0",
            ),
            BtfProbe::TypeTag => btf_loads(
                &[
                    0,
                    info(1, 0, 0),
                    4,
                    INT_SIGNED_32,
                    1,
                    info(18, 0, 0),
                    1,
                    0,
                    info(2, 0, 0),
                    2,
                ],
                b"\0tag\0",
            ),
            BtfProbe::Enum64 => btf_loads(&[1, info(19, 0, 0), 8], b"\0enum64\0"),
        })
    };
    let btf = probe(BtfProbe::Btf)?;
    if !btf {
        return Ok(crate::obj::btf::sanitize::BtfFeatures::NONE);
    }
    let probe_if = |want: bool, p: BtfProbe| if want { probe(p) } else { Ok(true) };
    Ok(crate::obj::btf::sanitize::BtfFeatures {
        btf,
        func: probe_if(needed.func, BtfProbe::Func)?,
        global_func: probe_if(needed.global_func, BtfProbe::GlobalFunc)?,
        datasec: probe_if(needed.datasec, BtfProbe::Datasec)?,
        float: probe_if(needed.float, BtfProbe::Float)?,
        decl_tag: probe_if(needed.decl_tag, BtfProbe::DeclTag)?,
        type_tag: probe_if(needed.type_tag, BtfProbe::TypeTag)?,
        enum64: probe_if(needed.enum64, BtfProbe::Enum64)?,
        qmark_datasec: probe_if(needed.qmark_datasec, BtfProbe::QmarkDatasec)?,
    })
}

/// Whether the kernel has exclusive maps (Linux 6.18): `BPF_MAP_CREATE` of
/// a one-element array with an `excl_prog_hash`. Older kernels refuse the
/// unknown attribute with `EINVAL`.
pub fn exclusive_maps() -> Result<bool> {
    cached(Feature::ExclusiveMaps, || {
        let hash = [0u8; 32];
        match sys::map_create(&MapCreateOpts {
            map_type: map_type::ARRAY,
            key_size: 4,
            value_size: 4,
            max_entries: 1,
            name: "probe_excl",
            excl_prog_hash: Some(&hash),
            ..Default::default()
        }) {
            Ok(_) => Ok(true),
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Ok(false),
            Err(e) => Err(Error::syscall("feature probe", Subject::Kernel, e)),
        }
    })
}

/// Whether the kernel loads fentry programs (BPF trampolines): an
/// `r0 = 0; exit` fentry program on `bpf_fentry_test1`, a function the
/// kernel keeps for exactly such tests. `EPERM` (trampolines refused, as on
/// kernels without `CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS`), `ENOTSUPP`
/// and `EINVAL` mean no; so does a kernel BTF without the function. Call
/// after a privileged probe (e.g. [`global_data`]) has succeeded if an
/// `EPERM` must not be mistaken for a missing feature.
pub fn fentry() -> Result<bool> {
    cached(Feature::Fentry, || {
        let kernel = crate::kernel_btf::target()?;
        let Some(id) = kernel
            .btf()
            .find("bpf_fentry_test1", |k| matches!(k, Kind::Func { .. }))
        else {
            return Ok(false);
        };
        let o = Spec {
            prog_type: pt::TRACING,
            expected_attach_type: at::TRACE_FENTRY,
            attach_btf_id: id,
            ..Default::default()
        };
        match load(o, &[R0_0, EXIT]) {
            Ok(()) => Ok(true),
            Err((libc::EPERM | libc::EINVAL | 524, _)) => Ok(false), // 524: ENOTSUPP
            Err((e, _)) => Err(errno_error("feature probe: fentry", e)),
        }
    })
}

/// Checks, before anything is created in the kernel, that the kernel has
/// what `open` asks for: an exclusive map needs [`exclusive_maps`].
pub(crate) fn check_load(open: &OpenObject) -> Result<()> {
    let Some(m) = open.maps().iter().find(|m| m.exclusive_program().is_some()) else {
        return Ok(());
    };
    if exclusive_maps()? {
        return Ok(());
    }
    Err(Error::KernelLacks {
        requested: format!(
            "map `{}` exclusive to program `{}`",
            m.name(),
            m.exclusive_program().unwrap_or_default()
        ),
        feature: "exclusive maps",
        minimum: "6.18",
        kernel: kernel_release(),
    })
}
