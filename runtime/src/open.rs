//! The open state: an object parsed and linked, nothing in the kernel yet.
//! Maps and programs can still be configured (max entries, exclusivity,
//! autoload, initial global data).

use std::borrow::Cow;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::error::{Error, Result, Subject};
use crate::hash::program_digest;
use crate::obj::maps::map_type;
use crate::obj::reloc::{link, LinkedProgram};
use crate::obj::{MapDef, ObjectFile, ProgramDef};

static NEXT_OBJECT_ID: AtomicU64 = AtomicU64::new(1);

/// A map before it is created.
#[derive(Debug, Clone)]
pub struct OpenMap {
    pub(crate) object_id: u64,
    pub(crate) index: usize,
    pub(crate) def: MapDef,
    pub(crate) exclusive: Option<(usize, String)>,
    pub(crate) reuse: Option<Arc<OwnedFd>>,
    pub(crate) pin_path: Option<std::path::PathBuf>,
}

/// Where libbpf pins `LIBBPF_PIN_BY_NAME` maps by default.
pub const DEFAULT_PIN_ROOT: &str = "/sys/fs/bpf";

impl OpenMap {
    fn subject(&self) -> Subject {
        Subject::map(self.name())
    }

    /// The map's name (symbol name, or section name for global data).
    pub fn name(&self) -> &str {
        &self.def.name
    }

    /// The definition as the object gives it, with any settings applied.
    pub fn def(&self) -> &MapDef {
        &self.def
    }

    /// The maximum number of entries the map will be created with.
    pub fn max_entries(&self) -> u32 {
        self.def.max_entries
    }

    /// Changes the number of entries (for ring buffers, the size in bytes,
    /// a power-of-two multiple of the page size).
    pub fn set_max_entries(&mut self, n: u32) -> Result<()> {
        if n == 0 {
            return Err(Error::invalid(
                self.subject(),
                "max_entries must be at least 1",
            ));
        }
        if self.def.is_data() {
            return Err(Error::invalid(
                self.subject(),
                "a global-data map always has exactly one entry",
            ));
        }
        self.def.max_entries = n;
        Ok(())
    }

    /// Records a new number of entries without checking it now; `load()`
    /// refuses 0 before any syscall. For generated skeletons, whose types
    /// already keep this setter off global-data maps.
    #[doc(hidden)]
    pub fn set_max_entries_deferred(&mut self, n: u32) {
        self.def.max_entries = n;
    }

    /// Makes the map exclusive to `prog`: at load it is created with the
    /// program's hash, and the kernel refuses every other program that
    /// references it. `prog` must belong to the same open object. A second
    /// call replaces the first.
    pub fn set_exclusive(&mut self, prog: &OpenProgram) -> Result<()> {
        if prog.object_id != self.object_id {
            return Err(Error::invalid(
                self.subject(),
                format!(
                    "program `{}` belongs to another object; a map can only be made \
                     exclusive to a program of its own object",
                    prog.name()
                ),
            ));
        }
        self.exclusive = Some((prog.index, prog.name().to_string()));
        Ok(())
    }

    /// Makes the map exclusive to the program with index `prog_index` and
    /// name `name` in the same object. For generated skeletons, whose types
    /// guarantee both come from the same object file.
    #[doc(hidden)]
    pub fn set_exclusive_by_index(&mut self, prog_index: usize, name: &str) {
        self.exclusive = Some((prog_index, name.to_string()));
    }

    /// Removes any exclusivity.
    pub fn clear_exclusive(&mut self) {
        self.exclusive = None;
    }

    /// The program this map is exclusive to, if any.
    pub fn exclusive_program(&self) -> Option<&str> {
        self.exclusive.as_ref().map(|(_, n)| n.as_str())
    }

    /// Uses an existing map instead of creating one (libbpf's
    /// `bpf_map__reuse_fd`): programs of this object will reference that
    /// map. The fd is duplicated; its type, key size, value size and max
    /// entries are checked against this definition at load. If the map is
    /// exclusive to a program of another object, the kernel refuses this
    /// object's programs that use it.
    pub fn reuse_fd(&mut self, fd: impl AsFd) -> Result<()> {
        let dup = fd
            .as_fd()
            .try_clone_to_owned()
            .map_err(|e| Error::syscall("dup", self.subject(), e))?;
        self.reuse = Some(Arc::new(dup));
        Ok(())
    }

    /// Pins the map at `path` (on a bpffs) at load, or with `None` not at
    /// all (libbpf's `bpf_map__set_pin_path`). If a map is already pinned
    /// there, load reuses it instead of creating one, after checking that
    /// its type, key size, value size and max entries match; otherwise it
    /// creates the map and pins it. Maps declared with
    /// `__uint(pinning, LIBBPF_PIN_BY_NAME)` start with
    /// `/sys/fs/bpf/<name>` (see [`OpenObject::set_pin_root`]). A reused
    /// map keeps the exclusivity it was created with.
    pub fn set_pin_path(&mut self, path: Option<impl Into<std::path::PathBuf>>) {
        self.pin_path = path.map(Into::into);
    }

    /// Where the map will be pinned, if anywhere.
    pub fn pin_path(&self) -> Option<&std::path::Path> {
        self.pin_path.as_deref()
    }

    /// The initial contents of a global-data map (`None` for other maps).
    /// An untouched `.bss` reads as zeroes without being stored.
    pub fn initial_value(&self) -> Option<Cow<'_, [u8]>> {
        if !self.def.is_data() {
            return None;
        }
        Some(match &self.def.initial_value {
            Some(v) => Cow::Borrowed(v.as_slice()),
            None => Cow::Owned(vec![0; self.def.value_size as usize]),
        })
    }

    /// Mutable access to the initial contents of a global-data map (for
    /// example to set `const volatile` configuration in `.rodata`). `None`
    /// for other maps.
    pub fn initial_value_mut(&mut self) -> Option<&mut [u8]> {
        if !self.def.is_data() {
            return None;
        }
        let size = self.def.value_size as usize;
        Some(self.def.initial_value.get_or_insert_with(|| vec![0; size]))
    }
}

/// A program before it is loaded.
#[derive(Debug, Clone)]
pub struct OpenProgram {
    pub(crate) object_id: u64,
    pub(crate) index: usize,
    pub(crate) def: ProgramDef,
    pub(crate) linked: LinkedProgram,
    pub(crate) hash: [u8; 32],
    pub(crate) autoload: bool,
    /// Strong externs the program uses that could not be resolved at open
    /// (name, why): refused when the program loads.
    pub(crate) unresolved: Vec<(String, String)>,
    /// Whether a skeleton's `attach()` attaches it (libbpf's autoattach).
    pub(crate) autoattach: bool,
}

impl OpenProgram {
    /// The program's name (its function's symbol name).
    pub fn name(&self) -> &str {
        &self.def.name
    }

    /// The ELF section it was defined in.
    pub fn section(&self) -> &str {
        &self.def.section
    }

    /// `enum bpf_prog_type`.
    pub fn prog_type(&self) -> u32 {
        self.def.kind.prog_type
    }

    /// Whether [`OpenObject::load`] loads it.
    pub fn autoload(&self) -> bool {
        self.autoload
    }

    /// Includes or excludes the program from loading.
    pub fn set_autoload(&mut self, autoload: bool) {
        self.autoload = autoload;
    }

    /// Whether a skeleton's `attach()` will attach it (default `true`).
    pub fn autoattach(&self) -> bool {
        self.autoattach
    }

    /// Includes or excludes the program from a skeleton's `attach()`
    /// (libbpf's `bpf_program__set_autoattach`); it can still be attached
    /// explicitly.
    pub fn set_autoattach(&mut self, autoattach: bool) {
        self.autoattach = autoattach;
    }

    /// The SHA-256 digest the kernel will compute for this program. Known
    /// before load: it depends only on the relocated instructions (ksym
    /// BTF ids and kallsyms addresses are resolved at open; map fds are
    /// not hashed). A typed ksym defined in a kernel module puts the
    /// module BTF's fd number into the instructions (as libbpf does), so
    /// that program's digest differs from process to process; the fd is
    /// held from open to load, so the digest reported here is still the
    /// one the kernel computes.
    ///
    /// On Linux 6.18 and later the kernel's program tag (`bpftool prog
    /// show`'s `tag`, `bpf_prog_info.tag`) is the first 8 bytes of this
    /// digest; earlier kernels compute the tag with SHA-1 over the same
    /// instructions, so there it is not a prefix of `hash()`.
    pub fn hash(&self) -> [u8; 32] {
        self.hash
    }

    /// The relocated program.
    pub fn linked(&self) -> &LinkedProgram {
        &self.linked
    }
}

/// What is shared by all parts of an open object besides its maps and
/// programs. Generated skeletons hold it while they own the parts.
#[derive(Debug, Clone)]
pub struct OpenCore {
    pub(crate) object_id: u64,
    pub(crate) file: ObjectFile,
    /// `CONFIG_*=value` lines given to [`OpenObject::set_kconfig`].
    pub(crate) kconfig: Vec<String>,
    /// Kernel module BTFs the programs' ksyms and kfuncs name, held open
    /// until load (their fd numbers are in the instructions).
    pub(crate) modules: crate::externs::ModuleFds,
    /// BTF kinds the kernel is taken to support instead of probing it
    /// ([`OpenObject::set_btf_features`]).
    pub(crate) btf_features: Option<crate::obj::btf::sanitize::BtfFeatures>,
}

impl OpenCore {
    /// [`OpenObject::set_kconfig`], for skeletons (which hold the core).
    pub fn set_kconfig(&mut self, name: &str, value: &str) -> Result<()> {
        let declared = self
            .file
            .externs
            .iter()
            .any(|e| e.is_kconfig() && e.name == name);
        if !declared || !name.starts_with("CONFIG_") || value.contains('\n') {
            return Err(Error::invalid(
                Subject::map(crate::obj::externs::KCONFIG_SEC),
                format!(
                    "`{name}` is not a CONFIG_* __kconfig extern of this object (or the value \
                     spans lines)"
                ),
            ));
        }
        self.kconfig.push(format!("{name}={value}"));
        Ok(())
    }
}

/// A parsed, relocated object: nothing is in the kernel yet.
#[derive(Debug, Clone)]
pub struct OpenObject {
    pub(crate) core: OpenCore,
    pub(crate) maps: Vec<OpenMap>,
    pub(crate) progs: Vec<OpenProgram>,
}

impl OpenObject {
    /// Parses and relocates an object from its bytes.
    pub fn from_bytes(data: &[u8]) -> Result<Self> {
        Self::from_file_model(ObjectFile::parse(data)?)
    }

    /// Reads, parses and relocates the object at `path`.
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<Self> {
        let path = path.as_ref();
        let data = std::fs::read(path).map_err(|source| Error::io(path, source))?;
        Self::from_bytes(&data)
    }

    /// Builds an open object from an already parsed model. CO-RE
    /// relocations, if any, are applied against the running kernel's BTF.
    pub fn from_file_model(file: ObjectFile) -> Result<Self> {
        if file.has_core_relos() {
            let target = crate::kernel_btf::target()?;
            Self::from_file_model_with_target(file, Some(&target))
        } else {
            Self::from_file_model_with_target(file, None)
        }
    }

    /// Like [`from_file_model`](Self::from_file_model), with the BTF to
    /// apply CO-RE relocations against (e.g. another kernel's vmlinux BTF).
    /// `None` with CO-RE relocations present is an error.
    pub fn from_file_model_with_target(
        mut file: ObjectFile,
        target: Option<&crate::obj::core::Target>,
    ) -> Result<Self> {
        match target {
            Some(t) => crate::obj::core::apply(&mut file, t)?,
            None if file.has_core_relos() => {
                return Err(Error::invalid(
                    Subject::Object,
                    "the object has CO-RE relocations but no target BTF was given",
                ))
            }
            None => {}
        }
        let object_id = NEXT_OBJECT_ID.fetch_add(1, Ordering::Relaxed);
        let maps = file
            .maps
            .iter()
            .enumerate()
            .map(|(index, def)| OpenMap {
                object_id,
                index,
                def: def.clone(),
                exclusive: None,
                reuse: None,
                pin_path: (def.pinning == 1)
                    .then(|| std::path::Path::new(DEFAULT_PIN_ROOT).join(&def.name)),
            })
            .collect();
        // Ksyms are resolved now, lazily reading the kernel's BTF or
        // kallsyms only if the object has such externs: their ids and
        // addresses are instructions, so part of the digest.
        let (ksyms, modules) = if file.externs.iter().any(|e| !e.is_kconfig()) {
            let k = crate::externs::resolve_ksyms(&file);
            (k.resolved, k.modules)
        } else {
            Default::default()
        };
        let resolutions: Vec<_> = ksyms
            .iter()
            .map(|r| {
                r.clone()
                    .unwrap_or(crate::obj::externs::Resolution::Missing)
            })
            .collect();
        let progs = file
            .programs
            .iter()
            .enumerate()
            .map(|(index, def)| {
                let mut linked = link(&file, index)?;
                crate::obj::externs::apply(&mut linked, &file.externs, &resolutions)?;
                let unresolved = linked
                    .externs_used
                    .iter()
                    .filter_map(|&e| match ksyms.get(e) {
                        Some(Err(why)) => Some((
                            file.externs
                                .get(e)
                                .map_or_else(String::new, |x| x.name.clone()),
                            why.clone(),
                        )),
                        _ => None,
                    })
                    .collect();
                Ok(OpenProgram {
                    object_id,
                    index,
                    hash: program_digest(&linked.insns),
                    autoload: def.kind.autoload,
                    autoattach: true,
                    def: def.clone(),
                    linked,
                    unresolved,
                })
            })
            .collect::<Result<_>>()?;
        Ok(OpenObject {
            core: OpenCore {
                object_id,
                file,
                kconfig: Vec::new(),
                modules,
                btf_features: None,
            },
            maps,
            progs,
        })
    }

    /// The parsed object model.
    pub fn file(&self) -> &ObjectFile {
        &self.core.file
    }

    /// All maps, in object order.
    pub fn maps(&self) -> &[OpenMap] {
        &self.maps
    }

    /// All programs, in object order.
    pub fn programs(&self) -> &[OpenProgram] {
        &self.progs
    }

    /// The map named `name`.
    pub fn map(&self, name: &str) -> Result<&OpenMap> {
        self.maps
            .iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| not_found("map", name))
    }

    /// The map named `name`, mutably.
    pub fn map_mut(&mut self, name: &str) -> Result<&mut OpenMap> {
        self.maps
            .iter_mut()
            .find(|m| m.name() == name)
            .ok_or_else(|| not_found("map", name))
    }

    /// The program named `name`.
    pub fn program(&self, name: &str) -> Result<&OpenProgram> {
        self.progs
            .iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| not_found("program", name))
    }

    /// The program named `name`, mutably.
    pub fn program_mut(&mut self, name: &str) -> Result<&mut OpenProgram> {
        self.progs
            .iter_mut()
            .find(|p| p.name() == name)
            .ok_or_else(|| not_found("program", name))
    }

    /// Makes map `map` exclusive to program `prog` (both by name).
    pub fn set_exclusive(&mut self, map: &str, prog: &str) -> Result<()> {
        let p = self.program(prog)?;
        let (index, name) = (p.index, p.name().to_string());
        self.map_mut(map)?.exclusive = Some((index, name));
        Ok(())
    }

    /// Moves every `LIBBPF_PIN_BY_NAME` map's pin path to `root/<name>`
    /// (libbpf's `pin_root_path` open option).
    pub fn set_pin_root(&mut self, root: impl AsRef<std::path::Path>) {
        for m in &mut self.maps {
            if m.def.pinning == 1 {
                m.pin_path = Some(root.as_ref().join(&m.def.name));
            }
        }
    }

    /// Includes or excludes program `prog` from loading.
    pub fn set_autoload(&mut self, prog: &str, autoload: bool) -> Result<()> {
        self.program_mut(prog)?.set_autoload(autoload);
        Ok(())
    }

    /// Sets a `__kconfig` extern's value before load, in Kconfig syntax
    /// (`"y"`, `"m"`, `"n"`, a number, or a quoted string such as
    /// `"\"abc\""`), as libbpf's `kconfig` open option: it takes precedence
    /// over the system's Kconfig. Only `CONFIG_*` externs can be set (the
    /// `LINUX_*` ones are computed), and only ones the object declares; the
    /// value is checked against the extern's type at load.
    pub fn set_kconfig(&mut self, name: &str, value: &str) -> Result<()> {
        self.core.set_kconfig(name, value)
    }

    /// Takes the kernel to support exactly the BTF kinds `features` says
    /// instead of probing it (libbpf's `FEAT_BTF_*` probes), so that the
    /// object's BTF is sanitized for what it lacks before `BPF_BTF_LOAD`,
    /// as libbpf does for old kernels. For testing the sanitization on a
    /// kernel that needs none, or for a kernel whose probes mislead.
    pub fn set_btf_features(&mut self, features: crate::obj::btf::sanitize::BtfFeatures) {
        self.core.btf_features = Some(features);
    }

    /// Splits the object into its shared core, maps and programs (for
    /// generated skeletons, which own each part in a typed field).
    pub fn into_parts(self) -> (OpenCore, Vec<OpenMap>, Vec<OpenProgram>) {
        (self.core, self.maps, self.progs)
    }

    /// Reassembles an object from [`into_parts`](Self::into_parts). Every
    /// map and program of the object must be given back exactly once.
    pub fn from_parts(core: OpenCore, maps: Vec<OpenMap>, progs: Vec<OpenProgram>) -> Result<Self> {
        let ok_maps = maps.len() == core.file.maps.len()
            && maps
                .iter()
                .enumerate()
                .all(|(i, m)| m.index == i && m.object_id == core.object_id);
        let ok_progs = progs.len() == core.file.programs.len()
            && progs
                .iter()
                .enumerate()
                .all(|(i, p)| p.index == i && p.object_id == core.object_id);
        if !ok_maps || !ok_progs {
            return Err(Error::invalid(
                Subject::Object,
                "parts given back do not match the object they came from",
            ));
        }
        Ok(OpenObject { core, maps, progs })
    }

    /// Checks, before any syscall, the settings the kernel would refuse
    /// with a bare errno: a map with 0 entries, and an exclusive map that an
    /// autoloaded program other than its designated program references.
    pub fn validate(&self) -> Result<()> {
        for map in &self.maps {
            let per_cpu_default = map.def.map_type == crate::obj::maps::map_type::PERF_EVENT_ARRAY;
            if map.def.max_entries == 0 && map.reuse.is_none() && !per_cpu_default {
                return Err(Error::invalid(
                    map.subject(),
                    "max_entries must be at least 1",
                ));
            }
        }
        for map in &self.maps {
            let Some((designated, ref designated_name)) = map.exclusive else {
                continue;
            };
            if self.progs.get(designated).is_none() {
                return Err(not_found("program", designated_name));
            }
            for p in &self.progs {
                if p.index != designated && p.autoload && p.linked.maps_used.contains(&map.index) {
                    return Err(Error::ExclusiveConflict {
                        map: map.name().to_string(),
                        designated: designated_name.clone(),
                        other: p.name().to_string(),
                    });
                }
            }
            if matches!(
                map.def.map_type,
                map_type::ARRAY_OF_MAPS | map_type::HASH_OF_MAPS
            ) {
                return Err(Error::invalid(
                    map.subject(),
                    "map-of-maps cannot be exclusive",
                ));
            }
        }
        Ok(())
    }
}

fn not_found(kind: &'static str, name: &str) -> Error {
    Error::NotFound(match kind {
        "map" => Subject::map(name),
        _ => Subject::program(name),
    })
}
