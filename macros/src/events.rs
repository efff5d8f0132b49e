//! `ringbuf(map = record, ...)` and `types(name, ...)`: BTF structs named
//! in the attribute, generated into `types` whether or not a map or global
//! uses them, and the ring buffers whose records they are.

use bpf_skeleton_obj::btf::{Btf, Kind};
use bpf_skeleton_obj::maps::map_type;
use syn::Ident;

use crate::attr::Args;
use crate::model::MapItem;
use crate::types::{RType, TypeGen};

fn combine(all: &mut Option<syn::Error>, e: syn::Error) {
    match all {
        Some(a) => a.combine(e),
        None => *all = Some(e),
    }
}

/// The generated type of BTF struct or union `name`, or an error at the
/// identifier.
fn named_type(name: &Ident, btf: Option<&Btf>, gen: Option<&mut TypeGen>) -> syn::Result<RType> {
    let (Some(btf), Some(gen)) = (btf, gen) else {
        return Err(syn::Error::new(
            name.span(),
            format!("cannot generate type `{name}`: the object has no BTF"),
        ));
    };
    let s = name.to_string();
    let id = btf
        .find(&s, |k| {
            matches!(k, Kind::Struct { .. } | Kind::Union { .. })
        })
        .ok_or_else(|| {
            syn::Error::new(
                name.span(),
                format!(
                    "no struct or union `{s}` in the object's BTF (clang emits only types a \
                     map, a global or a function signature uses)"
                ),
            )
        })?;
    gen.ty(id, &s)
        .map_err(|e| syn::Error::new(name.span(), format!("cannot generate type `{s}`: {e}")))
}

/// Generates the types of `types(...)` and `ringbuf(...)` and records each
/// ring buffer's record type; every error is at the identifier at fault.
pub fn resolve(
    args: &Args,
    btf: Option<&Btf>,
    mut gen: Option<&mut TypeGen>,
    maps: &mut [MapItem],
) -> syn::Result<()> {
    let mut errors = None;
    for name in &args.types {
        if let Err(e) = named_type(name, btf, gen.as_deref_mut()) {
            combine(&mut errors, e);
        }
    }
    for pair in &args.ringbuf {
        let map_name = pair.map.to_string();
        let Some(map) = maps
            .iter_mut()
            .find(|m| m.def.name == map_name || m.field == pair.map)
        else {
            combine(
                &mut errors,
                syn::Error::new(
                    pair.map.span(),
                    format!("no map `{map_name}` in the object"),
                ),
            );
            continue;
        };
        if map.def.map_type != map_type::RINGBUF {
            combine(
                &mut errors,
                syn::Error::new(
                    pair.map.span(),
                    format!("map `{map_name}` is not a ring buffer; `ringbuf(...)` types records"),
                ),
            );
            continue;
        }
        match named_type(&pair.prog, btf, gen.as_deref_mut()) {
            Ok(t) => map.record = Some(t),
            Err(e) => combine(&mut errors, e),
        }
    }
    errors.map_or(Ok(()), Err)
}
