//! Values for an object's externs, as libbpf 1.7 finds them: `__ksym`
//! variables and kfuncs in the running kernel's BTF, vmlinux's first, then
//! the kernel modules' (typeless ksyms in `/proc/kallsyms`), and `__kconfig` values from the virtual `LINUX_*`
//! externs, user overrides and the kernel's Kconfig (`/boot/config-$(uname
//! -r)`, else `/proc/config.gz`).
//!
//! Ksyms are resolved when the object is opened (the BTF ids, a module
//! kfunc's `fd_array` index and a typed module ksym's module BTF fd are
//! part of the instructions, so of the digest `hash()` reports; the
//! module BTF fds are held until load); what a program
//! cannot have is remembered and refused when that program loads. Kconfig
//! values live in the `.kconfig` map and are read at load.

use std::io::BufRead;

use crate::error::{Error, Result, Subject};
use crate::obj::btf::Kind;
use crate::obj::externs::{Extern, ExternKind, KconfigType, Resolution};
use crate::obj::ObjectFile;

/// The kernel module BTFs an open object's programs refer to (typed ksyms
/// and kfuncs defined in modules), opened when the object is opened and
/// held until its programs are loaded: a typed module ksym's instruction
/// holds the module BTF's fd number, which the kernel's digest covers, so
/// the fd must stay the same from `hash()` to `BPF_PROG_LOAD`.
#[derive(Debug, Clone, Default)]
pub(crate) struct ModuleFds {
    /// The modules used, each once.
    pub(crate) modules: Vec<std::sync::Arc<crate::kernel_btf::ModuleBtf>>,
    /// `BPF_PROG_LOAD`'s `fd_array`: slot 0 unused, then the fd of each
    /// module with a kfunc called, in the order of the externs (libbpf's
    /// layout); a kfunc call's `off` is its module's index. Empty if no
    /// module kfunc is called.
    pub(crate) fd_array: Vec<i32>,
}

/// What [`resolve_ksyms`] found.
pub(crate) struct Ksyms {
    /// Each extern's resolution (kconfig externs: `Missing`, unused), or
    /// why a strong (non-weak) one cannot be resolved.
    pub(crate) resolved: Vec<std::result::Result<Resolution, String>>,
    /// The module BTFs the resolutions name.
    pub(crate) modules: ModuleFds,
}

/// Resolves an object's ksyms as libbpf does: typeless ones in
/// `/proc/kallsyms`; typed ones and kfuncs in vmlinux's BTF, else in the
/// kernel modules' BTF (in BTF id order, each module's own types).
pub(crate) fn resolve_ksyms(file: &ObjectFile) -> Ksyms {
    let mut out = vec![Ok(Resolution::Missing); file.externs.len()];
    let mut used = ModuleFds::default();
    let is_ksym = |e: &Extern, typed: bool| matches!(e.kind, ExternKind::Ksym { type_id, .. } if (type_id != 0) == typed);
    if file.externs.iter().any(|e| is_ksym(e, false)) {
        let names: Vec<&str> = file
            .externs
            .iter()
            .filter(|e| is_ksym(e, false) && !matches!(e.kind, ExternKind::Ksym { func: true, .. }))
            .map(|e| e.name.as_str())
            .collect();
        let found = crate::kernel_btf::kallsyms(&names);
        for (i, e) in file.externs.iter().enumerate() {
            if !is_ksym(e, false) {
                continue;
            }
            if let Some(slot) = out.get_mut(i) {
                *slot = match &found {
                    Ok(map) => match map.get(e.name.as_str()) {
                        Some(&addr) => Ok(Resolution::Address(addr)),
                        None if e.weak => Ok(Resolution::Missing),
                        None => Err("not found in /proc/kallsyms".to_string()),
                    },
                    Err(err) => Err(err.clone()),
                };
            }
        }
    }
    if file.externs.iter().any(|e| is_ksym(e, true)) {
        let kernel = crate::kernel_btf::target();
        // Loaded once, when the first name is missing from vmlinux.
        let mut modules: Option<std::result::Result<Vec<_>, String>> = None;
        for (i, e) in file.externs.iter().enumerate() {
            let ExternKind::Ksym { func, type_id } = e.kind else {
                continue;
            };
            if type_id == 0 {
                continue;
            }
            let r = match &kernel {
                Err(err) => Err(format!("the kernel's BTF is not available: {err}")),
                Ok(k) => {
                    let name = if func { e.essential_name() } else { &e.name };
                    let wanted = |kind: &Kind| {
                        if func {
                            matches!(kind, Kind::Func { .. })
                        } else {
                            matches!(kind, Kind::Var { .. })
                        }
                    };
                    match k.btf().find(name, wanted) {
                        Some(id) => typed_match(file, e, type_id, k.btf(), id),
                        None => {
                            let list = modules.get_or_insert_with(|| {
                                crate::kernel_btf::modules()
                                    .map_err(|err| format!("reading module BTF: {err}"))
                            });
                            match list {
                                Err(err) => Err(err.clone()),
                                Ok(list) => {
                                    let found = list
                                        .iter()
                                        .find_map(|m| m.btf().find(name, wanted).map(|id| (m, id)));
                                    match found {
                                        Some((m, id)) => typed_match(file, e, type_id, m.btf(), id)
                                            .and_then(|r| in_module(r, m, func, &mut used)),
                                        None if e.weak => Ok(Resolution::Missing),
                                        None => Err(format!(
                                            "not found in the kernel's BTF (vmlinux and modules, \
                                             as a {})",
                                            if func { "FUNC" } else { "VAR" }
                                        )),
                                    }
                                }
                            }
                        }
                    }
                }
            };
            if let Some(slot) = out.get_mut(i) {
                *slot = r;
            }
        }
    }
    Ksyms {
        resolved: out,
        modules: used,
    }
}

/// A ksym resolved in module `m`'s BTF: the instruction names the module
/// by its BTF fd (typed ksyms) or by its index in `fd_array` (kfunc
/// calls), as libbpf's `bpf_object__resolve_ksym_*_btf_id` do; the module
/// is kept open with the object.
fn in_module(
    r: Resolution,
    m: &std::sync::Arc<crate::kernel_btf::ModuleBtf>,
    func: bool,
    used: &mut ModuleFds,
) -> std::result::Result<Resolution, String> {
    use std::os::fd::AsRawFd;
    let Resolution::BtfId { id, .. } = r else {
        return Ok(r);
    };
    let fd = m.fd().as_raw_fd();
    if !used.modules.iter().any(|u| u.id() == m.id()) {
        used.modules.push(std::sync::Arc::clone(m));
    }
    let mut fd_index = 0;
    if func {
        fd_index = match used.fd_array.iter().position(|&f| f == fd) {
            Some(i) => i,
            None => {
                if used.fd_array.is_empty() {
                    used.fd_array.push(0);
                }
                used.fd_array.push(fd);
                used.fd_array.len() - 1
            }
        };
    }
    let fd_index = i16::try_from(fd_index).map_err(|_| {
        format!(
            "module `{}`'s index {fd_index} in fd_array does not fit the instruction's offset",
            m.name()
        )
    })?;
    Ok(Resolution::BtfId {
        id,
        btf_fd: fd,
        fd_index,
    })
}

/// A typed ksym found in `kernel` (vmlinux's or a module's BTF) as `id`:
/// resolved if its local type is compatible with the kernel's (libbpf's
/// check); otherwise a weak kfunc is missing and anything else an error.
fn typed_match(
    file: &ObjectFile,
    e: &Extern,
    local: crate::obj::btf::TypeId,
    kernel: &crate::obj::btf::Btf,
    id: u32,
) -> std::result::Result<Resolution, String> {
    let func = matches!(e.kind, ExternKind::Ksym { func: true, .. });
    let resolved = Resolution::BtfId {
        id,
        btf_fd: 0,
        fd_index: 0,
    };
    let Some(btf) = file.btf.as_ref() else {
        return Err("the object has no BTF".to_string());
    };
    let target = kernel
        .view(id)
        .ok()
        .and_then(|v| v.referenced())
        .and_then(|t| kernel.resolve(t).ok())
        .unwrap_or(0);
    let ok = crate::obj::externs::types_are_compat(btf, local, kernel, target).unwrap_or(false);
    match (ok, func) {
        (true, _) => Ok(resolved),
        (false, true) if e.weak => Ok(Resolution::Missing),
        (false, true) => Err(format!(
            "its prototype [{local}] is incompatible with the kernel's [{target}]"
        )),
        (false, false) => Err(format!(
            "its type [{local}] is incompatible with the kernel's [{target}]"
        )),
    }
}

/// The error for program `prog` needing extern `ext`, which cannot be had.
pub(crate) fn unresolved(prog: &str, ext: &str, why: &str) -> Error {
    Error::Unsupported {
        subject: Subject::program(prog),
        what: format!("extern `{ext}`: {why}"),
    }
}

/// `KERNEL_VERSION(a, b, c)`, with `c` saturated at 255 as the kernel's macro.
fn kernel_version_code(a: u32, b: u32, c: u32) -> u32 {
    (a << 16) + (b << 8) + c.min(255)
}

/// The first three dot-separated numbers at the start of `s`.
fn three_numbers(s: &str) -> Option<(u32, u32, u32)> {
    let mut it = s.splitn(3, '.');
    let num = |p: &str| {
        let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<u32>().ok()
    };
    let a = it.next()?.parse().ok()?;
    let b = it.next()?.parse().ok()?;
    let c = num(it.next()?)?;
    Some((a, b, c))
}

/// `uname()`'s release and version strings.
fn uname() -> (String, String) {
    // SAFETY: `utsname` is plain old data; uname fills it with
    // NUL-terminated strings, and on failure we read the zeroed buffer.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid, writable utsname.
    unsafe { libc::uname(&mut u) };
    let s = |f: &[libc::c_char]| {
        let bytes: Vec<u8> = f
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    (s(&u.release), s(&u.version))
}

/// `LINUX_KERNEL_VERSION` as libbpf computes it: Ubuntu's
/// `/proc/version_signature`, else Debian's version in `uname -v`, else
/// `uname -r`'s first three numbers.
pub fn kernel_version() -> u32 {
    if let Ok(sig) = std::fs::read_to_string("/proc/version_signature") {
        if let Some((a, b, c)) = sig.split_whitespace().nth(2).and_then(three_numbers) {
            return kernel_version_code(a, b, c);
        }
        return 0;
    }
    let (release, version) = uname();
    if let Some(at) = version.find("Debian ") {
        let rest = version.get(at + 7..).unwrap_or_default();
        if let Some((a, b, c)) = three_numbers(rest) {
            return kernel_version_code(a, b, c);
        }
        return 0;
    }
    three_numbers(&release).map_or(0, |(a, b, c)| kernel_version_code(a, b, c))
}

/// libbpf's `FEAT_BPF_COOKIE`: a tracepoint program calling
/// `bpf_get_attach_cookie` loads.
pub(crate) fn has_bpf_cookie() -> bool {
    use crate::obj::insn::{encode, Insn, CALL};
    let insns = [
        Insn {
            code: CALL,
            regs: 0,
            off: 0,
            imm: 174, // BPF_FUNC_get_attach_cookie
        },
        Insn {
            code: 0x95, // exit
            regs: 0,
            off: 0,
            imm: 0,
        },
    ];
    let code = encode(&insns);
    let license = c"GPL";
    let opts = crate::sys::ProgLoadOpts {
        prog_type: 5, // BPF_PROG_TYPE_TRACEPOINT
        insns: &code,
        license,
        kern_version: 0,
        prog_flags: 0,
        name: "",
        expected_attach_type: 0,
        prog_btf_fd: None,
        func_info: &[],
        line_info: &[],
        attach_btf_id: 0,
        fd_array: &[],
        attach_btf_obj_fd: None,
    };
    crate::sys::prog_load(&opts, None).is_ok()
}

/// libbpf's `FEAT_SYSCALL_WRAPPER`: a kprobe perf event on
/// `__x64_sys_bpf` (or the architecture's prefix) can be opened. Without
/// the kprobe PMU libbpf tries a legacy tracefs kprobe event; we do not
/// create global tracefs events and answer 0 there.
fn has_syscall_wrapper() -> bool {
    let prefix = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "x86" => "ia32",
        "aarch64" => "arm64",
        "s390x" => "s390",
        "powerpc64" => "powerpc",
        "riscv64" => "riscv",
        "arm" => "arm",
        "loongarch64" => "loongarch",
        _ => return false,
    };
    let Ok(ty) = std::fs::read_to_string("/sys/bus/event_source/devices/kprobe/type") else {
        return false;
    };
    let Ok(ty) = ty.trim().parse::<u32>() else {
        return false;
    };
    let Ok(name) = std::ffi::CString::new(format!("__{prefix}_sys_bpf")) else {
        return false;
    };
    // struct perf_event_attr (PERF_ATTR_SIZE_VER7, 128 bytes): `type` at
    // 0, `size` at 4, `config1` (the kprobe's function name) at 56.
    let mut attr = [0u8; 128];
    attr[0..4].copy_from_slice(&ty.to_ne_bytes());
    attr[4..8].copy_from_slice(&128u32.to_ne_bytes());
    attr[56..64].copy_from_slice(&(name.as_ptr() as u64).to_ne_bytes());
    // SAFETY: `attr` is a zero-initialised perf_event_attr of the size it
    // declares, `name` outlives the call; the returned fd (if any) is
    // closed at once.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_perf_event_open,
            attr.as_ptr(),
            libc::getpid(),
            -1i32,
            -1i32,
            1u64 << 3, // PERF_FLAG_FD_CLOEXEC
        )
    };
    if fd >= 0 {
        // SAFETY: `fd` is a descriptor this function just opened and owns.
        unsafe { libc::close(fd as i32) };
        true
    } else {
        false
    }
}

/// The `.kconfig` map's value for `file`, with user overrides (`NAME=VALUE`
/// Kconfig lines) applied before the system's Kconfig, as libbpf applies
/// its `kconfig` open option. Returns the value and, for each extern, whether
/// it was set. A value that does not fit its extern's type is an error.
pub(crate) fn kconfig_value(
    file: &ObjectFile,
    overrides: &[String],
) -> Result<(Vec<u8>, Vec<bool>)> {
    let size = file
        .kconfig_map
        .and_then(|m| file.maps.get(m))
        .map_or(0, |m| m.value_size as usize);
    let mut data = vec![0u8; size];
    let mut set = vec![false; file.externs.len()];
    let mut need_config = false;
    for (i, e) in file.externs.iter().enumerate() {
        if !e.is_kconfig() {
            continue;
        }
        if e.name.starts_with("CONFIG_") {
            need_config = true;
            continue;
        }
        let value = match e.name.as_str() {
            "LINUX_KERNEL_VERSION" => {
                let v = kernel_version();
                if v == 0 {
                    return Err(kconfig_err(e, "the kernel version could not be determined"));
                }
                u64::from(v)
            }
            "LINUX_HAS_BPF_COOKIE" => {
                static COOKIE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
                u64::from(*COOKIE.get_or_init(has_bpf_cookie))
            }
            "LINUX_HAS_SYSCALL_WRAPPER" => {
                static WRAPPER: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
                u64::from(*WRAPPER.get_or_init(has_syscall_wrapper))
            }
            _ if e.name.starts_with("LINUX_") && e.weak => continue,
            _ => return Err(kconfig_err(e, "unrecognized virtual extern")),
        };
        set_num(e, &mut data, value)?;
        if let Some(s) = set.get_mut(i) {
            *s = true;
        }
    }
    if need_config {
        for line in overrides {
            process_line(file, line, &mut data, &mut set)?;
        }
        need_config = file
            .externs
            .iter()
            .zip(&set)
            .any(|(e, s)| e.is_kconfig() && !s);
    }
    if need_config {
        let (release, _) = uname();
        let boot = format!("/boot/config-{release}");
        let reader: Box<dyn BufRead> = match std::fs::File::open(&boot) {
            Ok(f) => Box::new(std::io::BufReader::new(MaybeGz::new(f)?)),
            Err(_) => {
                let path = "/proc/config.gz";
                let f = std::fs::File::open(path).map_err(|e| {
                    Error::io(
                        path,
                        std::io::Error::new(
                            e.kind(),
                            format!("no system Kconfig ({boot} nor {path}): {e}"),
                        ),
                    )
                })?;
                Box::new(std::io::BufReader::new(MaybeGz::new(f)?))
            }
        };
        for line in reader.split(b'\n') {
            let line = line.map_err(|e| Error::io("system Kconfig", e))?;
            process_line(file, &String::from_utf8_lossy(&line), &mut data, &mut set)?;
        }
    }
    Ok((data, set))
}

/// A file read as is, or gunzipped if it starts with the gzip magic (as
/// zlib's `gzopen` reads both).
enum MaybeGz {
    Plain(std::io::Chain<std::io::Cursor<Vec<u8>>, std::fs::File>),
    Gz(Box<flate2::read::MultiGzDecoder<std::io::Chain<std::io::Cursor<Vec<u8>>, std::fs::File>>>),
}

impl MaybeGz {
    fn new(mut f: std::fs::File) -> Result<Self> {
        use std::io::Read;
        let mut magic = Vec::with_capacity(2);
        (&mut f)
            .take(2)
            .read_to_end(&mut magic)
            .map_err(|e| Error::io("system Kconfig", e))?;
        let gz = magic == [0x1f, 0x8b];
        let r = std::io::Cursor::new(magic).chain(f);
        Ok(if gz {
            MaybeGz::Gz(Box::new(flate2::read::MultiGzDecoder::new(r)))
        } else {
            MaybeGz::Plain(r)
        })
    }
}

impl std::io::Read for MaybeGz {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            MaybeGz::Plain(r) => r.read(buf),
            MaybeGz::Gz(r) => r.read(buf),
        }
    }
}

fn kconfig_err(e: &Extern, why: impl std::fmt::Display) -> Error {
    Error::InvalidArgument {
        subject: Subject::map(crate::obj::externs::KCONFIG_SEC),
        message: format!("extern (kconfig) `{}`: {why}", e.name),
    }
}

fn layout(e: &Extern) -> (KconfigType, usize, usize, bool) {
    match e.kind {
        ExternKind::Kconfig {
            ty,
            size,
            offset,
            signed,
            ..
        } => (ty, offset as usize, size as usize, signed),
        _ => (KconfigType::Int, 0, 0, false),
    }
}

fn slot<'a>(e: &Extern, data: &'a mut [u8]) -> Result<&'a mut [u8]> {
    let (_, off, size, _) = layout(e);
    data.get_mut(off..off + size)
        .ok_or_else(|| kconfig_err(e, "outside the .kconfig map"))
}

/// libbpf's `set_kcfg_value_num`.
fn set_num(e: &Extern, data: &mut [u8], v: u64) -> Result<()> {
    let (ty, _, size, signed) = layout(e);
    if !matches!(ty, KconfigType::Int | KconfigType::Char | KconfigType::Bool) {
        return Err(kconfig_err(
            e,
            format!("value {v} implies an integer, char or bool type"),
        ));
    }
    if ty == KconfigType::Bool && v > 1 {
        return Err(kconfig_err(e, format!("value {v} is not boolean")));
    }
    let bits = size as u32 * 8;
    let fits = bits >= 64
        || if signed {
            v.wrapping_add(1u64 << (bits - 1)) < (1u64 << bits)
        } else {
            v >> bits == 0
        };
    if !fits || !matches!(size, 1 | 2 | 4 | 8) {
        return Err(kconfig_err(
            e,
            format!("value {v} does not fit in {size} bytes"),
        ));
    }
    let bytes = v.to_ne_bytes();
    let s = slot(e, data)?;
    #[cfg(target_endian = "little")]
    let src = bytes.get(..size);
    #[cfg(target_endian = "big")]
    let src = bytes.get(8 - size..);
    s.copy_from_slice(src.unwrap_or_default());
    Ok(())
}

/// libbpf's `strtoull(value, &end, 0)` with nothing left over.
fn parse_u64(s: &str) -> Option<u64> {
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let v = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()?
    } else if s.len() > 1 && s.starts_with('0') {
        u64::from_str_radix(s.get(1..)?, 8).ok()?
    } else {
        s.parse().ok()?
    };
    Some(if neg { v.wrapping_neg() } else { v })
}

/// libbpf's `bpf_object__process_kconfig_line`.
fn process_line(file: &ObjectFile, line: &str, data: &mut [u8], set: &mut [bool]) -> Result<()> {
    let line = line.strip_suffix('\n').unwrap_or(line);
    if !line.starts_with("CONFIG_") {
        return Ok(());
    }
    let Some((name, value)) = line.split_once('=') else {
        return Err(Error::InvalidArgument {
            subject: Subject::map(crate::obj::externs::KCONFIG_SEC),
            message: format!("Kconfig line `{line}` has no `=`"),
        });
    };
    if value.is_empty() {
        return Err(Error::InvalidArgument {
            subject: Subject::map(crate::obj::externs::KCONFIG_SEC),
            message: format!("Kconfig line `{line}` has no value"),
        });
    }
    let Some(i) = file.externs.iter().position(|e| e.name == name) else {
        return Ok(());
    };
    let (Some(e), Some(false)) = (file.externs.get(i), set.get(i).copied()) else {
        return Ok(());
    };
    if !e.is_kconfig() {
        return Ok(());
    }
    let (ty, _, size, _) = layout(e);
    match value.as_bytes().first() {
        Some(&c @ (b'y' | b'n' | b'm')) => {
            let s = slot(e, data)?;
            match ty {
                KconfigType::Bool if c == b'm' => {
                    return Err(kconfig_err(e, "value 'm' implies a tristate or char type"))
                }
                KconfigType::Bool => s.fill(u8::from(c == b'y')),
                KconfigType::Tristate => {
                    let v: u32 = match c {
                        b'y' => 1,
                        b'm' => 2,
                        _ => 0,
                    };
                    let b = v.to_ne_bytes();
                    s.fill(0);
                    if let Some(d) = s.get_mut(..4) {
                        d.copy_from_slice(&b);
                    }
                }
                KconfigType::Char => s.fill(c),
                _ => {
                    return Err(kconfig_err(
                        e,
                        format!(
                            "value '{}' implies a bool, tristate or char type",
                            c as char
                        ),
                    ))
                }
            }
        }
        Some(b'"') => {
            if ty != KconfigType::CharArray {
                return Err(kconfig_err(
                    e,
                    format!("value {value} implies a char array type"),
                ));
            }
            if value.len() < 2 || !value.ends_with('"') {
                return Err(kconfig_err(e, format!("invalid string config {value}")));
            }
            let inner = value.as_bytes().get(1..value.len() - 1).unwrap_or_default();
            let len = inner.len().min(size.saturating_sub(1));
            let s = slot(e, data)?;
            if let (Some(d), Some(src)) = (s.get_mut(..len), inner.get(..len)) {
                d.copy_from_slice(src);
            }
            if let Some(nul) = s.get_mut(len) {
                *nul = 0;
            }
        }
        _ => {
            let v = parse_u64(value)
                .ok_or_else(|| kconfig_err(e, format!("value {value} is not a valid integer")))?;
            if !matches!(ty, KconfigType::Int | KconfigType::Char) {
                return Err(kconfig_err(
                    e,
                    format!("value {value} implies an integer type"),
                ));
            }
            set_num(e, data, v)?;
        }
    }
    if let Some(s) = set.get_mut(i) {
        *s = true;
    }
    Ok(())
}

/// What [`fill_kconfig`] found: per extern, whether it was set, and the
/// error that kept the values from being read, which only the autoloaded
/// programs that use a `__kconfig` extern get.
pub(crate) struct KconfigState {
    set: Vec<bool>,
    error: Option<Error>,
}

/// Writes the `.kconfig` map's value into its open map (if the object has
/// one). If the values cannot be read, the map holds zeroes and the error
/// is kept for the programs that use them.
pub(crate) fn fill_kconfig(
    core: &crate::open::OpenCore,
    maps: &mut [crate::open::OpenMap],
) -> Result<KconfigState> {
    let file = &core.file;
    let mut state = KconfigState {
        set: vec![false; file.externs.len()],
        error: None,
    };
    let Some(k) = file.kconfig_map else {
        return Ok(state);
    };
    let Some(m) = maps.get_mut(k) else {
        return Ok(state);
    };
    // The value is computed here: a write to the open map's initial value
    // (e.g. through a skeleton) would be lost, so refuse it.
    let touched = m
        .def
        .initial_value
        .as_ref()
        .is_some_and(|v| v.iter().any(|&b| b != 0));
    if touched {
        return Err(Error::InvalidArgument {
            subject: Subject::map(crate::obj::externs::KCONFIG_SEC),
            message: "the .kconfig map's value is computed at load from the kernel's \
                      Kconfig; set CONFIG_* values with OpenObject::set_kconfig instead"
                .to_string(),
        });
    }
    match kconfig_value(file, &core.kconfig) {
        Ok((data, set)) => {
            m.def.initial_value = Some(data);
            state.set = set;
        }
        Err(e) => state.error = Some(e),
    }
    Ok(state)
}

/// Refuses program `p` if it uses a strong extern that is not resolved: a
/// ksym missing from the kernel, or a `__kconfig` value no source set.
pub(crate) fn check_program(
    p: &crate::open::OpenProgram,
    file: &ObjectFile,
    kconfig: &mut KconfigState,
) -> Result<()> {
    if let Some((name, why)) = p.unresolved.first() {
        return Err(unresolved(p.name(), name, why));
    }
    let uses_kconfig = p
        .linked()
        .externs_used
        .iter()
        .any(|&e| file.externs.get(e).is_some_and(Extern::is_kconfig));
    if uses_kconfig {
        if let Some(e) = kconfig.error.take() {
            return Err(e);
        }
    }
    let kconfig_set = &kconfig.set;
    for &e in &p.linked().externs_used {
        let Some(ext) = file.externs.get(e) else {
            continue;
        };
        if ext.is_kconfig() && !ext.weak && !kconfig_set.get(e).copied().unwrap_or(false) {
            return Err(unresolved(
                p.name(),
                &ext.name,
                "a strong __kconfig extern with no value (not in the kernel's Kconfig nor set \
                 with set_kconfig; declare it __weak to read 0)",
            ));
        }
    }
    Ok(())
}

/// Rewrites a verifier log that rejects a poisoned call to a missing weak
/// kfunc as libbpf does: the two lines `N: (85) call unknown#2002000XXX`
/// and `invalid func unknown#2002000XXX` become `N: <invalid kfunc call>`
/// and `kfunc 'name' is referenced but wasn't resolved`.
pub(crate) fn explain_missing_kfunc(e: Error, file: &ObjectFile) -> Error {
    let Error::Verifier {
        subject,
        source,
        log,
    } = e
    else {
        return e;
    };
    let lines: Vec<&str> = log.split_inclusive('\n').collect();
    let mut out = String::with_capacity(log.len());
    let mut i = 0;
    while let Some(line) = lines.get(i) {
        let next = lines.get(i + 1).copied().unwrap_or_default();
        let patched = (|| {
            let (insn, rest) = line.split_once(": (")?;
            let idx: i64 = rest
                .split_once(") call unknown#")?
                .1
                .trim_end()
                .parse()
                .ok()?;
            let ext = usize::try_from(idx - i64::from(crate::obj::externs::POISON_CALL_KFUNC_BASE))
                .ok()?;
            let name = &file.externs.get(ext)?.name;
            next.starts_with(&format!("invalid func unknown#{idx}"))
                .then(|| format!("{insn}: <invalid kfunc call>\nkfunc '{name}' is referenced but wasn't resolved\n"))
        })();
        match patched {
            Some(p) => {
                out.push_str(&p);
                i += 2;
            }
            None => {
                out.push_str(line);
                i += 1;
            }
        }
    }
    Error::Verifier {
        subject,
        source,
        log: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_and_integers_parse_as_libbpf() {
        assert_eq!(three_numbers("6.18.44-fc-v669"), Some((6, 18, 44)));
        assert_eq!(kernel_version_code(6, 18, 300), (6 << 16) + (18 << 8) + 255);
        assert_eq!(parse_u64("0x10"), Some(16));
        assert_eq!(parse_u64("010"), Some(8));
        assert_eq!(parse_u64("-1"), Some(u64::MAX));
        assert_eq!(parse_u64("12a"), None);
    }
}
