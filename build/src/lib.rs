//! Build-script helper for bpf-skeleton: compiles BPF C with clang into
//! `OUT_DIR`, so that `#[bpf_skeleton("${OUT_DIR}/x.bpf.o")]` needs no
//! other step, and writes `vmlinux.h` from BTF itself (no bpftool).
//!
//! ```no_run
//! // In build.rs's `main`: writes ${OUT_DIR}/vmlinux.h and
//! // ${OUT_DIR}/x.bpf.o.
//! bpf_skeleton_build::Builder::new()
//!     .source("src/bpf/x.bpf.c")
//!     .vmlinux_from_kernel()
//!     .build()
//!     .unwrap_or_else(|e| panic!("{e}"));
//! ```
//!
//! What it does, per source:
//! - finds a clang that targets BPF: `$CLANG`, else `clang`, else the
//!   newest `clang-N` on `PATH` (an error names the Debian package
//!   `clang-19` when there is none);
//! - compiles for `bpfel` with `-g -O2 -D__TARGET_ARCH_<arch>` (the arch
//!   from `CARGO_CFG_TARGET_ARCH`), the include paths and extra flags
//!   given; a big-endian target is refused, because bpf-skeleton only
//!   parses little-endian objects;
//! - prints `cargo:rerun-if-changed` for the source and every header clang
//!   read (from its `-MD` dependency file);
//! - makes the object independent of where the crate is built: the crate
//!   and output directories are mapped out of BTF line info
//!   (`-fdebug-prefix-map`), and DWARF is stripped (BTF kept) when
//!   `llvm-strip` is found (`$LLVM_STRIP`, `llvm-strip-N` matching the
//!   clang, `llvm-strip`); without it the object keeps its DWARF.

#![deny(missing_docs)]

mod error;
pub mod vmlinux;

use std::path::{Path, PathBuf};
use std::process::Command;

pub use error::{Error, Result};
pub use vmlinux::{
    c_names, header_from_file, layout_asserts, write_header, HeaderOptions, KERNEL_BTF,
};

/// Where `vmlinux.h` comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Vmlinux {
    None,
    File(PathBuf),
}

/// Compiles `.bpf.c` sources into `OUT_DIR` from a build script.
#[derive(Debug, Clone)]
pub struct Builder {
    sources: Vec<PathBuf>,
    includes: Vec<PathBuf>,
    flags: Vec<String>,
    clang: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    vmlinux: Vmlinux,
    kfuncs: bool,
    base_dir: Option<PathBuf>,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// A builder with no sources.
    pub fn new() -> Self {
        Builder {
            sources: Vec::new(),
            includes: Vec::new(),
            flags: Vec::new(),
            clang: None,
            out_dir: None,
            vmlinux: Vmlinux::None,
            kfuncs: true,
            base_dir: None,
        }
    }

    /// Adds a `.bpf.c` source (relative to the crate). The object is
    /// `OUT_DIR/<name>.o`, e.g. `x.bpf.c` gives `${OUT_DIR}/x.bpf.o`.
    pub fn source(mut self, path: impl Into<PathBuf>) -> Self {
        self.sources.push(path.into());
        self
    }

    /// Adds an include directory (`-I`).
    pub fn include(mut self, dir: impl Into<PathBuf>) -> Self {
        self.includes.push(dir.into());
        self
    }

    /// Adds a flag passed to clang as is (after ours).
    pub fn flag(mut self, flag: impl Into<String>) -> Self {
        self.flags.push(flag.into());
        self
    }

    /// Uses this clang instead of searching (`$CLANG` still wins).
    pub fn clang(mut self, path: impl Into<PathBuf>) -> Self {
        self.clang = Some(path.into());
        self
    }

    /// Writes objects (and `vmlinux.h`) here instead of `OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Writes `vmlinux.h` into the output directory from this BTF file
    /// (commit it for reproducible builds) and puts that directory on the
    /// include path.
    pub fn vmlinux_from(mut self, btf_file: impl Into<PathBuf>) -> Self {
        self.vmlinux = Vmlinux::File(btf_file.into());
        self
    }

    /// Writes `vmlinux.h` from the building machine's kernel BTF
    /// (`/sys/kernel/btf/vmlinux`).
    pub fn vmlinux_from_kernel(self) -> Self {
        self.vmlinux_from(KERNEL_BTF)
    }

    /// The directory relative paths are resolved against, mapped to `.`
    /// in the objects' debug info (default: `CARGO_MANIFEST_DIR`, else the
    /// current directory).
    pub fn base_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.base_dir = Some(dir.into());
        self
    }

    /// Whether `vmlinux.h` declares the kernel's kfuncs (default: yes).
    pub fn kfunc_prototypes(mut self, yes: bool) -> Self {
        self.kfuncs = yes;
        self
    }

    /// Writes `vmlinux.h` if asked, then compiles every source. Returns
    /// the objects' paths, in the order the sources were added.
    pub fn build(&self) -> Result<Vec<PathBuf>> {
        // Cargo describes the target (not the host) to build scripts.
        let endian = std::env::var("CARGO_CFG_TARGET_ENDIAN").unwrap_or_else(|_| {
            if cfg!(target_endian = "big") {
                "big".into()
            } else {
                "little".into()
            }
        });
        let arch = std::env::var("CARGO_CFG_TARGET_ARCH")
            .unwrap_or_else(|_| std::env::consts::ARCH.to_owned());
        self.build_for(&arch, &endian)
    }

    /// [`Builder::build`] for a target arch (`CARGO_CFG_TARGET_ARCH`
    /// spelling) and endianness (`"little"` or `"big"`).
    pub fn build_for(&self, arch: &str, endian: &str) -> Result<Vec<PathBuf>> {
        if endian == "big" {
            return Err(Error::BigEndian {
                target: format!("{arch} ({endian}-endian)"),
            });
        }
        let base = match &self.base_dir {
            Some(d) => d.clone(),
            None => std::env::var_os("CARGO_MANIFEST_DIR")
                .map(PathBuf::from)
                .or_else(|| std::env::current_dir().ok())
                .unwrap_or_default(),
        };
        let out = match &self.out_dir {
            Some(d) => base.join(d),
            None => {
                PathBuf::from(std::env::var_os("OUT_DIR").ok_or(Error::Env { var: "OUT_DIR" })?)
            }
        };
        std::fs::create_dir_all(&out).map_err(|source| Error::Io {
            path: out.clone(),
            source,
        })?;
        let mut includes: Vec<PathBuf> = self.includes.iter().map(|i| base.join(i)).collect();
        if let Vmlinux::File(btf) = &self.vmlinux {
            let btf = &base.join(btf);
            println!("cargo:rerun-if-changed={}", btf.display());
            let header = header_from_file(
                btf,
                &HeaderOptions {
                    kfuncs: self.kfuncs,
                },
            )?;
            let path = out.join("vmlinux.h");
            write_if_changed(&path, header.as_bytes())?;
            includes.push(out.clone());
        }
        if self.sources.is_empty() {
            return Ok(Vec::new());
        }
        let clang = find_clang(self.clang.as_deref())?;
        let strip = find_strip(&clang);
        // The multiarch directory holds <asm/types.h>, which <linux/bpf.h>
        // includes (Debian, Ubuntu).
        let multiarch = PathBuf::from(format!("/usr/include/{arch}-linux-gnu"));
        if multiarch.is_dir() {
            includes.push(multiarch);
        }
        let mut objects = Vec::new();
        for src in &self.sources {
            objects.push(self.compile(
                &clang,
                strip.as_deref(),
                src,
                &out,
                arch,
                &includes,
                &base,
            )?);
        }
        Ok(objects)
    }

    #[allow(clippy::too_many_arguments)]
    fn compile(
        &self,
        clang: &Path,
        strip: Option<&Path>,
        src: &Path,
        out: &Path,
        arch: &str,
        includes: &[PathBuf],
        crate_dir: &Path,
    ) -> Result<PathBuf> {
        let file = src.file_name().ok_or_else(|| Error::Compile {
            source_file: src.to_owned(),
            command: String::new(),
            stderr: "the source path has no file name".into(),
        })?;
        let stem = Path::new(file).with_extension("");
        let obj = out.join(stem.with_extension(match stem.extension() {
            Some(e) => format!("{}.o", e.to_string_lossy()),
            None => "o".into(),
        }));
        let dep = obj.with_extension("d");
        let mut cmd = Command::new(clang);
        cmd.current_dir(crate_dir)
            .arg("-g")
            .arg("-O2")
            .arg("-target")
            .arg("bpfel")
            .arg(format!("-D__TARGET_ARCH_{}", target_arch(arch)));
        for inc in includes {
            cmd.arg("-I").arg(inc);
        }
        // Clang applies the last matching map: the output directory (often
        // inside the crate) after the crate's.
        cmd.arg(format!("-fdebug-prefix-map={}=.", crate_dir.display()))
            .arg(format!("-fdebug-prefix-map={}=OUT_DIR", out.display()))
            .arg("-MD")
            .arg("-MF")
            .arg(&dep)
            .args(&self.flags)
            .arg("-c")
            .arg(src)
            .arg("-o")
            .arg(&obj);
        run(&mut cmd, src)?;
        let deps = std::fs::read_to_string(&dep).map_err(|source| Error::Io {
            path: dep.clone(),
            source,
        })?;
        // The source and every header clang read (the source is the first
        // prerequisite; relative paths are relative to the crate, as
        // cargo reads them).
        let mut deps = parse_deps(&deps);
        let src_str = src.display().to_string();
        if !deps.contains(&src_str) {
            deps.insert(0, src_str);
        }
        for d in deps {
            println!("cargo:rerun-if-changed={d}");
        }
        if let Some(strip) = strip {
            run(Command::new(strip).arg("-g").arg(&obj), src)?;
        }
        Ok(obj)
    }
}

fn write_if_changed(path: &Path, data: &[u8]) -> Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == data) {
        return Ok(());
    }
    std::fs::write(path, data).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })
}

fn run(cmd: &mut Command, src: &Path) -> Result<()> {
    let line = format!("{cmd:?}");
    let out = cmd.output().map_err(|e| Error::Compile {
        source_file: src.to_owned(),
        command: line.clone(),
        stderr: e.to_string(),
    })?;
    if !out.status.success() {
        return Err(Error::Compile {
            source_file: src.to_owned(),
            command: line,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    Ok(())
}

/// The `__TARGET_ARCH_*` name libbpf's `bpf_tracing.h` expects for a Rust
/// target arch.
fn target_arch(arch: &str) -> &str {
    match arch {
        "x86_64" | "x86" => "x86",
        "aarch64" => "arm64",
        "arm" => "arm",
        "riscv64" | "riscv32" => "riscv",
        "powerpc64" | "powerpc" => "powerpc",
        "s390x" => "s390",
        "mips" | "mips64" => "mips",
        "loongarch64" => "loongarch",
        "sparc64" => "sparc",
        other => other,
    }
}

/// The paths in a make-style dependency file (`obj: src hdr \`).
pub fn parse_deps(text: &str) -> Vec<String> {
    let joined = text.replace("\\\n", " ");
    let mut out = Vec::new();
    for line in joined.lines() {
        // Everything after the first unescaped `: ` is the prerequisites.
        let Some((_, prereqs)) = line.split_once(": ") else {
            continue;
        };
        let mut cur = String::new();
        let mut chars = prereqs.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if chars.peek() == Some(&' ') => {
                    cur.push(' ');
                    chars.next();
                }
                ' ' | '\t' => {
                    if !cur.is_empty() {
                        out.push(std::mem::take(&mut cur));
                    }
                }
                c => cur.push(c),
            }
        }
        if !cur.is_empty() {
            out.push(cur);
        }
    }
    out
}

/// Whether `clang` runs and lists a BPF target; `Err` says why not.
fn targets_bpf(clang: &Path) -> std::result::Result<(), String> {
    let out = Command::new(clang)
        .arg("-print-targets")
        .output()
        .map_err(|e| format!("{}: {e}", clang.display()))?;
    if !out.status.success() {
        return Err(format!("{}: -print-targets failed", clang.display()));
    }
    if String::from_utf8_lossy(&out.stdout).contains("bpfel") {
        Ok(())
    } else {
        Err(format!("{}: has no BPF target", clang.display()))
    }
}

/// `$CLANG`, else the given one, else `clang`, else the newest `clang-N`
/// on `PATH`, whichever first targets BPF.
pub fn find_clang(preferred: Option<&Path>) -> Result<PathBuf> {
    println!("cargo:rerun-if-env-changed=CLANG");
    let mut tried = Vec::new();
    if let Some(c) = std::env::var_os("CLANG") {
        // An explicit choice is not second-guessed: it works or we stop.
        let c = PathBuf::from(c);
        return match targets_bpf(&c) {
            Ok(()) => Ok(c),
            Err(why) => Err(Error::NoClang {
                tried: vec![format!("$CLANG={why}")],
            }),
        };
    }
    let mut candidates: Vec<PathBuf> = preferred.map(Path::to_path_buf).into_iter().collect();
    candidates.push("clang".into());
    let mut versions: Vec<(u32, PathBuf)> = Vec::new();
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if let Some(n) = name.strip_prefix("clang-").and_then(|v| v.parse().ok()) {
                versions.push((n, e.path()));
            }
        }
    }
    versions.sort_by_key(|v| std::cmp::Reverse(v.0));
    candidates.extend(versions.into_iter().map(|(_, p)| p));
    for c in candidates {
        match targets_bpf(&c) {
            Ok(()) => return Ok(c),
            Err(why) => tried.push(why),
        }
    }
    Err(Error::NoClang { tried })
}

/// `$LLVM_STRIP`, else `llvm-strip-N` for `clang-N`, else `llvm-strip`.
fn find_strip(clang: &Path) -> Option<PathBuf> {
    println!("cargo:rerun-if-env-changed=LLVM_STRIP");
    if let Some(s) = std::env::var_os("LLVM_STRIP") {
        return Some(s.into());
    }
    let mut candidates = Vec::new();
    if let Some(v) = clang
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("clang-"))
    {
        let sibling = clang.with_file_name(format!("llvm-strip-{v}"));
        candidates.push(sibling);
        candidates.push(format!("llvm-strip-{v}").into());
    }
    candidates.push("llvm-strip".into());
    candidates.into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependency_file_paths() {
        let d = "/o/x.bpf.o: src/x.bpf.c /usr/include/linux/bpf.h \\\n  /out/vmlinux.h \\\n  /a\\ b/c.h\n";
        assert_eq!(
            parse_deps(d),
            [
                "src/x.bpf.c",
                "/usr/include/linux/bpf.h",
                "/out/vmlinux.h",
                "/a b/c.h"
            ]
        );
    }

    #[test]
    fn arch_names() {
        assert_eq!(target_arch("x86_64"), "x86");
        assert_eq!(target_arch("aarch64"), "arm64");
    }
}
