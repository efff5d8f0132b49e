//! Expansion: the skeleton struct, its open counterpart, and a module with
//! the typed `Maps`, `Progs`, `OpenMaps` and `OpenProgs` structs, the live
//! views of global-data sections, and the `types` generated from BTF.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{ItemStruct, Visibility};

use crate::model::{map_doc, prog_doc, Keyless, MapItem, MapKind, Skeleton};
use crate::names::{plural, snake_case};
use crate::types::Var;

/// The visibility of items inside the generated module that must be as
/// visible as the user's struct is outside it.
fn inner_vis(vis: &Visibility) -> TokenStream {
    match vis {
        Visibility::Public(_) => quote!(pub),
        Visibility::Inherited => quote!(pub(super)),
        Visibility::Restricted(r) => {
            let path = &r.path;
            let first = path.segments.first().map(|s| s.ident.to_string());
            match first.as_deref() {
                Some("crate") => quote!(#vis),
                Some("self") if path.segments.len() == 1 => quote!(pub(super)),
                _ => {
                    let segs = path.segments.iter().skip_while(|s| s.ident == "self");
                    quote!(pub(in super::#(#segs)::*))
                }
            }
        }
    }
}

/// How one map appears: its loaded type, its open type, and the shape its
/// loaded type expects (for the table).
struct MapCode {
    loaded_ty: TokenStream,
    open_ty: TokenStream,
    shape: TokenStream,
}

fn map_code(
    m: &MapItem,
    skel_ty: &TokenStream,
    rt: &TokenStream,
    module: &proc_macro2::Ident,
    declared: bool,
) -> MapCode {
    let sk = &quote!(#rt::skel);
    // Inside the generated module, and outside it (the table).
    let p = quote!(types::);
    let outer = quote!(#module::types::);
    let x = if declared {
        quote!(, #sk::DeclaredExclusive)
    } else {
        quote!()
    };
    let size = |t: &TokenStream| quote!(::core::mem::size_of::<#t>());
    let sized = |k: TokenStream, v: TokenStream| quote!(#sk::Shape::Sized { key: #k, value: #v });
    let (loaded_ty, shape, data) = match &m.kind {
        MapKind::KeyValue { key, value } => {
            let (k, v) = (key.tokens(&p), value.tokens(&p));
            let shape = sized(size(&key.tokens(&outer)), size(&value.tokens(&outer)));
            (quote!(#sk::Map<#skel_ty, #k, #v>), shape, false)
        }
        MapKind::PerCpu { key, value } => {
            let (k, v) = (key.tokens(&p), value.tokens(&p));
            let shape = sized(size(&key.tokens(&outer)), size(&value.tokens(&outer)));
            (quote!(#sk::PerCpuMap<#skel_ty, #k, #v>), shape, false)
        }
        MapKind::Keyless { kind, value } => {
            let v = value.tokens(&p);
            let shape = sized(quote!(0), size(&value.tokens(&outer)));
            let ty = match kind {
                Keyless::Queue => quote!(#sk::Queue<#skel_ty, #v>),
                Keyless::Stack => quote!(#sk::Stack<#skel_ty, #v>),
                Keyless::BloomFilter => quote!(#sk::BloomFilter<#skel_ty, #v>),
            };
            (ty, shape, false)
        }
        MapKind::UserRingBuf => (
            quote!(#sk::UserRingBuf<#skel_ty>),
            sized(quote!(0), quote!(0)),
            false,
        ),
        MapKind::RingBuf => (
            match &m.record {
                Some(r) => {
                    let r = r.tokens(&p);
                    quote!(#sk::EventRingBuf<#skel_ty, #r>)
                }
                None => quote!(#sk::RingBuf<#skel_ty>),
            },
            sized(quote!(0), quote!(0)),
            false,
        ),
        MapKind::ProgArray => (
            quote!(#sk::ProgArray<#skel_ty>),
            sized(quote!(4), quote!(4)),
            false,
        ),
        MapKind::MapOfMaps { key } => {
            let k = key.tokens(&p);
            let shape = sized(size(&key.tokens(&outer)), quote!(4));
            (quote!(#sk::MapOfMaps<#skel_ty, #k>), shape, false)
        }
        MapKind::PerfEventArray => (
            quote!(#sk::PerfEventArray<#skel_ty>),
            quote!(#sk::Shape::Any),
            false,
        ),
        MapKind::Raw => (
            quote!(#sk::RawMap<#skel_ty>),
            quote!(#sk::Shape::Any),
            false,
        ),
        MapKind::StructOps => (
            quote!(#sk::StructOpsMap<#skel_ty>),
            quote!(#sk::Shape::Any),
            false,
        ),
        MapKind::Data { section, .. } => {
            // The section's struct, or its bytes without BTF.
            let n = proc_macro2::Literal::usize_unsuffixed(m.def.value_size as usize);
            let value = match section {
                Some((ident, _)) => quote!(types::#ident),
                None => quote!([u8; #n]),
            };
            (
                quote!(#rt::global::DataMap<#skel_ty, #value>),
                quote!(#sk::Shape::Data { value_size: #n }),
                true,
            )
        }
    };
    let open_ty = if data {
        quote!(#sk::OpenDataMap<#skel_ty #x>)
    } else {
        quote!(#sk::OpenMap<#skel_ty #x>)
    };
    MapCode {
        loaded_ty,
        open_ty,
        shape,
    }
}

/// Variables larger than this are read into a `Box` and written from a
/// reference, so that a large array never lands on the stack.
const LARGE_VAR: u32 = 4096;

/// The live view of one data section: struct definition and the
/// constructor building it from the loaded data map, with the access
/// width of each variable.
fn live_view(
    ident: &proc_macro2::Ident,
    section: &str,
    vars: &[Var],
    read_only: bool,
    code: &Code<'_>,
) -> TokenStream {
    let Code { ivis, rt, skel_ty } = code;
    let g = quote!(#rt::global);
    let doc = if read_only {
        format!(
            "The live, read-only contents of `{section}` (frozen after load): getters read the \
             mapped memory atomically, each variable with its one access width."
        )
    } else {
        format!(
            "The live contents of `{section}`, shared with the programs. Every access is \
             atomic, each variable always with the same width (the largest of 8, 4, 2 and 1 \
             bytes dividing its offset and size, given in each accessor's docs): a variable \
             of that width is never torn; a larger one is copied granule by granule. Integer \
             variables of exactly their width also have `_atomic` accessors of that width."
        )
    };
    let mut methods = Vec::new();
    let mut spans: Vec<&Var> = vars.iter().collect();
    spans.sort_by_key(|v| v.offset);
    let spans = spans.iter().map(|v| {
        let (o, l, w) = (
            proc_macro2::Literal::usize_unsuffixed(v.offset as usize),
            proc_macro2::Literal::usize_unsuffixed(v.size as usize),
            proc_macro2::Literal::usize_unsuffixed(v.width as usize),
        );
        quote!(#rt::mmap::Span { offset: #o, len: #l, width: #w })
    });
    for v in vars {
        let f = &v.field;
        let ty = v.ty.tokens(&quote!(types::));
        let large = v.size > LARGE_VAR;
        let how = format!(
            "offset {}, {}, accessed {} at a time",
            v.offset,
            plural(v.size.into(), "byte"),
            plural(v.width.into(), "byte")
        );
        let gdoc = format!("Reads `{}` ({how}).", v.name);
        let offset = quote!(::core::mem::offset_of!(types::#ident, #f));
        methods.push(if large {
            quote! {
                #[doc = #gdoc]
                pub fn #f(&self) -> ::std::boxed::Box<#ty> {
                    self.0.read_field_boxed(#offset)
                }
            }
        } else {
            quote! {
                #[doc = #gdoc]
                pub fn #f(&self) -> #ty {
                    self.0.read_field(#offset)
                }
            }
        });
        let setter = format_ident!("set_{}", f);
        if read_only {
            methods.push(frozen_setter(&setter, rt));
            continue;
        }
        let sdoc = format!("Writes `{}` ({how}).", v.name);
        methods.push(if large {
            quote! {
                #[doc = #sdoc]
                pub fn #setter(&self, value: &#ty) {
                    self.0.write_field(#offset, value);
                }
            }
        } else {
            quote! {
                #[doc = #sdoc]
                pub fn #setter(&self, value: #ty) {
                    self.0.write_field(#offset, &value);
                }
            }
        });
        if v.atomic {
            let atomic = format_ident!("{}_atomic", f);
            let bits = v.width * 8;
            let aty = format_ident!("AtomicU{}", bits);
            let method = format_ident!("atomic_u{}", bits);
            let adoc = format!(
                "`{}` as an `AtomicU{bits}`, the width of every access to it, for counters \
                 programs update with atomic instructions (`__sync_fetch_and_add`). `Some` \
                 whenever the section is mapped writable.",
                v.name
            );
            methods.push(quote! {
                #[doc = #adoc]
                pub fn #atomic(&self) -> ::core::option::Option<&::std::sync::atomic::#aty> {
                    self.0.#method(#offset)
                }
            });
        }
    }
    let write = if read_only {
        frozen_setter(&format_ident!("write"), rt)
    } else {
        quote! {
            /// Overwrites the whole section, variable by variable.
            pub fn write(&self, value: &types::#ident) {
                self.0.write(value);
            }

            /// Calls `f` on a heap snapshot of the section, then writes back
            /// the variables' granules `f` changed (the others, which
            /// programs may have updated meanwhile, are left alone). `None`
            /// only if the mapping is read-only, which a writable section's
            /// never is.
            pub fn update<R>(
                &self,
                f: impl ::core::ops::FnOnce(&mut types::#ident) -> R,
            ) -> ::core::option::Option<R> {
                self.0.update(f)
            }
        }
    };
    quote! {
        #[doc = #doc]
        #[derive(Debug)]
        #ivis struct #ident(#g::Globals<types::#ident>);

        impl #ident {
            pub(super) fn from_map(
                map: &#g::DataMap<#skel_ty, types::#ident>,
            ) -> #rt::Result<Self> {
                #g::Globals::new(map, &[#(#spans),*]).map(Self)
            }

            /// A snapshot of the whole section, on the heap.
            pub fn read(&self) -> ::std::boxed::Box<types::#ident> {
                self.0.read()
            }

            /// Calls `f` with a heap snapshot of the whole section.
            pub fn with<R>(&self, f: impl ::core::ops::FnOnce(&types::#ident) -> R) -> R {
                self.0.with(f)
            }
            #write
            #(#methods)*
        }
    }
}

/// A setter of a read-only (`.rodata`) live view: it exists only so that
/// calling it says what to do instead (the runtime's
/// `RodataIsFrozenByLoad`, which nothing implements).
fn frozen_setter(name: &proc_macro2::Ident, rt: &TokenStream) -> TokenStream {
    quote! {
        #[doc(hidden)]
        pub fn #name<V>(&self, value: V)
        where
            V: #rt::skel::RodataIsFrozenByLoad,
        {
            match #rt::skel::RodataIsFrozenByLoad::never(&value) {}
        }
    }
}

/// What every live view needs from the expansion.
struct Code<'a> {
    ivis: &'a TokenStream,
    rt: &'a TokenStream,
    skel_ty: &'a TokenStream,
}

pub fn expand(item: &ItemStruct, skel: &Skeleton) -> TokenStream {
    let name = &item.ident;
    let vis = &item.vis;
    let attrs = &item.attrs;
    let open_name = format_ident!("Open{}", name);
    let module = format_ident!("{}", snake_case(&name.to_string()));
    let ivis = inner_vis(vis);
    let rt = &skel.rt;
    let sk = quote!(#rt::skel);
    let path = &skel.abs_path;
    let skel_ty = quote!(super::#name);

    let codes: Vec<MapCode> = skel
        .maps
        .iter()
        .map(|m| {
            let declared = skel.exclusive.iter().any(|e| e.map == m.index);
            map_code(m, &skel_ty, rt, &module, declared)
        })
        .collect();
    let map_fields: Vec<_> = skel.maps.iter().map(|m| &m.field).collect();
    let map_names: Vec<_> = skel.maps.iter().map(|m| m.def.name.as_str()).collect();
    // A field's doc and visibility: compiler constant pools are private.
    let map_docs: Vec<TokenStream> = skel
        .maps
        .iter()
        .map(|m| {
            if m.internal {
                let doc = format!(
                    "The compiler's constant pool `{}`: loaded, but internal.",
                    m.def.section
                );
                quote!(#[doc = #doc] #[allow(dead_code)])
            } else {
                let doc = map_doc(m);
                quote!(#[doc = #doc] pub)
            }
        })
        .collect();
    let loaded_ty = codes.iter().map(|c| &c.loaded_ty);
    let open_ty = codes.iter().map(|c| &c.open_ty);
    let shapes = codes.iter().map(|c| &c.shape);

    let prog_fields: Vec<_> = skel.progs.iter().map(|p| &p.field).collect();
    let prog_names: Vec<_> = skel.progs.iter().map(|p| p.def.name.as_str()).collect();
    let prog_docs: Vec<_> = skel.progs.iter().map(prog_doc).collect();
    let prog_tys: Vec<_> = skel
        .progs
        .iter()
        .map(|p| crate::attach::prog_ty(p, &sk, &skel_ty))
        .collect();
    let ops_maps: Vec<&MapItem> = skel
        .maps
        .iter()
        .filter(|m| matches!(m.kind, MapKind::StructOps))
        .collect();
    let links_struct = crate::attach::links_struct(&skel.progs, &ops_maps, rt, &ivis);
    let attach_method = crate::attach::attach_method(!skel.progs.is_empty(), &ops_maps, rt);

    // Data sections with BTF: a typed field on both skeletons.
    let sections: Vec<(&MapItem, &proc_macro2::Ident, &Vec<Var>, bool)> = skel
        .maps
        .iter()
        .filter(|m| !m.internal)
        .filter_map(|m| match &m.kind {
            MapKind::Data {
                section: Some((ident, vars)),
                read_only,
                ..
            } => Some((m, ident, vars, *read_only)),
            _ => None,
        })
        .collect();
    let sec_fields: Vec<_> = sections.iter().map(|s| &s.0.field).collect();
    let sec_types: Vec<_> = sections.iter().map(|s| s.1).collect();
    let open_sec_docs: Vec<_> = sections
        .iter()
        .map(|s| {
            format!(
                "The variables of `{}`, starting from the object's initial values: set them \
                 here; they become the map's contents at load.",
                s.0.def.section
            )
        })
        .collect();
    let live_sec_docs: Vec<_> = sections
        .iter()
        .map(|s| format!("The live variables of `{}`.", s.0.def.section))
        .collect();
    let code = Code {
        ivis: &ivis,
        rt,
        skel_ty: &skel_ty,
    };
    let live_views = sections
        .iter()
        .map(|(m, ident, vars, ro)| live_view(ident, &m.def.section, vars, *ro, &code));
    let types = &skel.types;

    let exclusive = skel.exclusive.iter().map(|e| {
        let (m, p) = (e.map, e.prog);
        quote!((#m, #p))
    });
    let autoload = skel.progs.iter().filter_map(|p| {
        let (i, on) = (p.index, p.declared_autoload?);
        Some(quote!((#i, #on)))
    });
    let maps_mut = if sections.is_empty() {
        quote!()
    } else {
        quote!(mut)
    };

    // Handle structs convert whole to and from vectors of untyped items
    // (`Handles`); an empty one is written out.
    let has_maps = !skel.maps.is_empty();
    let has_progs = !skel.progs.is_empty();
    let whole = |nonempty: bool, ty: TokenStream, items: TokenStream| {
        if nonempty {
            quote!(#sk::handles(#items)?)
        } else {
            quote!(#ty {})
        }
    };
    let open_maps = whole(has_maps, quote!(#module::OpenMaps), quote!(maps));
    let open_progs = whole(has_progs, quote!(#module::OpenProgs), quote!(progs));
    let loaded_maps = whole(has_maps, quote!(#module::Maps), quote!(maps));
    let loaded_progs = whole(has_progs, quote!(#module::Progs), quote!(progs));
    let items = |nonempty: bool, value: TokenStream| {
        if nonempty {
            quote!(#sk::into_items(#value)?)
        } else {
            quote!(::std::vec::Vec::new())
        }
    };
    let maps_items = items(has_maps, quote!(maps));
    let progs_items = items(has_progs, quote!(progs));
    let handles_impl = |ty: TokenStream, item: TokenStream, what: &str| {
        let safety = format!(
            " SAFETY: `#[repr(C)]`, at least one field, and every field is a \
             `#[repr(transparent)]` handle of the runtime's `skel` module over `{what}`, in \
             the object's order (the order of the skeleton's `TABLE`, which the runtime \
             checks against the object at open and load)."
        );
        quote! {
            #[doc = #safety]
            #[allow(unsafe_code)]
            unsafe impl #sk::Handles for #ty {
                type Item = #item;
            }
        }
    };
    let mut handles = TokenStream::new();
    if has_maps {
        handles.extend(handles_impl(
            quote!(OpenMaps),
            quote!(#rt::OpenMap),
            "OpenMap",
        ));
        handles.extend(handles_impl(quote!(Maps), quote!(#rt::Map), "Map"));
    }
    if has_progs {
        handles.extend(handles_impl(
            quote!(OpenProgs),
            quote!(#rt::OpenProgram),
            "OpenProgram",
        ));
        handles.extend(handles_impl(quote!(Progs), quote!(#rt::Program), "Program"));
    }

    // `__kconfig` overrides, only for objects with `__kconfig` externs.
    let kconfig_impl = if skel.maps.iter().any(|m| m.def.name == ".kconfig") {
        quote! {
            impl #open_name {
                /// Sets a `CONFIG_*` `__kconfig` extern's value before load, in
                /// Kconfig syntax (`"y"`, `"m"`, `"n"`, a number, a quoted
                /// string), taking precedence over the kernel's Kconfig (the
                /// `kconfig` field's values are computed at load and cannot be
                /// written).
                pub fn set_kconfig(&mut self, name: &str, value: &str) -> #rt::Result<()> {
                    self.core.set_kconfig(name, value)
                }
            }
        }
    } else {
        quote!()
    };
    let name_str = name.to_string();
    let open_doc = format!(
        "[`{name_str}`] before load: parsed and relocated, nothing in the kernel yet. \
         Configure maps, programs and global variables here, then call [`{open_name}::load`]."
    );
    let mod_doc =
        format!("Maps, programs, global-data views and BTF types of the [`{name_str}`] skeleton.");
    let size = std::fs::metadata(path)
        .map(|m| format!(" ({})", plural(m.len(), "byte")))
        .unwrap_or_default();
    let written = &skel.written_path;
    let object_doc = format!(
        "The BPF object `{written}`{size}, embedded at compile time (`include_bytes!`, so the \
         crate is rebuilt when it changes)."
    );
    let types_doc = format!(
        "Rust types generated from the object's BTF ({}): map keys and values and global \
         variables, with layouts asserted at compile time.",
        plural(types.len() as u64, "item")
    );

    quote! {
        #(#attrs)*
        #[derive(Debug)]
        #vis struct #name {
            /// The links of attached programs (first, so that they are
            /// detached first when the skeleton drops).
            pub links: #module::Links,
            /// The skeleton's maps, created in the kernel.
            pub maps: #module::Maps,
            /// The skeleton's programs, loaded in the kernel.
            pub progs: #module::Progs,
            #( #[doc = #live_sec_docs] pub #sec_fields: #module::#sec_types, )*
            _btf: ::core::option::Option<::std::os::fd::OwnedFd>,
        }

        #[doc = #open_doc]
        #[derive(Debug)]
        #vis struct #open_name {
            /// The maps, not created yet.
            pub maps: #module::OpenMaps,
            /// The programs, not loaded yet.
            pub progs: #module::OpenProgs,
            #( #[doc = #open_sec_docs] pub #sec_fields: ::std::boxed::Box<#module::types::#sec_types>, )*
            core: #rt::OpenCore,
        }

        #[doc = #mod_doc]
        #vis mod #module {
            #[doc = #types_doc]
            pub mod types {
                #(#types)*
            }

            /// The maps of a loaded skeleton.
            #[derive(Debug)]
            #[repr(C)]
            #ivis struct Maps {
                #( #map_docs #map_fields: #loaded_ty, )*
            }

            /// The programs of a loaded skeleton.
            #[derive(Debug)]
            #[repr(C)]
            #ivis struct Progs {
                #( #[doc = #prog_docs] pub #prog_fields: #prog_tys, )*
            }

            #links_struct

            /// The maps of an open skeleton.
            #[derive(Debug)]
            #[repr(C)]
            #ivis struct OpenMaps {
                #( #map_docs #map_fields: #open_ty, )*
            }

            /// The programs of an open skeleton.
            #[derive(Debug)]
            #[repr(C)]
            #ivis struct OpenProgs {
                #( #[doc = #prog_docs] pub #prog_fields: #sk::OpenProgram<#skel_ty>, )*
            }

            // Hidden, so that rustdoc does not render the whole ELF as an
            // escaped byte string on the skeleton's page.
            #[doc(hidden)]
            pub(super) const OBJECT_BYTES: &[u8] = ::core::include_bytes!(#path);

            #handles

            #(#live_views)*
        }

        impl #name {
            #[doc = #object_doc]
            pub const OBJECT: &'static [u8] = #module::OBJECT_BYTES;

            /// What the generated code expects of the object, checked at
            /// open and load by the runtime.
            const TABLE: #sk::Table = #sk::Table {
                maps: &[ #( #sk::MapEntry { name: #map_names, shape: #shapes }, )* ],
                progs: &[ #( #prog_names, )* ],
                exclusive: &[ #( #exclusive, )* ],
                autoload: &[ #( #autoload, )* ],
            };

            /// Parses and relocates the embedded object. Nothing is in the
            /// kernel yet.
            pub fn open() -> #rt::Result<#open_name> {
                Self::open_with(&#rt::OpenOptions::new())
            }

            /// [`open`](Self::open) with open options: a BTF file for CO-RE
            /// on kernels without `/sys/kernel/btf/vmlinux`, the pin root,
            /// Kconfig overrides, the object's name.
            pub fn open_with(options: &#rt::OpenOptions) -> #rt::Result<#open_name> {
                let (core, maps, progs) = #sk::open_table_with(Self::OBJECT, &Self::TABLE, options)?;
                let maps: #module::OpenMaps = #open_maps;
                let progs: #module::OpenProgs = #open_progs;
                #( let #sec_fields = maps.#sec_fields.initial_typed::<#module::types::#sec_types>()?; )*
                ::core::result::Result::Ok(#open_name {
                    maps,
                    progs,
                    #( #sec_fields, )*
                    core,
                })
            }

            /// Opens and loads with the default settings.
            pub fn open_and_load() -> #rt::Result<Self> {
                Self::open()?.load()
            }

            #attach_method
        }

        impl #open_name {
            /// Creates the maps (exclusive ones with their program's hash,
            /// global-data ones with the section fields' values) and loads
            /// the autoloaded programs. Fails before any syscall if an
            /// exclusive map is used by another autoloaded program; a
            /// verifier rejection carries the complete log.
            pub fn load(self) -> #rt::Result<#name> {
                let #open_name { #maps_mut maps, progs, #( #sec_fields, )* core } = self;
                #( maps.#sec_fields.set_initial_typed(&*#sec_fields); )*
                let (maps, progs, btf) = #sk::load_table(
                    core,
                    #maps_items,
                    #progs_items,
                    &#name::TABLE,
                )?;
                let maps: #module::Maps = #loaded_maps;
                #( let #sec_fields = #module::#sec_types::from_map(&maps.#sec_fields)?; )*
                ::core::result::Result::Ok(#name {
                    links: ::core::default::Default::default(),
                    maps,
                    progs: #loaded_progs,
                    #( #sec_fields, )*
                    _btf: btf,
                })
            }
        }

        #kconfig_impl
    }
}
