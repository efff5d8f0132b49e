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
use crate::options::OpenOptions;

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
    /// For a global-data map: how its value can be resized, (offset of its
    /// last variable, that array's element size), or why it cannot.
    pub(crate) resize: Option<std::result::Result<(u32, u32), String>>,
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

    fn refuse_data(&self, what: &str) -> Result<()> {
        if self.def.is_data() {
            return Err(Error::invalid(
                self.subject(),
                format!(
                    "a global-data map's {what} is fixed (its programs and global variables \
                     depend on it)"
                ),
            ));
        }
        Ok(())
    }

    /// `enum bpf_map_type`.
    pub fn map_type(&self) -> u32 {
        self.def.map_type
    }

    /// Changes the map's type (libbpf's `bpf_map__set_type`). Refused for
    /// global-data maps, whose variables are accessed as an array's value.
    /// Changing a map-of-maps into another type drops its inner template.
    pub fn set_type(&mut self, map_type: u32) -> Result<()> {
        self.refuse_data("type")?;
        if !is_map_of_maps(map_type) {
            self.def.inner = None;
        }
        self.def.map_type = map_type;
        Ok(())
    }

    /// Key size in bytes.
    pub fn key_size(&self) -> u32 {
        self.def.key_size
    }

    /// Changes the key size (libbpf's `bpf_map__set_key_size`). Refused for
    /// global-data maps (their key is a `u32`). A size other than the
    /// object's drops the map's BTF key and value types, which no longer
    /// describe it (libbpf retries map creation without them).
    pub fn set_key_size(&mut self, size: u32) -> Result<()> {
        self.refuse_data("key size")?;
        if size != self.def.key_size {
            self.drop_btf_types();
        }
        self.def.key_size = size;
        Ok(())
    }

    /// Value size in bytes.
    pub fn value_size(&self) -> u32 {
        self.def.value_size
    }

    /// Changes the value size (libbpf's `bpf_map__set_value_size`), e.g. a
    /// stack-trace map's frames. A size other than the object's drops the
    /// map's BTF key and value types, which no longer describe it.
    ///
    /// For a global-data map this resizes the section, as libbpf does: only
    /// if its last variable is an array, and only to a size that ends on a
    /// whole element of it (`size - offset` a multiple of the element
    /// size); the initial value is cut or zero-extended. libbpf also
    /// rewrites the section's BTF; this loader creates the resized map
    /// without BTF types instead (libbpf's own fallback), so the kernel
    /// does not see the section's variables in `bpftool map dump`. Not
    /// available on a skeleton's typed data map (its section struct has a
    /// fixed size).
    pub fn set_value_size(&mut self, size: u32) -> Result<()> {
        if size == 0 {
            return Err(Error::invalid(
                self.subject(),
                "value size must be at least 1",
            ));
        }
        if let Some(rule) = &self.resize {
            let (offset, elem) = rule.clone().map_err(|why| {
                Error::invalid(self.subject(), format!("cannot be resized: {why}"))
            })?;
            let fits = size
                .checked_sub(offset)
                .is_some_and(|tail| elem != 0 && tail % elem == 0);
            if !fits {
                return Err(Error::invalid(
                    self.subject(),
                    format!(
                        "cannot be resized to {size} bytes: its last variable is an array of \
                         {elem}-byte elements at offset {offset}, so the size must be {offset} \
                         plus a multiple of {elem}"
                    ),
                ));
            }
            if let Some(v) = &mut self.def.initial_value {
                v.resize(size as usize, 0);
            }
        }
        if size != self.def.value_size {
            self.drop_btf_types();
        }
        self.def.value_size = size;
        Ok(())
    }

    fn drop_btf_types(&mut self) {
        self.def.btf_key_type_id = 0;
        self.def.btf_value_type_id = 0;
    }

    /// `map_flags`.
    pub fn map_flags(&self) -> u32 {
        self.def.map_flags
    }

    /// Replaces the map's flags (libbpf's `bpf_map__set_map_flags`), e.g.
    /// `BPF_F_NO_PREALLOC`. A global-data map's `BPF_F_MMAPABLE` (and
    /// `BPF_F_RDONLY_PROG` for `.rodata`) cannot be removed: its variables
    /// are read through the mapping.
    pub fn set_map_flags(&mut self, flags: u32) -> Result<()> {
        if self.def.is_data() {
            let kept = self.def.map_flags & (MMAPABLE | RDONLY_PROG);
            if flags & kept != kept {
                return Err(Error::invalid(
                    self.subject(),
                    format!(
                        "a global-data map keeps its flags {kept:#x} (BPF_F_MMAPABLE, and \
                         BPF_F_RDONLY_PROG for read-only sections)"
                    ),
                ));
            }
        }
        self.def.map_flags = flags;
        Ok(())
    }

    /// The NUMA node, meaningful when `BPF_F_NUMA_NODE` is set.
    pub fn numa_node(&self) -> u32 {
        self.def.numa_node
    }

    /// Creates the map on NUMA node `node` (libbpf's
    /// `bpf_map__set_numa_node`). Unlike libbpf, which leaves it to the
    /// caller, this also sets `BPF_F_NUMA_NODE` in the flags, without which
    /// the kernel ignores the node.
    pub fn set_numa_node(&mut self, node: u32) {
        self.def.numa_node = node;
        self.def.map_flags |= NUMA_NODE;
    }

    /// `map_extra` (bloom filter hash count, arena address).
    pub fn map_extra(&self) -> u64 {
        self.def.map_extra
    }

    /// Sets `map_extra` (libbpf's `bpf_map__set_map_extra`).
    pub fn set_map_extra(&mut self, extra: u64) {
        self.def.map_extra = extra;
    }

    /// Sets the template inner maps of a map-of-maps must match (what
    /// `__array(values, ...)` declares): at load, a map of this shape is
    /// created, passed as the outer map's `inner_map_fd` and closed again.
    /// `spec.excl_prog_hash` must be `None`. Refused for other map types.
    pub fn set_inner_map(&mut self, spec: &crate::map::MapSpec) -> Result<()> {
        if !is_map_of_maps(self.def.map_type) {
            return Err(Error::invalid(
                self.subject(),
                "only a map-of-maps (array or hash of maps) has an inner map",
            ));
        }
        if spec.excl_prog_hash.is_some() {
            return Err(Error::invalid(
                self.subject(),
                "an inner map template cannot be exclusive",
            ));
        }
        let mut inner = self.def.inner.as_deref().cloned().unwrap_or_else(|| {
            let mut d = self.def.clone();
            d.inner = None;
            d.initial_slots = Vec::new();
            d.initial_value = None;
            d.pinning = 0;
            d
        });
        inner.name.clone_from(&spec.name);
        inner.map_type = spec.map_type;
        inner.key_size = spec.key_size;
        inner.value_size = spec.value_size;
        inner.max_entries = spec.max_entries;
        inner.map_flags = spec.map_flags;
        inner.map_extra = spec.map_extra;
        inner.numa_node = 0;
        inner.btf_key_type_id = 0;
        inner.btf_value_type_id = 0;
        self.def.inner = Some(Box::new(inner));
        Ok(())
    }

    /// Replaces the initial contents of a global-data map (libbpf's
    /// `bpf_map__set_initial_value`): `data` must be exactly its value
    /// size. Refused for other maps and for `.kconfig`, whose value is
    /// computed at load.
    pub fn set_initial_value(&mut self, data: &[u8]) -> Result<()> {
        if !self.def.is_data() || self.def.name == crate::obj::externs::KCONFIG_SEC {
            return Err(Error::invalid(
                self.subject(),
                "only a global-data map (.data, .rodata, .bss, custom sections) has an initial \
                 value to set",
            ));
        }
        if data.len() != self.def.value_size as usize {
            return Err(Error::SizeMismatch {
                map: self.name().to_string(),
                what: "value",
                expected: self.def.value_size as usize,
                found: data.len(),
            });
        }
        self.def.initial_value = Some(data.to_vec());
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
    /// The digest, taken when first asked for ([`Self::hash`], an
    /// exclusive map's creation) or by the load itself: a fresh process
    /// that never asks hashes each program once, not twice.
    pub(crate) hash: std::sync::OnceLock<[u8; 32]>,
    pub(crate) autoload: bool,
    /// Strong externs the program uses that could not be resolved at open
    /// (name, why): refused when the program loads.
    pub(crate) unresolved: Vec<(String, String)>,
    /// Whether a skeleton's `attach()` attaches it (libbpf's autoattach).
    pub(crate) autoattach: bool,
    /// Verifier log level for a successful load (0: no log unless the
    /// load fails), and the log buffer size (0: the default).
    pub(crate) log_level: u32,
    pub(crate) log_size: usize,
    /// An attach target set at run time: a function name looked up in the
    /// kernel's BTF at load, or a BTF id used as is.
    pub(crate) attach_override: Option<AttachOverride>,
}

/// An attach target given to [`OpenProgram::set_attach_target`] or
/// [`OpenProgram::set_attach_btf_id`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AttachOverride {
    /// A name, looked up as libbpf does for the final expected attach type.
    Name(String),
    /// A BTF id of the running kernel's vmlinux BTF.
    BtfId(u32),
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

    /// Changes the program type (libbpf's `bpf_program__set_type`). The
    /// instructions, and so [`hash`](Self::hash), do not change. As in
    /// libbpf, the section's attach rule no longer applies: a skeleton's
    /// `attach()` skips the program (attach it explicitly).
    pub fn set_prog_type(&mut self, prog_type: u32) {
        if prog_type != self.def.kind.prog_type {
            self.def.kind.prog_type = prog_type;
            self.autoattach = false;
        }
    }

    /// `expected_attach_type` passed at load, if any.
    pub fn expected_attach_type(&self) -> Option<u32> {
        self.def.kind.expected_attach_type
    }

    /// Changes `expected_attach_type` (libbpf's
    /// `bpf_program__set_expected_attach_type`), e.g. `BPF_CGROUP_INET_EGRESS`
    /// for a `cgroup_skb` program. The instructions do not change.
    pub fn set_expected_attach_type(&mut self, attach_type: u32) {
        self.def.kind.expected_attach_type = Some(attach_type);
    }

    /// `prog_flags` passed at load.
    pub fn flags(&self) -> u32 {
        self.def.kind.flags
    }

    /// Replaces `prog_flags` (libbpf's `bpf_program__set_flags`), e.g.
    /// `BPF_F_SLEEPABLE` (1 << 4) or `BPF_F_XDP_HAS_FRAGS` (1 << 5).
    pub fn set_flags(&mut self, flags: u32) {
        self.def.kind.flags = flags;
    }

    /// Sets the program's attach target by name (libbpf's
    /// `bpf_program__set_attach_target` with no target program): looked up
    /// in the running kernel's BTF at load, as libbpf does for the
    /// program's final expected attach type: `btf_trace_<name>` for
    /// `tp_btf` (`BPF_TRACE_RAW_TP`), `bpf_lsm_<name>` for LSM,
    /// `bpf_iter_<name>` for iterators, the function `<name>` otherwise.
    /// A name not in the kernel's BTF fails this program's load, naming it.
    /// Attaching to a function of another BPF program (freplace, an
    /// `attach_prog_fd`) is not supported yet.
    pub fn set_attach_target(&mut self, name: &str) -> Result<()> {
        if name.is_empty() {
            return Err(Error::invalid(
                Subject::program(self.name()),
                "the attach target name is empty",
            ));
        }
        self.attach_override = Some(AttachOverride::Name(name.to_string()));
        Ok(())
    }

    /// Sets the attach target as an id of the running kernel's vmlinux BTF
    /// (`attach_btf_id`), used as is.
    pub fn set_attach_btf_id(&mut self, id: u32) {
        self.attach_override = Some(AttachOverride::BtfId(id));
    }

    /// The verifier log level a successful load is logged with (0: a log
    /// is only taken when the load fails).
    pub fn log_level(&self) -> u32 {
        self.log_level
    }

    /// Loads the program with verifier log level `level` (1: instructions
    /// as verified, 2: with every state, 4: statistics; libbpf's
    /// `bpf_program__set_log_level`). With a level above 0 the log of a
    /// successful load is kept: [`Program::verifier_log`](crate::Program::verifier_log).
    pub fn set_log_level(&mut self, level: u32) {
        self.log_level = level;
    }

    /// The log buffer size for a logged load (libbpf's
    /// `bpf_program__set_log_buf` size); 0 means the default (1 MiB, grown
    /// to what the kernel needs when a load fails). A log that does not
    /// fit fails the load with `ENOSPC`, as in libbpf.
    pub fn set_log_size(&mut self, bytes: usize) {
        self.log_size = bytes;
    }

    /// Why this program cannot load whatever its settings, if anything is
    /// known at open: a CO-RE relocation of one of its functions that could
    /// not be applied, or a strong `__ksym` extern the kernel lacks. Only
    /// an autoloaded program's problem fails [`OpenObject::load`].
    pub fn open_error(&self) -> Option<String> {
        if let Some(e) = &self.linked.core_error {
            return Some(e.to_string());
        }
        self.unresolved
            .first()
            .map(|(name, why)| format!("extern `{name}`: {why}"))
    }

    /// The program's kind with the run-time attach target applied, as it
    /// is loaded: a name becomes libbpf's BTF lookup for the final
    /// expected attach type.
    pub(crate) fn finalize_kind(&mut self) {
        use crate::obj::section::AttachTarget;
        if let Some(AttachOverride::Name(name)) = &self.attach_override {
            let name = name.clone();
            self.def.kind.attach_target = Some(match self.def.kind.expected_attach_type {
                Some(TRACE_RAW_TP) => AttachTarget::TracepointBtf(name),
                Some(LSM_MAC | LSM_CGROUP) => AttachTarget::Lsm(name),
                Some(TRACE_ITER) => AttachTarget::Iter(name),
                _ => AttachTarget::Func(name),
            });
        }
    }

    /// The `attach_btf_id` given with [`set_attach_btf_id`](Self::set_attach_btf_id).
    pub(crate) fn attach_btf_id_override(&self) -> Option<u32> {
        match self.attach_override {
            Some(AttachOverride::BtfId(id)) => Some(id),
            _ => None,
        }
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
    ///
    /// For a program with an [`open_error`](Self::open_error) from CO-RE
    /// the instructions are only partly relocated: it cannot load, and its
    /// digest names no program the kernel will ever run.
    pub fn hash(&self) -> [u8; 32] {
        *self.hash.get_or_init(|| program_digest(&self.linked.insns))
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
    /// `CONFIG_*=value` lines given to [`OpenObject::set_kconfig`] (and
    /// the `kconfig` open option's, first).
    pub(crate) kconfig: Vec<String>,
    /// Kernel module BTFs the programs' ksyms and kfuncs name, held open
    /// until load (their fd numbers are in the instructions).
    pub(crate) modules: crate::externs::ModuleFds,
    /// BTF kinds the kernel is taken to support instead of probing it
    /// ([`OpenObject::set_btf_features`]).
    pub(crate) btf_features: Option<crate::obj::btf::sanitize::BtfFeatures>,
    /// The object's name ([`OpenOptions::object_name`]).
    pub(crate) name: String,
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
        Self::from_bytes_with(data, &OpenOptions::default())
    }

    /// Reads, parses and relocates the object at `path`.
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<Self> {
        Self::from_file_with(path, &OpenOptions::default())
    }

    /// [`from_bytes`](Self::from_bytes) with open options (libbpf's
    /// `bpf_object__open_mem` with `bpf_object_open_opts`).
    pub fn from_bytes_with(data: &[u8], options: &OpenOptions) -> Result<Self> {
        let file = ObjectFile::parse(data)?;
        let target = match (&options.btf_custom_path, file.has_core_relos()) {
            (Some(path), true) => Some(crate::kernel_btf::target_at(path)?),
            (None, true) => Some(crate::kernel_btf::target()?),
            (_, false) => None,
        };
        let mut open = Self::from_file_model_with_target(file, target.as_deref())?;
        open.apply_options(options)?;
        Ok(open)
    }

    /// [`from_file`](Self::from_file) with open options (libbpf's
    /// `bpf_object__open_file` with `bpf_object_open_opts`). The object is
    /// named after the file (up to its first `.`) unless the options name
    /// it.
    pub fn from_file_with(
        path: impl AsRef<std::path::Path>,
        options: &OpenOptions,
    ) -> Result<Self> {
        let path = path.as_ref();
        let data = std::fs::read(path).map_err(|source| Error::io(path, source))?;
        let mut open = Self::from_bytes_with(&data, options)?;
        if options.object_name.is_none() {
            open.core.name = crate::options::name_of_path(path);
        }
        Ok(open)
    }

    /// Applies the options that do not concern relocation.
    fn apply_options(&mut self, options: &OpenOptions) -> Result<()> {
        if let Some(root) = &options.pin_root {
            self.set_pin_root(root);
        }
        let declared = |line: &str| {
            let name = line.split_once('=').map_or(line, |(n, _)| n);
            self.core
                .file
                .externs
                .iter()
                .any(|e| e.is_kconfig() && e.name == name)
        };
        let lines: Vec<String> = options
            .kconfig_lines()?
            .into_iter()
            .filter(|l| declared(l))
            .collect();
        self.core.kconfig.splice(0..0, lines);
        if let Some(name) = &options.object_name {
            self.core.name.clone_from(name);
        }
        Ok(())
    }

    /// The object's name: [`OpenOptions::object_name`], else the file name
    /// up to its first `.` when opened from a file, else empty.
    pub fn name(&self) -> &str {
        &self.core.name
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
                resize: def.is_data().then(|| resize_rule(&file, index)),
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
                    hash: std::sync::OnceLock::new(),
                    autoload: def.kind.autoload,
                    autoattach: true,
                    def: def.clone(),
                    linked,
                    unresolved,
                    log_level: 0,
                    log_size: 0,
                    attach_override: None,
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
                name: String::new(),
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
        for p in self.progs.iter().filter(|p| p.autoload) {
            if let Some(e) = &p.linked.core_error {
                return Err(Error::Unsupported {
                    subject: Subject::program(p.name()),
                    what: format!("a CO-RE relocation cannot be applied: {e}"),
                });
            }
        }
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

const MMAPABLE: u32 = 1 << 10;
const RDONLY_PROG: u32 = 1 << 7;
const NUMA_NODE: u32 = 1 << 2;
const TRACE_RAW_TP: u32 = crate::obj::section::attach_type::TRACE_RAW_TP;
const TRACE_ITER: u32 = crate::obj::section::attach_type::TRACE_ITER;
const LSM_MAC: u32 = crate::obj::section::attach_type::LSM_MAC;
/// `BPF_LSM_CGROUP`.
const LSM_CGROUP: u32 = 43;

fn is_map_of_maps(t: u32) -> bool {
    matches!(t, map_type::ARRAY_OF_MAPS | map_type::HASH_OF_MAPS)
}

/// How global-data map `index` can be resized (libbpf's rule: its last
/// variable must be an array): (that variable's offset, its element size),
/// or why it cannot be.
fn resize_rule(file: &ObjectFile, index: usize) -> std::result::Result<(u32, u32), String> {
    let vars = file.variables(index).map_err(|e| e.to_string())?;
    let last = vars
        .last()
        .ok_or_else(|| "its section has no variables in BTF".to_string())?;
    let btf = file
        .btf
        .as_ref()
        .ok_or_else(|| "the object has no BTF".to_string())?;
    let array = btf.resolve(last.type_id).map_err(|e| e.to_string())?;
    let crate::obj::btf::Kind::Array { elem, .. } = btf.get(array).map_err(|e| e.to_string())?.kind
    else {
        return Err(format!("its last variable `{}` is not an array", last.name));
    };
    let size = btf.size_of(elem).map_err(|e| e.to_string())?;
    Ok((last.offset, size))
}

fn not_found(kind: &'static str, name: &str) -> Error {
    Error::NotFound(match kind {
        "map" => Subject::map(name),
        _ => Subject::program(name),
    })
}
