//! Malformed input gives an error naming what is wrong, never a panic.

mod common;

use bpf_skeleton::runtime::obj::{Error, ObjectFile};
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

#[test]
fn absurd_bss_size_is_refused_without_allocating() {
    let mut b = std::fs::read(corpus("counter.bpf.o")).unwrap();
    let shoff = u64::from_le_bytes(b[0x28..0x30].try_into().unwrap()) as usize;
    let shentsize = u16::from_le_bytes(b[0x3a..0x3c].try_into().unwrap()) as usize;
    let headers = section_headers(&b);
    // The .bss section is the only SHT_NOBITS (8) one.
    let i = headers.iter().position(|h| h.1 == 8).expect(".bss");
    let size_at = shoff + i * shentsize + 0x20;
    for size in [u64::MAX, 1 << 40, (1 << 30) + 8] {
        b[size_at..size_at + 8].copy_from_slice(&size.to_le_bytes());
        let msg = parse_err(&b).to_string();
        assert!(
            msg.contains("section `.bss`") && msg.contains("global-data map"),
            "{msg}"
        );
    }
    // At the limit it parses, and costs no memory until written.
    b[size_at..size_at + 8].copy_from_slice(&(1u64 << 30).to_le_bytes());
    let file = ObjectFile::parse(&b).unwrap();
    let bss = &file.maps[file.map_index(".bss").unwrap()];
    assert_eq!(bss.value_size, 1 << 30);
    assert!(bss.initial_value.is_none());
}

/// A hand-made BTF blob: header, the given type records, string table "\0a\0".
fn btf_blob(types: &[u32]) -> Vec<u8> {
    let type_bytes: Vec<u8> = types.iter().flat_map(|w| w.to_le_bytes()).collect();
    let strings = b"\0a\0";
    let mut b = Vec::new();
    for w in [
        0x0001_eb9fu32,
        24,
        0,
        type_bytes.len() as u32,
        type_bytes.len() as u32,
        3,
    ] {
        b.extend_from_slice(&w.to_le_bytes());
    }
    b.extend_from_slice(&type_bytes);
    b.extend_from_slice(strings);
    b
}

#[test]
fn absurd_btf_counts_are_refused_before_allocating() {
    use bpf_skeleton::runtime::obj::btf::Btf;
    // A struct claiming 65535 members with no member data.
    let msg = Btf::parse(&btf_blob(&[1, (4 << 24) | 0xffff, 8]))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("vlen 65535 exceeds"), "{msg}");
    // An array of 2^32-1 ints: sizing overflows into an error, not a wrap.
    let int = [1, 1 << 24, 4, 32];
    let array = [0, 3 << 24, 0, 1, 1, u32::MAX];
    let two_d = [0, 3 << 24, 0, 2, 1, u32::MAX];
    let btf = Btf::parse(&btf_blob(&[&int[..], &array, &two_d].concat())).unwrap();
    assert!(btf
        .size_of(2)
        .unwrap_err()
        .to_string()
        .contains("overflows"));
    // A typedef cycle is an error, not a hang.
    let cycle = [1, 8 << 24, 2, 1, 8 << 24, 1];
    let btf = Btf::parse(&btf_blob(&cycle)).unwrap();
    assert!(btf.size_of(1).is_err());
}
