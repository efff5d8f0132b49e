//! libbpf's auto-attach conventions: what a section name says about where
//! its program attaches.

/// Where a section name says a program attaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AutoAttach {
    /// `tp/C/N`, `tracepoint/C/N`.
    Tracepoint {
        /// Tracepoint category (`syscalls`).
        category: String,
        /// Tracepoint name (`sys_enter_openat`).
        name: String,
    },
    /// `raw_tp/N`, `raw_tracepoint/N` (and their `.w` writable forms).
    RawTracepoint {
        /// The raw tracepoint.
        name: String,
    },
    /// `tp_btf/`, `fentry/`, `fexit/`, `fmod_ret/`, `lsm/` (and sleepable
    /// `.s` forms): the target was fixed at load from the kernel's BTF.
    Tracing,
    /// `iter/I`: an iterator without parameters.
    Iter,
    /// `kprobe/F[+off]`, `kretprobe/F[+off]`.
    Kprobe {
        /// Kernel function.
        symbol: String,
        /// Offset into it.
        offset: u64,
        /// `kretprobe`.
        retprobe: bool,
    },
    /// `ksyscall/S`, `kretsyscall/S`.
    Ksyscall {
        /// The system call (`openat`).
        name: String,
        /// `kretsyscall`.
        retprobe: bool,
    },
    /// `uprobe/BINARY:FUNC[+off]`, `uretprobe/...` (and `.s` forms); all
    /// processes.
    Uprobe {
        /// The executable or shared library.
        binary: String,
        /// The function, or `None` if the section gives a bare offset.
        symbol: Option<String>,
        /// Offset into the function (or into the file).
        offset: u64,
        /// `uretprobe`.
        retprobe: bool,
    },
    /// `usdt/BINARY:PROVIDER:NAME` (and `usdt.s/`); all processes.
    Usdt {
        /// The executable or shared library.
        binary: String,
        /// The probe's provider.
        provider: String,
        /// The probe's name.
        name: String,
    },
    /// `kprobe.multi/PATTERN`, `kretprobe.multi/PATTERN`: every kernel
    /// function matching the glob (`*`, `?`), or the one named. Also
    /// `kprobe.session/PATTERN` (`retprobe` false: a session program runs
    /// at entry and, unless its entry returned non-zero, at return; its
    /// program's attach type, `BPF_TRACE_KPROBE_SESSION`, says so).
    KprobeMulti {
        /// The glob or function name, as written (checked at attach).
        pattern: String,
        /// `kretprobe.multi`.
        retprobe: bool,
    },
    /// `uprobe.multi/BINARY:PATTERN`, `uretprobe.multi/...` (and `.s`
    /// forms): every function of the binary matching the glob; all
    /// processes. Also `uprobe.session/BINARY:PATTERN` (and `.s`), with
    /// `retprobe` false (the program's attach type,
    /// `BPF_TRACE_UPROBE_SESSION`, makes it a session).
    UprobeMulti {
        /// The executable or shared library.
        binary: String,
        /// The glob or function name.
        pattern: String,
        /// `uretprobe.multi`.
        retprobe: bool,
    },
}

/// Whether a section is a USDT one (`usdt`, `usdt/...`, `usdt.s`,
/// `usdt.s/...`): a kprobe-type program attached with `attach_usdt`.
pub fn is_usdt(section: &str) -> bool {
    let s = section.strip_prefix('?').unwrap_or(section);
    ["usdt", "usdt.s"].iter().any(|p| {
        s.strip_prefix(p)
            .is_some_and(|r| r.is_empty() || r.starts_with('/'))
    })
}

/// The part after `prefix/` for the first matching prefix, with its rule.
fn rest<'a>(section: &'a str, prefixes: &[&str]) -> Option<&'a str> {
    prefixes
        .iter()
        .find_map(|p| section.strip_prefix(p)?.strip_prefix('/'))
}

/// Parses a number like libbpf's `%li`: decimal, `0x` hex or `0` octal.
fn number(s: &str) -> Option<u64> {
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if s.len() > 1 && s.starts_with('0') {
        u64::from_str_radix(&s[1..], 8).ok()
    } else {
        s.parse().ok()
    }
}

/// `name[+offset]` (offset optional); `None` if the offset is malformed
/// or the name empty.
fn symbol_offset(s: &str) -> Option<(String, u64)> {
    let (name, off) = match s.split_once('+') {
        Some((n, o)) => (n, number(o)?),
        None => (s, 0),
    };
    (!name.is_empty()).then(|| (name.to_string(), off))
}

/// What `section` says, or `None` if it names no attach target (the
/// program is not auto-attachable).
pub fn parse(section: &str) -> Option<AutoAttach> {
    let section = section.strip_prefix('?').unwrap_or(section);
    if let Some(r) = rest(section, &["tracepoint", "tp"]) {
        let (category, name) = r.split_once('/')?;
        if category.is_empty() || name.is_empty() {
            return None;
        }
        return Some(AutoAttach::Tracepoint {
            category: category.into(),
            name: name.into(),
        });
    }
    if let Some(name) = rest(
        section,
        &["raw_tracepoint.w", "raw_tp.w", "raw_tracepoint", "raw_tp"],
    ) {
        return (!name.is_empty()).then(|| AutoAttach::RawTracepoint { name: name.into() });
    }
    if rest(
        section,
        &[
            "tp_btf",
            "fentry",
            "fentry.s",
            "fexit",
            "fexit.s",
            "fmod_ret",
            "fmod_ret.s",
            "lsm",
            "lsm.s",
        ],
    )
    .is_some_and(|t| !t.is_empty())
    {
        return Some(AutoAttach::Tracing);
    }
    if rest(section, &["iter", "iter.s"]).is_some_and(|t| !t.is_empty()) {
        return Some(AutoAttach::Iter);
    }
    for (prefix, retprobe) in [
        ("kprobe.multi", false),
        ("kretprobe.multi", true),
        ("kprobe.session", false),
    ] {
        if let Some(pattern) = rest(section, &[prefix]) {
            // libbpf: a bare `kprobe.multi` (`kprobe.session`) is not
            // auto-attached; anything
            // after the `/` is the pattern (an empty or malformed one fails
            // at attach, as in libbpf).
            return Some(AutoAttach::KprobeMulti {
                pattern: pattern.into(),
                retprobe,
            });
        }
    }
    for (prefixes, retprobe) in [
        (["uprobe.multi", "uprobe.multi.s"], false),
        (["uretprobe.multi", "uretprobe.multi.s"], true),
        (["uprobe.session", "uprobe.session.s"], false),
    ] {
        if let Some(r) = rest(section, &prefixes) {
            // libbpf splits at the first ':' as for `uprobe/`.
            let (binary, pattern) = r.split_once(':')?;
            if binary.is_empty() || pattern.is_empty() {
                return None;
            }
            return Some(AutoAttach::UprobeMulti {
                binary: binary.into(),
                pattern: pattern.into(),
                retprobe,
            });
        }
    }
    for (prefix, retprobe) in [("kprobe", false), ("kretprobe", true)] {
        if let Some(r) = rest(section, &[prefix]) {
            let (symbol, offset) = symbol_offset(r)?;
            return Some(AutoAttach::Kprobe {
                symbol,
                offset,
                retprobe,
            });
        }
    }
    for (prefix, retprobe) in [("ksyscall", false), ("kretsyscall", true)] {
        if let Some(name) = rest(section, &[prefix]) {
            return (!name.is_empty()).then(|| AutoAttach::Ksyscall {
                name: name.into(),
                retprobe,
            });
        }
    }
    for (prefixes, retprobe) in [
        (["uprobe", "uprobe.s"], false),
        (["uretprobe", "uretprobe.s"], true),
    ] {
        if let Some(r) = rest(section, &prefixes) {
            // libbpf splits at the first ':' (binaries with ':' in their
            // path cannot be named in a section).
            let (binary, func) = r.split_once(':')?;
            if binary.is_empty() || func.is_empty() {
                return None;
            }
            let (symbol, offset) = match number(func) {
                Some(off) => (None, off),
                None => {
                    let (s, o) = symbol_offset(func)?;
                    (Some(s), o)
                }
            };
            return Some(AutoAttach::Uprobe {
                binary: binary.into(),
                symbol,
                offset,
                retprobe,
            });
        }
    }
    if let Some(r) = rest(section, &["usdt", "usdt.s"]) {
        // libbpf: `usdt/%m[^:]:%m[^:]:%m[^:]`, three non-empty fields (a
        // malformed one is not auto-attachable here; libbpf fails it).
        let mut it = r.splitn(3, ':');
        let (binary, provider) = (it.next()?, it.next()?);
        let name = it.next()?.split(':').next()?;
        if binary.is_empty() || provider.is_empty() || name.is_empty() {
            return None;
        }
        return Some(AutoAttach::Usdt {
            binary: binary.into(),
            provider: provider.into(),
            name: name.into(),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libbpf_conventions() {
        assert_eq!(
            parse("tp/syscalls/sys_enter_openat"),
            Some(AutoAttach::Tracepoint {
                category: "syscalls".into(),
                name: "sys_enter_openat".into()
            })
        );
        assert_eq!(parse("?tracepoint/a/b").map(|_| ()), Some(()));
        assert_eq!(parse("tp/syscalls"), None);
        assert_eq!(parse("tp"), None);
        assert_eq!(
            parse("raw_tp.w/sys_enter"),
            Some(AutoAttach::RawTracepoint {
                name: "sys_enter".into()
            })
        );
        assert_eq!(parse("tp_btf/sched_switch"), Some(AutoAttach::Tracing));
        assert_eq!(parse("fentry.s/do_unlinkat"), Some(AutoAttach::Tracing));
        assert_eq!(parse("lsm/file_open"), Some(AutoAttach::Tracing));
        assert_eq!(parse("iter/task"), Some(AutoAttach::Iter));
        assert_eq!(
            parse("kretprobe/do_sys_openat2+0x10"),
            Some(AutoAttach::Kprobe {
                symbol: "do_sys_openat2".into(),
                offset: 16,
                retprobe: true
            })
        );
        assert_eq!(parse("kprobe"), None);
        assert_eq!(parse("kprobe/f+zz"), None);
        assert_eq!(
            parse("kretsyscall/openat"),
            Some(AutoAttach::Ksyscall {
                name: "openat".into(),
                retprobe: true
            })
        );
        assert_eq!(
            parse("uretprobe.s//usr/lib/libc.so.6:malloc+4"),
            Some(AutoAttach::Uprobe {
                binary: "/usr/lib/libc.so.6".into(),
                symbol: Some("malloc".into()),
                offset: 4,
                retprobe: true
            })
        );
        assert_eq!(
            parse("uprobe/bash:0x1234"),
            Some(AutoAttach::Uprobe {
                binary: "bash".into(),
                symbol: None,
                offset: 0x1234,
                retprobe: false
            })
        );
        assert_eq!(
            parse("usdt.s//usr/lib/libc.so.6:libc:setjmp"),
            Some(AutoAttach::Usdt {
                binary: "/usr/lib/libc.so.6".into(),
                provider: "libc".into(),
                name: "setjmp".into()
            })
        );
        assert_eq!(parse("usdt/libc:p"), None);
        assert_eq!(parse("usdt/libc::n"), None);
        assert_eq!(
            parse("kretprobe.multi/tcp_*"),
            Some(AutoAttach::KprobeMulti {
                pattern: "tcp_*".into(),
                retprobe: true
            })
        );
        assert_eq!(parse("kprobe.multi"), None);
        assert_eq!(
            parse("uprobe.multi.s//bin/x:f?o*"),
            Some(AutoAttach::UprobeMulti {
                binary: "/bin/x".into(),
                pattern: "f?o*".into(),
                retprobe: false
            })
        );
        assert_eq!(parse("uretprobe.multi"), None);
        assert_eq!(
            parse("kprobe.session/__x64_sys_getp?id"),
            Some(AutoAttach::KprobeMulti {
                pattern: "__x64_sys_getp?id".into(),
                retprobe: false
            })
        );
        assert_eq!(parse("kprobe.session"), None);
        assert_eq!(
            parse("uprobe.session.s//proc/self/exe:f*"),
            Some(AutoAttach::UprobeMulti {
                binary: "/proc/self/exe".into(),
                pattern: "f*".into(),
                retprobe: false
            })
        );
        assert_eq!(parse("uprobe.session"), None);
        assert_eq!(parse("uprobe.session/bin"), None);
        assert_eq!(parse("uprobe.multi/bin"), None);
        assert_eq!(parse("uprobe"), None);
        assert_eq!(parse("uprobe/bash"), None);
        for s in [
            "xdp",
            "tc",
            "tcx/ingress",
            "socket",
            "perf_event",
            "cgroup/connect4",
            "cgroup_skb/egress",
            "sk_lookup",
            "syscall",
            "usdt",
        ] {
            assert_eq!(parse(s), None, "{s}");
        }
    }
}
