//! Loading: BTF, then maps (with exclusive program hashes), then programs.
//! Every kernel object is an [`OwnedFd`] from the moment it exists, so an
//! error at any step closes everything created before it.

use std::ffi::{CStr, CString};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use crate::error::{Error, Result, ReuseOrigin, Subject};
use crate::map::Map;
use crate::obj::btf::{Btf, Kind};
use crate::obj::insn::{encode, Insn, LD_IMM64, PSEUDO_MAP_FD};
use crate::obj::maps::{map_type, MapOrigin};
use crate::obj::section::AttachTarget;
use crate::obj::{MapDef, ProgramDef};
use crate::open::{OpenMap, OpenObject, OpenProgram};
use crate::prog::Program;
use crate::struct_ops::ProgTarget as StructOpsTarget;
use crate::sys::{self, MapCreateOpts, ProgLoadOpts};

/// Initial verifier log size; grown to what the kernel reports it needs.
const LOG_SIZE: usize = 1 << 20;
/// Largest verifier log we allocate (the kernel's own cap is UINT_MAX >> 2).
const MAX_LOG_SIZE: usize = 1 << 30;
/// The verifier's log line for a program refused by an exclusive map.
const EXCL_LOG_LINE: &str = "program's hash doesn't match map's excl_prog_hash";

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
            .ok_or_else(|| Error::NotFound(Subject::map(name)))
    }

    /// The program named `name`.
    pub fn program(&self, name: &str) -> Result<&Program> {
        self.progs
            .iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| Error::NotFound(Subject::program(name)))
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

/// A reused map asked to be exclusive: its exclusivity to *some* program
/// was proven by a probe; the designated program loading against it
/// completes the proof.
struct PendingProof {
    map: usize,
    program: usize,
    origin: ReuseOrigin,
}

impl OpenObject {
    /// Creates the maps and loads the autoloaded programs.
    ///
    /// Before any syscall, runs [`OpenObject::validate`]: exclusive maps
    /// used by another autoloaded program give
    /// [`Error::ExclusiveConflict`]. A verifier rejection returns
    /// [`Error::Verifier`] with the complete log.
    ///
    /// A map asked to be exclusive that already exists (pinned, or given to
    /// `reuse_fd`) is used only if it is proven exclusive to its program;
    /// otherwise the load fails with [`Error::ExclusiveReuse`].
    pub fn load(self) -> Result<Object> {
        self.validate()?;
        crate::probe::check_load(&self)?;
        let OpenObject {
            core,
            mut maps,
            mut progs,
        } = self;
        progs.iter_mut().for_each(OpenProgram::finalize_kind);
        let mut kconfig = crate::externs::fill_kconfig(&core, &mut maps)?;
        let ops = crate::struct_ops::prepare(core.file.btf.as_ref(), &mut maps)?;
        let file = core.file;
        // Held until every program is loaded: fd_array and typed module
        // ksyms name these fds.
        let modules = core.modules;

        // The BTF kinds this kernel accepts (probed, or as set), and the
        // object's BTF sanitized for the rest, as libbpf does. Probes that
        // fail (no CAP_BPF, say) sanitize nothing: loading the BTF then
        // fails with the error that names the cause.
        let features = match (core.btf_features, &file.btf) {
            (Some(f), _) => f,
            // Only the kinds this object's BTF uses are probed.
            (None, Some(b)) => {
                let needed = crate::obj::btf::sanitize::BtfFeatures::used_by(b.raw());
                crate::probe::btf_features_for(&needed)
                    .unwrap_or(crate::obj::btf::sanitize::BtfFeatures::ALL)
            }
            (None, None) => crate::obj::btf::sanitize::BtfFeatures::ALL,
        };
        let btf = match file.btf.as_ref() {
            Some(b) if features.btf => Some(load_btf(b, &features)?),
            _ => None,
        };
        let btf_fd = btf.as_ref().map(AsFd::as_fd);
        // As libbpf: programs get the object's BTF (func_info, line_info)
        // only from a kernel with BTF functions.
        let prog_btf_fd = btf_fd.filter(|_| features.func);

        let mut created = Vec::with_capacity(maps.len());
        // Pins made by this load, removed again if the load fails.
        let mut new_pins = NewPins(Vec::new());
        let mut proofs = Vec::new();
        for (index, m) in maps.into_iter().enumerate() {
            if let Some(kv) = ops.values.get(&index) {
                created.push(crate::struct_ops::create_map(m, btf_fd, kv)?);
                continue;
            }
            let designated = match &m.exclusive {
                Some((p, name)) => Some(
                    progs
                        .get(*p)
                        .ok_or_else(|| Error::NotFound(Subject::program(name)))?,
                ),
                None => None,
            };
            let made = create_map(m, btf_fd, designated, &mut new_pins)?;
            if let (Some(origin), Some(p)) = (made.reused, designated) {
                proofs.push(PendingProof {
                    map: created.len(),
                    program: p.index,
                    origin,
                });
            }
            created.push(made.map);
        }
        fill_slots(&created, None)?;

        let license = nul_terminated(&file.license);
        let mut loaded = Vec::with_capacity(progs.len());
        for p in progs {
            // As libbpf: a struct_ops program a struct_ops map points at is
            // loaded, whatever its autoload says.
            let ops_target = ops.programs.get(p.name()).copied();
            let (fd, log) = if p.autoload || ops_target.is_some() {
                crate::externs::check_program(&p, &file, &mut kconfig)?;
                let r = load_program(
                    &p,
                    &created,
                    prog_btf_fd,
                    &modules.fd_array,
                    &license,
                    file.kernel_version,
                    ops_target,
                );
                let r = r.map_err(|e| crate::externs::explain_missing_kfunc(e, &file));
                let (fd, log) =
                    r.map_err(|e| explain_exclusive_refusal(e, &p, &created, &proofs))?;
                (Some(fd), log)
            } else {
                (None, None)
            };
            loaded.push(Program {
                insn_count: p.linked.insns.len(),
                hash: p.hash(),
                def: p.def,
                fd,
                autoattach: p.autoattach,
                log,
                usdt: None,
            });
        }
        crate::attach::usdt::wire(&created, &mut loaded)?;
        fill_slots(&created, Some(&loaded))?;
        crate::struct_ops::fill_all(&mut created, &loaded);
        new_pins.0.clear();
        drop(modules);
        Ok(Object {
            maps: created,
            progs: loaded,
            btf,
        })
    }
}

/// `s` up to its first NUL, as a C string.
pub(crate) fn nul_terminated(s: &str) -> CString {
    let bytes = s.as_bytes();
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    CString::new(bytes.get(..end).unwrap_or_default()).unwrap_or_default()
}

fn log_text(buf: &[u8]) -> String {
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(buf.get(..end).unwrap_or_default()).into_owned()
}

/// A designated program refused because a reused map it was promised is
/// exclusive to another digest: say so, instead of a bare verifier error.
fn explain_exclusive_refusal(
    e: Error,
    p: &OpenProgram,
    maps: &[Map],
    proofs: &[PendingProof],
) -> Error {
    let refused = e
        .verifier_log()
        .is_some_and(|log| log.contains(EXCL_LOG_LINE));
    let proof = proofs
        .iter()
        .find(|pp| pp.program == p.index && p.linked.maps_used.contains(&pp.map));
    match (refused, proof) {
        (true, Some(pp)) => Error::ExclusiveReuse {
            map: maps
                .get(pp.map)
                .map_or_else(String::new, |m| m.name().to_string()),
            program: p.name().to_string(),
            origin: pp.origin.clone(),
            reason: "it is exclusive to a program with another digest: the kernel refused \
                     this program's hash"
                .to_string(),
        },
        _ => e,
    }
}

/// `BPF_BTF_LOAD` of the object's BTF, sanitized first (a rewritten
/// copy, type ids unchanged) if the kernel lacks a kind it may use.
fn load_btf(btf: &Btf, features: &crate::obj::btf::sanitize::BtfFeatures) -> Result<OwnedFd> {
    let sanitized;
    let raw = if features.needs_sanitization() {
        sanitized = crate::obj::btf::sanitize::sanitize(btf.raw(), features)?;
        &sanitized[..]
    } else {
        btf.raw()
    };
    let first = match sys::btf_load(raw, None) {
        Ok(fd) => return Ok(fd),
        Err((first, _)) => first,
    };
    if let Some(capability) = crate::caps::missing_for("BPF_BTF_LOAD", None, &first) {
        return Err(Error::MissingCapability {
            op: "BPF_BTF_LOAD",
            subject: Subject::Btf,
            capability,
            source: first,
        });
    }
    let mut log = vec![0u8; LOG_SIZE];
    match sys::btf_load(raw, Some(&mut log)) {
        Ok(fd) => Ok(fd),
        Err((e, _)) => Err(Error::Verifier {
            subject: Subject::Btf,
            source: if e.raw_os_error().is_some() { e } else { first },
            log: log_text(&log),
        }),
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

/// A map as [`create_map`] made or found it.
struct CreatedMap {
    map: Map,
    /// Where it came from, if it existed already.
    reused: Option<ReuseOrigin>,
}

/// Checks an existing map (a reused fd or a pinned map) against the
/// object's definition before anything touches it (no mmap, no update):
/// type, key size, value size, max entries, flags and `map_extra`, as
/// libbpf's reuse check. If the map was asked to be exclusive, proves it is
/// ([`prove_exclusive`]).
fn reuse_map(
    mut m: OpenMap,
    fd: OwnedFd,
    origin: ReuseOrigin,
    designated: Option<&OpenProgram>,
) -> Result<CreatedMap> {
    let info = crate::map::info_of(fd.as_fd())
        .map_err(|e| Error::syscall("BPF_OBJ_GET_INFO_BY_FD", Subject::map(m.name()), e))?;
    apply_defaults(&mut m.def)?;
    let def = &m.def;
    let checks: [(&'static str, u64, u64); 6] = [
        ("type", def.map_type.into(), info.map_type.into()),
        ("key size", def.key_size.into(), info.key_size.into()),
        ("value size", def.value_size.into(), info.value_size.into()),
        (
            "max entries",
            def.max_entries.into(),
            info.max_entries.into(),
        ),
        ("flags", def.map_flags.into(), info.map_flags.into()),
        ("map_extra", def.map_extra, info.map_extra),
    ];
    for (field, expected, found) in checks {
        if expected != found {
            return Err(Error::ReuseMismatch {
                map: m.name().to_string(),
                origin,
                field,
                expected,
                found,
            });
        }
    }
    if let Some(p) = designated {
        prove_exclusive(&m, fd.as_fd(), p, &origin)?;
    }
    let pin = match &origin {
        ReuseOrigin::Pin(path) => Some(path.clone()),
        ReuseOrigin::Fd => None,
    };
    let exclusive = designated.map(|p| p.name().to_string());
    let mut map = Map::new(m.def, fd, exclusive)?;
    map.pin_path = pin;
    Ok(CreatedMap {
        map,
        reused: Some(origin),
    })
}

/// The kernel cannot make an existing map exclusive, and no syscall reports
/// a map's exclusive hash, so the exclusivity of a reused map is proven,
/// never assumed: a probe program with a digest of its own must be refused
/// with the verifier's exclusive-map message (the map is exclusive to
/// *some* program), and the designated program must then load against it
/// (if it does not, the load fails naming the map). Anything else refuses
/// the load.
fn prove_exclusive(
    m: &OpenMap,
    fd: BorrowedFd<'_>,
    designated: &OpenProgram,
    origin: &ReuseOrigin,
) -> Result<()> {
    let refuse = |reason: String| Error::ExclusiveReuse {
        map: m.name().to_string(),
        program: designated.name().to_string(),
        origin: origin.clone(),
        reason,
    };
    if !designated.autoload {
        return Err(refuse(format!(
            "program `{}` is not loaded, so it cannot prove the existing map exclusive to it",
            designated.name()
        )));
    }
    // r1 = the map (ld_imm64, BPF_PSEUDO_MAP_FD); r0 = marker; exit. The
    // marker keeps the probe's digest apart from any real program's.
    let probe = [
        Insn {
            code: LD_IMM64,
            regs: (PSEUDO_MAP_FD << 4) | 1,
            off: 0,
            imm: fd.as_raw_fd(),
        },
        Insn {
            code: 0,
            regs: 0,
            off: 0,
            imm: 0,
        },
        Insn {
            code: 0xb7,
            regs: 0,
            off: 0,
            imm: 0x6578_636c,
        },
        Insn {
            code: 0x95,
            regs: 0,
            off: 0,
            imm: 0,
        },
    ];
    let raw = crate::prog::RawProgram {
        name: "excl_probe",
        prog_type: 1,
        expected_attach_type: None,
        insns: &probe,
        license: "GPL",
    };
    match Program::load_raw(&raw) {
        Ok(_probe) => Err(refuse(
            "it is not exclusive: a probe program with another digest was allowed to use it"
                .to_string(),
        )),
        Err(Error::Verifier { log, .. }) if log.contains(EXCL_LOG_LINE) => Ok(()),
        Err(e) => Err(refuse(format!("probing its exclusivity failed: {e}"))),
    }
}

/// What libbpf applies to a definition before creating (or comparing) a
/// map: a perf event array without max_entries gets one slot per possible
/// CPU, and a ring buffer's size is rounded up to a power-of-two multiple
/// of the page size; the same for a map-of-maps' inner template.
fn apply_defaults(def: &mut MapDef) -> Result<()> {
    if def.map_type == map_type::PERF_EVENT_ARRAY && def.max_entries == 0 {
        let cpus = sys::possible_cpus()
            .map_err(|e| Error::syscall("reading possible CPUs", Subject::map(&def.name), e))?;
        def.max_entries = u32::try_from(cpus).unwrap_or(u32::MAX);
    }
    if matches!(def.map_type, map_type::RINGBUF | map_type::USER_RINGBUF) {
        def.max_entries = ringbuf_size(def.max_entries, sys::page_size());
    }
    // A map-of-maps' inner template too (libbpf creates a ring buffer
    // template of 1000 bytes with 4096): the template map, and the inner
    // maps `create_inner` makes later, follow it.
    if let Some(inner) = def.inner.as_deref_mut() {
        apply_defaults(inner)?;
    }
    Ok(())
}

/// libbpf's ring buffer size rule: a size that is already a power-of-two
/// multiple of the page size is kept; any other becomes the smallest such
/// multiple above it; 0, or a size with no such multiple below `u32::MAX`,
/// is passed through for the kernel to refuse.
fn ringbuf_size(size: u32, page: usize) -> u32 {
    let Ok(page) = u32::try_from(page) else {
        return size;
    };
    if size == 0 || page == 0 {
        return size;
    }
    if size % page == 0 && (size / page).is_power_of_two() {
        return size;
    }
    let mut mul: u32 = 1;
    while let Some(bytes) = mul.checked_mul(page) {
        if bytes > size {
            return bytes;
        }
        let Some(next) = mul.checked_mul(2) else {
            break;
        };
        mul = next;
    }
    size
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
        inner_map_fd,
        btf_fd: btf_fd.filter(|_| with_btf),
        btf_key_type_id: if with_btf { def.btf_key_type_id } else { 0 },
        btf_value_type_id: if with_btf { def.btf_value_type_id } else { 0 },
        excl_prog_hash: hash,
        ..crate::map::create_opts(def)
    };
    match sys::map_create(&opts) {
        // As libbpf: a map the kernel refuses with its BTF types (say a
        // global-data map whose DATASEC was sanitized into a struct, which
        // the kernel takes only as a DATASEC) is created again without.
        Err(_) if with_btf => sys::map_create(&MapCreateOpts {
            btf_fd: None,
            btf_key_type_id: 0,
            btf_value_type_id: 0,
            ..opts
        }),
        r => r,
    }
    .map_err(|e| Error::syscall("BPF_MAP_CREATE", Subject::map(&def.name), e))
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
                        Error::invalid(m.subject(), format!("initial slot {slot}: no map `{name}`"))
                    })?,
                (SlotTarget::Program(name), Some(progs)) => progs
                    .iter()
                    .find(|p| p.name() == name)
                    .and_then(Program::fd)
                    .ok_or_else(|| {
                        Error::invalid(
                            m.subject(),
                            format!("initial slot {slot}: program `{name}` is not loaded"),
                        )
                    })?,
                _ => continue,
            };
            let raw = fd.as_raw_fd() as u32;
            m.update(&slot.to_ne_bytes(), &raw.to_ne_bytes(), 0)?;
        }
    }
    Ok(())
}

fn create_map(
    mut m: OpenMap,
    btf_fd: Option<BorrowedFd<'_>>,
    designated: Option<&OpenProgram>,
    new_pins: &mut NewPins,
) -> Result<CreatedMap> {
    if let Some(fd) = &m.reuse {
        let fd = fd
            .try_clone()
            .map_err(|e| Error::syscall("dup", Subject::map(m.name()), e))?;
        return reuse_map(m, fd, ReuseOrigin::Fd, designated);
    }
    if let Some(path) = &m.pin_path {
        match sys::obj_get(path) {
            Ok(fd) => {
                let origin = ReuseOrigin::Pin(path.clone());
                return reuse_map(m, fd, origin, designated);
            }
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {}
            Err(e) => return Err(Error::syscall("BPF_OBJ_GET", Subject::map(m.name()), e)),
        }
    }
    apply_defaults(&mut m.def)?;
    // A map-of-maps is created against a template of its inner maps,
    // closed again once the outer map exists.
    let template = match &m.def.inner {
        Some(inner) => Some(create_plain(inner, btf_fd, None, None)?),
        None => None,
    };
    let hash = designated.map(OpenProgram::hash);
    let fd = create_plain(
        &m.def,
        btf_fd,
        hash.as_ref(),
        template.as_ref().map(AsFd::as_fd),
    )?;
    drop(template);
    let def = &m.def;
    if let MapOrigin::Data { read_only } = &def.origin {
        // A new array map is zero-filled: only non-zero contents are written.
        if let Some(init) = def
            .initial_value
            .as_ref()
            .filter(|v| v.iter().any(|&b| b != 0))
        {
            if init.len() != def.value_size as usize {
                return Err(Error::SizeMismatch {
                    map: def.name.clone(),
                    what: "value",
                    expected: def.value_size as usize,
                    found: init.len(),
                });
            }
            let key = 0u32.to_ne_bytes();
            // SAFETY: a data map's key is a u32 (the 4-byte key data maps
            // are created with) and `init` is exactly its value size
            // (checked just above).
            unsafe { sys::map_update(fd.as_fd(), &key, init, 0) }.map_err(|e| {
                Error::syscall(
                    "BPF_MAP_UPDATE_ELEM (initial value)",
                    Subject::map(&def.name),
                    e,
                )
            })?;
        }
        if *read_only {
            sys::map_freeze(fd.as_fd())
                .map_err(|e| Error::syscall("BPF_MAP_FREEZE", Subject::map(&def.name), e))?;
        }
    }
    let pin = m.pin_path;
    let mut map = Map::new(m.def, fd, m.exclusive.map(|(_, n)| n))?;
    if let Some(path) = pin {
        map.pin(&path)?;
        new_pins.0.push(path);
    }
    Ok(CreatedMap { map, reused: None })
}

fn attach_btf_id(target: &AttachTarget, prog: &str) -> Result<u32> {
    let kernel = crate::kernel_btf::target()?;
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
                Subject::program(prog),
                format!("attach target `{name}` not found in the kernel's BTF"),
            )
        })
}

/// What keeps a program from loading that its section already says: as
/// libbpf, these fail the program's own load only (and only when it is
/// autoloaded), never the object's open.
fn loadable(
    def: &ProgramDef,
    btf_id_given: bool,
    struct_ops: Option<StructOpsTarget>,
) -> Result<()> {
    let kind = &def.kind;
    let refuse = |what: String| {
        Err(Error::Unsupported {
            subject: Subject::program(&def.name),
            what,
        })
    };
    match kind.prog_type {
        0 => refuse(format!(
            "its section `{}` follows none of libbpf's SEC() conventions, so it has no \
             program type",
            def.section
        )),
        27 if struct_ops.is_none() => refuse(
            "it is a struct_ops program that no struct_ops map of this object points at \
             (libbpf: \"isn't referenced anywhere\"): its kernel ops type and member are \
             known only from the map"
                .to_string(),
        ),
        28 => refuse(format!(
            "`{}` (freplace) needs a target BPF program to replace a function of, which \
             this loader cannot be given yet",
            def.section
        )),
        _ if kind.needs_btf_target && kind.attach_target.is_none() && !btf_id_given => {
            refuse(format!(
                "section `{}` names no attach target (as in `{}/<target>`)",
                def.section,
                def.section.trim_start_matches('?')
            ))
        }
        _ => Ok(()),
    }
}

fn load_program(
    p: &OpenProgram,
    maps: &[Map],
    btf_fd: Option<BorrowedFd<'_>>,
    fd_array: &[i32],
    license: &CStr,
    kern_version: u32,
    struct_ops: Option<StructOpsTarget>,
) -> Result<(OwnedFd, Option<String>)> {
    let mut insns = p.linked.insns.clone();
    for &(at, m) in &p.linked.map_slots {
        let map = maps.get(m).ok_or_else(|| {
            Error::invalid(Subject::program(p.name()), format!("map #{m} missing"))
        })?;
        if let Some(ins) = insns.get_mut(at) {
            ins.imm = map.fd.as_raw_fd();
        }
    }
    // The digest is a property of the submitted instructions: what hash()
    // reported and exclusive maps were created with must be what the kernel
    // will compute, or no exclusive map would name this program.
    // A digest not yet taken is this one (nothing has named it yet).
    let submitted = crate::hash::program_digest(&insns);
    let expected = *p.hash.get_or_init(|| submitted);
    if submitted != expected {
        return Err(Error::DigestMismatch {
            program: p.name().to_string(),
            expected,
            submitted,
        });
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
    let btf_id_override = p.attach_btf_id_override();
    loadable(&p.def, btf_id_override.is_some(), struct_ops)?;
    let expected = kind.expected_attach_type.unwrap_or(0);
    let (attach_btf_id, expected_attach_type) =
        match (struct_ops, btf_id_override, &kind.attach_target) {
            (Some(t), _, _) => (t.btf_id, t.member),
            (None, Some(id), _) => (id, expected),
            (None, None, Some(t)) => (attach_btf_id(t, p.name())?, expected),
            (None, None, None) => (0, expected),
        };
    let opts = ProgLoadOpts {
        prog_type: kind.prog_type,
        insns: &code,
        license,
        kern_version,
        prog_flags: kind.flags,
        name: p.name(),
        expected_attach_type,
        prog_btf_fd: btf_fd,
        func_info: &func_info,
        line_info: &line_info,
        attach_btf_id,
        fd_array,
        attach_btf_obj_fd: None,
    };
    let explain = |e| crate::core_failure::explain(e, &p.linked.core_failures);
    if p.log_level > 0 {
        return prog_load_with_log(&p.def, &opts, p.log_level, p.log_size)
            .map(|(fd, log)| (fd, Some(log)))
            .map_err(explain);
    }
    prog_load_logged(&p.def, &opts)
        .map(|fd| (fd, None))
        .map_err(explain)
}

/// `BPF_PROG_LOAD` of `def` with a verifier log at `level` from the first
/// attempt (a program's `set_log_level`): the log of a successful load is
/// returned with it. A log of `size` bytes (0: the default) that does not
/// fit fails the load with `ENOSPC`, as in libbpf.
fn prog_load_with_log(
    def: &ProgramDef,
    opts: &ProgLoadOpts<'_>,
    level: u32,
    size: usize,
) -> Result<(OwnedFd, String)> {
    // A size the caller chose is kept (ENOSPC if the log does not fit, as
    // libbpf); the default grows to what the kernel reports it needs.
    let grow = size == 0;
    let mut size = if grow {
        LOG_SIZE
    } else {
        size.min(MAX_LOG_SIZE)
    };
    loop {
        let mut log = vec![0u8; size];
        let (e, true_size) = match sys::prog_load(opts, Some((level, &mut log))) {
            Ok(fd) => return Ok((fd, log_text(&log))),
            Err(failed) => failed,
        };
        let needed = true_size as usize;
        let nospc = e.raw_os_error() == Some(libc::ENOSPC);
        if grow && nospc && needed > size && needed <= MAX_LOG_SIZE {
            size = needed;
            continue;
        }
        let op = "BPF_PROG_LOAD";
        if let Some(capability) = crate::caps::missing_for(op, Some(def.kind.prog_type), &e) {
            return Err(Error::MissingCapability {
                op,
                subject: Subject::program(&def.name),
                capability,
                source: e,
            });
        }
        let err = Error::Verifier {
            subject: Subject::program(&def.name),
            source: e,
            log: log_text(&log),
        };
        return Err(crate::attach::explain_load_refusal(def, err));
    }
}

/// `BPF_PROG_LOAD` of `def`: first without a log (the fast path), then, on
/// failure, with a log grown to what the kernel needs. A refusal for a
/// missing capability is [`Error::MissingCapability`]; any other is
/// [`Error::Verifier`] with the complete log.
pub(crate) fn prog_load_logged(def: &ProgramDef, opts: &ProgLoadOpts<'_>) -> Result<OwnedFd> {
    let subject = || Subject::program(&def.name);
    let first = match sys::prog_load(opts, None) {
        Ok(fd) => return Ok(fd),
        Err((e, _)) => e,
    };
    let op = "BPF_PROG_LOAD";
    if let Some(capability) = crate::caps::missing_for(op, Some(def.kind.prog_type), &first) {
        return Err(Error::MissingCapability {
            op,
            subject: subject(),
            capability,
            source: first,
        });
    }
    // Load again with a log, growing the buffer to what the kernel needed.
    let mut size = LOG_SIZE;
    loop {
        let mut log = vec![0u8; size];
        match sys::prog_load(opts, Some((1, &mut log))) {
            Ok(fd) => return Ok(fd),
            Err((e, true_size)) => {
                let needed = true_size as usize;
                let nospc = e.raw_os_error() == Some(libc::ENOSPC);
                if nospc && needed > size && needed <= MAX_LOG_SIZE {
                    size = needed;
                    continue;
                }
                let err = Error::Verifier {
                    subject: subject(),
                    source: if nospc { first } else { e },
                    log: log_text(&log),
                };
                return Err(crate::attach::explain_load_refusal(def, err));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_buffer_sizes_round_as_libbpf() {
        assert_eq!(ringbuf_size(1000, 4096), 4096);
        assert_eq!(ringbuf_size(4096, 4096), 4096);
        assert_eq!(ringbuf_size(4097, 4096), 8192);
        assert_eq!(ringbuf_size(3 * 4096, 4096), 4 * 4096);
        assert_eq!(ringbuf_size(256 * 1024, 4096), 256 * 1024);
        assert_eq!(ringbuf_size(0, 4096), 0);
        assert_eq!(ringbuf_size(u32::MAX, 4096), u32::MAX);
    }

    /// Instructions changed after the digest was taken (as a load-time
    /// patch would) are refused before `BPF_PROG_LOAD`: an exclusive map
    /// would otherwise name a program that does not exist.
    #[test]
    fn instructions_that_no_longer_hash_to_the_digest_are_refused() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/bpf/counter.bpf.o");
        let mut open = OpenObject::from_file(path).unwrap();
        let prog = open.program_mut("count_packets").unwrap();
        let hash = prog.hash();
        // `r0 = XDP_PASS` becomes `r0 = XDP_DROP`: a real, loadable change.
        let exit = prog.linked.insns.len() - 1;
        let mov = prog.linked.insns[..exit]
            .iter()
            .rposition(|i| i.code == 0xb7 && i.regs & 0x0f == 0)
            .expect("a mov to r0 before exit");
        prog.linked.insns[mov].imm ^= 1;
        match open.load().unwrap_err() {
            Error::DigestMismatch {
                program,
                expected,
                submitted,
            } => {
                assert_eq!(program, "count_packets");
                assert_eq!(expected, hash);
                assert_ne!(submitted, hash);
            }
            e => panic!("expected DigestMismatch, got {e}"),
        }
    }
}
