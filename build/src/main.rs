//! `bpf-skeleton-build vmlinux [BTF_FILE] [--no-kfuncs]`: writes the C
//! header of a BTF file (default: the running kernel's,
//! /sys/kernel/btf/vmlinux) to standard output, for Makefile users.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use bpf_skeleton_build::{header_from_file, HeaderOptions, KERNEL_BTF};

const USAGE: &str = "usage: bpf-skeleton-build vmlinux [BTF_FILE] [--no-kfuncs] > vmlinux.h\n\
    BTF_FILE defaults to the running kernel's, /sys/kernel/btf/vmlinux";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() != Some("vmlinux") {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let mut opts = HeaderOptions::default();
    let mut file = None;
    for a in args {
        match a.as_str() {
            "--no-kfuncs" => opts.kfuncs = false,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ if file.is_none() && !a.starts_with('-') => file = Some(PathBuf::from(a)),
            _ => {
                eprintln!("unexpected argument `{a}`\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let file = file.unwrap_or_else(|| PathBuf::from(KERNEL_BTF));
    match header_from_file(&file, &opts) {
        Ok(h) => {
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(h.as_bytes()).and_then(|()| out.flush()) {
                eprintln!("writing the header: {e}");
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bpf-skeleton-build: {e}");
            ExitCode::FAILURE
        }
    }
}
