//! Finding uprobe targets: a binary on disk and a function's file offset
//! in it (the kernel wants an offset into the file, not an address).

use std::path::{Path, PathBuf};

use object::{Object, ObjectSegment, ObjectSymbol, SymbolKind};

/// Resolves `binary` like libbpf: a name with a `/` is a path; a bare name
/// containing `.so` is searched in `LD_LIBRARY_PATH` and the standard
/// library directories, any other bare name in `PATH`.
pub(crate) fn resolve_binary(binary: &Path) -> Result<PathBuf, String> {
    let shown = binary.display();
    if binary.as_os_str().as_encoded_bytes().contains(&b'/') {
        return if binary.exists() {
            Ok(binary.to_path_buf())
        } else {
            Err(format!("binary `{shown}` does not exist"))
        };
    }
    let is_lib = binary.to_string_lossy().contains(".so");
    let dirs: Vec<PathBuf> = if is_lib {
        let multiarch = format!("{}-linux-gnu", std::env::consts::ARCH);
        let mut d: Vec<PathBuf> = std::env::var_os("LD_LIBRARY_PATH")
            .map(|v| std::env::split_paths(&v).collect())
            .unwrap_or_default();
        for base in ["/lib64", "/usr/lib64", "/lib", "/usr/lib"] {
            d.push(PathBuf::from(base));
            d.push(Path::new(base).join(&multiarch));
        }
        d
    } else {
        std::env::var_os("PATH")
            .map(|v| std::env::split_paths(&v).collect())
            .unwrap_or_default()
    };
    dirs.iter()
        .map(|d| d.join(binary))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            format!(
                "binary `{shown}` not found in {}",
                if is_lib {
                    "LD_LIBRARY_PATH or the library directories"
                } else {
                    "PATH"
                }
            )
        })
}

/// The file offset of function `symbol` (or, with `functions_only`
/// false, any defined symbol) in the ELF file `path` (from `.symtab` or
/// `.dynsym`; a versioned dynamic name `f@VER` matches `f`).
pub(crate) fn symbol_offset(
    path: &Path,
    symbol: &str,
    functions_only: bool,
) -> Result<u64, String> {
    let data = read(path)?;
    let file = parse(path, &data)?;
    find(&file, path, symbol, functions_only)
}

/// The file offsets of functions `symbols` in the ELF file `path`, in
/// order, each resolved as [`symbol_offset`] does.
pub(crate) fn function_offsets(path: &Path, symbols: &[&str]) -> Result<Vec<u64>, String> {
    let data = read(path)?;
    let file = parse(path, &data)?;
    symbols.iter().map(|s| find(&file, path, s, true)).collect()
}

/// The file offsets of the defined functions of `path` whose names match
/// `matches`, as libbpf's uprobe.multi resolves a pattern: from `.symtab`,
/// or from `.dynsym` only if `.symtab` has none (so a function in both is
/// found once). Names with the offsets, in symbol table order.
pub(crate) fn matching_functions(
    path: &Path,
    matches: impl Fn(&str) -> bool,
) -> Result<Vec<(String, u64)>, String> {
    let data = read(path)?;
    let file = parse(path, &data)?;
    let shown = path.display();
    for dynamic in [false, true] {
        let syms = if dynamic {
            file.dynamic_symbols()
        } else {
            file.symbols()
        };
        let mut found = Vec::new();
        for sym in syms {
            let Ok(name) = sym.name() else { continue };
            if sym.kind() != SymbolKind::Text || sym.is_undefined() || !matches(name) {
                continue;
            }
            let off = file_offset(&file, sym.address()).ok_or_else(|| {
                format!(
                    "function `{name}` at 0x{:x} lies in no loadable segment of `{shown}`",
                    sym.address()
                )
            })?;
            found.push((name.to_string(), off));
        }
        if !found.is_empty() {
            return Ok(found);
        }
    }
    Ok(Vec::new())
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))
}

fn parse<'d>(path: &Path, data: &'d [u8]) -> Result<object::File<'d>, String> {
    object::File::parse(data)
        .map_err(|e| format!("`{}` is not an ELF file we can read: {e}", path.display()))
}

/// The file offset of virtual address `addr`, through the loadable
/// segment holding it.
fn file_offset(file: &object::File<'_>, addr: u64) -> Option<u64> {
    file.segments().find_map(|seg| {
        let (file_off, file_size) = seg.file_range();
        let start = seg.address();
        (addr >= start && addr - start < file_size).then(|| addr - start + file_off)
    })
}

fn find(
    file: &object::File<'_>,
    path: &Path,
    symbol: &str,
    functions_only: bool,
) -> Result<u64, String> {
    let shown = path.display();
    let mut found: Option<u64> = None;
    for sym in file.symbols().chain(file.dynamic_symbols()) {
        let Ok(name) = sym.name() else { continue };
        let base = name.split('@').next().unwrap_or(name);
        if base != symbol || sym.is_undefined() {
            continue;
        }
        if functions_only && sym.kind() != SymbolKind::Text {
            return Err(format!(
                "symbol `{symbol}` in `{shown}` is not a function ({:?})",
                sym.kind()
            ));
        }
        match found {
            Some(a) if a != sym.address() => {
                return Err(format!(
                    "symbol `{symbol}` is defined more than once in `{shown}` \
                     (0x{a:x} and 0x{:x}); pass an offset",
                    sym.address()
                ))
            }
            _ => found = Some(sym.address()),
        }
    }
    let what = if functions_only { "function" } else { "symbol" };
    let addr = found.ok_or_else(|| format!("no {what} `{symbol}` in `{shown}`"))?;
    file_offset(file, addr).ok_or_else(|| {
        format!("{what} `{symbol}` at 0x{addr:x} lies in no loadable segment of `{shown}`")
    })
}
