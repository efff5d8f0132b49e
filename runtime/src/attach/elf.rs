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
    let shown = path.display();
    let data = std::fs::read(path).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    let file = object::File::parse(&*data)
        .map_err(|e| format!("`{shown}` is not an ELF file we can read: {e}"))?;
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
    for seg in file.segments() {
        let (file_off, file_size) = seg.file_range();
        let start = seg.address();
        if addr >= start && addr - start < file_size {
            return Ok(addr - start + file_off);
        }
    }
    Err(format!(
        "{what} `{symbol}` at 0x{addr:x} lies in no loadable segment of `{shown}`"
    ))
}
