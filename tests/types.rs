//! Types generated from BTF, against the kernel: a program fills a struct
//! with bitfields, unions, enums and nested arrays; user space reads every
//! field back through the typed API. Compiled under deny(warnings,
//! missing_docs): the generated types and their layout assertions compile
//! warning-free.
#![deny(warnings, missing_docs)]

mod common;

use std::sync::atomic::Ordering;

use bpf_skeleton::bpf_skeleton;
use bpf_skeleton::runtime::map::flags;
use bpf_skeleton::runtime::Bool;
use common::*;

/// The types corpus object.
#[bpf_skeleton("tests/bpf/types.bpf.o")]
pub struct Types;

use types::types::{Color, Delta, FlowKeyT, Point, Shape, Stats, Tiny, Wide};

fn key() -> FlowKeyT {
    FlowKeyT {
        ifindex: 7,
        port: 8080,
        proto: 17,
        ingress: Bool(1),
    }
}

#[test]
fn generated_layouts_match_btf() {
    assert_eq!(std::mem::size_of::<Stats>(), 104);
    assert_eq!(std::mem::size_of::<FlowKeyT>(), 8);
    assert_eq!(std::mem::size_of::<Tiny>(), 1);
    assert_eq!(std::mem::size_of::<Wide>(), 8);
    assert_eq!(Wide::HUGE.0, 0x1_0000_0000);
    assert_eq!(Delta::MINUS_TWO.0, -2);
    assert_eq!(Color::BLUE.name(), Some("BLUE"));
    assert_eq!(
        format!("{:?}", Color(42)),
        "Color(42)",
        "unknown values are fine"
    );
    assert_eq!(format!("{:?}", Color::GREEN), "GREEN");
    // Bitfield accessors round-trip without touching neighbours.
    let mut s = Stats::default();
    s.set_kind(5);
    s.set_level(127);
    s.set_offset(-32);
    s.set_col(Color::BLUE);
    s.set_urgent(Bool(1));
    assert_eq!((s.kind(), s.level(), s.offset()), (5, 127, -32));
    assert_eq!(s.col(), Color::BLUE);
    assert!(s.urgent().get());
    s.set_level(0);
    assert_eq!((s.kind(), s.level(), s.offset()), (5, 0, -32));
    // Union members share bytes.
    let mut sh = Shape::default();
    sh.set_raw(0x0000_0004_0000_0003);
    assert_eq!(sh.p(), Point { x: 3, y: 4 });
}

#[test]
fn program_written_values_read_back_field_by_field() {
    let mut open = Types::open().unwrap();
    assert_eq!(
        open.rodata.magic, 0x5eed,
        "initial values come from the object"
    );
    assert_eq!(open.rodata.origin, Point { x: -7, y: 11 });
    assert_eq!(open.data.cfg.verbosity, 2);
    assert_eq!(open.data.cfg.favourite, Color::GREEN);
    // Configure before load: .rodata and .data initial values.
    open.rodata.magic = 0xfeed_f00d;
    open.data.cfg.verbosity = 4;
    let skel = open.load().unwrap();

    let out = skel.progs.fill.test_run(&packet(64)).unwrap();
    assert_eq!(out.retval, 2);

    let s: Stats = skel
        .maps
        .flows
        .lookup(&key())
        .unwrap()
        .expect("the program stored the key");
    assert_eq!(
        s.packets, 0xfeed_f00d,
        "set through open.rodata before load"
    );
    for (i, p) in s.pts.iter().enumerate() {
        assert_eq!(
            *p,
            Point {
                x: i as i32 * 10 + 4,
                y: -(i as i32)
            },
            "pts[{i}]"
        );
    }
    assert_eq!(&s.name[..11], b"types-test\0", "C `char` arrays are bytes");
    assert_eq!(s.kind(), 5);
    assert_eq!(s.level(), 100);
    assert_eq!(s.offset(), -17);
    assert_eq!(s.col(), Color::BLUE);
    assert!(s.urgent().get());
    assert_eq!(s.tail_byte, 0xab);
    assert_eq!(s.anon0.as_u32(), 0x0102_0304);
    assert_eq!(s.anon0.as_bytes(), 0x0102_0304u32.to_ne_bytes());
    assert_eq!(s.shape.p(), Point { x: 3, y: 4 });
    assert_eq!((s.range.lo, s.range.hi), (1000, 2000));
    assert_eq!(s.d, Delta::MINUS_TWO);
    assert_eq!(s.w, Wide::HUGE);
    assert_eq!(s.t, Tiny::T_B);
    assert_eq!(s.ptr, 0);
    assert!(s.ok.get());

    // Typed iteration and batch lookup see the same entry.
    let all: Vec<(FlowKeyT, Stats)> = skel.maps.flows.iter().collect::<Result<_, _>>().unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].0, key());
    assert_eq!(all[0].1, s);
    let batch = skel.maps.flows.lookup_batch().unwrap();
    assert_eq!(batch, all);

    // Typed update and delete from user space.
    let mut k2 = key();
    k2.port = 53;
    let mut v2 = s;
    v2.set_level(1);
    skel.maps.flows.update(&k2, &v2, flags::NOEXIST).unwrap();
    assert_eq!(skel.maps.flows.lookup(&k2).unwrap().unwrap().level(), 1);
    assert!(
        skel.maps.flows.update(&k2, &v2, flags::NOEXIST).is_err(),
        "NOEXIST"
    );
    let more: Vec<(FlowKeyT, Stats)> = (0..3u16)
        .map(|i| {
            let mut k = key();
            k.port = 9000 + i;
            (k, v2)
        })
        .collect();
    skel.maps.flows.update_batch(&more, flags::ANY).unwrap();
    assert_eq!(skel.maps.flows.keys().count(), 5);
    assert!(skel.maps.flows.delete(&k2).unwrap());
    assert!(!skel.maps.flows.delete(&k2).unwrap());

    // Per-CPU: one Point per possible CPU, one of which was written.
    let pts = skel.maps.last_point.lookup(&0).unwrap().unwrap();
    assert_eq!(pts.len(), bpf_skeleton::runtime::possible_cpus().unwrap());
    assert!(pts.contains(&Point { x: -7, y: 11 }));

    // Live globals: the program's writes are visible, and ours are to it.
    assert_eq!(skel.bss.hits(), 1);
    assert_eq!(skel.bss.small_hits(), 1);
    assert_eq!(skel.bss.hits_atomic().unwrap().load(Ordering::SeqCst), 1);
    assert_eq!(skel.rodata.magic(), 0xfeed_f00d);
    assert_eq!(skel.rodata.origin(), Point { x: -7, y: 11 });
    assert_eq!(skel.data.cfg().verbosity, 4);
    skel.bss.set_hits(100);
    skel.progs.fill.test_run(&packet(64)).unwrap();
    assert_eq!(skel.bss.hits(), 101, "program incremented our value");
    skel.bss
        .hits_atomic()
        .unwrap()
        .fetch_add(10, Ordering::SeqCst);
    assert_eq!(skel.bss.read().hits, 111);
    let mut cfg = skel.data.read();
    cfg.cfg.verbosity = 1;
    skel.data.write(&cfg);
    skel.progs.fill.test_run(&packet(64)).unwrap();
    let s = skel.maps.flows.lookup(&key()).unwrap().unwrap();
    assert_eq!(s.pts[2].x, 21, "the program read .data we wrote");
    // The whole section as the kernel copies it out, typed, on the heap.
    let bss: Box<types::types::Bss> = skel.maps.bss.lookup().unwrap();
    assert_eq!(bss.hits, 112, "100, +1 by the program, +10 by us, +1");
    // Closure accessors: `update` writes back only what it changed.
    skel.data.update(|d| d.cfg.verbosity = 3).unwrap();
    assert_eq!(skel.data.with(|d| d.cfg.verbosity), 3);
    assert_eq!(skel.data.cfg().favourite, Color::GREEN, "untouched");
}

/// A re-export of the runtime, as a crate wrapping bpf-skeleton has.
pub mod reexport {
    pub use bpf_skeleton::runtime;
}

/// The same object, with generated code pointing at the re-export.
#[bpf_skeleton("tests/bpf/types.bpf.o", crate = "crate::reexport")]
pub struct TypesViaReexport;

#[test]
fn crate_option_points_generated_code_elsewhere() {
    let skel = TypesViaReexport::open_and_load().unwrap();
    skel.progs.fill.test_run(&packet(64)).unwrap();
    assert_eq!(skel.bss.hits(), 1);
}

/// `__int128` members, laid out as clang does for BPF (aligned to 16).
#[bpf_skeleton("tests/bpf/int128.bpf.o")]
pub struct Int128;

/// Each struct lays out differently under 8- and 16-byte alignment of
/// `__int128`: the generated types follow the object's BTF (clang's
/// layout), and the values the program writes read back field by field.
#[test]
fn int128_members_are_aligned_to_16_as_clang_does() {
    use bpf_skeleton::runtime::{ObjectFile, U128};
    use int128::types::{IpKey, Mixed, Wide as WideStruct};
    use std::mem::{align_of, offset_of, size_of};

    // clang's layout, read from the object's BTF.
    let bytes = std::fs::read(corpus("int128.bpf.o")).unwrap();
    let file = ObjectFile::parse(&bytes).unwrap();
    let btf = file.btf.as_ref().expect("BTF");
    let member = |st: &str, m: &str| -> (usize, usize) {
        let id = btf
            .find(st, |k| {
                matches!(k, bpf_skeleton::runtime::obj::btf::Kind::Struct { .. })
            })
            .unwrap();
        let bpf_skeleton::runtime::obj::btf::Kind::Struct { members, size } =
            &btf.get(id).unwrap().kind
        else {
            unreachable!()
        };
        let mb = members.iter().find(|x| x.name == m).unwrap();
        ((mb.bit_offset / 8) as usize, *size as usize)
    };
    assert_eq!(member("wide", "x"), (16, 32), "clang: 16, not 8");
    assert_eq!(member("mixed", "b"), (16, 48));
    assert_eq!(member("mixed", "c"), (32, 48));
    assert_eq!(member("ip_key", "lo"), (16, 64));
    assert_eq!(member("ip_key", "flag"), (32, 64));
    assert_eq!(member("ip_key", "hi"), (48, 64));
    // The generated types agree.
    assert_eq!(
        (offset_of!(WideStruct, x), size_of::<WideStruct>()),
        (16, 32)
    );
    assert_eq!((offset_of!(Mixed, b), offset_of!(Mixed, c)), (16, 32));
    assert_eq!(size_of::<Mixed>(), 48);
    assert_eq!(
        (
            offset_of!(IpKey, lo),
            offset_of!(IpKey, flag),
            offset_of!(IpKey, hi)
        ),
        (16, 32, 48)
    );
    assert_eq!((size_of::<IpKey>(), align_of::<IpKey>()), (64, 16));
    assert_eq!(align_of::<U128>(), 16);
    assert_eq!(offset_of!(int128::types::Data, wide_in), 16);
    assert_eq!(offset_of!(int128::types::Bss, wide_out), 16);

    let mut open = Int128::open().unwrap();
    assert_eq!(open.data.wide_in.get(), 5, "initial value at byte 16");
    let big = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210u128;
    open.data.wide_in = U128::from(big);
    let skel = open.load().unwrap();
    skel.progs.fill.test_run(&packet(64)).unwrap();

    let mut key = IpKey::default();
    key.tag = 7;
    key.lo = U128::from(0x0102_0304_0506_0708_1112_1314_1516_1718);
    key.flag = 9;
    key.hi = U128::from(0x2122_2324_2526_2728_3132_3334_3536_3738);
    let w = skel
        .maps
        .by_key
        .lookup(&key)
        .unwrap()
        .expect("the program's key");
    assert_eq!((w.c, w.x.get()), (b'm', big));
    let m = skel.maps.mixeds.lookup(&0).unwrap().unwrap();
    assert_eq!((m.a, m.b.get(), m.c), (0xaaaa, -5, 0xcccc));
    assert_eq!(skel.bss.done(), 1);
    let out = skel.bss.wide_out();
    assert_eq!((out.c, out.x.get()), (b'o', big));
    assert_eq!(skel.data.wide_in().get(), big);
    // Packed: `x` at byte 1; the 16-aligned members are bytes (Rust
    // refuses over-aligned types in packed structs).
    assert_eq!(offset_of!(int128::types::PackedWide, x), 1);
    assert_eq!(size_of::<int128::types::PackedWide>(), 33);
    let p = skel.maps.packeds.lookup(&0).unwrap().unwrap();
    let (c, x, u) = (p.c, p.x, p.u);
    assert_eq!(c, b'p');
    assert_eq!(u128::from_le_bytes(x), big);
    assert_eq!(i128::from_le_bytes(u), -2);
}
