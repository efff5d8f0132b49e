//! USDT probes (`usdt/` programs), attached as libbpf does: for each site
//! of `provider:name` in a binary's `.note.stapsdt` notes, a uprobe at the
//! site's file offset whose BPF cookie is a spec id; the site's argument
//! spec is written at that id into the object's `__bpf_usdt_specs` map,
//! which libbpf's `usdt.bpf.h` (`bpf_usdt_arg`, `bpf_usdt_cookie`) reads.
//! A probe with a semaphore gets its `ref_ctr_offset`, so the kernel
//! counts the attachment in the traced process's semaphore.
//!
//! Spec ids are per loaded object (its `__bpf_usdt_specs` map), shared by
//! its programs: allocated lowest-free-first up to the map's
//! `max_entries`, one per distinct argument string within one attachment,
//! and returned when the attachment's [`Link`] drops.
//!
//! Deviations from libbpf 1.7, on purpose: one perf-event uprobe per site
//! (libbpf uses a `uprobe_multi` link where the kernel has one, and then
//! loads `usdt` programs with that expected attach type); no
//! `__bpf_usdt_ip_to_spec_id` fallback, so kernels without BPF cookies
//! (before 5.15) are refused with an error saying so; no `nop; nop5`
//! re-targeting for the uprobe syscall.

use std::collections::HashMap;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use super::elf;
use super::probe::{UprobeOptions, UprobeTarget};
use crate::error::{Error, Result, Subject};
use crate::link::Link;
use crate::map::Map;
use crate::obj::auto_attach::is_usdt;
use crate::obj::section::prog_type;
use crate::obj::stapsdt::{Notes, SpecLayout};
use crate::prog::Program;
use crate::sys;

/// The spec map `usdt.bpf.h` defines.
pub const SPECS_MAP: &str = "__bpf_usdt_specs";
/// `BPF_MAP_TYPE_ARRAY`.
const ARRAY: u32 = 2;
/// The uprobe PMU's format file for `ref_ctr_offset` (Linux 4.20).
const REF_CTR_FORMAT: &str = "/sys/bus/event_source/devices/uprobe/format/ref_ctr_offset";

/// The USDT state of one loaded object: its spec map and the spec ids in
/// use.
#[derive(Debug)]
pub(crate) struct Specs {
    /// A duplicate of the `__bpf_usdt_specs` map's fd.
    map: OwnedFd,
    map_type: u32,
    key_size: u32,
    value_size: u32,
    capacity: u32,
    ids: Mutex<Ids>,
}

#[derive(Debug, Default)]
struct Ids {
    next: u32,
    free: Vec<u32>,
}

impl Specs {
    fn layout(&self) -> Result<SpecLayout> {
        let layout = SpecLayout::from_value_size(self.value_size);
        match layout {
            Some(l) if self.map_type == ARRAY && self.key_size == 4 => Ok(l),
            _ => Err(Error::invalid(
                Subject::map(SPECS_MAP),
                format!(
                    "not the map of libbpf's usdt.bpf.h (an array with 4-byte keys and \
                     208-byte (libbpf <= 1.6) or 304-byte (libbpf 1.7) values): type {}, \
                     key size {}, value size {}",
                    self.map_type, self.key_size, self.value_size
                ),
            )),
        }
    }

    fn alloc(&self) -> Option<u32> {
        let mut ids = self.ids.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(id) = ids.free.pop() {
            return Some(id);
        }
        (ids.next < self.capacity).then(|| {
            ids.next += 1;
            ids.next - 1
        })
    }

    fn release(&self, id: u32) {
        self.ids
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .free
            .push(id);
    }
}

/// Spec ids held by one USDT attachment, returned to the object on drop
/// (after its uprobes are gone: [`Link`] drops them first).
#[derive(Debug)]
pub(crate) struct SpecIds {
    specs: Arc<Specs>,
    ids: Vec<u32>,
}

impl Drop for SpecIds {
    fn drop(&mut self) {
        for &id in &self.ids {
            self.specs.release(id);
        }
    }
}

/// Gives every loaded `usdt` program of a just-loaded object the object's
/// spec map (called by the loader). Objects without `__bpf_usdt_specs`
/// (no `usdt.bpf.h`) are left alone: `attach_usdt` then says what is
/// missing.
pub(crate) fn wire(maps: &[Map], progs: &mut [Program]) -> Result<()> {
    if !progs.iter().any(|p| p.is_loaded() && is_usdt(p.section())) {
        return Ok(());
    }
    let Some(m) = maps.iter().find(|m| m.name() == SPECS_MAP) else {
        return Ok(());
    };
    let map = m
        .as_fd()
        .try_clone_to_owned()
        .map_err(|e| Error::syscall("dup (USDT spec map)", Subject::map(SPECS_MAP), e))?;
    let specs = Arc::new(Specs {
        map,
        map_type: m.map_type(),
        key_size: m.key_size(),
        value_size: m.value_size(),
        capacity: m.max_entries(),
        ids: Mutex::new(Ids::default()),
    });
    for p in progs
        .iter_mut()
        .filter(|p| p.is_loaded() && is_usdt(p.section()))
    {
        p.usdt = Some(Arc::clone(&specs));
    }
    Ok(())
}

fn cookies_supported() -> bool {
    static COOKIE: OnceLock<bool> = OnceLock::new();
    *COOKIE.get_or_init(crate::externs::has_bpf_cookie)
}

impl Program {
    /// Attaches a `usdt` program to every site of USDT probe
    /// `provider:name` in `binary` (an executable or shared library; a bare
    /// name is searched as [`attach_uprobe`](Self::attach_uprobe) does),
    /// for process `pid` (`None`: every process using the binary). `cookie`
    /// is what the program's `bpf_usdt_cookie()` returns. The one [`Link`]
    /// holds a uprobe per site and frees the sites' spec ids when dropped.
    ///
    /// Fails, naming what, if the binary has no `.note.stapsdt` section or
    /// no such probe, if a site's argument spec is not one libbpf's
    /// `usdt.bpf.h` can read, if the object lacks `usdt.bpf.h`'s maps, or
    /// if the kernel lacks BPF cookies (Linux 5.15) or, for a probe with a
    /// semaphore, uprobe reference counters (Linux 4.20).
    pub fn attach_usdt(
        &self,
        pid: Option<i32>,
        binary: impl AsRef<Path>,
        provider: &str,
        name: &str,
        cookie: u64,
    ) -> Result<Link> {
        self.expect_type("attach_usdt", &[prog_type::KPROBE])?;
        self.attach_fd()?;
        let binary = binary.as_ref();
        let Some(specs) = self.usdt.as_ref() else {
            return Err(Error::invalid(
                self.subject(),
                if is_usdt(self.section()) {
                    format!(
                        "attach_usdt needs the object's `{SPECS_MAP}` map, which libbpf's \
                         <bpf/usdt.bpf.h> defines; the object has none"
                    )
                } else {
                    format!(
                        "attach_usdt needs a usdt program (section `usdt` or \
                         `usdt/BINARY:PROVIDER:NAME`); this one's section is `{}`",
                        self.section()
                    )
                },
            ));
        };
        let layout = specs.layout()?;
        if !cookies_supported() {
            return Err(Error::HookUnavailable {
                program: self.name().into(),
                hook: "USDT",
                message: "USDT attach needs BPF cookies on uprobes (Linux 5.15); this \
                          kernel has none, and the __bpf_usdt_ip_to_spec_id fallback is \
                          not implemented"
                    .into(),
            });
        }
        let file = || Subject::File(binary.to_path_buf());
        let path = elf::resolve_binary(binary).map_err(|m| Error::invalid(file(), m))?;
        let shown = path.display().to_string();
        let data = std::fs::read(&path).map_err(|e| Error::Io {
            path: path.clone(),
            source: e,
        })?;
        let probe = format!("{provider}:{name}");
        let explain = |e: crate::obj::Error| {
            let message = match e {
                crate::obj::Error::NotFound { .. } => format!(
                    "`{shown}` has no USDT probes (no {} section)",
                    crate::obj::stapsdt::NOTE_SECTION
                ),
                crate::obj::Error::Unsupported { location, feature } => {
                    format!("USDT probe {probe} in `{shown}`: {location}: unsupported {feature}")
                }
                other => format!("USDT probe {probe} in `{shown}`: {other}"),
            };
            Error::invalid(file(), message)
        };
        let notes = Notes::parse(&data).map_err(explain)?;
        let sites = notes.sites(provider, name).map_err(explain)?;
        if sites.is_empty() {
            let mut known: Vec<String> = notes
                .notes
                .iter()
                .map(|n| format!("{}:{}", n.provider, n.name))
                .collect();
            known.dedup();
            known.truncate(8);
            return Err(Error::invalid(
                file(),
                format!(
                    "`{shown}` has no USDT probe {probe} (its probes: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            ));
        }
        if sites.iter().any(|s| s.semaphore_offset != 0) && !Path::new(REF_CTR_FORMAT).exists() {
            return Err(Error::HookUnavailable {
                program: self.name().into(),
                hook: "USDT",
                message: format!(
                    "USDT probe {probe} in `{shown}` has a semaphore, and this kernel's \
                     uprobes cannot count references (no {REF_CTR_FORMAT}, Linux 4.20)"
                ),
            });
        }
        let pid = match pid {
            // SAFETY: getpid has no preconditions.
            Some(0) => Some(unsafe { libc::getpid() }),
            p => p,
        };
        // Dropped after `probes` on every path: ids are freed only once
        // their uprobes are detached.
        let mut held = SpecIds {
            specs: Arc::clone(specs),
            ids: Vec::new(),
        };
        let mut probes = Vec::with_capacity(sites.len());
        let mut by_args: HashMap<&str, u32> = HashMap::new();
        for site in &sites {
            let id = match by_args.get(site.note.args.as_str()) {
                Some(&id) => id,
                None => {
                    let id = specs.alloc().ok_or_else(|| {
                        Error::invalid(
                            Subject::map(SPECS_MAP),
                            format!(
                                "all {} USDT spec ids are in use (raise \
                                 BPF_USDT_MAX_SPEC_CNT before including usdt.bpf.h)",
                                specs.capacity
                            ),
                        )
                    })?;
                    held.ids.push(id);
                    let value = site.spec.encode(layout, cookie).map_err(explain)?;
                    // The layout was chosen from the map's value size, so
                    // `value` is exactly that long; the key is 4 bytes as
                    // checked by `layout()`.
                    if value.len() != specs.value_size as usize {
                        return Err(Error::invalid(
                            Subject::map(SPECS_MAP),
                            "spec size mismatch",
                        ));
                    }
                    // SAFETY: key is 4 bytes (the map's key size) and value
                    // exactly the map's value size (both checked above).
                    unsafe { sys::map_update(specs.map.as_fd(), &id.to_ne_bytes(), &value, 0) }
                        .map_err(|e| {
                            Error::syscall("BPF_MAP_UPDATE_ELEM", Subject::map(SPECS_MAP), e)
                        })?;
                    by_args.insert(site.note.args.as_str(), id);
                    id
                }
            };
            probes.push(self.attach_uprobe_with(
                pid,
                &path,
                UprobeTarget::Offset(site.file_offset),
                &UprobeOptions {
                    retprobe: Some(false),
                    cookie: u64::from(id),
                    ref_ctr_offset: site.semaphore_offset,
                },
            )?);
        }
        let what = format!(
            "`{}` on USDT {probe} in {shown} ({} site{})",
            self.name(),
            probes.len(),
            if probes.len() == 1 { "" } else { "s" }
        );
        Link::usdt(probes, held, what)
    }
}
