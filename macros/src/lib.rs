//! The `#[bpf_skeleton("path/to/x.bpf.o")]` attribute. Use it through the
//! `bpf-skeleton` crate, which re-exports it.
//!
//! The macro reads the object at compile time with the runtime's parser
//! (the same code that loads it at run time), then generates:
//! - the skeleton struct (the annotated unit struct) holding the loaded
//!   maps and programs as typed fields;
//! - `Open<Name>`, the skeleton before load, with the open-time setters;
//! - a module `<name>` (snake case) with the `Maps`, `Progs`, `OpenMaps`
//!   and `OpenProgs` structs.
//!
//! It works in three steps, as serde_derive does: parse the attribute and
//! the item, validate against the object, expand. Every error is a compile
//! error pointing at what caused it (the path literal, or an identifier in
//! `exclusive(...)`).

mod attach;
mod attr;
mod codegen;
mod events;
mod model;
mod names;
mod source;
mod types;

use proc_macro::TokenStream;
use quote::quote;
use syn::{Fields, ItemStruct};

#[doc = include_str!("skeleton.md")]
#[proc_macro_attribute]
pub fn bpf_skeleton(args: TokenStream, input: TokenStream) -> TokenStream {
    let args = syn::parse_macro_input!(args as attr::Args);
    let item = syn::parse_macro_input!(input as ItemStruct);
    match expand(&args, &item) {
        Ok(tokens) => tokens.into(),
        Err(e) => {
            // Keep the struct so that uses of it do not add noise.
            let err = e.to_compile_error();
            quote!(#err #item).into()
        }
    }
}

fn expand(args: &attr::Args, item: &ItemStruct) -> syn::Result<proc_macro2::TokenStream> {
    let mut errors: Option<syn::Error> = None;
    if !matches!(item.fields, Fields::Unit) {
        errors = Some(syn::Error::new_spanned(
            &item.fields,
            "#[bpf_skeleton] takes a unit struct (`pub struct Name;`): its fields are generated",
        ));
    }
    if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
        let e = syn::Error::new_spanned(&item.generics, "a skeleton struct cannot be generic");
        match errors.as_mut() {
            Some(all) => all.combine(e),
            None => errors = Some(e),
        }
    }
    let skel = model::build(args);
    match (errors, skel) {
        (None, Ok(skel)) => Ok(codegen::expand(item, &skel)),
        (Some(mut e), Err(e2)) => {
            e.combine(e2);
            Err(e)
        }
        (Some(e), Ok(_)) | (None, Err(e)) => Err(e),
    }
}

#[cfg(test)]
mod tests;
