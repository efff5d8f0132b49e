//! Exclusive maps in one run: make `secret` exclusive to `reader`, load,
//! run `reader` in the kernel, read the map back, then watch the kernel
//! refuse an intruder program that is handed the map.
//!
//! Run as root on Linux >= 6.18:
//!
//! ```sh
//! cargo run --example exclusive
//! ```

use bpf_skeleton::runtime::hash::hex;
use bpf_skeleton::{bpf_skeleton, Error};

/// The object with the exclusive-map scenario.
#[bpf_skeleton("tests/bpf/exclusive.bpf.o")]
struct Exclusive;

/// Another object, whose program `thief` wants `secret` too.
#[bpf_skeleton("tests/bpf/other.bpf.o")]
struct Other;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. Open: parsed and relocated, nothing in the kernel yet.
    let mut open = Exclusive::open()?;
    open.maps.secret.set_exclusive(&open.progs.reader);
    println!(
        "`secret` will be exclusive to `{}`",
        open.maps.secret.exclusive_program().unwrap_or("?")
    );

    // `intruder` also uses `secret`: loading now is refused before any
    // syscall, with an error that names all three.
    match Exclusive::open().map(|mut o| {
        o.maps.secret.set_exclusive(&o.progs.reader);
        o.load()
    }) {
        Ok(Err(e @ Error::ExclusiveConflict { .. })) => println!("caught before load: {e}"),
        other => println!("unexpected: {other:?}"),
    }
    open.progs.intruder.set_autoload(false);

    // 2. Load: the map is created with reader's SHA-256 digest.
    let skel = open.load()?;
    let reader = &skel.progs.reader;
    println!("reader's digest:  {}", hex(&reader.hash()));
    println!("kernel prog tag:  {}", hex(&reader.raw().info()?.tag));

    // 3. Run reader on a 64-byte packet with BPF_PROG_TEST_RUN.
    let mut packet = vec![0u8; 64];
    packet[12] = 0x08;
    let out = reader.test_run(&packet)?;
    println!("reader returned {} (XDP_PASS = 2)", out.retval);
    // Typed from BTF: `secret` maps u32 keys to u64 values.
    for key in 0u32..2 {
        let v: u64 = skel.maps.secret.lookup(&key)?.unwrap_or_default();
        println!("secret[{key}] = {v:#x}");
    }
    // Global variables, live: .bss `runs` and .data `last_len`.
    println!(
        "runs = {}, last_len = {}",
        skel.bss.runs(),
        skel.data.last_len()
    );

    // 4. Another object's program, handed the map's fd: the kernel says no.
    let mut thief = Other::open()?;
    thief.maps.secret.reuse_fd(&skel.maps.secret)?;
    match thief.load() {
        Err(Error::Verifier {
            subject,
            source,
            log,
            ..
        }) => {
            let line = log
                .lines()
                .find(|l| l.contains("excl_prog_hash"))
                .unwrap_or("(no such line)");
            println!("kernel refused {subject}: {source}\n  verifier: {line}");
        }
        Ok(_) => println!("the kernel accepted the thief: exclusivity is NOT enforced here"),
        Err(e) => println!("thief failed differently: {e}"),
    }
    Ok(())
}
