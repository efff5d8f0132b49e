//! Multi-probes: one BPF link for many probes. `kprobe.multi` runs a
//! program on many kernel functions at once (`BPF_TRACE_KPROBE_MULTI`,
//! Linux 5.18, on the kernel's fprobe: `CONFIG_FPROBE`); `uprobe.multi` on
//! many functions of one binary (`BPF_TRACE_UPROBE_MULTI`, Linux 6.6).
//! Sessions (`kprobe.session`, Linux 6.10; `uprobe.session`, Linux 6.13)
//! attach through the same links with their own attach type: the program
//! runs at entry and, if its entry returned 0, again at return
//! (`bpf_session_is_return()` tells which).
//!
//! Targets are named as libbpf names them: a glob pattern (`*` any run,
//! `?` any one character) matched against the kernel's traceable functions
//! (`available_filter_functions` under tracefs) or the binary's function
//! symbols, a list of names, or raw addresses / file offsets. A pattern
//! without `*` or `?` names one kernel function and goes to the kernel as
//! a name, as in libbpf.

use std::collections::BTreeSet;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::elf;
use crate::error::{Error, Result, Subject};
use crate::link::Link;
use crate::obj::section::prog_type;
use crate::prog::Program;
use crate::sys::{self as bpf, LinkExtra};

/// `enum bpf_attach_type` values of the multi links.
const TRACE_KPROBE_MULTI: u32 = 42;
const TRACE_UPROBE_MULTI: u32 = 48;
const TRACE_KPROBE_SESSION: u32 = 56;
const TRACE_UPROBE_SESSION: u32 = 57;
/// `BPF_F_KPROBE_MULTI_RETURN`, `BPF_F_UPROBE_MULTI_RETURN`.
const MULTI_RETURN: u32 = 1;

/// Which kernel functions a `kprobe.multi` program attaches to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KprobeMultiTarget<'a> {
    /// Every traceable function matching the glob (`tcp_*`, `vfs_rea?`);
    /// without `*` or `?`, the one function named.
    Pattern(&'a str),
    /// These functions, by name.
    Symbols(&'a [&'a str]),
    /// These functions, by address (as `/proc/kallsyms` shows them to
    /// root).
    Addresses(&'a [u64]),
}

/// Options for [`Program::attach_kprobe_multi_with`].
#[derive(Debug, Clone, Default)]
pub struct KprobeMultiOptions {
    /// Return probes (`kretprobe.multi`). `None`: as the section says.
    pub retprobe: Option<bool>,
    /// One BPF cookie per function, in the order of the target's symbols
    /// or addresses (empty: none). Not with a pattern, as in libbpf: the
    /// order of the matches is not the caller's.
    pub cookies: Vec<u64>,
}

/// Which functions of a binary a `uprobe.multi` program attaches to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UprobeMultiTarget<'a> {
    /// Every function symbol of the binary matching the glob.
    Pattern(&'a str),
    /// These functions, by name (resolved like
    /// [`Program::attach_uprobe`]'s).
    Symbols(&'a [&'a str]),
    /// These file offsets.
    Offsets(&'a [u64]),
}

/// Options for [`Program::attach_uprobe_multi_with`].
#[derive(Debug, Clone, Default)]
pub struct UprobeMultiOptions {
    /// Return probes (`uretprobe.multi`). `None`: as the section says.
    pub retprobe: Option<bool>,
    /// One BPF cookie per probe, in the order of the target's symbols or
    /// offsets (empty: none). Not with a pattern.
    pub cookies: Vec<u64>,
    /// One reference counter (USDT-style semaphore) file offset per probe
    /// (empty: none). Not with a pattern.
    pub ref_ctr_offsets: Vec<u64>,
}

/// libbpf's glob: `*` matches any run of characters (also empty), `?` any
/// one character, everything else itself. Iterative, so no pattern makes
/// it exponential.
pub(crate) fn glob_match(s: &str, pat: &str) -> bool {
    let (s, p) = (s.as_bytes(), pat.as_bytes());
    let (mut i, mut j) = (0, 0);
    // The last `*` seen, and where in `s` its current match ends.
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        match p.get(j) {
            Some(b'*') => {
                star = Some((j, i));
                j += 1;
            }
            Some(&c) if c == b'?' || c == s[i] => {
                i += 1;
                j += 1;
            }
            _ => match star {
                Some((sj, si)) => {
                    j = sj + 1;
                    i = si + 1;
                    star = Some((sj, si + 1));
                }
                None => return false,
            },
        }
    }
    p[j..].iter().all(|&c| c == b'*')
}

fn is_glob(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

/// The tracefs directory, as libbpf picks it: debugfs's `tracing` if it
/// exists, else `/sys/kernel/tracing`.
fn tracefs() -> PathBuf {
    let debugfs = Path::new("/sys/kernel/debug/tracing");
    if debugfs.exists() {
        debugfs.to_path_buf()
    } else {
        PathBuf::from("/sys/kernel/tracing")
    }
}

/// The addresses of the traceable kernel functions matching `pattern`, as
/// libbpf finds them: from `available_filter_functions_addrs` (Linux 6.5)
/// if readable, else the names of `available_filter_functions` looked up
/// in `/proc/kallsyms` (a `.llvm.<hash>` suffix in kallsyms ignored).
fn kernel_functions(pattern: &str) -> std::result::Result<Vec<u64>, String> {
    let dir = tracefs();
    let with_addrs = dir.join("available_filter_functions_addrs");
    if let Ok(text) = std::fs::read_to_string(&with_addrs) {
        let mut addrs = Vec::new();
        for line in text.lines() {
            let mut words = line.split_whitespace();
            let (Some(addr), Some(name)) = (words.next(), words.next()) else {
                continue;
            };
            if glob_match(name, pattern) {
                let a = u64::from_str_radix(addr, 16)
                    .map_err(|_| format!("malformed line in {}: `{line}`", with_addrs.display()))?;
                addrs.push(a);
            }
        }
        if addrs.is_empty() {
            return Err(format!(
                "no traceable kernel function matches `{pattern}` (in {})",
                with_addrs.display()
            ));
        }
        return Ok(addrs);
    }
    let names_file = dir.join("available_filter_functions");
    let text = std::fs::read_to_string(&names_file).map_err(|e| {
        format!(
            "cannot read {} to match `{pattern}`: {e} (the kernel needs \
             CONFIG_FUNCTION_TRACER and tracefs mounted at /sys/kernel/tracing)",
            names_file.display()
        )
    })?;
    let names: BTreeSet<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| glob_match(n, pattern))
        .collect();
    if names.is_empty() {
        return Err(format!(
            "no traceable kernel function matches `{pattern}` (in {})",
            names_file.display()
        ));
    }
    let kallsyms = std::fs::read_to_string("/proc/kallsyms")
        .map_err(|e| format!("cannot read /proc/kallsyms: {e}"))?;
    let mut addrs = Vec::new();
    for line in kallsyms.lines() {
        let mut words = line.split_whitespace();
        let (Some(addr), Some(_), Some(name)) = (words.next(), words.next(), words.next()) else {
            continue;
        };
        if !glob_match(name, pattern) {
            continue;
        }
        let known = names.contains(name)
            || name
                .find(".llvm.")
                .is_some_and(|at| names.contains(&name[..at]));
        if known {
            let a = u64::from_str_radix(addr, 16)
                .map_err(|_| format!("malformed line in /proc/kallsyms: `{line}`"))?;
            if a == 0 {
                return Err("/proc/kallsyms hides addresses from this process \
                            (kptr_restrict; needs CAP_SYSLOG)"
                    .into());
            }
            addrs.push(a);
        }
    }
    if addrs.is_empty() {
        return Err(format!(
            "no function of /proc/kallsyms matching `{pattern}` is traceable"
        ));
    }
    Ok(addrs)
}

/// Whether the running kernel is at least `major.minor`, if its release
/// says.
fn kernel_at_least(major: u32, minor: u32) -> Option<bool> {
    let release = crate::probe::kernel_release();
    let mut parts = release.split(['.', '-']);
    let ma: u32 = parts.next()?.parse().ok()?;
    let mi: u32 = parts.next()?.parse().ok()?;
    Some((ma, mi) >= (major, minor))
}

impl Program {
    /// Fails unless this is a kprobe program loaded for the multi link
    /// `family` (one of `attach_types`), naming `method` and the sections
    /// that load such programs.
    fn expect_multi(&self, method: &str, attach_types: &[u32], sections: &str) -> Result<u32> {
        self.expect_type(method, &[prog_type::KPROBE])?;
        match self.def.kind.expected_attach_type {
            Some(t) if attach_types.contains(&t) => Ok(t),
            _ => Err(Error::invalid(
                self.subject(),
                format!(
                    "{method} needs a program loaded for it (section {sections}); \
                     section `{}` loads a single-probe kprobe program",
                    self.section()
                ),
            )),
        }
    }

    /// Whether to attach return probes, and the kind's name for messages.
    /// A session program (`kprobe.session`, `uprobe.session`) is both
    /// entry and return probe already: asking it for a return probe is
    /// refused, as libbpf refuses `retprobe` with `session`.
    fn multi_kind(
        &self,
        explicit: Option<bool>,
        attach_type: u32,
        family: &'static str,
    ) -> Result<(bool, &'static str)> {
        let session = attach_type == TRACE_KPROBE_SESSION || attach_type == TRACE_UPROBE_SESSION;
        let (kprobe, ret, session_kind) = match family {
            "kprobe" => ("kprobe.multi", "kretprobe.multi", "kprobe.session"),
            _ => ("uprobe.multi", "uretprobe.multi", "uprobe.session"),
        };
        if session {
            if explicit == Some(true) {
                return Err(Error::invalid(
                    self.subject(),
                    format!(
                        "a {session_kind} program runs at entry and return already: \
                         it cannot be attached as a return probe"
                    ),
                ));
            }
            return Ok((false, session_kind));
        }
        let retprobe =
            explicit.unwrap_or_else(|| self.section().trim_start_matches('?').starts_with(ret));
        Ok((retprobe, if retprobe { ret } else { kprobe }))
    }

    /// Attaches a `kprobe.multi` (or `kretprobe.multi`, as the section
    /// says) program to every traceable kernel function matching
    /// `pattern` (see [`KprobeMultiTarget::Pattern`]).
    pub fn attach_kprobe_multi(&self, pattern: &str) -> Result<Link> {
        self.attach_kprobe_multi_with(
            KprobeMultiTarget::Pattern(pattern),
            &KprobeMultiOptions::default(),
        )
    }

    /// [`attach_kprobe_multi`](Self::attach_kprobe_multi) with a list of
    /// functions or addresses, cookies, or an explicit return probe.
    pub fn attach_kprobe_multi_with(
        &self,
        target: KprobeMultiTarget<'_>,
        opts: &KprobeMultiOptions,
    ) -> Result<Link> {
        let attach_type = self.expect_multi(
            "attach_kprobe_multi",
            &[TRACE_KPROBE_MULTI, TRACE_KPROBE_SESSION],
            "`kprobe.multi/...`, `kretprobe.multi/...` or `kprobe.session/...`",
        )?;
        let (retprobe, kind) = self.multi_kind(opts.retprobe, attach_type, "kprobe")?;
        let hook = if kind == "kprobe.session" {
            "kprobe.session"
        } else {
            "kprobe.multi"
        };
        let bad = |m: String| Error::invalid(self.subject(), m);
        let shown = match target {
            KprobeMultiTarget::Pattern(p) => format!("`{p}`"),
            KprobeMultiTarget::Symbols(s) => format!("{} named functions", s.len()),
            KprobeMultiTarget::Addresses(a) => format!("{} addresses", a.len()),
        };
        let what = format!("`{}` on {kind} {shown}", self.name());
        let n = match target {
            KprobeMultiTarget::Pattern(_) => None,
            KprobeMultiTarget::Symbols(s) => Some(s.len()),
            KprobeMultiTarget::Addresses(a) => Some(a.len()),
        };
        match n {
            None if !opts.cookies.is_empty() => {
                return Err(bad("cookies need a list of functions, not a pattern \
                                (the matches' order is not the caller's)"
                    .into()))
            }
            Some(0) => return Err(bad("kprobe.multi target list is empty".into())),
            Some(n) if !opts.cookies.is_empty() && opts.cookies.len() != n => {
                return Err(bad(format!(
                    "{} cookies for {n} functions: give one per function",
                    opts.cookies.len()
                )))
            }
            _ => {}
        }
        let (names, addrs): (Vec<CString>, Vec<u64>) = match target {
            KprobeMultiTarget::Pattern(p) => {
                if p.is_empty()
                    || !p
                        .bytes()
                        .all(|c| c.is_ascii_alphanumeric() || b"_.*?".contains(&c))
                {
                    // libbpf takes the longest prefix of these characters;
                    // we refuse rather than attach to a different pattern.
                    return Err(bad(format!(
                        "kprobe.multi pattern `{p}` is invalid: letters, digits, `_`, `.`, \
                         `*` and `?` only"
                    )));
                }
                if is_glob(p) {
                    (Vec::new(), kernel_functions(p).map_err(bad)?)
                } else {
                    let c = CString::new(p).map_err(|_| bad("NUL in pattern".into()))?;
                    (vec![c], Vec::new())
                }
            }
            KprobeMultiTarget::Symbols(s) => (
                s.iter()
                    .map(|n| {
                        CString::new(*n)
                            .map_err(|_| bad(format!("function name `{n}` contains a NUL byte")))
                    })
                    .collect::<Result<_>>()?,
                Vec::new(),
            ),
            KprobeMultiTarget::Addresses(a) => (Vec::new(), a.to_vec()),
        };
        let syms: Vec<&std::ffi::CStr> = names.iter().map(|c| c.as_c_str()).collect();
        let fd = bpf::link_create(
            self.attach_fd()?,
            0,
            attach_type,
            0,
            LinkExtra::KprobeMulti {
                flags: if retprobe { MULTI_RETURN } else { 0 },
                syms: &syms,
                addrs: &addrs,
                cookies: &opts.cookies,
            },
        )
        .map_err(|e| match e.raw_os_error() {
            Some(libc::EOPNOTSUPP) => Error::HookUnavailable {
                program: self.name().into(),
                hook,
                message: format!(
                    "{hook} is not available: this kernel is built without \
                     CONFIG_FPROBE ({} run on fprobe{})",
                    if hook == "kprobe.session" {
                        "kprobe sessions"
                    } else {
                        "multi-kprobes"
                    },
                    if super::probe::kernel_has_kprobes() == Some(false) {
                        ", and it has no kprobes at all: CONFIG_KPROBES is off"
                    } else {
                        ""
                    }
                ),
            },
            errno => Error::AttachFailed {
                what: what.clone(),
                op: "BPF_LINK_CREATE",
                reason: match errno {
                    Some(libc::ESRCH | libc::ENOENT) => {
                        "a function is not traceable (not in available_filter_functions) \
                         or does not exist"
                            .into()
                    }
                    Some(libc::EINVAL) if kernel_at_least(5, 18) == Some(false) => {
                        "kprobe.multi links need Linux 5.18".into()
                    }
                    Some(libc::E2BIG) => "too many functions for one link (the kernel's \
                                          limit is 1048576)"
                        .into(),
                    _ => String::new(),
                },
                source: e,
            },
        })?;
        Ok(Link::bpf(fd, what))
    }

    /// Attaches a `uprobe.multi` (or `uretprobe.multi`, as the section
    /// says) program to every function of `binary` matching `pattern`, for
    /// process `pid` (`None`: every process; `Some(0)`: this one).
    /// `binary` is resolved as [`attach_uprobe`](Self::attach_uprobe)
    /// resolves it.
    pub fn attach_uprobe_multi(
        &self,
        pid: Option<i32>,
        binary: impl AsRef<Path>,
        pattern: &str,
    ) -> Result<Link> {
        self.attach_uprobe_multi_with(
            pid,
            binary,
            UprobeMultiTarget::Pattern(pattern),
            &UprobeMultiOptions::default(),
        )
    }

    /// [`attach_uprobe_multi`](Self::attach_uprobe_multi) with a list of
    /// functions or offsets, cookies, reference counters, or an explicit
    /// return probe.
    pub fn attach_uprobe_multi_with(
        &self,
        pid: Option<i32>,
        binary: impl AsRef<Path>,
        target: UprobeMultiTarget<'_>,
        opts: &UprobeMultiOptions,
    ) -> Result<Link> {
        let attach_type = self.expect_multi(
            "attach_uprobe_multi",
            &[TRACE_UPROBE_MULTI, TRACE_UPROBE_SESSION],
            "`uprobe.multi/...`, `uretprobe.multi/...` or `uprobe.session/...`",
        )?;
        let (retprobe, kind) = self.multi_kind(opts.retprobe, attach_type, "uprobe")?;
        let binary = binary.as_ref();
        let bad = |m: String| Error::invalid(self.subject(), m);
        let shown = match target {
            UprobeMultiTarget::Pattern(p) => format!("`{p}`"),
            UprobeMultiTarget::Symbols(s) => format!("{} named functions", s.len()),
            UprobeMultiTarget::Offsets(o) => format!("{} offsets", o.len()),
        };
        let what = format!("`{}` on {kind} {}:{shown}", self.name(), binary.display());
        let pid = match pid {
            None => 0,
            // SAFETY: getpid has no preconditions.
            Some(0) => (unsafe { libc::getpid() }) as u32,
            Some(p) if p > 0 => p as u32,
            Some(p) => return Err(bad(format!("pid {p} is not a process id"))),
        };
        let path = elf::resolve_binary(binary).map_err(bad)?;
        let n = match target {
            UprobeMultiTarget::Pattern(_) => None,
            UprobeMultiTarget::Symbols(s) => Some(s.len()),
            UprobeMultiTarget::Offsets(o) => Some(o.len()),
        };
        for (list, name) in [
            (&opts.cookies, "cookies"),
            (&opts.ref_ctr_offsets, "ref_ctr_offsets"),
        ] {
            match n {
                None if !list.is_empty() => {
                    return Err(bad(format!(
                        "{name} need a list of functions or offsets, not a pattern"
                    )))
                }
                Some(n) if !list.is_empty() && list.len() != n => {
                    return Err(bad(format!(
                        "{} {name} for {n} probes: give one per probe",
                        list.len()
                    )))
                }
                _ => {}
            }
        }
        let offsets: Vec<u64> = match target {
            UprobeMultiTarget::Pattern(p) => {
                if p.is_empty() {
                    return Err(bad("uprobe.multi pattern is empty".into()));
                }
                let found =
                    elf::matching_functions(&path, |name| glob_match(name, p)).map_err(bad)?;
                if found.is_empty() {
                    return Err(bad(format!(
                        "no function of `{}` matches `{p}`",
                        path.display()
                    )));
                }
                found.into_iter().map(|(_, off)| off).collect()
            }
            UprobeMultiTarget::Symbols(s) => elf::function_offsets(&path, s).map_err(bad)?,
            UprobeMultiTarget::Offsets(o) => o.to_vec(),
        };
        if offsets.is_empty() {
            return Err(bad("uprobe.multi target list is empty".into()));
        }
        let c_path = CString::new(path.as_os_str().as_bytes())
            .map_err(|_| bad("binary path contains a NUL byte".into()))?;
        let fd = bpf::link_create(
            self.attach_fd()?,
            0,
            attach_type,
            0,
            LinkExtra::UprobeMulti {
                path: &c_path,
                offsets: &offsets,
                ref_ctr_offsets: &opts.ref_ctr_offsets,
                cookies: &opts.cookies,
                flags: if retprobe { MULTI_RETURN } else { 0 },
                pid,
            },
        )
        .map_err(|e| {
            let reason = match e.raw_os_error() {
                Some(libc::ESRCH) => format!("no process {pid}"),
                Some(libc::EOPNOTSUPP) => {
                    "uprobes are not available: this kernel is built without CONFIG_UPROBES".into()
                }
                Some(libc::EINVAL) if kernel_at_least(6, 6) == Some(false) => {
                    "uprobe.multi links need Linux 6.6".into()
                }
                Some(libc::EINVAL) => format!(
                    "the kernel refused one of the {} offsets in `{}`",
                    offsets.len(),
                    path.display()
                ),
                _ => String::new(),
            };
            Error::AttachFailed {
                what: what.clone(),
                op: "BPF_LINK_CREATE",
                reason,
                source: e,
            }
        })?;
        Ok(Link::bpf(fd, what))
    }
}

/// The file offsets a `uprobe.multi` pattern resolves to in `binary`
/// (resolved like [`Program::attach_uprobe_multi`] does), with the
/// function names, in symbol table order.
pub fn matching_functions(binary: impl AsRef<Path>, pattern: &str) -> Result<Vec<(String, u64)>> {
    let binary = binary.as_ref();
    let subject = || Subject::File(binary.to_path_buf());
    let path = elf::resolve_binary(binary).map_err(|m| Error::invalid(subject(), m))?;
    elf::matching_functions(&path, |n| glob_match(n, pattern))
        .map_err(|m| Error::invalid(subject(), m))
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn glob_is_libbpfs() {
        for (s, p, want) in [
            ("tcp_sendmsg", "tcp_*", true),
            ("tcp_sendmsg", "tcp_?endmsg", true),
            ("tcp_sendmsg", "tcp_sendmsg", true),
            ("tcp_sendmsg", "tcp", false),
            ("tcp_sendmsg", "*msg", true),
            ("tcp_sendmsg", "*m?g", true),
            ("tcp_sendmsg", "*x*", false),
            ("", "*", true),
            ("", "?", false),
            ("a", "", false),
            ("", "", true),
            ("aaa", "a*a*a", true),
            ("aab", "*a*b*c", false),
            ("f.llvm.123", "f*", true),
        ] {
            assert_eq!(glob_match(s, p), want, "{s} ~ {p}");
        }
        // Many stars on a long non-match stay linear-ish (no blow-up).
        let s = "a".repeat(2000);
        assert!(!glob_match(&s, "*a*a*a*a*a*a*a*a*a*a*b"));
    }
}
