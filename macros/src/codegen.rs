//! Expansion: the skeleton struct, its open counterpart, and a module with
//! the typed `Maps`, `Progs`, `OpenMaps` and `OpenProgs` structs.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{ItemStruct, Visibility};

use crate::model::{map_doc, prog_doc, Skeleton};
use crate::names::snake_case;

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

pub fn expand(item: &ItemStruct, skel: &Skeleton) -> TokenStream {
    let name = &item.ident;
    let vis = &item.vis;
    let attrs = &item.attrs;
    let open_name = format_ident!("Open{}", name);
    let module = format_ident!("{}", snake_case(&name.to_string()));
    let ivis = inner_vis(vis);
    let rt = quote!(::bpf_skeleton::runtime);
    let sk = quote!(::bpf_skeleton::runtime::skel);
    let path = &skel.abs_path;

    let map_fields: Vec<_> = skel.maps.iter().map(|m| &m.field).collect();
    let map_names: Vec<_> = skel.maps.iter().map(|m| m.def.name.as_str()).collect();
    let map_idx: Vec<_> = skel.maps.iter().map(|m| m.index).collect();
    let map_docs: Vec<_> = skel.maps.iter().map(map_doc).collect();
    // Global-data maps have their own open type (no max_entries setter):
    // (open type, OpenParts method taking it, function unwrapping it).
    let open_kinds: Vec<_> = skel
        .maps
        .iter()
        .map(|m| {
            if m.def.is_data() {
                (
                    quote!(OpenDataMap),
                    quote!(data_map),
                    quote!(open_data_map_inner),
                )
            } else {
                (quote!(OpenMap), quote!(map), quote!(open_map_inner))
            }
        })
        .collect();
    let open_map_ty = open_kinds.iter().map(|k| &k.0);
    let take_open_map = open_kinds.iter().map(|k| &k.1);
    let open_map_inner = open_kinds.iter().map(|k| &k.2);
    let prog_fields: Vec<_> = skel.progs.iter().map(|p| &p.field).collect();
    let prog_names: Vec<_> = skel.progs.iter().map(|p| p.def.name.as_str()).collect();
    let prog_idx: Vec<_> = skel.progs.iter().map(|p| p.index).collect();
    let prog_docs: Vec<_> = skel.progs.iter().map(prog_doc).collect();

    let exclusive = skel.exclusive.iter().filter_map(|e| {
        let m = &skel.maps.get(e.map)?.field;
        let p = &skel.progs.get(e.prog)?.field;
        Some(quote!(open.maps.#m.set_exclusive(&open.progs.#p);))
    });
    let open_mut = if skel.exclusive.is_empty() {
        quote!()
    } else {
        quote!(mut)
    };
    let parts_mut = if skel.maps.is_empty() && skel.progs.is_empty() {
        quote!()
    } else {
        quote!(mut)
    };

    let name_str = name.to_string();
    let open_doc = format!(
        "[`{name_str}`] before load: parsed and relocated, nothing in the kernel yet. \
         Configure maps and programs here, then call [`{open_name}::load`]."
    );
    let mod_doc = format!("Maps and programs of the [`{name_str}`] skeleton.");
    let object_doc = format!("The BPF object `{path}`, embedded at compile time.");

    quote! {
        #(#attrs)*
        #[derive(Debug)]
        #vis struct #name {
            /// The skeleton's maps, created in the kernel.
            pub maps: #module::Maps,
            /// The skeleton's programs, loaded in the kernel.
            pub progs: #module::Progs,
            _btf: ::core::option::Option<::std::os::fd::OwnedFd>,
        }

        #[doc = #open_doc]
        #[derive(Debug)]
        #vis struct #open_name {
            /// The maps, not created yet.
            pub maps: #module::OpenMaps,
            /// The programs, not loaded yet.
            pub progs: #module::OpenProgs,
            core: #rt::OpenCore,
        }

        #[doc = #mod_doc]
        #vis mod #module {
            /// The maps of a loaded skeleton.
            #[derive(Debug)]
            #ivis struct Maps {
                #( #[doc = #map_docs] pub #map_fields: #sk::Map<super::#name>, )*
            }

            /// The programs of a loaded skeleton.
            #[derive(Debug)]
            #ivis struct Progs {
                #( #[doc = #prog_docs] pub #prog_fields: #sk::Program<super::#name>, )*
            }

            /// The maps of an open skeleton.
            #[derive(Debug)]
            #ivis struct OpenMaps {
                #( #[doc = #map_docs] pub #map_fields: #sk::#open_map_ty<super::#name>, )*
            }

            /// The programs of an open skeleton.
            #[derive(Debug)]
            #ivis struct OpenProgs {
                #( #[doc = #prog_docs] pub #prog_fields: #sk::OpenProgram<super::#name>, )*
            }
        }

        impl #name {
            #[doc = #object_doc]
            pub const OBJECT: &'static [u8] = ::core::include_bytes!(#path);

            /// Parses and relocates the embedded object. Nothing is in the
            /// kernel yet.
            pub fn open() -> #rt::Result<#open_name> {
                let obj = #rt::OpenObject::from_bytes(Self::OBJECT)?;
                let #parts_mut parts = #sk::OpenParts::new(obj);
                let maps = #module::OpenMaps {
                    #( #map_fields: parts.#take_open_map(#map_idx, #map_names)?, )*
                };
                let progs = #module::OpenProgs {
                    #( #prog_fields: parts.program(#prog_idx, #prog_names)?, )*
                };
                let #open_mut open = #open_name {
                    maps,
                    progs,
                    core: parts.finish()?,
                };
                #( #exclusive )*
                ::core::result::Result::Ok(open)
            }

            /// Opens and loads with the default settings.
            pub fn open_and_load() -> #rt::Result<Self> {
                Self::open()?.load()
            }
        }

        impl #open_name {
            /// Creates the maps (exclusive ones with their program's hash)
            /// and loads the autoloaded programs. Fails before any syscall
            /// if an exclusive map is used by another autoloaded program;
            /// a verifier rejection carries the complete log.
            pub fn load(self) -> #rt::Result<#name> {
                let #open_name { maps, progs, core } = self;
                let #parts_mut parts = #sk::load_parts(
                    core,
                    ::std::vec![ #( #sk::#open_map_inner(maps.#map_fields), )* ],
                    ::std::vec![ #( #sk::open_program_inner(progs.#prog_fields), )* ],
                )?;
                ::core::result::Result::Ok(#name {
                    maps: #module::Maps {
                        #( #map_fields: parts.map(#map_idx, #map_names)?, )*
                    },
                    progs: #module::Progs {
                        #( #prog_fields: parts.program(#prog_idx, #prog_names)?, )*
                    },
                    _btf: parts.btf(),
                })
            }
        }
    }
}
