//! Parsing the attribute's arguments: `"path/to/x.bpf.o"` followed by
//! optional `exclusive(map = prog, ...)`, `autoload(prog = bool, ...)` and
//! `crate = "path"`.

use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Token};

/// One `map = program` pair of `exclusive(...)`.
pub struct ExclusivePair {
    pub map: Ident,
    pub prog: Ident,
}

impl Parse for ExclusivePair {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let map: Ident = input.call(syn::ext::IdentExt::parse_any)?;
        input.parse::<Token![=]>()?;
        let prog: Ident = input.call(syn::ext::IdentExt::parse_any)?;
        Ok(ExclusivePair { map, prog })
    }
}

/// One `program = true|false` pair of `autoload(...)`.
pub struct AutoloadSetting {
    pub prog: Ident,
    pub value: syn::LitBool,
}

impl Parse for AutoloadSetting {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let prog: Ident = input.call(syn::ext::IdentExt::parse_any)?;
        input.parse::<Token![=]>()?;
        let value: syn::LitBool = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected `true` or `false`: autoload(program = false)",
            )
        })?;
        Ok(AutoloadSetting { prog, value })
    }
}

/// The attribute's arguments.
pub struct Args {
    pub path: LitStr,
    pub exclusive: Vec<ExclusivePair>,
    /// Declared autoload settings, overriding the section's `?` prefix.
    pub autoload: Vec<AutoloadSetting>,
    /// The path of the `bpf-skeleton` crate in generated code
    /// (`crate = "my_bpf"` for a renamed or re-exported dependency).
    pub krate: Option<syn::Path>,
    /// `ringbuf(map = type, ...)`: ring buffers whose records are a BTF
    /// struct (the pairs reuse `ExclusivePair`'s `a = b` syntax).
    pub ringbuf: Vec<ExclusivePair>,
    /// `types(name, ...)`: BTF structs to generate even if unused.
    pub types: Vec<Ident>,
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(
                input.error("expected the path of a BPF object: #[bpf_skeleton(\"bpf/x.bpf.o\")]")
            );
        }
        let path: LitStr = input.parse()?;
        let mut exclusive = Vec::new();
        let mut seen_exclusive = false;
        let mut autoload = Vec::new();
        let mut seen_autoload = false;
        let mut krate = None;
        let mut ringbuf = Vec::new();
        let mut types = Vec::new();
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key: Ident = input.call(syn::ext::IdentExt::parse_any)?;
            if key == "crate" {
                if krate.is_some() {
                    return Err(syn::Error::new(key.span(), "`crate = ...` given twice"));
                }
                input.parse::<Token![=]>()?;
                let lit: LitStr = input.parse()?;
                krate = Some(lit.parse::<syn::Path>().map_err(|e| {
                    syn::Error::new(lit.span(), format!("`crate` must be a path: {e}"))
                })?);
                continue;
            }
            if key == "ringbuf" || key == "types" {
                let content;
                syn::parenthesized!(content in input);
                if key == "ringbuf" {
                    let pairs: Punctuated<ExclusivePair, Token![,]> =
                        content.parse_terminated(ExclusivePair::parse, Token![,])?;
                    ringbuf.extend(pairs);
                } else {
                    let names: Punctuated<Ident, Token![,]> =
                        content.parse_terminated(syn::ext::IdentExt::parse_any, Token![,])?;
                    types.extend(names);
                }
                continue;
            }
            if key == "autoload" {
                if seen_autoload {
                    return Err(syn::Error::new(
                        key.span(),
                        "`autoload(...)` given twice; list every program in one",
                    ));
                }
                seen_autoload = true;
                let content;
                syn::parenthesized!(content in input);
                let settings: Punctuated<AutoloadSetting, Token![,]> =
                    content.parse_terminated(AutoloadSetting::parse, Token![,])?;
                autoload.extend(settings);
                continue;
            }
            if key != "exclusive" {
                return Err(syn::Error::new(
                    key.span(),
                    format!(
                        "unknown option `{key}`; expected `exclusive(map = program, ...)`, \
                         `autoload(program = false, ...)`, `ringbuf(map = record_type, ...)`, \
                         `types(btf_struct, ...)` or `crate = \"path\"`"
                    ),
                ));
            }
            if seen_exclusive {
                return Err(syn::Error::new(
                    key.span(),
                    "`exclusive(...)` given twice; list every pair in one",
                ));
            }
            seen_exclusive = true;
            let content;
            syn::parenthesized!(content in input);
            let pairs: Punctuated<ExclusivePair, Token![,]> =
                content.parse_terminated(ExclusivePair::parse, Token![,])?;
            exclusive.extend(pairs);
        }
        Ok(Args {
            path,
            exclusive,
            autoload,
            krate,
            ringbuf,
            types,
        })
    }
}
