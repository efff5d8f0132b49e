//! Loading: BTF, then maps (with exclusive program hashes), then programs.
//! Every kernel object is an [`OwnedFd`] from the moment it exists, so an
//! error at any step closes everything created before it.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use crate::error::{Error, Result};
use crate::map::Map;
use crate::obj::btf::{Btf, Kind};
use crate::obj::insn::encode;
use crate::obj::maps::MapOrigin;
use crate::obj::section::AttachTarget;
use crate::open::{OpenMap, OpenObject, OpenProgram};
use crate::prog::Program;
use crate::sys::{self, MapCreateOpts, ProgLoadOpts};

/// Initial verifier log size; grown to what the kernel reports it needs.
const LOG_SIZE: usize = 1 << 20;
/// Largest verifier log we allocate (the kernel's own cap is UINT_MAX >> 2).
const MAX_LOG_SIZE: usize = 1 << 30;

/// A loaded object: every map created, every autoloaded program loaded.
#[derive(Debug)]
pub struct Object {
    maps: Vec<Map>,
    progs: Vec<Program>,
    /// The object's BTF in the kernel; kept so that tools (bpftool) can
    /// still show map and program types while the object lives.
    btf: Option<OwnedFd>,
}

impl Object {
    /// All maps, in object order.
    pub fn maps(&self) -> &[Map] {
        &self.maps
    }

    /// All programs, in object order (loaded or not).
    pub fn programs(&self) -> &[Program] {
        &self.progs
    }

    /// The map named `name`.
    pub fn map(&self, name: &str) -> Result<&Map> {
        self.maps
            .iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| Error::NotFound {
                kind: "map",
                name: name.to_string(),
            })
    }

    /// The program named `name`.
    pub fn program(&self, name: &str) -> Result<&Program> {
        self.progs
            .iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| Error::NotFound {
                kind: "program",
                name: name.to_string(),
            })
    }

    /// The object's BTF fd, if it had BTF.
    pub fn btf_fd(&self) -> Option<BorrowedFd<'_>> {
        self.btf.as_ref().map(AsFd::as_fd)
    }

    /// Splits the object into maps, programs and BTF fd, in object order
    /// (for generated skeletons).
    pub fn into_parts(self) -> (Vec<Map>, Vec<Program>, Option<OwnedFd>) {
        (self.maps, self.progs, self.btf)
    }
}

impl OpenObject {
    /// Creates the maps and loads the autoloaded programs.
    ///
    /// Before any syscall, runs [`OpenObject::validate`]: exclusive maps
    /// used by another autoloaded program give
    /// [`Error::ExclusiveConflict`]. A verifier
    /// rejection returns [`Error::Verifier`] with the complete log.
    pub fn load(self) -> Result<Object> {
        self.validate()?;
        crate::probe::check_load(&self)?;
        let OpenObject { core, maps, progs } = self;
        let file = core.file;

        let btf = match file.btf.as_ref() {
            Some(b) => Some(load_btf(b)?),
            None => None,
        };
        let btf_fd = btf.as_ref().map(AsFd::as_fd);

        let mut created = Vec::with_capacity(maps.len());
        // Pins made by this load, removed again if the load fails.
        let mut new_pins = NewPins(Vec::new());
        for m in maps {
            let hash = match &m.exclusive {
                Some((p, _)) => {
                    Some(
                        progs
                            .get(*p)
                            .map(|p| p.hash)
                            .ok_or_else(|| Error::NotFound {
                                kind: "program",
                                name: format!("#{p}"),
                            })?,
                    )
                }
                None => None,
            };
            created.push(create_map(m, btf_fd, hash.as_ref(), &mut new_pins)?);
        }
        fill_slots(&created, None)?;

        let license = nul_terminated(&file.license);
        let mut loaded = Vec::with_capacity(progs.len());
        for p in progs {
            let fd = if p.autoload {
                Some(load_program(
                    &p,
                    &created,
                    btf_fd,
                    &license,
                    file.kernel_version,
                )?)
            } else {
                None
            };
            loaded.push(Program {
                insn_count: p.linked.insns.len(),
                hash: p.hash,
                def: p.def,
                fd,
            });
        }
        fill_slots(&created, Some(&loaded))?;
        new_pins.0.clear();
        Ok(Object {
            maps: created,
            progs: loaded,
            btf,
        })
    }
}

fn nul_terminated(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    v
}

fn log_text(buf: &[u8]) -> String {
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(buf.get(..end).unwrap_or_default()).into_owned()
}

fn load_btf(btf: &Btf) -> Result<OwnedFd> {
    match sys::btf_load(btf.raw(), None) {
        Ok(fd) => Ok(fd),
        Err((first, _)) => {
            let mut log = vec![0u8; LOG_SIZE];
            match sys::btf_load(btf.raw(), Some(&mut log)) {
                Ok(fd) => Ok(fd),
                Err((e, _)) => Err(Error::Verifier {
                    target: "BTF".to_string(),
                    source: if e.raw_os_error().is_some() { e } else { first },
                    log: log_text(&log),
                }),
            }
        }
    }
}

/// Pin files created by a load in progress; dropping it (on an error
/// path) removes them, so a failed load leaves no pinned half-state.
struct NewPins(Vec<std::path::PathBuf>);

impl Drop for NewPins {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Wraps an existing map (a reused fd or a pinned map) after checking it
/// matches the object's definition.
fn reuse_map(m: OpenMap, fd: OwnedFd, origin: &str) -> Result<Map> {
    let pin = m.pin_path.clone();
    let mut map = Map::new(m.def, fd, None)?;
    map.pin_path = pin;
    let info = map.info()?;
    let def = &map.def;
    let want = (def.map_type, def.key_size, def.value_size, def.max_entries);
    let got = (
        info.map_type,
        info.key_size,
        info.value_size,
        info.max_entries,
    );
    if want != got {
        return Err(Error::invalid(
            map.name(),
            format!(
                "the {origin} (type, key size, value size, max entries) is {got:?}, \
                 the object defines {want:?}"
            ),
        ));
    }
    Ok(map)
}

/// `BPF_MAP_CREATE` for a definition.
fn create_plain(
    def: &crate::obj::MapDef,
    btf_fd: Option<BorrowedFd<'_>>,
    hash: Option<&[u8; 32]>,
    inner_map_fd: Option<BorrowedFd<'_>>,
) -> Result<OwnedFd> {
    use crate::obj::maps::map_type as mt;
    // The kernel accepts no BTF key/value types for these map types (their
    // map_check_btf refuses them); libbpf omits them too.
    let btf_allowed = !matches!(
        def.map_type,
        mt::PERF_EVENT_ARRAY
            | mt::CGROUP_ARRAY
            | mt::STACK_TRACE
            | mt::ARRAY_OF_MAPS
            | mt::HASH_OF_MAPS
            | mt::DEVMAP
            | mt::DEVMAP_HASH
            | mt::CPUMAP
            | mt::XSKMAP
            | mt::SOCKMAP
            | mt::SOCKHASH
            | mt::QUEUE
            | mt::STACK
    );
    // With BTF the kernel needs a value type (a key type alone is EINVAL).
    let with_btf = btf_allowed && def.btf_value_type_id != 0;
    let opts = MapCreateOpts {
        map_type: def.map_type,
        key_size: def.key_size,
        value_size: def.value_size,
        max_entries: def.max_entries,
        map_flags: def.map_flags,
        numa_node: def.numa_node,
        inner_map_fd,
        name: &def.name,
        btf_fd: btf_fd.filter(|_| with_btf),
        btf_key_type_id: if with_btf { def.btf_key_type_id } else { 0 },
        btf_value_type_id: if with_btf { def.btf_value_type_id } else { 0 },
        map_extra: def.map_extra,
        excl_prog_hash: hash,
    };
    sys::map_create(&opts).map_err(|e| Error::syscall("BPF_MAP_CREATE", &def.name, e))
}

/// Fills the initial slots of maps-of-maps (with `programs: None`) or of
/// program arrays (with the loaded programs).
fn fill_slots(maps: &[Map], programs: Option<&[Program]>) -> Result<()> {
    use crate::obj::maps::SlotTarget;
    for m in maps {
        for (slot, target) in &m.def.initial_slots {
            let fd = match (target, programs) {
                (SlotTarget::Map(name), None) => maps
                    .iter()
                    .find(|x| x.name() == name)
                    .map(|x| x.fd.as_fd())
                    .ok_or_else(|| {
                        Error::invalid(m.name(), format!("initial slot {slot}: no map `{name}`"))
                    })?,
                (SlotTarget::Program(name), Some(progs)) => progs
                    .iter()
                    .find(|p| p.name() == name)
                    .and_then(Program::fd)
                    .ok_or_else(|| {
                        Error::invalid(
                            m.name(),
                            format!("initial slot {slot}: program `{name}` is not loaded"),
                        )
                    })?,
                _ => continue,
            };
            let raw = std::os::fd::AsRawFd::as_raw_fd(&fd) as u32;
            m.update(&slot.to_ne_bytes(), &raw.to_ne_bytes(), 0)?;
        }
    }
    Ok(())
}

fn create_map(
    mut m: OpenMap,
    btf_fd: Option<BorrowedFd<'_>>,
    hash: Option<&[u8; 32]>,
    new_pins: &mut NewPins,
) -> Result<Map> {
    if let Some(fd) = &m.reuse {
        let fd = fd
            .try_clone()
            .map_err(|e| Error::syscall("dup", m.name(), e))?;
        return reuse_map(m, fd, "reused map");
    }
    if let Some(path) = &m.pin_path {
        match sys::obj_get(path) {
            Ok(fd) => {
                let origin = format!("map pinned at {}", path.display());
                return reuse_map(m, fd, &origin);
            }
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {}
            Err(e) => {
                let target = format!("{} (pinned at {})", m.name(), path.display());
                return Err(Error::syscall("BPF_OBJ_GET", target, e));
            }
        }
    }
    // As libbpf: a perf event array without max_entries gets one slot per
    // possible CPU.
    if m.def.map_type == crate::obj::maps::map_type::PERF_EVENT_ARRAY && m.def.max_entries == 0 {
        let cpus = sys::possible_cpus()
            .map_err(|e| Error::syscall("reading possible CPUs", m.name(), e))?;
        m.def.max_entries = u32::try_from(cpus).unwrap_or(u32::MAX);
    }
    // A map-of-maps is created against a template of its inner maps,
    // closed again once the outer map exists.
    let template = match &m.def.inner {
        Some(inner) => Some(create_plain(inner, btf_fd, None, None)?),
        None => None,
    };
    let fd = create_plain(&m.def, btf_fd, hash, template.as_ref().map(AsFd::as_fd))?;
    drop(template);
    let def = &m.def;
    if let MapOrigin::Data { read_only } = &def.origin {
        let key = 0u32.to_ne_bytes();
        // A new array map is zero-filled: only non-zero contents are written.
        if let Some(init) = def
            .initial_value
            .as_ref()
            .filter(|v| v.iter().any(|&b| b != 0))
        {
            sys::map_update(fd.as_fd(), &key, init, 0)
                .map_err(|e| Error::syscall("BPF_MAP_UPDATE_ELEM (initial value)", &def.name, e))?;
        }
        if *read_only {
            sys::map_freeze(fd.as_fd())
                .map_err(|e| Error::syscall("BPF_MAP_FREEZE", &def.name, e))?;
        }
    }
    let pin = m.pin_path;
    let mut map = Map::new(m.def, fd, m.exclusive.map(|(_, n)| n))?;
    if let Some(path) = pin {
        map.pin(&path)?;
        new_pins.0.push(path);
    }
    Ok(map)
}

fn attach_btf_id(target: &AttachTarget, prog: &str) -> Result<u32> {
    let kernel = crate::obj::core::Target::kernel()?;
    let (name, is_func) = target.btf_name();
    kernel
        .btf()
        .find(&name, |k| {
            if is_func {
                matches!(k, Kind::Func { .. })
            } else {
                matches!(k, Kind::Typedef(_))
            }
        })
        .ok_or_else(|| {
            Error::invalid(
                prog,
                format!("attach target `{name}` not found in the kernel's BTF"),
            )
        })
}

fn load_program(
    p: &OpenProgram,
    maps: &[Map],
    btf_fd: Option<BorrowedFd<'_>>,
    license: &[u8],
    kern_version: u32,
) -> Result<OwnedFd> {
    let mut insns = p.linked.insns.clone();
    for &(at, m) in &p.linked.map_slots {
        let map = maps
            .get(m)
            .ok_or_else(|| Error::invalid(p.name(), format!("map #{m} missing")))?;
        let fd = std::os::fd::AsRawFd::as_raw_fd(&map.fd);
        if let Some(ins) = insns.get_mut(at) {
            ins.imm = fd;
        }
    }
    let code = encode(&insns);
    let func_info: Vec<u8> = p
        .linked
        .func_info
        .iter()
        .flat_map(|f| [f.insn_off.to_ne_bytes(), f.type_id.to_ne_bytes()].concat())
        .collect();
    let line_info: Vec<u8> = p
        .linked
        .line_info
        .iter()
        .flat_map(|l| {
            [
                l.insn_off.to_ne_bytes(),
                l.file_name_off.to_ne_bytes(),
                l.line_off.to_ne_bytes(),
                l.line_col.to_ne_bytes(),
            ]
            .concat()
        })
        .collect();
    let kind = &p.def.kind;
    let attach_btf_id = match &kind.attach_target {
        Some(t) => attach_btf_id(t, p.name())?,
        None => 0,
    };
    let base = || ProgLoadOpts {
        prog_type: kind.prog_type,
        insns: &code,
        license,
        log_level: 0,
        log_buf: None,
        kern_version,
        prog_flags: kind.flags,
        name: p.name(),
        expected_attach_type: kind.expected_attach_type.unwrap_or(0),
        prog_btf_fd: btf_fd,
        func_info: &func_info,
        line_info: &line_info,
        attach_btf_id,
    };
    let first = match sys::prog_load(base()) {
        Ok(fd) => return Ok(fd),
        Err((e, _)) => e,
    };
    // Load again with a log, growing the buffer to what the kernel needed.
    let mut size = LOG_SIZE;
    loop {
        let mut log = vec![0u8; size];
        let opts = ProgLoadOpts {
            log_level: 1,
            log_buf: Some(&mut log),
            ..base()
        };
        match sys::prog_load(opts) {
            Ok(fd) => return Ok(fd),
            Err((e, true_size)) => {
                let needed = true_size as usize;
                if e.raw_os_error() == Some(libc::ENOSPC) && needed > size && needed <= MAX_LOG_SIZE
                {
                    size = needed;
                    continue;
                }
                let source = if e.raw_os_error() == Some(libc::ENOSPC) {
                    first
                } else {
                    e
                };
                return Err(Error::Verifier {
                    target: p.name().to_string(),
                    source,
                    log: log_text(&log),
                });
            }
        }
    }
}
