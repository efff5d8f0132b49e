//! USDT probes against the kernel: this test binary carries its own probes
//! (`.note.stapsdt` notes and a `nop` per site, emitted with inline
//! assembly as `<sys/sdt.h>` does), tests/bpf/usdt.bpf.o reads their
//! arguments with libbpf's `usdt.bpf.h`, and each test attaches, fires
//! the probes a known number of times with known arguments, and checks
//! exact counts and values, then that nothing fires once the link is
//! dropped. Runs count only the calling thread (its id in `.bss`).
#![deny(warnings, missing_docs)]

use std::sync::atomic::{AtomicU16, Ordering};

use bpf_skeleton::bpf_skeleton;
use bpf_skeleton::runtime::Error;

mod common;

/// Two `usdt` programs: `three` (plain `usdt`, attached explicitly) and
/// `sema` (auto-attached from `usdt//proc/self/exe:bpf_skeleton_test:sema`).
#[bpf_skeleton("tests/bpf/usdt.bpf.o")]
pub struct Usdt;

const PROVIDER: &str = "bpf_skeleton_test";

// `.stapsdt.base`, one byte whose address every note records (the
// prelink marker of <sys/sdt.h>).
std::arch::global_asm!(
    ".pushsection .stapsdt.base,\"aG\",@progbits,.stapsdt.base,comdat",
    ".weak _.stapsdt.base",
    ".hidden _.stapsdt.base",
    "_.stapsdt.base: .space 1",
    ".size _.stapsdt.base, 1",
    ".popsection",
    options(att_syntax)
);

/// Emits a USDT probe site: a `nop` and a `.note.stapsdt` note naming it,
/// with the argument spec `$args` (a format string over the asm operands,
/// e.g. `"8@{a} -4@$5"`) and the semaphore `$sema` (a static path) or none.
macro_rules! usdt {
    ($name:literal, $args:literal, sema = $sema:path $(, $op:ident = $kind:ident($val:expr))* $(,)?) => {
        usdt!(@emit $name, $args, ".8byte {sema}", sema = sym $sema $(, $op = $kind(reg) $val)*)
    };
    ($name:literal, $args:literal $(, $op:ident = $kind:ident($val:expr))* $(,)?) => {
        usdt!(@emit $name, $args, ".8byte 0" $(, $op = $kind(reg) $val)*)
    };
    (@emit $name:literal, $args:literal, $sema:literal $(, $($operand:tt)*)?) => {
        // SAFETY: the code is one `nop`; the rest only adds a non-allocated
        // note section. No memory, stack or flags are touched.
        unsafe {
            std::arch::asm!(
                "990: nop",
                ".pushsection .note.stapsdt,\"\",@note",
                ".balign 4",
                ".4byte 992f-991f, 994f-993f, 3",
                "991: .asciz \"stapsdt\"",
                "992: .balign 4",
                "993: .8byte 990b",
                ".8byte _.stapsdt.base",
                $sema,
                concat!(".asciz \"bpf_skeleton_test\""),
                concat!(".asciz \"", $name, "\""),
                concat!(".asciz \"", $args, "\""),
                "994: .balign 4",
                ".popsection",
                $($($operand)*,)?
                options(att_syntax, nostack, preserves_flags, readonly)
            )
        }
    };
}

/// The semaphore of `bpf_skeleton_test:sema`, in `.probes` as
/// `<sys/sdt.h>` places it: the kernel counts attached uprobes in it.
#[link_section = ".probes"]
static SEMA_SEMAPHORE: AtomicU16 = AtomicU16::new(0);

/// `three`: a 64-bit register, a 64-bit memory operand (8 bytes past the
/// address in a register) and a signed 32-bit constant.
#[inline(never)]
fn fire_three(a: u64, b: i64) {
    let mem = [0i64, b];
    let p = mem.as_ptr();
    usdt!("three", "8@{a} -8@8({p}) -4@$-7", a = in(a), p = in(p));
    std::hint::black_box(&mem);
}

/// `narrow`: 32, 16 and 8-bit registers whose upper bits hold garbage.
#[inline(never)]
fn fire_narrow(a: u64, b: u64, c: u64) {
    usdt!("narrow", "-4@{a:e} -2@{b:x} 1@{c:l}", a = in(a), b = in(b), c = in(c));
}

/// `sema`: only fired while the semaphore says someone listens.
#[inline(never)]
fn fire_sema(v: u64) -> bool {
    if SEMA_SEMAPHORE.load(Ordering::Relaxed) == 0 {
        return false;
    }
    usdt!("sema", "8@{v}", sema = SEMA_SEMAPHORE, v = in(v));
    true
}

/// `multi`: two sites of one probe, with different argument specs.
#[inline(never)]
fn fire_multi_reg(a: u64) {
    usdt!("multi", "8@{a} 8@$0 8@$0", a = in(a));
}

#[inline(never)]
fn fire_multi_const() {
    usdt!("multi", "8@$42 8@$1 8@$2");
}

/// A probe whose argument spec no parser can read (never fired).
#[inline(never)]
fn never_bad() {
    usdt!("bad", "8@%xmm0");
}

fn tid() -> u32 {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::gettid() as u32 }
}

fn loaded() -> Usdt {
    let skel = Usdt::open().unwrap().load().unwrap();
    skel.bss.set_tid(tid());
    skel
}

const SELF: &str = "/proc/self/exe";

#[test]
fn explicit_attach_reads_register_memory_and_constant_arguments() {
    let skel = loaded();
    fire_three(1, -1);
    assert_eq!(skel.bss.three_hits(), 0, "nothing attached yet");
    let link = skel
        .progs
        .three
        .attach_usdt(Some(0), SELF, PROVIDER, "three", 0xC0FFEE)
        .unwrap();
    assert_eq!(link.usdt_probes().len(), 1, "one site");
    for i in 1..=5u64 {
        fire_three(i, -1000 * i as i64);
    }
    assert_eq!(skel.bss.three_err(), 0, "every bpf_usdt_arg succeeded");
    assert_eq!(skel.bss.three_hits(), 5);
    assert_eq!(skel.bss.three_sum(), [15, -15000, -35]);
    assert_eq!(skel.bss.three_last(), [5, -5000, -7]);
    assert_eq!(skel.bss.three_cookie(), 0xC0FFEE);
    assert_eq!(skel.bss.three_arg_cnt(), 3);
    drop(link);
    fire_three(9, 9);
    assert_eq!(skel.bss.three_hits(), 5, "no run after the link dropped");
}

#[test]
fn narrow_registers_are_truncated_and_sign_extended() {
    let skel = loaded();
    let link = skel
        .progs
        .three
        .attach_usdt(None, SELF, PROVIDER, "narrow", 7)
        .unwrap();
    // a: low 32 bits are -5; b: low 16 bits are -2; c: low 8 bits 0xff,
    // unsigned.
    fire_narrow(
        0xdead_beef_0000_0000 | u64::from(-5i32 as u32),
        0xffff_1234_5678_fffe,
        0x1ff,
    );
    fire_narrow(3, 4, 5);
    assert_eq!(skel.bss.three_err(), 0);
    assert_eq!(skel.bss.three_hits(), 2);
    assert_eq!(skel.bss.three_sum(), [-2, 2, 260]);
    assert_eq!(skel.bss.three_last(), [3, 4, 5]);
    assert_eq!(skel.bss.three_cookie(), 7);
    drop(link);
    fire_narrow(1, 1, 1);
    assert_eq!(skel.bss.three_hits(), 2);
}

#[test]
fn auto_attach_counts_the_semaphore() {
    let mut skel = loaded();
    assert_eq!(SEMA_SEMAPHORE.load(Ordering::SeqCst), 0);
    assert!(!fire_sema(1), "no listener: the semaphore is 0");
    skel.attach().unwrap();
    assert!(
        skel.links.sema.is_some(),
        "usdt/BINARY:PROVIDER:NAME auto-attaches"
    );
    assert!(
        skel.links.three.is_none(),
        "a bare `usdt` section names no probe"
    );
    assert_eq!(
        SEMA_SEMAPHORE.load(Ordering::SeqCst),
        1,
        "the kernel counted the attached uprobe in the semaphore"
    );
    for v in [10, 20, 30, 40] {
        assert!(fire_sema(v));
    }
    assert_eq!(skel.bss.sema_hits(), 4);
    assert_eq!(skel.bss.sema_sum(), 100);
    skel.links.sema = None;
    assert_eq!(SEMA_SEMAPHORE.load(Ordering::SeqCst), 0, "released on drop");
    assert!(!fire_sema(5));
    assert_eq!(skel.bss.sema_hits(), 4);
}

#[test]
fn one_link_covers_every_site_of_a_probe() {
    let skel = loaded();
    let link = skel
        .progs
        .three
        .attach_usdt(None, SELF, PROVIDER, "multi", 0)
        .unwrap();
    assert_eq!(link.usdt_probes().len(), 2, "two sites, one link");
    fire_multi_reg(100);
    fire_multi_const();
    fire_multi_reg(200);
    assert_eq!(skel.bss.three_hits(), 3);
    assert_eq!(skel.bss.three_sum(), [342, 1, 2]);
    drop(link);
    fire_multi_const();
    assert_eq!(skel.bss.three_hits(), 3);
}

#[test]
fn spec_ids_are_freed_when_links_drop() {
    let skel = loaded();
    let three = &skel.progs.three;
    let attach = |name: &str| three.attach_usdt(None, SELF, PROVIDER, name, 0);
    // The object's spec map has 4 ids (BPF_USDT_MAX_SPEC_CNT): ten
    // attachments one after the other reuse them.
    for i in 0..10 {
        drop(attach("three").unwrap_or_else(|e| panic!("attachment {i}: {e}")));
    }
    // All four in use: `multi` takes two (two argument specs), the others
    // one each.
    let multi = attach("multi").unwrap();
    let narrow = attach("narrow").unwrap();
    let one = attach("three").unwrap();
    let e = attach("three").unwrap_err().to_string();
    assert!(e.contains("all 4 USDT spec ids are in use"), "{e}");
    drop(narrow);
    // One free id: `multi` needs two, fails, and gives the one back.
    let e = attach("multi").unwrap_err().to_string();
    assert!(e.contains("all 4 USDT spec ids are in use"), "{e}");
    // Two links on one site: each run runs the program once per link.
    let two = attach("three").unwrap();
    fire_three(1, 2);
    assert_eq!(skel.bss.three_hits(), 2);
    assert_eq!(skel.bss.three_sum(), [2, 4, -14]);
    drop((multi, one, two));
    for _ in 0..4 {
        drop(attach("three").unwrap());
    }
}

/// A scale-index-base argument: the object's usdt.bpf.h (libbpf 1.1's on
/// the machine that built it) has no way to read one, so attaching fails.
#[inline(never)]
fn fire_sib(p: *const u64, i: u64) {
    usdt!("sib", "8@({p},{i},8)", p = in(p), i = in(i));
}

#[test]
fn refusals_name_what_is_missing() {
    let skel = loaded();
    let three = &skel.progs.three;
    let msg = |e: Error| e.to_string();

    let e = msg(three
        .attach_usdt(None, SELF, PROVIDER, "nope", 0)
        .unwrap_err());
    assert!(
        e.contains("no USDT probe bpf_skeleton_test:nope") && e.contains("bpf_skeleton_test:three"),
        "{e}"
    );

    let e = msg(three
        .attach_usdt(None, SELF, PROVIDER, "bad", 0)
        .unwrap_err());
    assert!(e.contains("`8@%xmm0`"), "{e}");

    let e = msg(three
        .attach_usdt(None, SELF, PROVIDER, "sib", 0)
        .unwrap_err());
    assert!(
        e.contains("scale-index-base") && e.contains("libbpf 1.7"),
        "{e}"
    );
    fire_sib([0u64; 2].as_ptr(), 1);

    // An ELF executable with no sections at all.
    let dir = std::env::temp_dir().join(format!("usdt-noteless-{}", std::process::id()));
    let mut elf = vec![0u8; 64];
    elf[..8].copy_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]);
    elf[16] = 2; // ET_EXEC
    elf[18] = 62; // EM_X86_64
    elf[20] = 1; // EV_CURRENT
    elf[52] = 64; // e_ehsize
    std::fs::write(&dir, &elf).unwrap();
    let e = msg(three
        .attach_usdt(None, &dir, PROVIDER, "three", 0)
        .unwrap_err());
    std::fs::remove_file(&dir).unwrap();
    assert!(
        e.contains("has no USDT probes (no .note.stapsdt section)"),
        "{e}"
    );

    let e = msg(three
        .attach_usdt(None, "/nonexistent/usdt-bin", PROVIDER, "three", 0)
        .unwrap_err());
    assert!(e.contains("does not exist"), "{e}");

    // The by-name API checks the kind at run time.
    let obj = bpf_skeleton::runtime::OpenObject::from_file(common::corpus("attach.bpf.o"))
        .unwrap()
        .load()
        .unwrap();
    let xdp = obj.program("xdp_count").unwrap();
    let e = msg(xdp
        .attach_usdt(None, SELF, PROVIDER, "three", 0)
        .unwrap_err());
    assert!(e.contains("attach_usdt needs a kprobe"), "{e}");
    never_bad();
}
