// The expansion of #[bpf_skeleton("tests/bpf/big_bss.bpf.o")] pub struct BigBss;
// see macros/src/tests.rs (BPF_SKELETON_BLESS=1 rewrites this file).
#[derive(Debug)]
pub struct BigBss {
    /// The links of attached programs (first, so that they are
    /// detached first when the skeleton drops).
    pub links: big_bss::Links,
    /// The skeleton's maps, created in the kernel.
    pub maps: big_bss::Maps,
    /// The skeleton's programs, loaded in the kernel.
    pub progs: big_bss::Progs,
    ///The live variables of `.bss`.
    pub bss: big_bss::Bss,
    _btf: ::core::option::Option<::std::os::fd::OwnedFd>,
}
///[`BigBss`] before load: parsed and relocated, nothing in the kernel yet. Configure maps, programs and global variables here, then call [`OpenBigBss::load`].
#[derive(Debug)]
pub struct OpenBigBss {
    /// The maps, not created yet.
    pub maps: big_bss::OpenMaps,
    /// The programs, not loaded yet.
    pub progs: big_bss::OpenProgs,
    ///The variables of `.bss`, starting from the object's initial values: set them here; they become the map's contents at load.
    pub bss: ::std::boxed::Box<big_bss::types::Bss>,
    core: ::bpf_skeleton::runtime::OpenCore,
}
///Maps, programs, global-data views and BTF types of the [`BigBss`] skeleton.
pub mod big_bss {
    ///Rust types generated from the object's BTF (1 item): map keys and values and global variables, with layouts asserted at compile time.
    pub mod types {
        ///The variables of section `.bss` (16777232 bytes), laid out as in the object.
        #[repr(C)]
        #[derive(PartialEq)]
        pub struct Bss {
            ///`at` at byte 0 (4 bytes).
            pub at: u32,
            _pad0: [u8; 4],
            ///`seen` at byte 8 (8 bytes).
            pub seen: u64,
            ///`big` at byte 16 (16777216 bytes).
            pub big: [u64; 2097152],
        }
        impl ::core::clone::Clone for Bss {
            fn clone(&self) -> Self {
                *self
            }
        }
        impl ::core::marker::Copy for Bss {}
        impl ::core::default::Default for Bss {
            fn default() -> Self {
                <Self as ::bpf_skeleton::runtime::Plain>::zeroed()
            }
        }
        impl ::core::fmt::Debug for Bss {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct("Bss")
                    .field("at", &self.at)
                    .field("seen", &self.seen)
                    .field("big", &self.big)
                    .finish()
            }
        }
        const _: () = ::bpf_skeleton::runtime::skel::layout::layout::<
            Bss,
        >(16777232, 8, &[16777232]);
        /// SAFETY: `#[repr(C)]`, no implicit padding and every field `Plain`, all checked at compile time just above.
        #[allow(unsafe_code)]
        unsafe impl ::bpf_skeleton::runtime::Plain for Bss {}
    }
    /// The maps of a loaded skeleton.
    #[derive(Debug)]
    #[repr(C)]
    pub struct Maps {
        /**Global data section `.bss`: a one-element array map of 16777232 bytes.

Variables: `at` (offset 0, 4 bytes), `seen` (offset 8, 8 bytes), `big` (offset 16, 16777216 bytes).

Used by: `touch`.*/
        pub bss: ::bpf_skeleton::runtime::global::DataMap<super::BigBss, types::Bss>,
    }
    /// The programs of a loaded skeleton.
    #[derive(Debug)]
    #[repr(C)]
    pub struct Progs {
        /**Program `touch`: XDP program from section `xdp`, 21 instructions after linking.

Uses maps: `.bss`.*/
        pub touch: ::bpf_skeleton::runtime::skel::Program<
            super::BigBss,
            ::bpf_skeleton::runtime::skel::kind::Xdp,
            ::bpf_skeleton::runtime::skel::Manual,
        >,
    }
    /// The links of a loaded skeleton, one per program, `None` until attached. They are dropped (the programs detached) before the programs and maps when the skeleton drops.
    #[derive(Debug, Default)]
    #[repr(C)]
    pub struct Links {
        ///The link of `touch` (section `xdp`), set by the skeleton's `attach()` only if you store one here (its section does not name its hook); dropping it detaches the program.
        pub touch: ::core::option::Option<::bpf_skeleton::runtime::Link>,
    }
    /// SAFETY: `#[repr(C)]`, and every field is an `Option<Link>`: one per program in the order of `Progs`, then one per struct_ops map.
    #[allow(unsafe_code)]
    unsafe impl ::bpf_skeleton::runtime::skel::LinkSlots for Links {}
    /// The maps of an open skeleton.
    #[derive(Debug)]
    #[repr(C)]
    pub struct OpenMaps {
        /**Global data section `.bss`: a one-element array map of 16777232 bytes.

Variables: `at` (offset 0, 4 bytes), `seen` (offset 8, 8 bytes), `big` (offset 16, 16777216 bytes).

Used by: `touch`.*/
        pub bss: ::bpf_skeleton::runtime::skel::OpenDataMap<super::BigBss>,
    }
    /// The programs of an open skeleton.
    #[derive(Debug)]
    #[repr(C)]
    pub struct OpenProgs {
        /**Program `touch`: XDP program from section `xdp`, 21 instructions after linking.

Uses maps: `.bss`.*/
        pub touch: ::bpf_skeleton::runtime::skel::OpenProgram<super::BigBss>,
    }
    #[doc(hidden)]
    pub(super) const OBJECT_BYTES: &[u8] = ::core::include_bytes!(
        "$CORPUS/big_bss.bpf.o"
    );
    /// SAFETY: `#[repr(C)]`, at least one field, and every field is a `#[repr(transparent)]` handle of the runtime's `skel` module over `OpenMap`, in the object's order (the order of the skeleton's `TABLE`, which the runtime checks against the object at open and load).
    #[allow(unsafe_code)]
    unsafe impl ::bpf_skeleton::runtime::skel::Handles for OpenMaps {
        type Item = ::bpf_skeleton::runtime::OpenMap;
    }
    /// SAFETY: `#[repr(C)]`, at least one field, and every field is a `#[repr(transparent)]` handle of the runtime's `skel` module over `Map`, in the object's order (the order of the skeleton's `TABLE`, which the runtime checks against the object at open and load).
    #[allow(unsafe_code)]
    unsafe impl ::bpf_skeleton::runtime::skel::Handles for Maps {
        type Item = ::bpf_skeleton::runtime::Map;
    }
    /// SAFETY: `#[repr(C)]`, at least one field, and every field is a `#[repr(transparent)]` handle of the runtime's `skel` module over `OpenProgram`, in the object's order (the order of the skeleton's `TABLE`, which the runtime checks against the object at open and load).
    #[allow(unsafe_code)]
    unsafe impl ::bpf_skeleton::runtime::skel::Handles for OpenProgs {
        type Item = ::bpf_skeleton::runtime::OpenProgram;
    }
    /// SAFETY: `#[repr(C)]`, at least one field, and every field is a `#[repr(transparent)]` handle of the runtime's `skel` module over `Program`, in the object's order (the order of the skeleton's `TABLE`, which the runtime checks against the object at open and load).
    #[allow(unsafe_code)]
    unsafe impl ::bpf_skeleton::runtime::skel::Handles for Progs {
        type Item = ::bpf_skeleton::runtime::Program;
    }
    ///The live contents of `.bss`, shared with the programs. Every access is atomic, each variable always with the same width (the largest of 8, 4, 2 and 1 bytes dividing its offset and size, given in each accessor's docs): a variable of that width is never torn; a larger one is copied granule by granule. Integer variables of exactly their width also have `_atomic` accessors of that width.
    #[derive(Debug)]
    pub struct Bss(::bpf_skeleton::runtime::global::Globals<types::Bss>);
    impl Bss {
        pub(super) fn from_map(
            map: &::bpf_skeleton::runtime::global::DataMap<super::BigBss, types::Bss>,
        ) -> ::bpf_skeleton::runtime::Result<Self> {
            ::bpf_skeleton::runtime::global::Globals::new(
                    map,
                    &[
                        ::bpf_skeleton::runtime::mmap::Span {
                            offset: 0,
                            len: 4,
                            width: 4,
                        },
                        ::bpf_skeleton::runtime::mmap::Span {
                            offset: 8,
                            len: 8,
                            width: 8,
                        },
                        ::bpf_skeleton::runtime::mmap::Span {
                            offset: 16,
                            len: 16777216,
                            width: 8,
                        },
                    ],
                )
                .map(Self)
        }
        /// A snapshot of the whole section, on the heap.
        pub fn read(&self) -> ::std::boxed::Box<types::Bss> {
            self.0.read()
        }
        /// Calls `f` with a heap snapshot of the whole section.
        pub fn with<R>(&self, f: impl ::core::ops::FnOnce(&types::Bss) -> R) -> R {
            self.0.with(f)
        }
        /// Overwrites the whole section, variable by variable.
        pub fn write(&self, value: &types::Bss) {
            self.0.write(value);
        }
        /// Calls `f` on a heap snapshot of the section, then writes back the variables' granules `f` changed (the others, which programs may have updated meanwhile, are left alone). `None` only if the mapping is read-only, which a writable section's never is.
        pub fn update<R>(
            &self,
            f: impl ::core::ops::FnOnce(&mut types::Bss) -> R,
        ) -> ::core::option::Option<R> {
            self.0.update(f)
        }
        ///Reads `at` (offset 0, 4 bytes, accessed 4 bytes at a time).
        pub fn at(&self) -> u32 {
            self.0.read_field(0)
        }
        ///Writes `at` (offset 0, 4 bytes, accessed 4 bytes at a time).
        pub fn set_at(&self, value: u32) {
            self.0.write_field(0, &value);
        }
        ///`at` as an `AtomicU32`, the width of every access to it, for counters programs update with atomic instructions (`__sync_fetch_and_add`). `Some` whenever the section is mapped writable.
        pub fn at_atomic(
            &self,
        ) -> ::core::option::Option<&::std::sync::atomic::AtomicU32> {
            self.0.atomic_u32(0)
        }
        ///Reads `seen` (offset 8, 8 bytes, accessed 8 bytes at a time).
        pub fn seen(&self) -> u64 {
            self.0.read_field(8)
        }
        ///Writes `seen` (offset 8, 8 bytes, accessed 8 bytes at a time).
        pub fn set_seen(&self, value: u64) {
            self.0.write_field(8, &value);
        }
        ///`seen` as an `AtomicU64`, the width of every access to it, for counters programs update with atomic instructions (`__sync_fetch_and_add`). `Some` whenever the section is mapped writable.
        pub fn seen_atomic(
            &self,
        ) -> ::core::option::Option<&::std::sync::atomic::AtomicU64> {
            self.0.atomic_u64(8)
        }
        ///Reads `big` (offset 16, 16777216 bytes, accessed 8 bytes at a time).
        pub fn big(&self) -> ::std::boxed::Box<[u64; 2097152]> {
            self.0.read_field_boxed(16)
        }
        ///Writes `big` (offset 16, 16777216 bytes, accessed 8 bytes at a time).
        pub fn set_big(&self, value: &[u64; 2097152]) {
            self.0.write_field(16, value);
        }
    }
}
impl BigBss {
    ///The BPF object `$CORPUS/big_bss.bpf.o` (2544 bytes), embedded at compile time (`include_bytes!`, so the crate is rebuilt when it changes).
    pub const OBJECT: &'static [u8] = big_bss::OBJECT_BYTES;
    /// What the generated code expects of the object, checked at
    /// open and load by the runtime.
    const TABLE: ::bpf_skeleton::runtime::skel::Table = ::bpf_skeleton::runtime::skel::Table {
        maps: &[
            ::bpf_skeleton::runtime::skel::MapEntry {
                name: ".bss",
                shape: ::bpf_skeleton::runtime::skel::Shape::Data {
                    value_size: 16777232,
                },
            },
        ],
        progs: &["touch"],
        exclusive: &[],
        autoload: &[],
    };
    /// Parses and relocates the embedded object. Nothing is in the
    /// kernel yet.
    pub fn open() -> ::bpf_skeleton::runtime::Result<OpenBigBss> {
        Self::open_with(&::bpf_skeleton::runtime::OpenOptions::new())
    }
    /// [`open`](Self::open) with open options: a BTF file for CO-RE
    /// on kernels without `/sys/kernel/btf/vmlinux`, the pin root,
    /// Kconfig overrides, the object's name.
    pub fn open_with(
        options: &::bpf_skeleton::runtime::OpenOptions,
    ) -> ::bpf_skeleton::runtime::Result<OpenBigBss> {
        let (core, maps, progs) = ::bpf_skeleton::runtime::skel::open_table_with(
            Self::OBJECT,
            &Self::TABLE,
            options,
        )?;
        let maps: big_bss::OpenMaps = ::bpf_skeleton::runtime::skel::handles(maps)?;
        let progs: big_bss::OpenProgs = ::bpf_skeleton::runtime::skel::handles(progs)?;
        let bss = maps.bss.initial_typed::<big_bss::types::Bss>()?;
        ::core::result::Result::Ok(OpenBigBss {
            maps,
            progs,
            bss,
            core,
        })
    }
    /// Opens and loads with the default settings.
    pub fn open_and_load() -> ::bpf_skeleton::runtime::Result<Self> {
        Self::open()?.load()
    }
    /// Attaches every loaded program whose section names its hook
    /// (`tp/C/N`, `raw_tp/N`, `tp_btf/N`, `iter/I`, `kprobe/F`,
    /// `uprobe/BIN:F`...), whose autoattach was left on and whose link
    /// slot is empty, keeping the links in `self.links` (libbpf's
    /// skeleton attach). Programs whose section does not say where
    /// (`xdp`, `tc`, `socket`, cgroup sections...) are skipped. Stops at
    /// the first failure, which names the program.
    pub fn attach(&mut self) -> ::bpf_skeleton::runtime::Result<()> {
        ::bpf_skeleton::runtime::skel::attach_all(&self.progs, &mut self.links)
    }
}
impl OpenBigBss {
    /// Creates the maps (exclusive ones with their program's hash,
    /// global-data ones with the section fields' values) and loads
    /// the autoloaded programs. Fails before any syscall if an
    /// exclusive map is used by another autoloaded program; a
    /// verifier rejection carries the complete log.
    pub fn load(self) -> ::bpf_skeleton::runtime::Result<BigBss> {
        let OpenBigBss { mut maps, progs, bss, core } = self;
        maps.bss.set_initial_typed(&*bss);
        let (maps, progs, btf) = ::bpf_skeleton::runtime::skel::load_table(
            core,
            ::bpf_skeleton::runtime::skel::into_items(maps)?,
            ::bpf_skeleton::runtime::skel::into_items(progs)?,
            &BigBss::TABLE,
        )?;
        let maps: big_bss::Maps = ::bpf_skeleton::runtime::skel::handles(maps)?;
        let bss = big_bss::Bss::from_map(&maps.bss)?;
        ::core::result::Result::Ok(BigBss {
            links: ::core::default::Default::default(),
            maps,
            progs: ::bpf_skeleton::runtime::skel::handles(progs)?,
            bss,
            _btf: btf,
        })
    }
}
