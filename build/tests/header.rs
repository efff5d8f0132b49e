//! The `vmlinux.h` writer against this machine's kernel BTF: the header is
//! written (no clang needed), then compiled with clang for `-target bpf`
//! and checked against the BTF's layouts (`#[ignore]`d: needs clang-19;
//! `.ci/run` runs them).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use bpf_skeleton_build::{layout_asserts, write_header, HeaderOptions, KERNEL_BTF};
use bpf_skeleton_obj::btf::Btf;

fn kernel_btf() -> Btf {
    let data = std::fs::read(KERNEL_BTF)
        .expect("this test needs the kernel's BTF at /sys/kernel/btf/vmlinux");
    Btf::from_shared(Arc::new(data)).unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("bpf-skeleton-build-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn clang() -> String {
    std::env::var("CLANG").unwrap_or_else(|_| "clang-19".into())
}

fn compile(dir: &Path, file: &str, extra: &[&str]) {
    let out = Command::new(clang())
        .args(["-target", "bpf", "-O2", "-g", "-Werror", "-I"])
        .arg(dir)
        .args(extra)
        .arg("-c")
        .arg(dir.join(file))
        .arg("-o")
        .arg(dir.join(format!("{file}.o")))
        .output()
        .expect("clang-19 runs");
    assert!(
        out.status.success(),
        "{file} does not compile:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn kernel_header_is_written_deterministically() {
    let btf = kernel_btf();
    let h = write_header(&btf, &HeaderOptions::default()).unwrap();
    for needle in [
        "#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)",
        "struct task_struct {\n",
        "\tpid_t pid;\n",
        "enum bpf_map_type {\n",
        "\tBPF_MAP_TYPE_RINGBUF = 27,\n",
        "typedef int __s32;\n",
        "#endif /* __VMLINUX_H__ */\n",
    ] {
        assert!(h.contains(needle), "header lacks {needle:?}");
    }
    // Definition before use: task_struct embeds sched_entity by value.
    let def = |s: &str| {
        h.find(&format!("\n{s} {{\n"))
            .unwrap_or_else(|| panic!("{s} not defined"))
    };
    assert!(def("struct sched_entity") < def("struct task_struct"));
    assert_eq!(h, write_header(&btf, &HeaderOptions::default()).unwrap());
    let no_kfuncs = write_header(&btf, &HeaderOptions { kfuncs: false }).unwrap();
    assert!(!no_kfuncs.contains("__weak __ksym;"));
}

#[test]
#[ignore = "needs clang-19"]
fn kernel_header_compiles_with_kfuncs_and_layouts_match_btf() {
    let btf = kernel_btf();
    let dir = scratch("layout");
    let h = write_header(&btf, &HeaderOptions::default()).unwrap();
    assert!(h.contains("__weak __ksym;"), "this kernel has kfuncs");
    std::fs::write(dir.join("vmlinux.h"), h).unwrap();
    let asserts = layout_asserts(&btf).unwrap();
    let count = asserts.lines().count();
    assert!(count > 100_000, "only {count} assertions");
    std::fs::write(
        dir.join("layout.c"),
        format!("#include \"vmlinux.h\"\n{asserts}"),
    )
    .unwrap();
    compile(&dir, "layout.c", &[]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The layout check is not vacuous: a header whose layout is off by one
/// field fails it.
#[test]
#[ignore = "needs clang-19"]
fn a_wrong_layout_fails_the_asserts() {
    let btf = kernel_btf();
    let dir = scratch("wrong");
    let h = write_header(&btf, &HeaderOptions::default()).unwrap();
    let wrong = h.replacen(
        "struct task_struct {\n",
        "struct task_struct {\n\tint extra;\n",
        1,
    );
    assert_ne!(wrong, h);
    std::fs::write(dir.join("vmlinux.h"), wrong).unwrap();
    std::fs::write(
        dir.join("layout.c"),
        format!("#include \"vmlinux.h\"\n{}", layout_asserts(&btf).unwrap()),
    )
    .unwrap();
    let out = Command::new(clang())
        .args(["-target", "bpf", "-fsyntax-only", "-I"])
        .arg(&dir)
        .arg(dir.join("layout.c"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("struct task_struct"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Bitfields have no `offsetof`: a host program (the kernel's BTF is
/// x86-64's, whose layouts the host shares) sets each bitfield of each
/// named struct to all ones in a zeroed copy and reports which bits
/// changed; they must be the BTF's.
/// Returns how many bitfields were checked.
fn check_bitfields(btf: &Btf, dir: &Path) -> usize {
    use bpf_skeleton_obj::btf::KindTag;
    let names = bpf_skeleton_build::c_names(btf).unwrap();
    std::fs::write(
        dir.join("vmlinux.h"),
        write_header(btf, &HeaderOptions::default()).unwrap(),
    )
    .unwrap();
    let mut c = String::from(
        "#include \"vmlinux.h\"\nint printf(const char *, ...);\n\
         static void probe(unsigned id, const char *m, const unsigned char *b, unsigned long n) {\n\
         \tlong first = -1; unsigned count = 0;\n\
         \tfor (unsigned long i = 0; i < n * 8; i++)\n\
         \t\tif ((b[i / 8] >> (i % 8)) & 1) { if (first < 0) first = i; count++; }\n\
         \tprintf(\"%u %s %ld %u\\n\", id, m, first, count);\n}\n\
         int main(void) {\n",
    );
    let mut want = Vec::new();
    // Bitfields of a named struct, also through anonymous inner records.
    fn walk(
        btf: &Btf,
        id: u32,
        v: bpf_skeleton_obj::btf::TypeView<'_>,
        base: u32,
        c_type: &str,
        c: &mut String,
        want: &mut Vec<String>,
    ) {
        for m in v.members() {
            let name = String::from_utf8_lossy(v.string(m.name_off).unwrap()).into_owned();
            let off = base + m.bit_offset;
            if name.is_empty() {
                let inner = btf.view(btf.resolve(m.ty).unwrap()).unwrap();
                if matches!(inner.tag(), KindTag::Struct | KindTag::Union) {
                    walk(btf, id, inner, off, c_type, c, want);
                }
                continue;
            }
            // A const bitfield cannot be assigned.
            let mut t = m.ty;
            let mut constant = false;
            while let Ok(tv) = btf.view(t) {
                match tv.tag() {
                    KindTag::Const => constant = true,
                    KindTag::Typedef | KindTag::Volatile | KindTag::TypeTag => {}
                    _ => break,
                }
                t = tv.referenced().unwrap();
            }
            if m.bitfield_size == 0 || constant {
                continue;
            }
            c.push_str(&format!(
                "\t{{ static union {{ {c_type} s; unsigned char b[sizeof({c_type})]; }} u; \
                 u.s.{name} = ~0; probe({id}, \"{name}\", u.b, sizeof u); }}\n"
            ));
            want.push(format!("{id} {name} {off} {}", m.bitfield_size));
        }
    }
    for id in 1..btf.len() as u32 {
        let v = btf.view(id).unwrap();
        let kw = match v.tag() {
            KindTag::Struct if v.name_off() != 0 => "struct",
            KindTag::Union if v.name_off() != 0 => "union",
            _ => continue,
        };
        let c_type = format!("{kw} {}", names[id as usize]);
        walk(btf, id, v, 0, &c_type, &mut c, &mut want);
    }
    c.push_str("\treturn 0;\n}\n");
    std::fs::write(dir.join("bitfields.c"), c).unwrap();
    let exe = dir.join("bitfields");
    let out = Command::new(clang())
        .args([
            "-O1",
            "-w",
            "-DBPF_NO_PRESERVE_ACCESS_INDEX",
            "-DBPF_NO_KFUNC_PROTOTYPES",
            "-I",
        ])
        .arg(dir)
        .arg(dir.join("bitfields.c"))
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new(&exe).output().unwrap();
    assert!(run.status.success());
    let got = String::from_utf8(run.stdout).unwrap();
    let got: Vec<&str> = got.lines().collect();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w, "bitfield (type id, member, bit offset, width)");
    }
    want.len()
}

#[test]
#[ignore = "needs clang-19"]
fn kernel_bitfields_sit_where_the_btf_says() {
    // The kernel's BTF is x86-64's: only an x86-64 host shares its layouts.
    if std::env::consts::ARCH != "x86_64" {
        return;
    }
    let dir = scratch("bitfields");
    let n = check_bitfields(&kernel_btf(), &dir);
    assert!(n > 1000, "only {n} bitfields");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Each layout case the kernel may or may not have, from a C file of our
/// own: packed, aligned and packed+aligned structs, an aligned union,
/// bitfields (also in a packed struct), packed, 64-bit, negative and
/// unsigned enums, a cycle through a typedef, pointers to arrays and to
/// functions returning pointers, anonymous records and enums, a flexible
/// array. clang compiles it to BTF; our header for that BTF must compile
/// and match it.
#[test]
#[ignore = "needs clang-19"]
fn layout_corner_cases_round_trip_through_btf() {
    let dir = scratch("corners");
    std::fs::write(dir.join("corners.c"), CORNERS).unwrap();
    let obj = dir.join("corners.o");
    let out = Command::new(clang())
        .args(["-target", "bpf", "-g", "-O2", "-c"])
        .arg(dir.join("corners.c"))
        .arg("-o")
        .arg(&obj)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = bpf_skeleton_obj::ObjectFile::parse(&std::fs::read(&obj).unwrap()).unwrap();
    let btf = file.btf.expect("corners.o has BTF");
    let h = write_header(&btf, &HeaderOptions::default()).unwrap();
    for needle in [
        "struct packed_s {\n\tchar c;\n\tint i;\n\tlong l;\n} __attribute__((packed));",
        "\tB_A = 1099511627775ULL,",
        "\tN_A = -5000000000LL,",
        "\tU_A = 4294967295U,",
        "} __attribute__((packed));\n\nenum big",
        "char __pad_to_size[16];",
        "typedef int (*arr_ptr)[4];",
        "typedef char *(*fn_ret_ptr)(int, ...);",
        "\tenum {\n\t\tANON_A = 0,\n\t\tANON_B = 1,\n\t} kind;",
        "\tint data[0];",
        "\tchar *const cp;",
    ] {
        assert!(h.contains(needle), "header lacks {needle:?}:\n{h}");
    }
    std::fs::write(dir.join("vmlinux.h"), &h).unwrap();
    std::fs::write(
        dir.join("layout.c"),
        format!("#include \"vmlinux.h\"\n{}", layout_asserts(&btf).unwrap()),
    )
    .unwrap();
    compile(&dir, "layout.c", &[]);
    if std::env::consts::ARCH == "x86_64" {
        assert_eq!(check_bitfields(&btf, &dir), 6);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

const CORNERS: &str = r#"
struct packed_s { char c; int i; long l; } __attribute__((packed));
struct aligned_s { int a; } __attribute__((aligned(32)));
struct pa { char c; int i; } __attribute__((packed, aligned(4)));
struct holds { char c; struct aligned_s al; struct packed_s p; short s; struct pa pa; };
struct bits { unsigned a: 3; unsigned b: 30; unsigned long long c: 40; int d: 7; char e; };
struct packed_bits { char c; unsigned x: 20; unsigned long long y: 60; } __attribute__((packed));
union aligned_u { int i; char c; } __attribute__((aligned(16)));
enum small { S_A = 1, S_B = 2 } __attribute__((packed));
enum big { B_A = 0xffffffffffULL, B_B = 1 };
enum neg64 { N_A = -5000000000LL, N_B = 3 };
enum uns { U_A = 0xffffffffU };
typedef struct list list_t;
struct list { list_t *next; struct list *prev; int (*cmp)(const list_t *, const list_t *); };
typedef int (*arr_ptr)[4];
typedef char *(*fn_ret_ptr)(int, ...);
struct anon {
	union { int x; struct { short lo, hi; }; };
	enum { ANON_A, ANON_B } kind;
	struct { int y; } named;
};
struct fam { int n; int data[]; };
typedef struct { int q; } anon_td;
struct arr2 { int m[3][4]; const char *names[2]; volatile int v; char *const cp; };
/* Globals: clang writes full BTF for their types (pointees may stay FWD). */
struct holds g_a; struct bits g_c; struct packed_bits g_d; union aligned_u g_e;
enum small g_f; enum big g_g; enum neg64 g_h; enum uns g_i; struct list g_j; arr_ptr g_k;
fn_ret_ptr g_l; struct anon g_m; struct fam g_n; anon_td g_o; struct arr2 g_p;
"#;

/// `tests/data/corners.btf`: the `.BTF` section of [`CORNERS`] compiled by
/// `clang-19 -target bpf -g -O2 -c` (dumped with `llvm-objcopy-19
/// --dump-section .BTF=...`), committed so that this runs without clang.
const CORNERS_BTF: &[u8] = include_bytes!("data/corners.btf");

#[test]
fn corners_header_from_committed_btf() {
    let btf = Btf::from_shared(Arc::new(CORNERS_BTF.to_vec())).unwrap();
    let h = write_header(&btf, &HeaderOptions::default()).unwrap();
    for needle in [
        "typedef struct list list_t;\n\nstruct list {\n\tlist_t *next;",
        "struct pa {\n\tchar c;\n\tint i;\n\tchar: 8;\n\tshort: 16;\n} __attribute__((packed));",
        "struct bits {\n\tunsigned int a: 3;\n\tunsigned int b: 30;\n\tunsigned long long c: 40;",
        "\tstruct {\n\t\t\tshort lo;\n\t\t\tshort hi;\n\t\t};",
        "typedef char *(*fn_ret_ptr)(int, ...);",
        "enum small {\n\tS_A = 1,\n\tS_B = 2,\n} __attribute__((packed));",
    ] {
        assert!(h.contains(needle), "header lacks {needle:?}:\n{h}");
    }
}

/// Malformed BTF gives errors, never a panic or a hang: every byte of the
/// type section flipped in turn.
#[test]
fn mutated_btf_is_refused_without_panicking() {
    let mut errors = 0;
    for at in 24..CORNERS_BTF.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut data = CORNERS_BTF.to_vec();
            data[at] ^= flip;
            let Ok(btf) = Btf::from_shared(Arc::new(data)) else {
                continue;
            };
            if let Err(e) = write_header(&btf, &HeaderOptions::default()) {
                assert!(
                    !e.to_string().contains("panicked"),
                    "byte {at} ^ {flip:#x}: {e}"
                );
                errors += 1;
            }
        }
    }
    assert!(errors > 100, "only {errors} mutations refused");
}

/// libbpf is the reference: bpftool's header for the same BTF defines the
/// same named structs, unions and enums, under the same names (`___N`
/// suffixes included), and the same typedefs except the one we keep on
/// purpose (`__builtin_va_list___btf`).
#[test]
#[ignore = "needs bpftool"]
fn same_definitions_as_bpftool() {
    let out = Command::new("bpftool")
        .args(["btf", "dump", "file", KERNEL_BTF, "format", "c"])
        .output()
        .expect("bpftool runs");
    assert!(out.status.success());
    let theirs = String::from_utf8(out.stdout).unwrap();
    let ours = write_header(&kernel_btf(), &HeaderOptions::default()).unwrap();
    // "struct name {" for records and enums, "typedef name" for typedefs
    // (their name is the last identifier of the statement, which may
    // span lines).
    let defs = |h: &str| {
        let lines: Vec<&str> = h.lines().collect();
        let mut d = Vec::new();
        let mut i = 0;
        while i < lines.len() {
            let l = lines[i];
            if (l.starts_with("struct ") || l.starts_with("union ") || l.starts_with("enum "))
                && (l.ends_with(" {") || l.ends_with(" {};"))
            {
                d.push(
                    l.trim_end_matches("};")
                        .trim_end_matches('{')
                        .trim()
                        .to_owned(),
                );
            } else if l.starts_with("typedef ") {
                let mut stmt = l.to_owned();
                // A multi-line one ends at its closing `} name;`.
                let multi = l.ends_with('{');
                while (!stmt.ends_with(';') || (multi && !stmt.starts_with('}')))
                    && i + 1 < lines.len()
                {
                    i += 1;
                    stmt = lines[i].to_owned();
                }
                let name = stmt
                    .trim_end_matches(';')
                    .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .find(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
                    .unwrap_or_default()
                    .to_owned();
                if !name.starts_with("__builtin_va_list") {
                    d.push(format!("typedef {name}"));
                }
            }
            i += 1;
        }
        d.sort();
        d
    };
    let (o, t) = (defs(&ours), defs(&theirs));
    assert!(o.len() > 10_000, "{} definitions", o.len());
    let only_ours: Vec<_> = o
        .iter()
        .filter(|d| t.binary_search(d).is_err())
        .take(10)
        .collect();
    let only_theirs: Vec<_> = t
        .iter()
        .filter(|d| o.binary_search(d).is_err())
        .take(10)
        .collect();
    assert!(
        only_ours.is_empty() && only_theirs.is_empty(),
        "only ours: {only_ours:?}\nonly bpftool's: {only_theirs:?}"
    );
}
