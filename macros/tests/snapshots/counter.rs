// The expansion of #[bpf_skeleton("tests/bpf/counter.bpf.o")] pub struct Counter;
// see macros/src/tests.rs (BPF_SKELETON_BLESS=1 rewrites this file).
/// The README's counter.
#[derive(Debug)]
pub struct Counter {
    /// The links of attached programs (first, so that they are
    /// detached first when the skeleton drops).
    pub links: counter::Links,
    /// The skeleton's maps, created in the kernel.
    pub maps: counter::Maps,
    /// The skeleton's programs, loaded in the kernel.
    pub progs: counter::Progs,
    ///The live variables of `.rodata`.
    pub rodata: counter::Rodata,
    ///The live variables of `.bss`.
    pub bss: counter::Bss,
    _btf: ::core::option::Option<::std::os::fd::OwnedFd>,
}
///[`Counter`] before load: parsed and relocated, nothing in the kernel yet. Configure maps, programs and global variables here, then call [`OpenCounter::load`].
#[derive(Debug)]
pub struct OpenCounter {
    /// The maps, not created yet.
    pub maps: counter::OpenMaps,
    /// The programs, not loaded yet.
    pub progs: counter::OpenProgs,
    ///The variables of `.rodata`, starting from the object's initial values: set them here; they become the map's contents at load.
    pub rodata: ::std::boxed::Box<counter::types::Rodata>,
    ///The variables of `.bss`, starting from the object's initial values: set them here; they become the map's contents at load.
    pub bss: ::std::boxed::Box<counter::types::Bss>,
    core: ::bpf_skeleton::runtime::OpenCore,
}
///Maps, programs, global-data views and BTF types of the [`Counter`] skeleton.
pub mod counter {
    ///Rust types generated from the object's BTF (2 items): map keys and values and global variables, with layouts asserted at compile time.
    pub mod types {
        ///The variables of section `.rodata` (23 bytes, plus tail padding to its alignment), laid out as in the object.
        #[repr(C)]
        #[derive(PartialEq)]
        pub struct Rodata {
            ///`slot` at byte 0 (4 bytes).
            pub slot: u32,
            ///`debug_only.____fmt` at byte 4 (19 bytes).
            pub debug_only_____fmt: [u8; 19],
            _pad0: [u8; 1],
        }
        impl ::core::clone::Clone for Rodata {
            fn clone(&self) -> Self {
                *self
            }
        }
        impl ::core::marker::Copy for Rodata {}
        impl ::core::default::Default for Rodata {
            fn default() -> Self {
                <Self as ::bpf_skeleton::runtime::Plain>::zeroed()
            }
        }
        impl ::core::fmt::Debug for Rodata {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct("Rodata")
                    .field("slot", &self.slot)
                    .field("debug_only_____fmt", &self.debug_only_____fmt)
                    .finish()
            }
        }
        const _: () = ::bpf_skeleton::runtime::skel::layout::layout::<
            Rodata,
        >(24, 4, &[24]);
        /// SAFETY: `#[repr(C)]`, no implicit padding and every field `Plain`, all checked at compile time just above.
        #[allow(unsafe_code)]
        unsafe impl ::bpf_skeleton::runtime::Plain for Rodata {}
        ///The variables of section `.bss` (8 bytes), laid out as in the object.
        #[repr(C)]
        #[derive(PartialEq)]
        pub struct Bss {
            ///`packets_seen` at byte 0 (8 bytes).
            pub packets_seen: u64,
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
                f.debug_struct("Bss").field("packets_seen", &self.packets_seen).finish()
            }
        }
        const _: () = ::bpf_skeleton::runtime::skel::layout::layout::<Bss>(8, 8, &[8]);
        /// SAFETY: `#[repr(C)]`, no implicit padding and every field `Plain`, all checked at compile time just above.
        #[allow(unsafe_code)]
        unsafe impl ::bpf_skeleton::runtime::Plain for Bss {}
    }
    /// The maps of a loaded skeleton.
    #[derive(Debug)]
    #[repr(C)]
    pub struct Maps {
        /**Map `counts`: array map from section `.maps`, 4-byte keys, 8-byte values, 4 entries.

Used by: `count_packets`.*/
        pub counts: ::bpf_skeleton::runtime::skel::Map<super::Counter, u32, u64>,
        /**Global data section `.rodata`: a one-element array map of 23 bytes, read-only for programs and frozen after its initial value is written.

Variables: `slot` (offset 0, 4 bytes), `debug_only.____fmt` (offset 4, 19 bytes).

Used by: `count_packets`, `debug_only`.*/
        pub rodata: ::bpf_skeleton::runtime::global::DataMap<
            super::Counter,
            types::Rodata,
        >,
        /**Global data section `.bss`: a one-element array map of 8 bytes.

Variables: `packets_seen` (offset 0, 8 bytes).

Used by: `count_packets`.*/
        pub bss: ::bpf_skeleton::runtime::global::DataMap<super::Counter, types::Bss>,
    }
    /// The programs of a loaded skeleton.
    #[derive(Debug)]
    #[repr(C)]
    pub struct Progs {
        /**Program `count_packets`: XDP program from section `xdp`, 18 instructions after linking.

Uses maps: `counts`, `.rodata`, `.bss`.*/
        pub count_packets: ::bpf_skeleton::runtime::skel::Program<
            super::Counter,
            ::bpf_skeleton::runtime::skel::kind::Xdp,
            ::bpf_skeleton::runtime::skel::Manual,
        >,
        /**Program `debug_only`: XDP program from section `?xdp`, 9 instructions after linking; not autoloaded (`?` section prefix).

Uses maps: `.rodata`.*/
        pub debug_only: ::bpf_skeleton::runtime::skel::Program<
            super::Counter,
            ::bpf_skeleton::runtime::skel::kind::Xdp,
            ::bpf_skeleton::runtime::skel::Manual,
        >,
    }
    /// The links of a loaded skeleton, one per program, `None` until attached. They are dropped (the programs detached) before the programs and maps when the skeleton drops.
    #[derive(Debug, Default)]
    #[repr(C)]
    pub struct Links {
        ///The link of `count_packets` (section `xdp`), set by the skeleton's `attach()` only if you store one here (its section does not name its hook); dropping it detaches the program.
        pub count_packets: ::core::option::Option<::bpf_skeleton::runtime::Link>,
        ///The link of `debug_only` (section `?xdp`), set by the skeleton's `attach()` only if you store one here (its section does not name its hook); dropping it detaches the program.
        pub debug_only: ::core::option::Option<::bpf_skeleton::runtime::Link>,
    }
    /// SAFETY: `#[repr(C)]`, and every field is an `Option<Link>`: one per program in the order of `Progs`, then one per struct_ops map.
    #[allow(unsafe_code)]
    unsafe impl ::bpf_skeleton::runtime::skel::LinkSlots for Links {}
    /// The maps of an open skeleton.
    #[derive(Debug)]
    #[repr(C)]
    pub struct OpenMaps {
        /**Map `counts`: array map from section `.maps`, 4-byte keys, 8-byte values, 4 entries.

Used by: `count_packets`.*/
        pub counts: ::bpf_skeleton::runtime::skel::OpenMap<super::Counter>,
        /**Global data section `.rodata`: a one-element array map of 23 bytes, read-only for programs and frozen after its initial value is written.

Variables: `slot` (offset 0, 4 bytes), `debug_only.____fmt` (offset 4, 19 bytes).

Used by: `count_packets`, `debug_only`.*/
        pub rodata: ::bpf_skeleton::runtime::skel::OpenDataMap<super::Counter>,
        /**Global data section `.bss`: a one-element array map of 8 bytes.

Variables: `packets_seen` (offset 0, 8 bytes).

Used by: `count_packets`.*/
        pub bss: ::bpf_skeleton::runtime::skel::OpenDataMap<super::Counter>,
    }
    /// The programs of an open skeleton.
    #[derive(Debug)]
    #[repr(C)]
    pub struct OpenProgs {
        /**Program `count_packets`: XDP program from section `xdp`, 18 instructions after linking.

Uses maps: `counts`, `.rodata`, `.bss`.*/
        pub count_packets: ::bpf_skeleton::runtime::skel::OpenProgram<super::Counter>,
        /**Program `debug_only`: XDP program from section `?xdp`, 9 instructions after linking; not autoloaded (`?` section prefix).

Uses maps: `.rodata`.*/
        pub debug_only: ::bpf_skeleton::runtime::skel::OpenProgram<super::Counter>,
    }
    #[doc(hidden)]
    pub(super) const OBJECT_BYTES: &[u8] = ::core::include_bytes!(
        "$CORPUS/counter.bpf.o"
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
    ///The live, read-only contents of `.rodata` (frozen after load): getters read the mapped memory atomically, each variable with its one access width.
    #[derive(Debug)]
    pub struct Rodata(::bpf_skeleton::runtime::global::Globals<types::Rodata>);
    impl Rodata {
        pub(super) fn from_map(
            map: &::bpf_skeleton::runtime::global::DataMap<super::Counter, types::Rodata>,
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
                            offset: 4,
                            len: 19,
                            width: 1,
                        },
                    ],
                )
                .map(Self)
        }
        /// A snapshot of the whole section, on the heap.
        pub fn read(&self) -> ::std::boxed::Box<types::Rodata> {
            self.0.read()
        }
        /// Calls `f` with a heap snapshot of the whole section.
        pub fn with<R>(&self, f: impl ::core::ops::FnOnce(&types::Rodata) -> R) -> R {
            self.0.with(f)
        }
        #[doc(hidden)]
        pub fn write<V>(&self, value: V)
        where
            V: ::bpf_skeleton::runtime::skel::RodataIsFrozenByLoad,
        {
            match ::bpf_skeleton::runtime::skel::RodataIsFrozenByLoad::never(&value) {}
        }
        ///Reads `slot` (offset 0, 4 bytes, accessed 4 bytes at a time).
        pub fn slot(&self) -> u32 {
            self.0.read_field(0)
        }
        #[doc(hidden)]
        pub fn set_slot<V>(&self, value: V)
        where
            V: ::bpf_skeleton::runtime::skel::RodataIsFrozenByLoad,
        {
            match ::bpf_skeleton::runtime::skel::RodataIsFrozenByLoad::never(&value) {}
        }
        ///Reads `debug_only.____fmt` (offset 4, 19 bytes, accessed 1 byte at a time).
        pub fn debug_only_____fmt(&self) -> [u8; 19] {
            self.0.read_field(4)
        }
        #[doc(hidden)]
        pub fn set_debug_only_____fmt<V>(&self, value: V)
        where
            V: ::bpf_skeleton::runtime::skel::RodataIsFrozenByLoad,
        {
            match ::bpf_skeleton::runtime::skel::RodataIsFrozenByLoad::never(&value) {}
        }
    }
    ///The live contents of `.bss`, shared with the programs. Every access is atomic, each variable always with the same width (the largest of 8, 4, 2 and 1 bytes dividing its offset and size, given in each accessor's docs): a variable of that width is never torn; a larger one is copied granule by granule. Integer variables of exactly their width also have `_atomic` accessors of that width.
    #[derive(Debug)]
    pub struct Bss(::bpf_skeleton::runtime::global::Globals<types::Bss>);
    impl Bss {
        pub(super) fn from_map(
            map: &::bpf_skeleton::runtime::global::DataMap<super::Counter, types::Bss>,
        ) -> ::bpf_skeleton::runtime::Result<Self> {
            ::bpf_skeleton::runtime::global::Globals::new(
                    map,
                    &[
                        ::bpf_skeleton::runtime::mmap::Span {
                            offset: 0,
                            len: 8,
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
        ///Reads `packets_seen` (offset 0, 8 bytes, accessed 8 bytes at a time).
        pub fn packets_seen(&self) -> u64 {
            self.0.read_field(0)
        }
        ///Writes `packets_seen` (offset 0, 8 bytes, accessed 8 bytes at a time).
        pub fn set_packets_seen(&self, value: u64) {
            self.0.write_field(0, &value);
        }
        ///`packets_seen` as an `AtomicU64`, the width of every access to it, for counters programs update with atomic instructions (`__sync_fetch_and_add`). `Some` whenever the section is mapped writable.
        pub fn packets_seen_atomic(
            &self,
        ) -> ::core::option::Option<&::std::sync::atomic::AtomicU64> {
            self.0.atomic_u64(0)
        }
    }
}
impl Counter {
    ///The BPF object `$CORPUS/counter.bpf.o` (3696 bytes), embedded at compile time (`include_bytes!`, so the crate is rebuilt when it changes).
    pub const OBJECT: &'static [u8] = counter::OBJECT_BYTES;
    /// What the generated code expects of the object, checked at
    /// open and load by the runtime.
    const TABLE: ::bpf_skeleton::runtime::skel::Table = ::bpf_skeleton::runtime::skel::Table {
        maps: &[
            ::bpf_skeleton::runtime::skel::MapEntry {
                name: "counts",
                shape: ::bpf_skeleton::runtime::skel::Shape::Sized {
                    key: ::core::mem::size_of::<u32>(),
                    value: ::core::mem::size_of::<u64>(),
                },
            },
            ::bpf_skeleton::runtime::skel::MapEntry {
                name: ".rodata",
                shape: ::bpf_skeleton::runtime::skel::Shape::Data {
                    value_size: 23,
                },
            },
            ::bpf_skeleton::runtime::skel::MapEntry {
                name: ".bss",
                shape: ::bpf_skeleton::runtime::skel::Shape::Data {
                    value_size: 8,
                },
            },
        ],
        progs: &["count_packets", "debug_only"],
        exclusive: &[],
        autoload: &[],
    };
    /// Parses and relocates the embedded object. Nothing is in the
    /// kernel yet.
    pub fn open() -> ::bpf_skeleton::runtime::Result<OpenCounter> {
        Self::open_with(&::bpf_skeleton::runtime::OpenOptions::new())
    }
    /// [`open`](Self::open) with open options: a BTF file for CO-RE
    /// on kernels without `/sys/kernel/btf/vmlinux`, the pin root,
    /// Kconfig overrides, the object's name.
    pub fn open_with(
        options: &::bpf_skeleton::runtime::OpenOptions,
    ) -> ::bpf_skeleton::runtime::Result<OpenCounter> {
        let (core, maps, progs) = ::bpf_skeleton::runtime::skel::open_table_with(
            Self::OBJECT,
            &Self::TABLE,
            options,
        )?;
        let maps: counter::OpenMaps = ::bpf_skeleton::runtime::skel::handles(maps)?;
        let progs: counter::OpenProgs = ::bpf_skeleton::runtime::skel::handles(progs)?;
        let rodata = maps.rodata.initial_typed::<counter::types::Rodata>()?;
        let bss = maps.bss.initial_typed::<counter::types::Bss>()?;
        ::core::result::Result::Ok(OpenCounter {
            maps,
            progs,
            rodata,
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
impl OpenCounter {
    /// Creates the maps (exclusive ones with their program's hash,
    /// global-data ones with the section fields' values) and loads
    /// the autoloaded programs. Fails before any syscall if an
    /// exclusive map is used by another autoloaded program; a
    /// verifier rejection carries the complete log.
    pub fn load(self) -> ::bpf_skeleton::runtime::Result<Counter> {
        let OpenCounter { mut maps, progs, rodata, bss, core } = self;
        maps.rodata.set_initial_typed(&*rodata);
        maps.bss.set_initial_typed(&*bss);
        let (maps, progs, btf) = ::bpf_skeleton::runtime::skel::load_table(
            core,
            ::bpf_skeleton::runtime::skel::into_items(maps)?,
            ::bpf_skeleton::runtime::skel::into_items(progs)?,
            &Counter::TABLE,
        )?;
        let maps: counter::Maps = ::bpf_skeleton::runtime::skel::handles(maps)?;
        let rodata = counter::Rodata::from_map(&maps.rodata)?;
        let bss = counter::Bss::from_map(&maps.bss)?;
        ::core::result::Result::Ok(Counter {
            links: ::core::default::Default::default(),
            maps,
            progs: ::bpf_skeleton::runtime::skel::handles(progs)?,
            rodata,
            bss,
            _btf: btf,
        })
    }
}
