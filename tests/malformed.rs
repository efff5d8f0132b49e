//! Malformed input gives an error naming what is wrong, never a panic.

mod common;

use bpf_skeleton::runtime::{Error, ObjectFile};
use common::*;

fn parse_err(bytes: &[u8]) -> Error {
    match ObjectFile::parse(bytes) {
        Ok(_) => panic!("malformed input was accepted"),
        Err(e) => e,
    }
}

#[test]
fn truncated_files_are_errors() {
    let full = std::fs::read(corpus("multi.bpf.o")).unwrap();
    ObjectFile::parse(&full).unwrap();
    // Every prefix shorter than the section header table's end is refused.
    for len in 0..full.len() - 1 {
        let r = ObjectFile::parse(&full[..len]);
        assert!(r.is_err(), "prefix of {len} bytes was accepted");
    }
    assert!(parse_err(&full[..10]).to_string().contains("too short"));
}

#[test]
fn non_bpf_elf_is_refused() {
    let exe = std::fs::read(std::env::current_exe().unwrap()).unwrap();
    let msg = parse_err(&exe).to_string();
    assert!(msg.contains("not EM_BPF"), "{msg}");
    let msg = parse_err(b"hello, this is not an ELF file at all").to_string();
    assert!(msg.contains("not an ELF file"), "{msg}");
}

#[test]
fn big_endian_object_is_refused() {
    let be = std::fs::read(corpus("bigendian.bpfeb.o")).unwrap();
    let msg = parse_err(&be).to_string();
    assert!(msg.contains("big-endian"), "{msg}");
}

/// Section headers of a little-endian ELF64: (name offset, type, offset,
/// size, entsize) per section.
fn section_headers(b: &[u8]) -> Vec<(u32, u32, usize, usize, usize)> {
    let rd64 = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap()) as usize;
    let rd32 = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
    let rd16 = |at: usize| u16::from_le_bytes(b[at..at + 2].try_into().unwrap()) as usize;
    let shoff = rd64(0x28);
    let (shentsize, shnum) = (rd16(0x3a), rd16(0x3c));
    (0..shnum)
        .map(|i| {
            let h = shoff + i * shentsize;
            (
                rd32(h),
                rd32(h + 4),
                rd64(h + 0x18),
                rd64(h + 0x20),
                rd64(h + 0x38),
            )
        })
        .collect()
}

#[test]
fn relocation_outside_its_section_is_an_error() {
    let mut b = std::fs::read(corpus("counter.bpf.o")).unwrap();
    // The first SHT_REL (9) section: point its first entry far away.
    let (_, _, off, _, _) = *section_headers(&b)
        .iter()
        .find(|h| h.1 == 9)
        .expect("a relocation section");
    b[off..off + 8].copy_from_slice(&0x10_0000u64.to_le_bytes());
    let msg = parse_err(&b).to_string();
    assert!(
        msg.contains("relocation in section") && msg.contains("0x100000"),
        "{msg}"
    );
    assert!(msg.contains("outside"), "{msg}");
}

#[test]
fn corrupted_btf_is_an_error() {
    let b = std::fs::read(corpus("counter.bpf.o")).unwrap();
    let btf_magic = [0x9fu8, 0xeb, 1, 0];
    let at = b
        .windows(4)
        .position(|w| w == btf_magic)
        .expect(".BTF header");
    // Type section length beyond the blob.
    let mut bad = b.clone();
    bad[at + 12..at + 16].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    let msg = parse_err(&bad).to_string();
    assert!(msg.contains(".BTF"), "{msg}");
    // Bad magic.
    let mut bad = b.clone();
    bad[at] = 0;
    assert!(parse_err(&bad).to_string().contains("bad magic"));
}

/// A deterministic stream of byte mutations over every corpus object: each
/// either parses or gives an error; none panics.
#[test]
fn random_mutations_never_panic() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut errors = 0;
    let mut runs = 0;
    for name in LOADABLE {
        let orig = std::fs::read(corpus(name)).unwrap();
        for _ in 0..1500 {
            let mut b = orig.clone();
            for _ in 0..(1 + next() % 4) {
                let at = (next() as usize) % b.len();
                b[at] = next() as u8;
            }
            runs += 1;
            if let Ok(file) = ObjectFile::parse(&b) {
                // Linking must not panic either.
                for i in 0..file.programs.len() {
                    let _ = bpf_skeleton::runtime::obj::reloc::link(&file, i);
                }
            } else {
                errors += 1;
            }
        }
    }
    assert!(errors > 0 && errors < runs, "{errors} errors of {runs}");
}

#[test]
fn any_alignment_is_accepted() {
    let bytes = std::fs::read(corpus("counter.bpf.o")).unwrap();
    let mut shifted = vec![0u8; bytes.len() + 1];
    shifted[1..].copy_from_slice(&bytes);
    let a = ObjectFile::parse(&bytes).unwrap();
    let b = ObjectFile::parse(&shifted[1..]).unwrap();
    assert_eq!(a.programs.len(), b.programs.len());
    assert_eq!(a.maps.len(), b.maps.len());
}
