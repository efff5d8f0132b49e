//! The compatibility tool: for every `.bpf.o` under a directory and every
//! program in it, open the object, autoload only that program, load, and
//! print one line per program (ok with the kernel's tag, or the error),
//! then `N passed, N failed`. With `--against-libbpf`, each program is also
//! loaded by libbpf under the same protocol, and the programs where only
//! one loader succeeds or the kernel tags differ are listed.
//!
//! Usage: `cargo run --release --manifest-path compat/Cargo.toml --
//! [--against-libbpf] DIR`. Needs root (it loads into the running kernel).
//! Maps pinned by name are pinned under a directory of this process's own
//! in bpffs, emptied after every load and removed at the end.
//! Exit status: 1 if, with `--against-libbpf`, some program loads with
//! libbpf only or the tags differ, or, without, some program fails to
//! load; else 0.

use std::collections::BTreeSet;
use std::os::fd::{AsFd, AsRawFd};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use bpf_skeleton::runtime::hash::hex;
use bpf_skeleton::runtime::{ObjectFile, OpenObject};

/// What one loader made of one program: the kernel's tag, or the error.
type Outcome = Result<[u8; 8], String>;

/// The verdict for a program we load and libbpf does not.
const ONLY_OURS: &str = "  <-- ONLY OURS LOADS";

/// libbpf's messages since the last [`take_libbpf_log`].
static LIBBPF_LOG: Mutex<String> = Mutex::new(String::new());

fn libbpf_print(_level: libbpf_rs::PrintLevel, msg: String) {
    if let Ok(mut log) = LIBBPF_LOG.lock() {
        log.push_str(&msg);
    }
}

fn take_libbpf_log() -> String {
    LIBBPF_LOG
        .lock()
        .map(|mut l| std::mem::take(&mut *l))
        .unwrap_or_default()
}

/// The first line of a message.
fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_string()
}

/// Every `.bpf.o` under `dir`, sorted.
fn objects(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            objects(&path, out)?;
        } else if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(".bpf.o"))
        {
            out.push(path);
        }
    }
    out.sort();
    Ok(())
}

/// Removes every pin left under `root` (maps pinned by name).
fn clear_pins(root: &Path) {
    if let Ok(entries) = std::fs::read_dir(root) {
        for e in entries.flatten() {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// The program names our parser finds, or why the object does not parse.
fn our_programs(bytes: &[u8]) -> Result<Vec<String>, String> {
    let file = ObjectFile::parse(bytes).map_err(|e| first_line(&e.to_string()))?;
    Ok(file.programs.iter().map(|p| p.name.clone()).collect())
}

/// Loads only `prog` of the object with our loader.
fn ours(bytes: &[u8], prog: &str, pins: &Path) -> Outcome {
    let err = |e: bpf_skeleton::Error| first_line(&e.to_string());
    let mut open = OpenObject::from_bytes(bytes).map_err(err)?;
    open.set_pin_root(pins);
    let names: Vec<String> = open
        .programs()
        .iter()
        .map(|p| p.name().to_string())
        .collect();
    for n in &names {
        open.set_autoload(n, n == prog).map_err(err)?;
    }
    let obj = open.load().map_err(err)?;
    let tag = obj.program(prog).and_then(|p| p.info()).map_err(err)?.tag;
    drop(obj);
    Ok(tag)
}

/// The program names libbpf finds, or why it cannot open the object.
fn libbpf_programs(path: &Path) -> Result<Vec<String>, String> {
    let open = libbpf_rs::ObjectBuilder::default()
        .open_file(path)
        .map_err(|e| libbpf_error(&e.to_string()))?;
    Ok(open
        .progs()
        .map(|p| p.name().to_string_lossy().into_owned())
        .collect())
}

/// libbpf's own explanation where it gave one, else `e`.
fn libbpf_error(e: &str) -> String {
    let log = take_libbpf_log();
    let why = log
        .lines()
        .find(|l| l.starts_with("libbpf: prog '") && !l.contains("BEGIN PROG LOAD LOG"))
        .or_else(|| log.lines().rfind(|l| l.starts_with("libbpf: ")));
    match why {
        Some(w) => format!("{e}: {}", w.trim()),
        None => first_line(e),
    }
}

/// The kernel's tag of a program loaded by libbpf.
fn kernel_tag(fd: impl AsFd) -> Result<[u8; 8], String> {
    let mut info = libbpf_sys::bpf_prog_info::default();
    let mut len = std::mem::size_of::<libbpf_sys::bpf_prog_info>() as u32;
    // SAFETY: `info` is a live, writable bpf_prog_info of `len` bytes, and
    // the kernel writes at most `len` bytes; the fd is open for the call.
    let rc =
        unsafe { libbpf_sys::bpf_prog_get_info_by_fd(fd.as_fd().as_raw_fd(), &mut info, &mut len) };
    if rc != 0 {
        return Err(format!(
            "BPF_OBJ_GET_INFO_BY_FD: {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(info.tag)
}

/// Loads only `prog` of the object with libbpf.
fn libbpf(path: &Path, prog: &str, pins: &Path) -> Outcome {
    take_libbpf_log();
    let mut builder = libbpf_rs::ObjectBuilder::default();
    builder
        .pin_root_path(pins)
        .map_err(|e| libbpf_error(&e.to_string()))?;
    let mut open = builder
        .open_file(path)
        .map_err(|e| libbpf_error(&e.to_string()))?;
    for mut p in open.progs_mut() {
        let mine = p.name().to_string_lossy() == prog;
        p.set_autoload(mine);
    }
    let obj = open.load().map_err(|e| libbpf_error(&e.to_string()))?;
    let p = obj
        .progs()
        .find(|p| p.name().to_string_lossy() == prog)
        .ok_or_else(|| format!("libbpf lost program `{prog}`"))?;
    kernel_tag(p.as_fd())
}

fn show(o: &Outcome) -> String {
    match o {
        Ok(tag) => format!("ok {}", hex(tag)),
        Err(e) => format!("FAIL: {e}"),
    }
}

fn main() {
    let mut against = false;
    let mut dir = None;
    for a in std::env::args().skip(1) {
        match a.as_str() {
            "--against-libbpf" => against = true,
            _ if dir.is_none() && !a.starts_with('-') => dir = Some(PathBuf::from(a)),
            _ => {
                eprintln!("usage: compat [--against-libbpf] DIR");
                std::process::exit(2);
            }
        }
    }
    let Some(dir) = dir else {
        eprintln!("usage: compat [--against-libbpf] DIR");
        std::process::exit(2);
    };
    let mut paths = Vec::new();
    if let Err(e) = objects(&dir, &mut paths) {
        eprintln!("{}: {e}", dir.display());
        std::process::exit(2);
    }
    libbpf_rs::set_print(Some((libbpf_rs::PrintLevel::Warn, libbpf_print)));
    let pins = PathBuf::from(format!(
        "/sys/fs/bpf/bpf-skeleton-compat-{}",
        std::process::id()
    ));
    if let Err(e) = std::fs::create_dir_all(&pins) {
        eprintln!("{}: {e} (is bpffs mounted, are we root?)", pins.display());
        std::process::exit(2);
    }

    let (mut passed, mut failed) = (0usize, 0usize);
    let (mut lib_passed, mut lib_failed) = (0usize, 0usize);
    let mut differences = Vec::new();
    for path in &paths {
        let shown = path
            .strip_prefix(&dir)
            .unwrap_or(path)
            .display()
            .to_string();
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                println!("{shown}: FAIL: {e}");
                failed += 1;
                continue;
            }
        };
        // The programs: ours and libbpf's lists, united.
        let mine = our_programs(&bytes);
        let theirs = if against {
            Some(libbpf_programs(path))
        } else {
            None
        };
        let mut names = BTreeSet::new();
        for list in [Some(&mine), theirs.as_ref()]
            .into_iter()
            .flatten()
            .flatten()
        {
            names.extend(list.iter().cloned());
        }
        if names.is_empty() && mine.is_ok() {
            // A maps-only object: nothing to load, nothing failed.
            println!("{shown}: no programs");
            continue;
        }
        if names.is_empty() {
            // Neither loader could list the object's programs.
            let e = mine.err().unwrap_or_else(|| "no programs".into());
            println!("{shown}: FAIL: {e}");
            failed += 1;
            if let Some(Err(le)) = theirs {
                println!("{shown}: libbpf FAIL: {le}");
                lib_failed += 1;
            }
            continue;
        }
        for prog in &names {
            let o = ours(&bytes, prog, &pins);
            clear_pins(&pins);
            match &o {
                Ok(_) => passed += 1,
                Err(_) => failed += 1,
            }
            if !against {
                println!("{shown} {prog}: {}", show(&o));
                continue;
            }
            let l = libbpf(path, prog, &pins);
            clear_pins(&pins);
            match &l {
                Ok(_) => lib_passed += 1,
                Err(_) => lib_failed += 1,
            }
            let verdict = match (&o, &l) {
                (Ok(a), Ok(b)) if a == b => "",
                (Ok(_), Ok(_)) => "  <-- TAGS DIFFER",
                (Err(_), Ok(_)) => "  <-- ONLY LIBBPF LOADS",
                (Ok(_), Err(_)) => ONLY_OURS,
                (Err(_), Err(_)) => "",
            };
            println!(
                "{shown} {prog}: ours {} | libbpf {}{verdict}",
                show(&o),
                show(&l)
            );
            if !verdict.is_empty() {
                differences.push(format!("{shown} {prog}:{verdict}"));
            }
        }
    }
    let _ = std::fs::remove_dir(&pins);
    if against {
        println!("libbpf: {lib_passed} passed, {lib_failed} failed");
        println!("{} differences", differences.len());
        for d in &differences {
            println!("  {d}");
        }
    }
    println!("{passed} passed, {failed} failed");
    // Against libbpf, what counts is that we load all libbpf loads, with
    // its tags; alone, that everything loads.
    let bad = if against {
        differences.iter().any(|d| !d.ends_with(ONLY_OURS))
    } else {
        failed > 0
    };
    if bad {
        std::process::exit(1);
    }
}
