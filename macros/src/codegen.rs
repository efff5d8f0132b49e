//! Expansion: the skeleton struct, its open counterpart, and a module with
//! the typed `Maps`, `Progs`, `OpenMaps` and `OpenProgs` structs, the live
//! views of global-data sections, and the `types` generated from BTF.

use std::fmt::Write;

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

/// How one map appears, as source: its loaded type, its open type, and
/// the shape its loaded type expects (for the table).
struct MapCode {
    loaded_ty: String,
    open_ty: String,
    shape: String,
}

fn map_code(m: &MapItem, skel_ty: &str, rt: &str, module: &str, declared: bool) -> MapCode {
    let sk = &format!("{rt}::skel");
    // Inside the generated module, and outside it (the table).
    let p = "types::";
    let outer = &format!("{module}::types::");
    let x = if declared {
        format!(", {sk}::DeclaredExclusive")
    } else {
        String::new()
    };
    let size = |t: String| format!("::core::mem::size_of::<{t}>()");
    let sized = |k: String, v: String| format!("{sk}::Shape::Sized {{ key: {k}, value: {v} }}");
    let (loaded_ty, shape, data) = match &m.kind {
        MapKind::KeyValue { key, value } => {
            let (k, v) = (key.text(p), value.text(p));
            let shape = sized(size(key.text(outer)), size(value.text(outer)));
            (format!("{sk}::Map<{skel_ty}, {k}, {v}>"), shape, false)
        }
        MapKind::PerCpu { key, value } => {
            let (k, v) = (key.text(p), value.text(p));
            let shape = sized(size(key.text(outer)), size(value.text(outer)));
            (
                format!("{sk}::PerCpuMap<{skel_ty}, {k}, {v}>"),
                shape,
                false,
            )
        }
        MapKind::Keyless { kind, value } => {
            let v = value.text(p);
            let shape = sized("0".into(), size(value.text(outer)));
            let kind = match kind {
                Keyless::Queue => "Queue",
                Keyless::Stack => "Stack",
                Keyless::BloomFilter => "BloomFilter",
            };
            (format!("{sk}::{kind}<{skel_ty}, {v}>"), shape, false)
        }
        MapKind::UserRingBuf => (
            format!("{sk}::UserRingBuf<{skel_ty}>"),
            sized("0".into(), "0".into()),
            false,
        ),
        MapKind::RingBuf => (
            match &m.record {
                Some(r) => format!("{sk}::EventRingBuf<{skel_ty}, {}>", r.text(p)),
                None => format!("{sk}::RingBuf<{skel_ty}>"),
            },
            sized("0".into(), "0".into()),
            false,
        ),
        MapKind::ProgArray => (
            format!("{sk}::ProgArray<{skel_ty}>"),
            sized("4".into(), "4".into()),
            false,
        ),
        MapKind::MapOfMaps { key } => {
            let shape = sized(size(key.text(outer)), "4".into());
            (
                format!("{sk}::MapOfMaps<{skel_ty}, {}>", key.text(p)),
                shape,
                false,
            )
        }
        MapKind::PerfEventArray => (
            format!("{sk}::PerfEventArray<{skel_ty}>"),
            format!("{sk}::Shape::Any"),
            false,
        ),
        MapKind::Raw => (
            format!("{sk}::RawMap<{skel_ty}>"),
            format!("{sk}::Shape::Any"),
            false,
        ),
        MapKind::StructOps => (
            format!("{sk}::StructOpsMap<{skel_ty}>"),
            format!("{sk}::Shape::Any"),
            false,
        ),
        MapKind::Data { section, .. } => {
            // The section's struct, or its bytes without BTF.
            let n = m.def.value_size;
            let value = match section {
                Some((ident, _)) => format!("types::{ident}"),
                None => format!("[u8; {n}]"),
            };
            (
                format!("{rt}::global::DataMap<{skel_ty}, {value}>"),
                format!("{sk}::Shape::Data {{ value_size: {n} }}"),
                true,
            )
        }
    };
    let open_ty = if data {
        format!("{sk}::OpenDataMap<{skel_ty}{x}>")
    } else {
        format!("{sk}::OpenMap<{skel_ty}{x}>")
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

/// The live view of one data section, as source: struct definition and
/// the constructor building it from the loaded data map, with the access
/// width of each variable. Accessors pass each variable's offset as a
/// literal: the section struct's layout (no implicit padding, so every
/// field at its BTF offset) is checked at compile time in `types`.
fn live_view(
    o: &mut String,
    ident: &proc_macro2::Ident,
    section: &str,
    vars: &[Var],
    read_only: bool,
    code: &Code<'_>,
) {
    let Code { ivis, rt, skel_ty } = code;
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
    let mut spans: Vec<&Var> = vars.iter().collect();
    spans.sort_by_key(|v| v.offset);
    let _ = write!(
        o,
        "#[doc = {doc:?}] #[derive(Debug)] \
         {ivis} struct {ident}({rt}::global::Globals<types::{ident}>); \
         impl {ident} {{ \
         pub(super) fn from_map(map: &{rt}::global::DataMap<{skel_ty}, types::{ident}>) \
         -> {rt}::Result<Self> {{ {rt}::global::Globals::new(map, &["
    );
    for v in spans {
        let _ = write!(
            o,
            "{rt}::mmap::Span {{ offset: {}, len: {}, width: {} }},",
            v.offset, v.size, v.width
        );
    }
    let _ = write!(
        o,
        "]).map(Self) }} \
         #[doc = \" A snapshot of the whole section, on the heap.\"] \
         pub fn read(&self) -> ::std::boxed::Box<types::{ident}> {{ self.0.read() }} \
         #[doc = \" Calls `f` with a heap snapshot of the whole section.\"] \
         pub fn with<R>(&self, f: impl ::core::ops::FnOnce(&types::{ident}) -> R) -> R {{ \
         self.0.with(f) }}"
    );
    if read_only {
        frozen_setter(o, "write", rt);
    } else {
        let _ = write!(
            o,
            "#[doc = \" Overwrites the whole section, variable by variable.\"] \
             pub fn write(&self, value: &types::{ident}) {{ self.0.write(value); }} \
             #[doc = \" Calls `f` on a heap snapshot of the section, then writes back the \
             variables' granules `f` changed (the others, which programs may have updated \
             meanwhile, are left alone). `None` only if the mapping is read-only, which a \
             writable section's never is.\"] \
             pub fn update<R>(&self, f: impl ::core::ops::FnOnce(&mut types::{ident}) -> R) \
             -> ::core::option::Option<R> {{ self.0.update(f) }}"
        );
    }
    for v in vars {
        let f = &v.field;
        let ty = v.ty.text("types::");
        let large = v.size > LARGE_VAR;
        let how = format!(
            "offset {}, {}, accessed {} at a time",
            v.offset,
            plural(v.size.into(), "byte"),
            plural(v.width.into(), "byte")
        );
        let gdoc = format!("Reads `{}` ({how}).", v.name);
        let offset = v.offset;
        if large {
            let _ = write!(
                o,
                "#[doc = {gdoc:?}] pub fn {f}(&self) -> ::std::boxed::Box<{ty}> {{ \
                 self.0.read_field_boxed({offset}) }}"
            );
        } else {
            let _ = write!(
                o,
                "#[doc = {gdoc:?}] pub fn {f}(&self) -> {ty} {{ self.0.read_field({offset}) }}"
            );
        }
        let setter = format!("set_{f}");
        if read_only {
            frozen_setter(o, &setter, rt);
            continue;
        }
        let sdoc = format!("Writes `{}` ({how}).", v.name);
        if large {
            let _ = write!(
                o,
                "#[doc = {sdoc:?}] pub fn {setter}(&self, value: &{ty}) {{ \
                 self.0.write_field({offset}, value); }}"
            );
        } else {
            let _ = write!(
                o,
                "#[doc = {sdoc:?}] pub fn {setter}(&self, value: {ty}) {{ \
                 self.0.write_field({offset}, &value); }}"
            );
        }
        if v.atomic {
            let bits = v.width * 8;
            let adoc = format!(
                "`{}` as an `AtomicU{bits}`, the width of every access to it, for counters \
                 programs update with atomic instructions (`__sync_fetch_and_add`). `Some` \
                 whenever the section is mapped writable.",
                v.name
            );
            let _ = write!(
                o,
                "#[doc = {adoc:?}] pub fn {f}_atomic(&self) \
                 -> ::core::option::Option<&::std::sync::atomic::AtomicU{bits}> {{ \
                 self.0.atomic_u{bits}({offset}) }}"
            );
        }
    }
    o.push('}');
}

/// A setter of a read-only (`.rodata`) live view, as source: it exists
/// only so that calling it says what to do instead (the runtime's
/// `RodataIsFrozenByLoad`, which nothing implements).
fn frozen_setter(o: &mut String, name: &str, rt: &str) {
    let _ = write!(
        o,
        "#[doc(hidden)] pub fn {name}<V>(&self, value: V) \
         where V: {rt}::skel::RodataIsFrozenByLoad {{ \
         match {rt}::skel::RodataIsFrozenByLoad::never(&value) {{}} }}"
    );
}

/// What every live view needs from the expansion, as source.
struct Code<'a> {
    ivis: &'a str,
    rt: &'a str,
    skel_ty: &'a str,
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
    // The same, as source for the parts written as text (see `source`).
    let rt_s = &rt.to_string();
    let sk_s = &format!("{rt_s}::skel");
    let ivis_s = &ivis.to_string();
    let skel_ty_s = &format!("super::{name}");
    let module_s = &module.to_string();

    let codes: Vec<MapCode> = skel
        .maps
        .iter()
        .map(|m| {
            let declared = skel.exclusive.iter().any(|e| e.map == m.index);
            map_code(m, skel_ty_s, rt_s, module_s, declared)
        })
        .collect();
    // A map field's doc and visibility: compiler constant pools are private.
    let map_heads: Vec<String> = skel
        .maps
        .iter()
        .map(|m| {
            if m.internal {
                let doc = format!(
                    "The compiler's constant pool `{}`: loaded, but internal.",
                    m.def.section
                );
                format!("#[doc = {doc:?}] #[allow(dead_code)] {}", m.field)
            } else {
                format!("#[doc = {:?}] pub {}", map_doc(m), m.field)
            }
        })
        .collect();
    let prog_heads: Vec<String> = skel
        .progs
        .iter()
        .map(|p| format!("#[doc = {:?}] pub {}", prog_doc(p), p.field))
        .collect();
    let ops_maps: Vec<&MapItem> = skel
        .maps
        .iter()
        .filter(|m| matches!(m.kind, MapKind::StructOps))
        .collect();
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
    let types = &skel.types;

    // The module's structs, one field per map or program, their `Handles`
    // impls and the live views: written as source (see `source`).
    let mut body = String::new();
    let o = &mut body;
    let _ = write!(
        o,
        "#[doc = \" The maps of a loaded skeleton.\"] #[derive(Debug)] #[repr(C)] \
         {ivis_s} struct Maps {{"
    );
    for (head, c) in map_heads.iter().zip(&codes) {
        let _ = write!(o, "{head}: {},", c.loaded_ty);
    }
    let _ = write!(
        o,
        "}} #[doc = \" The programs of a loaded skeleton.\"] #[derive(Debug)] #[repr(C)] \
         {ivis_s} struct Progs {{"
    );
    for (head, p) in prog_heads.iter().zip(&skel.progs) {
        let ty = crate::attach::prog_ty(p, sk_s, skel_ty_s);
        let _ = write!(o, "{head}: {ty},");
    }
    o.push('}');
    crate::attach::links_struct(o, &skel.progs, &ops_maps, rt_s, ivis_s);
    let _ = write!(
        o,
        "#[doc = \" The maps of an open skeleton.\"] #[derive(Debug)] #[repr(C)] \
         {ivis_s} struct OpenMaps {{"
    );
    for (head, c) in map_heads.iter().zip(&codes) {
        let _ = write!(o, "{head}: {},", c.open_ty);
    }
    let _ = write!(
        o,
        "}} #[doc = \" The programs of an open skeleton.\"] #[derive(Debug)] #[repr(C)] \
         {ivis_s} struct OpenProgs {{"
    );
    for head in &prog_heads {
        let _ = write!(o, "{head}: {sk_s}::OpenProgram<{skel_ty_s}>,");
    }
    o.push('}');
    // Hidden, so that rustdoc does not render the whole ELF as an escaped
    // byte string on the skeleton's page.
    let _ = write!(
        o,
        "#[doc(hidden)] pub(super) const OBJECT_BYTES: &[u8] = ::core::include_bytes!({path:?});"
    );
    // Handle structs convert whole to and from vectors of untyped items
    // (`Handles`).
    let handles_impl = |o: &mut String, ty: &str, item: &str| {
        let _ = write!(
            o,
            "#[doc = \" SAFETY: `#[repr(C)]`, at least one field, and every field is a \
             `#[repr(transparent)]` handle of the runtime's `skel` module over `{item}`, in \
             the object's order (the order of the skeleton's `TABLE`, which the runtime \
             checks against the object at open and load).\"] \
             #[allow(unsafe_code)] unsafe impl {sk_s}::Handles for {ty} {{ \
             type Item = {rt_s}::{item}; }}"
        );
    };
    let has_maps = !skel.maps.is_empty();
    let has_progs = !skel.progs.is_empty();
    if has_maps {
        handles_impl(o, "OpenMaps", "OpenMap");
        handles_impl(o, "Maps", "Map");
    }
    if has_progs {
        handles_impl(o, "OpenProgs", "OpenProgram");
        handles_impl(o, "Progs", "Program");
    }
    let code = Code {
        ivis: ivis_s,
        rt: rt_s,
        skel_ty: skel_ty_s,
    };
    for (m, ident, vars, ro) in &sections {
        live_view(o, ident, &m.def.section, vars, *ro, &code);
    }
    let body = crate::source::tokens(&body);

    // What the generated code expects of the object, as source.
    let mut table = format!("{sk_s}::Table {{ maps: &[");
    for (m, c) in skel.maps.iter().zip(&codes) {
        let _ = write!(
            table,
            "{sk_s}::MapEntry {{ name: {:?}, shape: {} }},",
            m.def.name, c.shape
        );
    }
    table.push_str("], progs: &[");
    for p in &skel.progs {
        let _ = write!(table, "{:?},", p.def.name);
    }
    table.push_str("], exclusive: &[");
    for e in &skel.exclusive {
        let _ = write!(table, "({}usize, {}usize),", e.map, e.prog);
    }
    table.push_str("], autoload: &[");
    for p in &skel.progs {
        if let Some(on) = p.declared_autoload {
            let _ = write!(table, "({}usize, {on}),", p.index);
        }
    }
    table.push_str("] }");
    let table = crate::source::tokens(&table);
    let maps_mut = if sections.is_empty() {
        quote!()
    } else {
        quote!(mut)
    };

    // Handle structs convert whole to and from vectors of untyped items
    // (`Handles`); an empty one is written out.
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
        plural(skel.type_count as u64, "item")
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
                #types
            }

            #body
        }

        impl #name {
            #[doc = #object_doc]
            pub const OBJECT: &'static [u8] = #module::OBJECT_BYTES;

            /// What the generated code expects of the object, checked at
            /// open and load by the runtime.
            const TABLE: #sk::Table = #table;

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
