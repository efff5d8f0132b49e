//! struct_ops maps in the kernel: the value the kernel registers (its own
//! `struct bpf_struct_ops_<name>` wrapper around the ops struct, built from
//! the object's struct member by member), the struct_ops programs' load
//! targets, and registration ([`Map::attach_struct_ops`]).
//!
//! As libbpf: at load, the kernel's types are found in its BTF, each
//! member of the object's struct is matched by name to the kernel's (data
//! members copied, with equal sizes; function pointer members become the
//! fd of their program, loaded with `attach_btf_id` = the kernel struct
//! and `expected_attach_type` = the member's index); the map is created
//! with `btf_vmlinux_value_type_id` and left empty. Registration happens
//! at attach: the map update itself for `.struct_ops` maps (dropping the
//! handle deletes the element, which unregisters), `BPF_LINK_CREATE` for
//! `.struct_ops.link` maps.

use std::collections::BTreeMap;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use crate::error::{Error, Result, Subject};
use crate::link::Link;
use crate::map::Map;
use crate::obj::btf::{Btf, KindTag, TypeId};
use crate::obj::struct_ops::StructOps;
use crate::obj::MapDef;
use crate::open::OpenMap;
use crate::sys;

/// `BPF_STRUCT_OPS`, the attach type of a struct_ops link.
const ATTACH_STRUCT_OPS: u32 = 44;

/// The kernel value of one struct_ops map, built at load.
#[derive(Debug, Clone)]
pub(crate) struct KernelValue {
    /// The kernel's `struct bpf_struct_ops_<name>` id.
    value_type_id: TypeId,
    /// The value: data members copied, function pointer slots filled with
    /// program fds once the programs are loaded.
    value: Vec<u8>,
    /// (byte offset in `value`, program) of each function pointer.
    slots: Vec<(usize, String)>,
    /// Registered through a BPF link.
    link: bool,
}

/// Where a struct_ops program loads: the kernel ops struct and the index
/// of the member it implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ProgTarget {
    /// `attach_btf_id`: the kernel's ops struct.
    pub btf_id: TypeId,
    /// `expected_attach_type`: the member's index in that struct.
    pub member: u32,
}

/// Everything the loader needs for an object's struct_ops maps.
#[derive(Debug, Default)]
pub(crate) struct Prepared {
    /// By map index.
    pub values: BTreeMap<usize, KernelValue>,
    /// By program name.
    pub programs: BTreeMap<String, ProgTarget>,
}

fn refuse(map: &str, what: impl Into<String>) -> Error {
    Error::Unsupported {
        subject: Subject::map(map),
        what: what.into(),
    }
}

/// Builds the kernel value of every struct_ops map of `maps` (setting each
/// one's value size to the kernel's) and the load target of every program
/// their members point at. Reads the kernel's BTF only if there is such a
/// map.
pub(crate) fn prepare(obj_btf: Option<&Btf>, maps: &mut [OpenMap]) -> Result<Prepared> {
    let mut out = Prepared::default();
    if !maps.iter().any(|m| m.def.struct_ops.is_some()) {
        return Ok(out);
    }
    let kernel = crate::kernel_btf::target()?;
    for (index, m) in maps.iter_mut().enumerate() {
        let Some(ops) = m.def.struct_ops.as_deref() else {
            continue;
        };
        let obj_btf = obj_btf.ok_or_else(|| refuse(&m.def.name, "the object has no BTF"))?;
        let (kv, targets) = kernel_value(&m.def, ops, obj_btf, kernel.btf())?;
        for (prog, target) in targets {
            match out.programs.get(&prog) {
                Some(t) if *t != target => {
                    return Err(refuse(
                        &m.def.name,
                        format!(
                            "program `{prog}` implements kernel member #{} of this map's ops \
                             but member #{} of another struct_ops map's: a struct_ops program \
                             can serve one member of one ops type only",
                            target.member, t.member
                        ),
                    ))
                }
                _ => {
                    out.programs.insert(prog, target);
                }
            }
        }
        m.def.value_size = u32::try_from(kv.value.len()).unwrap_or(u32::MAX);
        out.values.insert(index, kv);
    }
    Ok(out)
}

/// The kernel value of one map (libbpf's `bpf_map__init_kern_struct_ops`).
fn kernel_value(
    def: &MapDef,
    ops: &StructOps,
    obj: &Btf,
    kb: &Btf,
) -> Result<(KernelValue, Vec<(String, ProgTarget)>)> {
    let name = &def.name;
    let tname = &ops.type_name;
    let vname = format!("bpf_struct_ops_{tname}");
    let is_struct = |k: &crate::obj::btf::Kind| matches!(k, crate::obj::btf::Kind::Struct { .. });
    let missing = |what: &str| {
        refuse(
            name,
            format!(
                "the running kernel's BTF has no `struct {what}`: this kernel does not offer \
                 `struct {tname}` as struct_ops (struct_ops types defined by kernel modules are \
                 not searched yet)"
            ),
        )
    };
    let vtype = kb.find(&vname, is_struct).ok_or_else(|| missing(&vname))?;
    let ktype = kb.find(tname, is_struct).ok_or_else(|| missing(tname))?;
    let kv = kb.view(vtype)?;
    let data_off = kv
        .members()
        .find(|m| m.ty == ktype)
        .map(|m| m.bit_offset as usize / 8)
        .ok_or_else(|| {
            refuse(
                name,
                format!("the kernel's `struct {vname}` has no member of type `struct {tname}`"),
            )
        })?;
    let mut value = vec![0u8; kv.size() as usize];
    let mut slots = Vec::new();
    let mut targets = Vec::new();
    let kt = kb.view(ktype)?;
    let ov = obj.view(ops.type_id)?;
    for (i, m) in ov.members().enumerate() {
        let mname = String::from_utf8_lossy(ov.string(m.name_off)?).into_owned();
        let mloc = |what: String| refuse(name, format!("member `{mname}`: {what}"));
        let moff = m.bit_offset as usize / 8;
        let msize = obj.size_of(m.ty)? as usize;
        let mdata = ops
            .data
            .get(moff..moff.saturating_add(msize))
            .ok_or_else(|| mloc("outside the struct's bytes".into()))?;
        let prog = ops.programs.get(i).cloned().flatten();
        let found = kt
            .members()
            .enumerate()
            .find(|(_, k)| kt.name_is(k.name_off, mname.as_bytes()));
        let Some((kidx, km)) = found else {
            if prog.is_some() || mdata.iter().any(|&b| b != 0) {
                return Err(mloc(format!(
                    "the kernel's `struct {tname}` has no such member, and the object sets it"
                )));
            }
            continue;
        };
        if m.bitfield_size != 0 || km.bitfield_size != 0 {
            return Err(mloc("bitfields are not supported (as in libbpf)".into()));
        }
        let kmoff = km.bit_offset as usize / 8;
        let (otag, ktag) = (
            obj.view(obj.resolve(m.ty)?)?.tag(),
            kb.view(kb.resolve(km.ty)?)?.tag(),
        );
        if otag != ktag {
            return Err(mloc(format!(
                "its type is a {otag:?} in the object but a {ktag:?} in the kernel"
            )));
        }
        if otag == KindTag::Ptr {
            let Some(prog) = prog else { continue };
            let target = kb
                .view(kb.resolve(km.ty)?)?
                .referenced()
                .unwrap_or_default();
            if kb.view(kb.resolve(target)?)?.tag() != KindTag::FuncProto {
                return Err(mloc(format!(
                    "points at program `{prog}` but is not a function pointer in the kernel"
                )));
            }
            slots.push((data_off + kmoff, prog.clone()));
            targets.push((
                prog,
                ProgTarget {
                    btf_id: ktype,
                    member: kidx as u32,
                },
            ));
            continue;
        }
        let ksize = kb.size_of(km.ty)? as usize;
        if ksize != msize {
            return Err(mloc(format!(
                "{msize} bytes in the object but {ksize} in the kernel"
            )));
        }
        let at = data_off + kmoff;
        value
            .get_mut(at..at + ksize)
            .ok_or_else(|| mloc("outside the kernel's value".into()))?
            .copy_from_slice(mdata);
    }
    Ok((
        KernelValue {
            value_type_id: vtype,
            value,
            slots,
            link: ops.link,
        },
        targets,
    ))
}

/// `BPF_MAP_CREATE` of a struct_ops map: the object's BTF, no key or value
/// type ids, the kernel's value type id.
pub(crate) fn create(
    def: &MapDef,
    btf_fd: Option<BorrowedFd<'_>>,
    kv: &KernelValue,
) -> Result<OwnedFd> {
    let opts = sys::MapCreateOpts {
        map_type: def.map_type,
        key_size: def.key_size,
        value_size: def.value_size,
        max_entries: def.max_entries,
        map_flags: def.map_flags,
        name: &def.name,
        btf_fd,
        btf_vmlinux_value_type_id: kv.value_type_id,
        ..Default::default()
    };
    sys::map_create(&opts).map_err(|e| {
        if kv.link && e.raw_os_error() == Some(libc::EINVAL) && !links_supported() {
            return Error::KernelLacks {
                requested: format!(
                    "struct_ops map `{}` in section `.struct_ops.link`",
                    def.name
                ),
                feature: "struct_ops links (BPF_F_LINK)",
                minimum: "6.4",
                kernel: crate::probe::kernel_release(),
            };
        }
        Error::syscall("BPF_MAP_CREATE", Subject::map(&def.name), e)
    })
}

/// Creates a struct_ops map of an object being loaded, keeping its kernel
/// value for [`Map::attach_struct_ops`]. Such a map cannot be reused or
/// pinned before load (its value would not be this object's).
pub(crate) fn create_map(
    m: OpenMap,
    btf_fd: Option<BorrowedFd<'_>>,
    kv: &KernelValue,
) -> Result<Map> {
    if m.reuse.is_some() || m.pin_path.is_some() || m.exclusive.is_some() {
        return Err(refuse(
            &m.def.name,
            "a struct_ops map cannot reuse an existing map, be pinned at load or be exclusive",
        ));
    }
    let fd = create(&m.def, btf_fd, kv)?;
    let mut map = Map::new(m.def, fd, None)?;
    map.struct_ops = Some(kv.clone());
    Ok(map)
}

/// [`fill`] for every map, with the fds of the loaded `programs`.
pub(crate) fn fill_all(maps: &mut [Map], programs: &[crate::prog::Program]) {
    if !maps.iter().any(|m| m.struct_ops.is_some()) {
        return;
    }
    let fds: BTreeMap<&str, BorrowedFd<'_>> = programs
        .iter()
        .filter_map(|p| Some((p.name(), p.fd()?)))
        .collect();
    for m in maps {
        fill(m, &fds);
    }
}

/// Whether the running kernel is 6.4 or later (struct_ops links).
fn links_supported() -> bool {
    let release = crate::probe::kernel_release();
    let mut it = release
        .split(|c: char| !c.is_ascii_digit())
        .map(|n| n.parse::<u32>().unwrap_or(0));
    let (major, minor) = (it.next().unwrap_or(0), it.next().unwrap_or(0));
    (major, minor) >= (6, 4)
}

/// Writes the loaded programs' fds into the function pointer slots of the
/// value kept with `map`. A program that did not load leaves its map
/// unregistrable: attaching says which.
fn fill(map: &mut Map, fds: &BTreeMap<&str, BorrowedFd<'_>>) {
    let Some(kv) = map.struct_ops.as_mut() else {
        return;
    };
    for (at, prog) in &kv.slots {
        let fd = fds.get(prog.as_str()).map_or(0, |fd| fd.as_raw_fd() as u64);
        if let Some(slot) = kv.value.get_mut(*at..*at + 8) {
            slot.copy_from_slice(&fd.to_ne_bytes());
        }
    }
}

impl Map {
    /// Registers a struct_ops map with the kernel (libbpf's
    /// `bpf_map__attach_struct_ops`): for a `.struct_ops.link` map, the
    /// value is written and a BPF link created (dropping the [`Link`]
    /// unregisters); for a `.struct_ops` map, writing the value registers
    /// it, and dropping the returned handle deletes the value, which
    /// unregisters (the handle is not a BPF link: it cannot be pinned).
    pub fn attach_struct_ops(&self) -> Result<Link> {
        let name = self.name();
        let Some(kv) = self.struct_ops.as_ref() else {
            return Err(Error::invalid(
                Subject::map(name),
                format!(
                    "a {} map, not a struct_ops map: only struct_ops maps attach",
                    crate::obj::maps::map_type::name(self.map_type())
                ),
            ));
        };
        let what = format!("struct_ops map `{name}`");
        if let Some((_, prog)) = kv.slots.iter().find(|(at, _)| {
            kv.value
                .get(*at..*at + 8)
                .is_none_or(|b| b.iter().all(|&x| x == 0))
        }) {
            return Err(Error::invalid(
                Subject::map(name),
                format!("its program `{prog}` is not loaded, so the map cannot be registered"),
            ));
        }
        if kv.value.len() != self.value_size() as usize {
            return Err(Error::SizeMismatch {
                map: name.to_string(),
                what: "value",
                expected: self.value_size() as usize,
                found: kv.value.len(),
            });
        }
        let key = 0u32.to_ne_bytes();
        // SAFETY: a struct_ops map has a 4-byte key and its value size is
        // exactly `kv.value.len()` (checked above).
        let updated = unsafe { sys::map_update(self.fd.as_fd(), &key, &kv.value, 0) };
        match updated {
            Ok(()) => {}
            // A link map's value was written before (by an earlier attach):
            // the kernel never changes it again, so it is the same value.
            Err(e) if kv.link && e.raw_os_error() == Some(libc::EBUSY) => {}
            Err(e) => return Err(register_failed(&what, kv, e)),
        }
        if !kv.link {
            let dup = self
                .fd
                .try_clone()
                .map_err(|e| Error::syscall("dup", Subject::map(name), e))?;
            return Ok(Link::struct_ops_map(dup, what));
        }
        let fd = sys::link_create(
            self.fd.as_fd(),
            0,
            ATTACH_STRUCT_OPS,
            0,
            sys::LinkExtra::None,
        )
        .map_err(|e| register_failed(&what, kv, e))?;
        Ok(Link::bpf(fd, what))
    }
}

impl Link {
    /// Replaces the struct_ops map this struct_ops link registered by
    /// `map` (libbpf's `bpf_link__update_map`), with no moment where
    /// neither is registered. `map` must be a `.struct_ops.link` map of the
    /// same ops type; the kernel may require more (a TCP congestion control
    /// must keep its name).
    pub fn update_struct_ops_map(&self, map: &Map) -> Result<()> {
        let what = format!(
            "{} (new struct_ops map `{}`)",
            self.description(),
            map.name()
        );
        let kv = match map.struct_ops.as_ref() {
            Some(kv) if kv.link && self.is_bpf_link() => kv,
            _ => {
                return Err(Error::invalid(
                    Subject::Link(what),
                    "both the link and the new map must be struct_ops links: a link made by \
                     `attach_struct_ops` and a map of a `.struct_ops.link` section",
                ))
            }
        };
        let key = 0u32.to_ne_bytes();
        // SAFETY: a struct_ops map has a 4-byte key; its value size is the
        // kernel value's length (set at load from the same value).
        let updated = unsafe { sys::map_update(map.fd.as_fd(), &key, &kv.value, 0) };
        match updated {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) => {}
            Err(e) => return Err(register_failed(&what, kv, e)),
        }
        // `new_map_fd` shares `new_prog_fd`'s place in `link_update`.
        sys::link_update(self.as_fd(), map.fd.as_fd()).map_err(|e| Error::AttachFailed {
            what,
            op: "BPF_LINK_UPDATE",
            reason: match e.raw_os_error() {
                Some(libc::EINVAL) => {
                    "the kernel refused the new map: another ops type, a map without \
                     BPF_F_LINK, or ops the subsystem cannot swap in (a TCP congestion \
                     control must keep its name)"
                        .into()
                }
                _ => String::new(),
            },
            source: e,
        })
    }
}

fn register_failed(what: &str, kv: &KernelValue, e: std::io::Error) -> Error {
    let op = if kv.link && e.raw_os_error() != Some(libc::EEXIST) {
        "BPF_LINK_CREATE"
    } else {
        "BPF_MAP_UPDATE_ELEM"
    };
    let reason = match e.raw_os_error() {
        Some(libc::EEXIST) => {
            "the kernel already has ops registered under this name (another struct_ops map \
             or a built-in with the same `name`)"
        }
        Some(libc::EPERM) => {
            "the kernel refused to register the ops (EPERM): struct_ops need BPF trampolines \
             (a JIT with trampoline support) and CAP_BPF with CAP_NET_ADMIN or CAP_SYS_ADMIN"
        }
        Some(libc::EINVAL) => {
            "the kernel's checks of the ops failed (e.g. a required member is missing or a \
             name is invalid)"
        }
        _ => "",
    };
    Error::AttachFailed {
        what: what.to_string(),
        op,
        reason: reason.into(),
        source: e,
    }
}
