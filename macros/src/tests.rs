//! The macro never panics: every mutated object yields an ordinary compile
//! error (or, if the mutation left it valid, ordinary code).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use proc_macro2::Span;
use syn::{ItemStruct, LitStr};

use crate::attr::{Args, ExclusivePair};

fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/bpf");
    ["counter", "exclusive", "multi", "legacy"]
        .iter()
        .map(|n| {
            let name = format!("{n}.bpf.o");
            let bytes = std::fs::read(dir.join(&name)).expect("corpus object");
            (name, bytes)
        })
        .collect()
}

fn rd(b: &[u8], at: usize, n: usize) -> u64 {
    let mut v = [0u8; 8];
    v[..n].copy_from_slice(&b[at..at + n]);
    u64::from_le_bytes(v)
}

fn wr(b: &mut [u8], at: usize, n: usize, v: u64) {
    if at + n <= b.len() {
        b[at..at + n].copy_from_slice(&v.to_le_bytes()[..n]);
    }
}

/// Section headers: (header offset, sh_type, sh_offset, sh_size).
fn sections(b: &[u8]) -> Vec<(usize, u32, usize, usize)> {
    let shoff = rd(b, 0x28, 8) as usize;
    let (entsize, num) = (rd(b, 0x3a, 2) as usize, rd(b, 0x3c, 2) as usize);
    (0..num)
        .map(|i| {
            let h = shoff + i * entsize;
            (
                h,
                rd(b, h + 4, 4) as u32,
                rd(b, h + 0x18, 8) as usize,
                rd(b, h + 0x20, 8) as usize,
            )
        })
        .collect()
}

/// Every mutation of one object.
fn mutations(orig: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let secs = sections(orig);
    // Truncated at every section boundary.
    for &(_, _, off, size) in &secs {
        for cut in [off, off + size / 2, off + size] {
            if cut < orig.len() {
                out.push((format!("truncated at {cut}"), orig[..cut].to_vec()));
            }
        }
    }
    // Every ELF header byte flipped and zeroed.
    for at in 0..64 {
        for (what, f) in [("flipped", 0xffu8), ("zeroed", 0)] {
            let mut b = orig.to_vec();
            b[at] = if f == 0 { 0 } else { b[at] ^ f };
            out.push((format!("header byte {at} {what}"), b));
        }
    }
    // Section header fields set to extremes.
    for (i, &(h, _, _, _)) in secs.iter().enumerate() {
        for (field, at, n) in [
            ("sh_type", 4, 4),
            ("sh_flags", 8, 8),
            ("sh_offset", 0x18, 8),
            ("sh_size", 0x20, 8),
            ("sh_link", 0x28, 4),
            ("sh_info", 0x2c, 4),
            ("sh_entsize", 0x38, 8),
        ] {
            for v in [0u64, 1, 0x7fff_ffff, u64::MAX] {
                let mut b = orig.to_vec();
                wr(&mut b, h + at, n, v);
                out.push((format!("section {i} {field} = {v:#x}"), b));
            }
        }
    }
    // Corrupted BTF: header fields and type-section words.
    if let Some(at) = orig.windows(4).position(|w| w == [0x9f, 0xeb, 1, 0]) {
        for field in (4..24).step_by(4) {
            for v in [0u64, 3, 0xffff_ffff] {
                let mut b = orig.to_vec();
                wr(&mut b, at + field, 4, v);
                out.push((format!("BTF header +{field} = {v:#x}"), b));
            }
        }
        let type_start = at + 24;
        for k in 0..200 {
            let mut b = orig.to_vec();
            let p = type_start + k * 4;
            wr(&mut b, p, 4, 0xdead_0000 | k as u64);
            out.push((format!("BTF type word {k}"), b));
        }
    }
    // Corrupted relocations: offsets, symbol indices, types.
    for &(_, ty, off, size) in &secs {
        if ty != 9 {
            continue;
        }
        for e in 0..size / 16 {
            let at = off + e * 16;
            for (what, field, v) in [
                ("r_offset", 0usize, 0x10_0000u64),
                ("r_offset", 0, 3),
                ("r_type", 8, 99),
                ("r_sym", 12, 0xffff),
                ("r_sym", 12, 0),
            ] {
                let mut b = orig.to_vec();
                wr(&mut b, at + field, if field == 0 { 8 } else { 4 }, v);
                out.push((format!("relocation {e} {what} = {v:#x}"), b));
            }
        }
    }
    out
}

#[test]
fn mutated_objects_give_compile_errors_not_panics() {
    let dir = std::env::temp_dir().join(format!("bpf-skeleton-macro-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let item: ItemStruct = syn::parse_str("pub struct Mutant;").expect("item");
    let (mut total, mut errors) = (0, 0);
    for (name, orig) in corpus() {
        for (k, (what, bytes)) in mutations(&orig).into_iter().enumerate() {
            let path: PathBuf = dir.join(format!("{name}.{k}.o"));
            std::fs::write(&path, &bytes).expect("write mutant");
            let lit = LitStr::new(path.to_str().expect("utf-8 temp path"), Span::call_site());
            // With and without a declarative exclusive pair.
            for exclusive in [false, true] {
                let args = Args {
                    krate: None,
                    ringbuf: Vec::new(),
                    types: Vec::new(),
                    path: lit.clone(),
                    exclusive: if exclusive {
                        vec![ExclusivePair {
                            map: syn::parse_str("bss").expect("ident"),
                            prog: syn::parse_str("reader").expect("ident"),
                        }]
                    } else {
                        Vec::new()
                    },
                    autoload: Vec::new(),
                };
                let r = catch_unwind(AssertUnwindSafe(|| crate::expand(&args, &item)));
                match r {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => {
                        errors += 1;
                        assert!(!e.to_string().is_empty());
                    }
                    Err(_) => panic!("the macro panicked on {name} with {what}"),
                }
                total += 1;
            }
            let _ = std::fs::remove_file(&path);
        }
    }
    let _ = std::fs::remove_dir(&dir);
    assert!(total > 3000, "only {total} mutants");
    assert!(
        errors > total / 2,
        "{errors} errors of {total}: mutations too weak?"
    );
    eprintln!("{total} mutated objects, {errors} compile errors, no panic");
}

/// The types generated for tests/bpf/types.bpf.o and int128.bpf.o (structs
/// whose layout depends on `__int128`'s alignment), pretty-printed,
/// compared with the committed snapshots. `BPF_SKELETON_BLESS=1` rewrites
/// them.
#[test]
fn generated_types_snapshot() {
    for name in ["types", "int128"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let object = dir.join(format!("../tests/bpf/{name}.bpf.o"));
        let args = Args {
            path: LitStr::new(object.to_str().expect("utf-8 path"), Span::call_site()),
            exclusive: Vec::new(),
            autoload: Vec::new(),
            krate: None,
            ringbuf: Vec::new(),
            types: Vec::new(),
        };
        let skel = crate::model::build(&args).unwrap_or_else(|e| panic!("{e}"));
        let types = &skel.types;
        let file: syn::File = syn::parse2(types.clone()).expect("generated types parse");
        let text = format!(
            "// Generated from tests/bpf/{name}.bpf.o by the type generator; see\n\
             // macros/src/tests.rs (BPF_SKELETON_BLESS=1 rewrites this file).\n{}",
            prettyplease::unparse(&file)
        );
        let snap = dir.join(format!("tests/snapshots/{name}.bpf.rs"));
        if std::env::var_os("BPF_SKELETON_BLESS").is_some() {
            std::fs::create_dir_all(snap.parent().expect("parent")).expect("mkdir");
            std::fs::write(&snap, &text).expect("write snapshot");
        }
        let expected = std::fs::read_to_string(&snap).unwrap_or_default();
        assert!(
            expected == text,
            "generated types differ from {} (run with BPF_SKELETON_BLESS=1 to accept):\n{text}",
            snap.display()
        );
    }
}

/// The whole expansion for tests/bpf/counter.bpf.o (the README's example),
/// pretty-printed, compared with the committed snapshot; the object's
/// absolute path is replaced by `$CORPUS`. `BPF_SKELETON_BLESS=1` rewrites.
#[test]
fn generated_skeleton_snapshot() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = dir.join("../tests/bpf");
    let object = corpus.join("counter.bpf.o");
    let args = Args {
        path: LitStr::new(object.to_str().expect("utf-8 path"), Span::call_site()),
        exclusive: Vec::new(),
        autoload: Vec::new(),
        krate: None,
        ringbuf: Vec::new(),
        types: Vec::new(),
    };
    let item: ItemStruct =
        syn::parse_str("/// The README's counter.\npub struct Counter;").expect("item");
    let tokens = crate::expand(&args, &item).unwrap_or_else(|e| panic!("{e}"));
    let file: syn::File = syn::parse2(tokens).expect("expansion parses");
    let text = format!(
        "// The expansion of #[bpf_skeleton(\"tests/bpf/counter.bpf.o\")] pub struct Counter;\n\
         // see macros/src/tests.rs (BPF_SKELETON_BLESS=1 rewrites this file).\n{}",
        prettyplease::unparse(&file)
    )
    .replace(
        object.to_str().expect("utf-8 path"),
        "$CORPUS/counter.bpf.o",
    );
    let snap = dir.join("tests/snapshots/counter.rs");
    if std::env::var_os("BPF_SKELETON_BLESS").is_some() {
        std::fs::write(&snap, &text).expect("write snapshot");
    }
    let expected = std::fs::read_to_string(&snap).unwrap_or_default();
    assert!(
        expected == text,
        "generated skeleton differs from {} (BPF_SKELETON_BLESS=1 accepts):\n{text}",
        snap.display()
    );
}

/// The expansion for tests/bpf/big_bss.bpf.o: the live view of a 16 MiB
/// `.bss`, with each variable's span and access width, and the boxed
/// accessors of its large variable. `BPF_SKELETON_BLESS=1` rewrites.
#[test]
fn generated_globals_snapshot() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let object = dir.join("../tests/bpf/big_bss.bpf.o");
    let path = object.to_str().expect("utf-8 path");
    let args = Args {
        path: LitStr::new(path, Span::call_site()),
        exclusive: Vec::new(),
        autoload: Vec::new(),
        krate: None,
        ringbuf: Vec::new(),
        types: Vec::new(),
    };
    let item: ItemStruct = syn::parse_str("pub struct BigBss;").expect("item");
    let tokens = crate::expand(&args, &item).unwrap_or_else(|e| panic!("{e}"));
    let file: syn::File = syn::parse2(tokens).expect("expansion parses");
    let text = format!(
        "// The expansion of #[bpf_skeleton(\"tests/bpf/big_bss.bpf.o\")] pub struct BigBss;\n\
         // see macros/src/tests.rs (BPF_SKELETON_BLESS=1 rewrites this file).\n{}",
        prettyplease::unparse(&file)
    )
    .replace(path, "$CORPUS/big_bss.bpf.o");
    let snap = dir.join("tests/snapshots/big_bss.rs");
    if std::env::var_os("BPF_SKELETON_BLESS").is_some() {
        std::fs::write(&snap, &text).expect("write snapshot");
    }
    let expected = std::fs::read_to_string(&snap).unwrap_or_default();
    assert!(
        expected == text,
        "generated skeleton differs from {} (BPF_SKELETON_BLESS=1 accepts):\n{text}",
        snap.display()
    );
}
