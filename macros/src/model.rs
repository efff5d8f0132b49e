//! Validation: reads the object with the runtime's parser, links every
//! program to learn which maps it uses, names every field, and checks the
//! declarative `exclusive(...)` pairs. Every error is a `syn::Error` with
//! the span of what caused it; independent errors are reported together.

use std::path::{Path, PathBuf};

use bpf_skeleton_obj::maps::map_type;
use bpf_skeleton_obj::reloc::link;
use bpf_skeleton_obj::section::prog_type_name;
use bpf_skeleton_obj::{MapDef, MapOrigin, ObjectFile, ProgramDef};
use proc_macro2::Span;
use syn::{Ident, LitStr};

use crate::attr::Args;
use crate::names::{camel_case, field_names, plural};
use crate::types::{RType, TypeGen, Var};

/// How a map is exposed, with its Rust key and value types.
pub enum MapKind {
    /// Lookup/update/delete/iterate with typed keys and values.
    KeyValue { key: RType, value: RType },
    /// Like `KeyValue`, one value per possible CPU.
    PerCpu { key: RType, value: RType },
    /// A ring buffer consumer.
    RingBuf,
    /// A user ring buffer producer.
    UserRingBuf,
    /// Queue (FIFO), stack (LIFO) or bloom filter of values, no keys.
    Keyless { kind: Keyless, value: RType },
    /// Tail-call slots.
    ProgArray,
    /// Per-CPU perf buffers.
    PerfEventArray,
    /// Maps of maps.
    MapOfMaps { key: RType },
    /// Raw access only.
    Raw,
    /// A struct_ops map: raw access and `attach_struct_ops()`.
    StructOps,
    /// A global-data section: a one-element array whose value is the
    /// section struct, plus (with BTF) typed variables.
    Data {
        section: Option<(Ident, Vec<Var>)>,
        read_only: bool,
    },
}

/// The map kinds without keys.
#[derive(Clone, Copy)]
pub enum Keyless {
    Queue,
    Stack,
    BloomFilter,
}

/// One map of the skeleton.
pub struct MapItem {
    pub index: usize,
    pub field: Ident,
    pub def: MapDef,
    pub kind: MapKind,
    /// Why typed keys/values fell back to byte arrays, if they did.
    pub fallback: Option<String>,
    /// Names of the programs that reference it.
    pub used_by: Vec<String>,
    /// Global variables (name, offset, size) for data maps.
    pub variables: Vec<(String, u32, u32)>,
    /// The record type of a ring buffer named in `ringbuf(...)`.
    pub record: Option<RType>,
    /// A compiler constant pool (see [`is_constant_pool`]): loaded like
    /// every map, but a private field of the skeleton, absent from its docs
    /// and from error lists.
    pub internal: bool,
}

/// Whether a data section is one of clang's constant pools: the mergeable
/// sections it emits for literals (`.rodata.cst4`/`8`/`16`/`32` for
/// constants, `.rodata.str1.1` and the like for strings). They hold no
/// variable the program's author declared.
///
/// libbpf loads them as it loads `.rodata` (programs reference them through
/// relocations), and so do we. bpftool (v7.1, libbpf 1.1, read from its
/// `gen skeleton` output) also lists them as `struct bpf_map *rodata_str1_1`
/// with an empty data struct, because its identifier rule keeps every
/// internal map whose name contains `.rodata`. We deviate on purpose: a
/// skeleton field the user never declared, with nothing typed in it, is
/// noise in the API, the docs and the error lists, so these maps are kept
/// as private fields (still created, frozen and in the object's order).
pub fn is_constant_pool(def: &MapDef) -> bool {
    matches!(def.origin, MapOrigin::Data { read_only: true })
        && (def.section.starts_with(".rodata.cst") || def.section.starts_with(".rodata.str"))
}

/// One program of the skeleton.
pub struct ProgItem {
    pub index: usize,
    pub field: Ident,
    pub def: ProgramDef,
    /// Names of the maps it references.
    pub maps_used: Vec<String>,
    pub subprograms: Vec<String>,
    pub insns: usize,
    /// `autoload(prog = ...)` from the attribute, if given.
    pub declared_autoload: Option<bool>,
}

impl ProgItem {
    /// Whether `load()` loads it unless changed at run time: the declared
    /// setting, else the section's (`?` prefix: off).
    pub fn autoload(&self) -> bool {
        self.declared_autoload.unwrap_or(self.def.kind.autoload)
    }
}

/// A declarative exclusive pair, resolved to indices.
pub struct Exclusive {
    pub map: usize,
    pub prog: usize,
}

/// Everything code generation needs.
pub struct Skeleton {
    pub abs_path: String,
    /// The path as written in the attribute (for docs: no build paths).
    pub written_path: String,
    /// The runtime's path in generated code.
    pub rt: proc_macro2::TokenStream,
    /// Definitions of the generated types (module `types`).
    pub types: proc_macro2::TokenStream,
    /// How many items `types` defines.
    pub type_count: usize,
    pub maps: Vec<MapItem>,
    pub progs: Vec<ProgItem>,
    pub exclusive: Vec<Exclusive>,
}

/// Expands every `${NAME}` in the path from the environment at compile
/// time (e.g. `${OUT_DIR}` for an object compiled by a build script).
fn expand_env(lit: &LitStr) -> syn::Result<String> {
    let raw = lit.value();
    let mut out = String::new();
    let mut rest = raw.as_str();
    while let Some(start) = rest.find("${") {
        out.push_str(rest.get(..start).unwrap_or_default());
        let after = rest.get(start + 2..).unwrap_or_default();
        let end = after
            .find('}')
            .ok_or_else(|| syn::Error::new(lit.span(), "unterminated `${` in the object path"))?;
        let name = after.get(..end).unwrap_or_default();
        let value = std::env::var(name).map_err(|_| {
            syn::Error::new(
                lit.span(),
                format!("environment variable `{name}` used in the object path is not set"),
            )
        })?;
        out.push_str(&value);
        rest = after.get(end + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    Ok(out)
}

/// Resolves the path literal: `${VAR}` is expanded, then relative paths
/// are relative to the using crate's `CARGO_MANIFEST_DIR`.
fn resolve(lit: &LitStr) -> syn::Result<PathBuf> {
    let raw = expand_env(lit)?;
    let p = Path::new(&raw);
    if p.is_absolute() {
        return Ok(p.to_path_buf());
    }
    let dir = std::env::var("CARGO_MANIFEST_DIR").map_err(|_| {
        syn::Error::new(
            lit.span(),
            "relative object path, but CARGO_MANIFEST_DIR is not set; use an absolute path",
        )
    })?;
    Ok(Path::new(&dir).join(p))
}

fn path_is_absolute(lit: &LitStr) -> bool {
    expand_env(lit).is_ok_and(|p| Path::new(&p).is_absolute())
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// Reads, parses and validates.
pub fn build(args: &Args) -> syn::Result<Skeleton> {
    let lit = &args.path;
    let path = resolve(lit)?;
    let relative_note = if path_is_absolute(lit) {
        String::new()
    } else {
        " (relative paths are resolved against the crate's CARGO_MANIFEST_DIR)".to_string()
    };
    let bytes = std::fs::read(&path).map_err(|e| {
        syn::Error::new(
            lit.span(),
            format!(
                "cannot read BPF object `{}`{relative_note}: {e}",
                path.display()
            ),
        )
    })?;
    let abs_path = path
        .to_str()
        .ok_or_else(|| syn::Error::new(lit.span(), "the object's path is not UTF-8"))?
        .to_string();
    let file = ObjectFile::parse(&bytes)
        .map_err(|e| syn::Error::new(lit.span(), format!("`{}`: {e}", lit.value())))?;

    let mut links = Vec::with_capacity(file.programs.len());
    for i in 0..file.programs.len() {
        links.push(
            link(&file, i)
                .map_err(|e| syn::Error::new(lit.span(), format!("`{}`: {e}", lit.value())))?,
        );
    }

    let map_fields = field_names(file.maps.iter().map(|m| m.name.as_str()));
    let err = |e: String| syn::Error::new(lit.span(), format!("`{}`: {e}", lit.value()));
    let rt = match &args.krate {
        Some(p) => quote::quote!(#p::runtime),
        None => quote::quote!(::bpf_skeleton::runtime),
    };
    let mut gen = file.btf.as_ref().map(|b| TypeGen::new(b, &rt));
    let prog_fields = field_names(file.programs.iter().map(|p| p.name.as_str()));

    let mut maps = Vec::with_capacity(file.maps.len());
    for (index, (def, field)) in file.maps.iter().zip(&map_fields).enumerate() {
        let used_by = file
            .programs
            .iter()
            .zip(&links)
            .filter(|(_, l)| l.maps_used.contains(&index))
            .map(|(p, _)| p.name.clone())
            .collect();
        let variables = file
            .variables(index)
            .map_err(|e| syn::Error::new(lit.span(), format!("`{}`: {e}", lit.value())))?
            .into_iter()
            .map(|v| (v.name, v.offset, v.size))
            .collect();
        // A type the generator cannot express makes this map untyped (byte
        // arrays, with the reason in its docs), not the skeleton unusable.
        let (kind, fallback) = match map_kind(def, gen.as_mut()) {
            Ok(k) => (k, None),
            Err(e) => {
                let k =
                    map_kind(def, None).map_err(|e2| err(format!("map `{}`: {e2}", def.name)))?;
                (k, Some(e))
            }
        };
        maps.push(MapItem {
            index,
            field: ident(field),
            def: def.clone(),
            kind,
            fallback,
            used_by,
            variables,
            record: None,
            internal: is_constant_pool(def),
        });
    }
    let mut progs: Vec<ProgItem> = file
        .programs
        .iter()
        .zip(&prog_fields)
        .zip(&links)
        .enumerate()
        .map(|(index, ((def, field), l))| ProgItem {
            index,
            field: ident(field),
            def: def.clone(),
            maps_used: l
                .maps_used
                .iter()
                .filter_map(|&m| file.maps.get(m).map(|d| d.name.clone()))
                .collect(),
            subprograms: l.subprograms.clone(),
            insns: l.insns.len(),
            declared_autoload: None,
        })
        .collect();

    let events = crate::events::resolve(args, file.btf.as_ref(), gen.as_mut(), &mut maps);
    let autoload = validate_autoload(args, &mut progs);
    let exclusive = validate_exclusive(args, &maps, &progs);
    let (exclusive, _) = match (exclusive, autoload) {
        (Ok(e), Ok(a)) => (e, a),
        (Err(mut e), Err(e2)) => {
            e.combine(e2);
            return Err(e);
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    events?;
    let (types, type_count) = gen.map(TypeGen::into_items).unwrap_or_default();
    Ok(Skeleton {
        rt,
        abs_path,
        written_path: args.path.value(),
        types,
        type_count,
        maps,
        progs,
        exclusive,
    })
}

/// The Rust type of a key or value: from BTF when the map has a type id,
/// otherwise a byte array of the size (or `()` for size 0).
fn key_or_value(
    gen: Option<&mut TypeGen>,
    id: u32,
    size: u32,
    hint: &str,
) -> Result<RType, String> {
    match gen {
        Some(g) if id != 0 => g.ty(id, hint),
        _ if size == 0 => Ok(RType::Prim("()".to_string())),
        _ => Ok(RType::Array(Box::new(RType::Prim("u8".to_string())), size)),
    }
}

fn map_kind(def: &MapDef, mut gen: Option<&mut TypeGen>) -> Result<MapKind, String> {
    let base = camel_case(&def.name);
    if let MapOrigin::Data { read_only } = def.origin {
        let section = match gen.as_deref_mut() {
            Some(g) if def.btf_value_type_id != 0 => {
                Some(g.datasec(def.btf_value_type_id, &base, &def.section, def.value_size)?)
            }
            _ => None,
        };
        return Ok(MapKind::Data { section, read_only });
    }
    let key = key_or_value(
        gen.as_deref_mut(),
        def.btf_key_type_id,
        def.key_size,
        &format!("{base}Key"),
    )?;
    let value = key_or_value(
        gen,
        def.btf_value_type_id,
        def.value_size,
        &format!("{base}Value"),
    )?;
    Ok(match def.map_type {
        map_type::RINGBUF => MapKind::RingBuf,
        map_type::USER_RINGBUF => MapKind::UserRingBuf,
        map_type::QUEUE => MapKind::Keyless {
            kind: Keyless::Queue,
            value,
        },
        map_type::STACK => MapKind::Keyless {
            kind: Keyless::Stack,
            value,
        },
        map_type::BLOOM_FILTER => MapKind::Keyless {
            kind: Keyless::BloomFilter,
            value,
        },
        map_type::PROG_ARRAY => MapKind::ProgArray,
        map_type::PERF_EVENT_ARRAY => MapKind::PerfEventArray,
        map_type::ARRAY_OF_MAPS | map_type::HASH_OF_MAPS => MapKind::MapOfMaps { key },
        t if map_type::is_per_cpu(t) => MapKind::PerCpu { key, value },
        map_type::HASH
        | map_type::ARRAY
        | map_type::LRU_HASH
        | map_type::LPM_TRIE
        | map_type::DEVMAP
        | map_type::DEVMAP_HASH
        | map_type::CPUMAP
        | map_type::XSKMAP
        | map_type::SOCKMAP
        | map_type::SOCKHASH => MapKind::KeyValue { key, value },
        map_type::STRUCT_OPS => MapKind::StructOps,
        _ => MapKind::Raw,
    })
}

fn list<'a>(names: impl Iterator<Item = &'a Ident>) -> String {
    let v: Vec<String> = names.map(|i| format!("`{i}`")).collect();
    if v.is_empty() {
        "none".to_string()
    } else {
        v.join(", ")
    }
}

/// Resolves `autoload(prog = bool)` onto the programs: an unknown or
/// repeated program is an error at its identifier.
fn validate_autoload(args: &Args, progs: &mut [ProgItem]) -> syn::Result<()> {
    let mut errors: Option<syn::Error> = None;
    let mut push = |e: syn::Error| match errors.as_mut() {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    let object = args.path.value();
    let names: Vec<Ident> = progs.iter().map(|p| p.field.clone()).collect();
    for setting in &args.autoload {
        let Some(prog) = progs.iter_mut().find(|p| setting.prog == p.field) else {
            push(syn::Error::new(
                setting.prog.span(),
                format!(
                    "`{object}` has no program `{}`; its programs are {}",
                    setting.prog,
                    list(names.iter())
                ),
            ));
            continue;
        };
        if prog.declared_autoload.is_some() {
            push(syn::Error::new(
                setting.prog.span(),
                format!("autoload of `{}` is given twice", setting.prog),
            ));
            continue;
        }
        prog.declared_autoload = Some(setting.value.value);
    }
    match errors {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn validate_exclusive(
    args: &Args,
    maps: &[MapItem],
    progs: &[ProgItem],
) -> syn::Result<Vec<Exclusive>> {
    let mut errors: Option<syn::Error> = None;
    let mut push = |e: syn::Error| match errors.as_mut() {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    let mut out: Vec<Exclusive> = Vec::new();
    let object = args.path.value();
    for pair in &args.exclusive {
        let map = maps.iter().find(|m| !m.internal && pair.map == m.field);
        let prog = progs.iter().find(|p| pair.prog == p.field);
        if map.is_none() {
            push(syn::Error::new(
                pair.map.span(),
                format!(
                    "`{object}` has no map `{}`; its maps are {}",
                    pair.map,
                    list(maps.iter().filter(|m| !m.internal).map(|m| &m.field))
                ),
            ));
        }
        if prog.is_none() {
            push(syn::Error::new(
                pair.prog.span(),
                format!(
                    "`{object}` has no program `{}`; its programs are {}",
                    pair.prog,
                    list(progs.iter().map(|p| &p.field))
                ),
            ));
        }
        let (Some(map), Some(prog)) = (map, prog) else {
            continue;
        };
        if out.iter().any(|e| e.map == map.index) {
            push(syn::Error::new(
                pair.map.span(),
                format!(
                    "map `{}` is made exclusive twice; a map has one exclusive program",
                    pair.map
                ),
            ));
            continue;
        }
        if matches!(
            map.def.map_type,
            map_type::ARRAY_OF_MAPS | map_type::HASH_OF_MAPS
        ) {
            push(syn::Error::new(
                pair.map.span(),
                "a map-of-maps cannot be exclusive",
            ));
            continue;
        }
        let others: Vec<&ProgItem> = progs
            .iter()
            .filter(|p| p.index != prog.index && p.autoload() && map.used_by.contains(&p.def.name))
            .collect();
        if !others.is_empty() {
            push(syn::Error::new(pair.map.span(), {
                let first = others
                    .first()
                    .map(|p| p.field.to_string())
                    .unwrap_or_default();
                let off: Vec<String> = others
                    .iter()
                    .map(|p| format!("{} = false", p.field))
                    .collect();
                // The same fix-it as the run-time `ExclusiveConflict`:
                // disable the other program's autoload, or make the map
                // exclusive to it instead.
                format!(
                    "map `{}` is also used by autoloaded program {}, which the kernel would \
                         refuse once the map is exclusive to `{}`; disable its autoload with \
                         `autoload({})` or make the map exclusive to it instead with \
                         `exclusive({} = {first})`",
                    pair.map,
                    list(others.iter().map(|p| &p.field)),
                    pair.prog,
                    off.join(", "),
                    pair.map,
                )
            }));
            continue;
        }
        out.push(Exclusive {
            map: map.index,
            prog: prog.index,
        });
    }
    match errors {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Doc text for a map field.
pub fn map_doc(m: &MapItem) -> String {
    let d = &m.def;
    let used = if m.used_by.is_empty() {
        "no program".to_string()
    } else {
        m.used_by
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut doc = match d.origin {
        MapOrigin::Data { read_only } => format!(
            "Global data section `{}`: a one-element array map of {}{}.",
            d.section,
            plural(d.value_size.into(), "byte"),
            if read_only {
                ", read-only for programs and frozen after its initial value is written"
            } else {
                ""
            }
        ),
        _ => format!(
            "Map `{}`: {} map from section `{}`, {}-byte keys, {}-byte values, {}.",
            d.name,
            map_type::name(d.map_type),
            d.section,
            d.key_size,
            d.value_size,
            plural(d.max_entries.into(), "entry")
        ),
    };
    if !m.variables.is_empty() {
        let vars: Vec<String> = m
            .variables
            .iter()
            .map(|(n, off, size)| {
                format!("`{n}` (offset {off}, {})", plural((*size).into(), "byte"))
            })
            .collect();
        doc.push_str(&format!("\n\nVariables: {}.", vars.join(", ")));
    }
    doc.push_str(&format!("\n\nUsed by: {used}."));
    if let Some(why) = &m.fallback {
        doc.push_str(&format!(
            "\n\nKeys and values are byte arrays: no Rust type could be generated ({why})."
        ));
    }
    doc
}

/// Doc text for a program field.
pub fn prog_doc(p: &ProgItem) -> String {
    let d = &p.def;
    let mut doc = format!(
        "Program `{}`: {} program from section `{}`, {} after linking{}.",
        d.name,
        prog_type_name(d.kind.prog_type),
        d.section,
        plural(p.insns as u64, "instruction"),
        match (p.declared_autoload, d.kind.autoload) {
            (Some(true), false) => {
                "; autoloaded (declared in the attribute, despite the `?` section prefix)"
            }
            (Some(false), _) => "; not autoloaded (declared in the attribute)",
            (None, false) => "; not autoloaded (`?` section prefix)",
            (Some(true), true) | (None, true) => "",
        }
    );
    if !p.maps_used.is_empty() {
        let v: Vec<String> = p.maps_used.iter().map(|n| format!("`{n}`")).collect();
        doc.push_str(&format!("\n\nUses maps: {}.", v.join(", ")));
    }
    if !p.subprograms.is_empty() {
        let v: Vec<String> = p.subprograms.iter().map(|n| format!("`{n}`")).collect();
        doc.push_str(&format!("\n\nSubprograms: {}.", v.join(", ")));
    }
    doc
}
