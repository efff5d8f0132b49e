//! Open options and setters before load (issue 14), against the real
//! kernel: every setting is read back from the kernel
//! (`BPF_OBJ_GET_INFO_BY_FD`, a test run, a link's info) or shown by what
//! the kernel refuses. And one program that cannot load (CO-RE, a missing
//! kfunc, an unknown section, struct_ops) never sinks the object unless it
//! is autoloaded, and then the error names it.

mod common;

use std::os::fd::{AsFd, AsRawFd};

use bpf_skeleton::bpf_skeleton;
use bpf_skeleton::runtime::{Error, MapSpec, OpenObject, OpenOptions, Subject};
use common::*;

#[bpf_skeleton("tests/bpf/setters.bpf.o")]
struct Setters;

const OBJ: &str = "setters.bpf.o";

const BPF_F_NO_PREALLOC: u32 = 1;
const BPF_F_NUMA_NODE: u32 = 1 << 2;
const BPF_F_SLEEPABLE: u32 = 1 << 4;
const BPF_F_XDP_HAS_FRAGS: u32 = 1 << 5;
const BPF_MAP_TYPE_LRU_HASH: u32 = 9;
const BPF_MAP_TYPE_ARRAY: u32 = 2;
const BPF_MAP_TYPE_HASH: u32 = 1;
const BPF_PROG_TYPE_SCHED_CLS: u32 = 3;
const BPF_CGROUP_INET4_CONNECT: u32 = 10;
const BPF_CGROUP_UDP4_SENDMSG: u32 = 14;

fn open() -> OpenObject {
    OpenObject::from_file(corpus(OBJ)).unwrap()
}

fn open_with(o: &OpenOptions) -> OpenObject {
    OpenObject::from_file_with(corpus(OBJ), o).unwrap()
}

/// A global's bytes after running `prog` once.
fn run_and_read(obj: &bpf_skeleton::runtime::Object, prog: &str, var: &str) -> u32 {
    obj.program(prog).unwrap().test_run(&packet(64)).unwrap();
    let file =
        bpf_skeleton::runtime::ObjectFile::parse(&std::fs::read(corpus(OBJ)).unwrap()).unwrap();
    u32_of(&global(&file, obj, ".bss", var))
}

/// Raw BTF: [1] int, [2] struct task_struct { int pid at byte 8 }, and two
/// candidates for `setters_ambiguous` with `x` at different offsets.
fn custom_btf() -> Vec<u8> {
    let strings = b"\0int\0task_struct\0pid\0setters_ambiguous\0x\0setters_ambiguous___b\0";
    let off = |s: &str| {
        let needle = format!("\0{s}\0");
        let at = strings
            .windows(needle.len())
            .position(|w| w == needle.as_bytes())
            .unwrap();
        (at + 1) as u32
    };
    let (int, task, pid) = (off("int"), off("task_struct"), off("pid"));
    let (amb, x, amb_b) = (
        off("setters_ambiguous"),
        off("x"),
        off("setters_ambiguous___b"),
    );
    let st = |vlen: u32| (4 << 24) | vlen;
    let types: Vec<u32> = vec![
        int,
        1 << 24,
        4,
        (1 << 24) | 32, // [1] INT int, signed, 32 bits
        task,
        st(1),
        16,
        pid,
        1,
        64, // [2] task_struct { pid @ bit 64 }
        amb,
        st(1),
        8,
        x,
        1,
        0, // [3] setters_ambiguous { x @ 0 }
        amb_b,
        st(1),
        8,
        x,
        1,
        32, // [4] setters_ambiguous___b { x @ bit 32 }
    ];
    let tl = (types.len() * 4) as u32;
    let mut out = vec![0x9f, 0xeb, 1, 0];
    for w in [24, 0, tl, tl, strings.len() as u32] {
        out.extend_from_slice(&w.to_le_bytes());
    }
    for w in types {
        out.extend_from_slice(&w.to_le_bytes());
    }
    out.extend_from_slice(strings);
    out
}

/// A temp file holding [`custom_btf`], removed on drop.
struct TempBtf(std::path::PathBuf);

impl TempBtf {
    fn new(tag: &str) -> Self {
        let p = std::env::temp_dir().join(format!(
            "bpf-skeleton-setters-{}-{tag}.btf",
            std::process::id()
        ));
        std::fs::write(&p, custom_btf()).unwrap();
        TempBtf(p)
    }
}

impl Drop for TempBtf {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

// ---- open options ----

#[test]
fn custom_btf_path_is_what_core_relocates_against() {
    let btf = TempBtf::new("core");
    let custom = open_with(&OpenOptions::new().btf_custom_path(&btf.0));
    let obj = custom.load().unwrap();
    assert_eq!(
        run_and_read(&obj, "core_offset", "seen_offset"),
        8,
        "task_struct.pid is at byte 8 in the custom BTF"
    );
    // The running kernel's BTF (cached once per process) is unaffected:
    // the real offset is not 8.
    let kernel = open().load().unwrap();
    let real = run_and_read(&kernel, "core_offset", "seen_offset");
    assert_ne!(real, 8, "the running kernel's task_struct.pid is elsewhere");
    let again = open_with(&OpenOptions::new().btf_custom_path(&btf.0))
        .load()
        .unwrap();
    assert_eq!(run_and_read(&again, "core_offset", "seen_offset"), 8);
    assert_eq!(
        run_and_read(&open().load().unwrap(), "core_offset", "seen_offset"),
        real
    );
}

#[test]
fn a_missing_custom_btf_file_is_an_error_naming_it() {
    let path = std::env::temp_dir().join("bpf-skeleton-setters-no-such.btf");
    let e = OpenObject::from_file_with(corpus(OBJ), &OpenOptions::new().btf_custom_path(&path))
        .unwrap_err();
    assert!(
        e.to_string().contains("bpf-skeleton-setters-no-such.btf"),
        "{e}"
    );
    let not_btf = std::env::temp_dir().join(format!(
        "bpf-skeleton-setters-{}-not.btf",
        std::process::id()
    ));
    std::fs::write(&not_btf, b"not BTF at all").unwrap();
    let e = OpenObject::from_file_with(corpus(OBJ), &OpenOptions::new().btf_custom_path(&not_btf))
        .unwrap_err();
    std::fs::remove_file(&not_btf).unwrap();
    assert!(e.to_string().contains("-not.btf"), "{e}");
}

#[test]
fn kconfig_option_is_visible_in_the_kconfig_map_and_to_programs() {
    let default = open().load().unwrap();
    assert_eq!(
        run_and_read(&default, "core_offset", "seen_kconfig"),
        0,
        "weak, unset"
    );

    let opts = OpenOptions::new()
        .kconfig("# a comment\nCONFIG_BPF_SKELETON_SETTERS=42\nCONFIG_NOT_DECLARED=y\n");
    let obj = open_with(&opts).load().unwrap();
    let kconfig = obj
        .map(".kconfig")
        .unwrap()
        .lookup(&0u32.to_ne_bytes(), 0)
        .unwrap()
        .unwrap();
    assert_eq!(
        u32_of(&kconfig[..4]),
        42,
        "the .kconfig data holds the override"
    );
    assert_eq!(run_and_read(&obj, "core_offset", "seen_kconfig"), 42);

    // The option's value wins over a later set_kconfig (libbpf: first set wins).
    let mut o = open_with(&opts);
    o.set_kconfig("CONFIG_BPF_SKELETON_SETTERS", "7").unwrap();
    assert_eq!(
        run_and_read(&o.load().unwrap(), "core_offset", "seen_kconfig"),
        42
    );

    let bad = OpenObject::from_file_with(
        corpus(OBJ),
        &OpenOptions::new().kconfig("CONFIG_BPF_SKELETON_SETTERS"),
    )
    .unwrap_err();
    assert!(
        bad.to_string().contains("CONFIG_BPF_SKELETON_SETTERS"),
        "{bad}"
    );
}

#[test]
fn pin_root_option_moves_pinned_by_name_maps() {
    let dir = PrivateBpffs::new("setters-pin-root");
    let o = OpenObject::from_file_with(
        corpus("pin.bpf.o"),
        &OpenOptions::new().pin_root(dir.path()),
    )
    .unwrap();
    let pin = dir.path().join("shared_count");
    assert_eq!(
        o.map("shared_count").unwrap().pin_path(),
        Some(pin.as_path())
    );
    assert_eq!(o.map("private_map").unwrap().pin_path(), None);
    let obj = o.load().unwrap();
    assert!(pin.exists(), "pinned under the root at load");
    drop(obj);
}

#[test]
fn object_name_defaults_to_the_file_name_and_can_be_set() {
    assert_eq!(open().name(), "setters");
    let o = open_with(&OpenOptions::new().object_name("mytool"));
    assert_eq!(o.name(), "mytool");
    let bytes = std::fs::read(corpus(OBJ)).unwrap();
    assert_eq!(OpenObject::from_bytes(&bytes).unwrap().name(), "");
}

// ---- map setters ----

#[test]
fn map_setters_are_what_the_kernel_creates() {
    let mut o = open();
    o.map_mut("stacks").unwrap().set_value_size(20 * 8).unwrap();
    o.map_mut("events")
        .unwrap()
        .set_max_entries(64 * 1024)
        .unwrap();
    let f = o.map_mut("flagged").unwrap();
    f.set_map_flags(BPF_F_NO_PREALLOC).unwrap();
    f.set_numa_node(0);
    f.set_key_size(8).unwrap();
    o.map_mut("bloom").unwrap().set_map_extra(5);
    o.map_mut("retyped")
        .unwrap()
        .set_type(BPF_MAP_TYPE_LRU_HASH)
        .unwrap();
    let obj = o.load().unwrap();

    let info = |name: &str| obj.map(name).unwrap().info().unwrap();
    assert_eq!(info("stacks").value_size, 160);
    assert_eq!(info("events").max_entries, 64 * 1024);
    let flagged = info("flagged");
    assert_eq!(flagged.map_flags, BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE);
    assert_eq!(flagged.key_size, 8, "BTF key type dropped, the map created");
    assert_eq!(info("bloom").map_extra, 5);
    assert_eq!(info("retyped").map_type, BPF_MAP_TYPE_LRU_HASH);
    // Defaults, for contrast.
    let plain = open().load().unwrap();
    assert_eq!(
        plain.map("stacks").unwrap().info().unwrap().value_size,
        127 * 8
    );
    assert_eq!(plain.map("bloom").unwrap().info().unwrap().map_extra, 3);
    assert_eq!(plain.map("flagged").unwrap().info().unwrap().map_flags, 0);
}

#[test]
fn an_odd_ring_buffer_size_from_a_setter_is_rounded_as_libbpf() {
    let mut o = open();
    o.map_mut("events")
        .unwrap()
        .set_max_entries(10_000)
        .unwrap();
    let obj = o.load().unwrap();
    let page = bpf_skeleton::runtime::page_size() as u32;
    let want = (10_000u32.div_ceil(page)).next_power_of_two() * page;
    assert_eq!(obj.map("events").unwrap().info().unwrap().max_entries, want);
}

#[test]
fn inner_map_template_decides_which_maps_the_outer_map_takes() {
    let spec = MapSpec {
        name: "inner_tpl".into(),
        map_type: BPF_MAP_TYPE_ARRAY,
        key_size: 4,
        value_size: 8,
        max_entries: 1,
        map_flags: 0,
        map_extra: 0,
        excl_prog_hash: None,
    };
    let mut o = open();
    o.map_mut("outer").unwrap().set_inner_map(&spec).unwrap();
    let obj = o.load().unwrap();
    let outer = obj.map("outer").unwrap();
    let fits = bpf_skeleton::runtime::Map::create(&MapSpec {
        name: "inner_ok".into(),
        ..spec.clone()
    })
    .unwrap();
    let fd = fits.as_fd().as_raw_fd() as u32;
    outer
        .update(&0u32.to_ne_bytes(), &fd.to_ne_bytes(), 0)
        .unwrap();
    let old_shape = bpf_skeleton::runtime::Map::create(&MapSpec {
        name: "inner_old".into(),
        map_type: BPF_MAP_TYPE_HASH,
        key_size: 4,
        value_size: 4,
        max_entries: 4,
        ..spec.clone()
    })
    .unwrap();
    let fd = old_shape.as_fd().as_raw_fd() as u32;
    assert!(
        outer
            .update(&1u32.to_ne_bytes(), &fd.to_ne_bytes(), 0)
            .is_err(),
        "the object's template shape no longer fits"
    );

    let e = open()
        .map_mut("flagged")
        .unwrap()
        .set_inner_map(&spec)
        .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidArgument { subject, .. } if *subject == Subject::map("flagged")),
        "{e}"
    );
}

#[test]
fn initial_value_is_what_the_data_map_holds() {
    let mut o = open();
    let mut init = o
        .map(".data")
        .unwrap()
        .initial_value()
        .unwrap()
        .into_owned();
    init[..8].copy_from_slice(&99u64.to_ne_bytes());
    o.map_mut(".data")
        .unwrap()
        .set_initial_value(&init)
        .unwrap();
    let e = o
        .map_mut(".data")
        .unwrap()
        .set_initial_value(&init[..3])
        .unwrap_err();
    assert!(
        matches!(e, Error::SizeMismatch { ref map, .. } if map == ".data"),
        "{e}"
    );
    let e = o
        .map_mut("flagged")
        .unwrap()
        .set_initial_value(&[0; 8])
        .unwrap_err();
    assert!(e.to_string().contains("flagged"), "{e}");
    let e = o
        .map_mut(".kconfig")
        .unwrap()
        .set_initial_value(&[0; 4])
        .unwrap_err();
    assert!(e.to_string().contains(".kconfig"), "{e}");
    let obj = o.load().unwrap();
    let v = obj
        .map(".data")
        .unwrap()
        .lookup(&0u32.to_ne_bytes(), 0)
        .unwrap()
        .unwrap();
    assert_eq!(u64_of(&v[..8]), 99);
}

#[test]
fn a_data_section_resizes_only_if_its_last_variable_is_an_array() {
    let mut o = open();
    let e = o.map_mut(".data").unwrap().set_value_size(64).unwrap_err();
    assert!(
        e.to_string().contains(".data") && e.to_string().contains("data_last"),
        "{e}"
    );
    let r = o.map_mut(".data.resizable").unwrap();
    let e = r.set_value_size(30).unwrap_err();
    assert!(e.to_string().contains("multiple of 4"), "{e}");
    r.set_value_size(32).unwrap();
    let obj = o.load().unwrap();
    let m = obj.map(".data.resizable").unwrap();
    assert_eq!(m.info().unwrap().value_size, 32);
    let v = m.lookup(&0u32.to_ne_bytes(), 0).unwrap().unwrap();
    let words: Vec<u32> = v.chunks(4).map(u32_of).collect();
    assert_eq!(words, [4, 1, 2, 3, 4, 0, 0, 0], "kept, then zero-extended");
}

#[test]
fn global_data_maps_keep_their_type_key_and_flags() {
    let mut o = open();
    let m = o.map_mut(".data").unwrap();
    for e in [
        m.set_type(BPF_MAP_TYPE_HASH).unwrap_err(),
        m.set_key_size(8).unwrap_err(),
        m.set_map_flags(0).unwrap_err(),
    ] {
        assert!(e.to_string().contains(".data"), "{e}");
    }
    let e = o.map_mut("no_such_map").unwrap_err();
    assert!(
        matches!(e, Error::NotFound(ref s) if *s == Subject::map("no_such_map")),
        "{e}"
    );
}

// ---- program setters ----

#[test]
fn log_level_keeps_the_verifier_log_of_a_successful_load() {
    let mut o = open();
    o.program_mut("plain").unwrap().set_log_level(1);
    let obj = o.load().unwrap();
    let log = obj.program("plain").unwrap().verifier_log().unwrap();
    assert!(log.contains("processed"), "{log}");
    assert!(obj.program("core_offset").unwrap().verifier_log().is_none());

    let mut o = open();
    let p = o.program_mut("plain").unwrap();
    p.set_log_level(2);
    // 128 bytes: the smallest buffer Linux before 6.4 accepts (else EINVAL).
    p.set_log_size(128);
    let e = o.load().unwrap_err();
    assert!(
        matches!(&e, Error::Verifier { subject, source, .. }
            if *subject == Subject::program("plain") && source.raw_os_error() == Some(libc::ENOSPC)),
        "{e}"
    );
}

#[test]
fn flags_reach_the_kernel() {
    let mut o = open();
    o.program_mut("plain").unwrap().set_flags(BPF_F_SLEEPABLE);
    let e = o.load().unwrap_err();
    assert!(
        matches!(&e, Error::Verifier { subject, .. } if *subject == Subject::program("plain")),
        "an XDP program cannot be sleepable: {e}"
    );
    let mut o = open();
    o.program_mut("plain")
        .unwrap()
        .set_flags(BPF_F_XDP_HAS_FRAGS);
    assert_eq!(o.program("plain").unwrap().flags(), BPF_F_XDP_HAS_FRAGS);
    o.load().unwrap();
}

#[test]
fn program_type_changes_the_kernel_type_not_the_hash() {
    let mut o = open();
    let before = o.program("plain").unwrap().hash();
    o.program_mut("plain")
        .unwrap()
        .set_prog_type(BPF_PROG_TYPE_SCHED_CLS);
    assert_eq!(o.program("plain").unwrap().hash(), before);
    let obj = o.load().unwrap();
    let info = obj.program("plain").unwrap().info().unwrap();
    assert_eq!(info.prog_type, BPF_PROG_TYPE_SCHED_CLS);
    if sha256_tags() {
        assert_eq!(
            info.tag,
            before[..8],
            "the kernel's digest is the one reported"
        );
    }
}

#[test]
fn a_retyped_program_keeps_its_exclusive_map() {
    if !exclusive_maps() {
        return;
    }
    let mut o = open();
    o.program_mut("plain")
        .unwrap()
        .set_prog_type(BPF_PROG_TYPE_SCHED_CLS);
    o.set_exclusive("hits", "plain").unwrap();
    let obj = o.load().unwrap();
    assert_eq!(obj.map("hits").unwrap().exclusive_program(), Some("plain"));
    obj.program("plain").unwrap().test_run(&packet(64)).unwrap();
    assert_eq!(value_u64(obj.map("hits").unwrap(), &0u32.to_ne_bytes()), 1);
}

#[test]
fn attach_target_set_at_run_time_is_resolved_at_load() {
    // No target in the section: refused when autoloaded, naming it.
    let mut o = open();
    o.set_autoload("tp_untargeted", true).unwrap();
    let e = o.load().unwrap_err();
    assert!(
        matches!(&e, Error::Unsupported { subject, .. } if *subject == Subject::program("tp_untargeted")),
        "{e}"
    );
    // A target by name (tp_btf: looked up as btf_trace_<name>).
    let mut o = open();
    o.set_autoload("tp_untargeted", true).unwrap();
    let p = o.program_mut("tp_untargeted").unwrap();
    let hash = p.hash();
    p.set_attach_target("sched_switch").unwrap();
    assert_eq!(p.hash(), hash);
    let obj = o.load().unwrap();
    assert!(obj.program("tp_untargeted").unwrap().is_loaded());
    // A section's target replaced.
    let mut o = open();
    o.set_autoload("tp_retarget", true).unwrap();
    o.program_mut("tp_retarget")
        .unwrap()
        .set_attach_target("sched_wakeup")
        .unwrap();
    o.load().unwrap();
    // A name the kernel lacks.
    let mut o = open();
    o.set_autoload("tp_retarget", true).unwrap();
    o.program_mut("tp_retarget")
        .unwrap()
        .set_attach_target("setters_no_such_tracepoint")
        .unwrap();
    let e = o.load().unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("tp_retarget") && text.contains("btf_trace_setters_no_such_tracepoint"),
        "{text}"
    );
    // A BTF id, used as is.
    use bpf_skeleton::runtime::obj::btf::Kind;
    let id = bpf_skeleton::runtime::kernel_btf::target()
        .unwrap()
        .btf()
        .find("btf_trace_sched_switch", |k| matches!(k, Kind::Typedef(_)))
        .unwrap();
    let mut o = open();
    o.set_autoload("tp_untargeted", true).unwrap();
    o.program_mut("tp_untargeted")
        .unwrap()
        .set_attach_btf_id(id);
    o.load().unwrap();
}

/// `bpf_link_info.cgroup.attach_type` of a link (offset 24).
fn link_attach_type(link: &bpf_skeleton::runtime::Link) -> u32 {
    let mut info = [0u64; 8];
    let mut attr = [0u64; 4];
    // bpf_attr.info: bpf_fd (u32), info_len (u32), info (u64 pointer).
    attr[0] = link.as_fd().as_raw_fd() as u64 | ((std::mem::size_of_val(&info) as u64) << 32);
    attr[1] = info.as_mut_ptr() as u64;
    // SAFETY: BPF_OBJ_GET_INFO_BY_FD (15) writes at most info_len bytes to
    // `info`, which outlives the call; `attr` is the command's struct.
    let r = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            15,
            attr.as_mut_ptr(),
            std::mem::size_of_val(&attr),
        )
    };
    assert_eq!(r, 0, "{}", std::io::Error::last_os_error());
    (info[3] & 0xffff_ffff) as u32
}

#[test]
fn expected_attach_type_changes_how_the_program_attaches() {
    mounts::with_private_mounts(|| {
        let root = mounts::TempMount::new("cgroup2");
        // A child cgroup of our own: nothing attaches to the root.
        let dir = root
            .0
            .join(format!("bpf-skeleton-setters-{}", std::process::id()));
        std::fs::create_dir(&dir).unwrap();
        let result = std::panic::catch_unwind(|| {
            let cg = std::fs::File::open(&dir).unwrap();
            for (attach_type, change) in [
                (BPF_CGROUP_INET4_CONNECT, false),
                (BPF_CGROUP_UDP4_SENDMSG, true),
            ] {
                let mut o = open();
                if change {
                    o.program_mut("cg_connect")
                        .unwrap()
                        .set_expected_attach_type(BPF_CGROUP_UDP4_SENDMSG);
                }
                let obj = o.load().unwrap();
                let link = obj
                    .program("cg_connect")
                    .unwrap()
                    .attach_cgroup(cg.as_fd())
                    .unwrap();
                assert_eq!(link_attach_type(&link), attach_type);
            }
        });
        let removed = std::fs::remove_dir(&dir);
        drop(root);
        if let Err(e) = result {
            std::panic::resume_unwind(e);
        }
        removed.unwrap();
    });
}

// ---- one program that cannot load does not sink the object ----

#[test]
fn programs_that_cannot_load_fail_only_when_autoloaded_naming_themselves() {
    let btf = TempBtf::new("sink");
    let opts = OpenOptions::new().btf_custom_path(&btf.0);
    let o = open_with(&opts);
    assert!(
        o.program("core_broken").unwrap().open_error().is_some(),
        "ambiguous CO-RE candidates"
    );
    assert!(o.program("missing_kfunc").unwrap().open_error().is_some());
    assert!(o.program("core_offset").unwrap().open_error().is_none());
    let obj = o.load().unwrap();
    assert!(obj.program("core_offset").unwrap().is_loaded());
    for p in [
        "core_broken",
        "missing_kfunc",
        "unknown_section",
        "struct_ops_prog",
    ] {
        assert!(!obj.program(p).unwrap().is_loaded());
    }
    drop(obj);

    for (prog, what) in [
        ("core_broken", "CO-RE"),
        ("missing_kfunc", "bpf_skeleton_setters_no_such_kfunc"),
        ("unknown_section", "setters_unknown_section"),
        ("struct_ops_prog", "struct_ops"),
    ] {
        let mut o = open_with(&opts);
        o.set_autoload(prog, true).unwrap();
        let e = o.load().unwrap_err();
        let text = e.to_string();
        assert!(text.contains(prog) && text.contains(what), "{prog}: {text}");
    }
    // Against the running kernel the same relocation is only poisoned
    // (no candidate): no open error, and the object loads.
    let o = open();
    assert!(o.program("core_broken").unwrap().open_error().is_none());
    o.load().unwrap();
}

// ---- the typed skeleton ----

#[test]
fn skeleton_open_with_and_typed_setters() {
    let btf = TempBtf::new("skel");
    let opts = OpenOptions::new()
        .btf_custom_path(&btf.0)
        .kconfig("CONFIG_BPF_SKELETON_SETTERS=5");
    let mut open = Setters::open_with(&opts).unwrap();
    open.maps.stacks.set_value_size(8 * 8).unwrap();
    open.maps.flagged.set_map_flags(BPF_F_NO_PREALLOC).unwrap();
    open.progs.plain.set_log_level(1);
    let skel = open.load().unwrap();
    assert_eq!(skel.maps.stacks.raw().info().unwrap().value_size, 64);
    assert_eq!(
        skel.maps.flagged.raw().info().unwrap().map_flags,
        BPF_F_NO_PREALLOC
    );
    assert!(skel
        .progs
        .plain
        .verifier_log()
        .unwrap()
        .contains("processed"));
    skel.progs.core_offset.test_run(&packet(64)).unwrap();
    assert_eq!(skel.bss.seen_offset(), 8, "CO-RE against the custom BTF");
    assert_eq!(skel.bss.seen_kconfig(), 5);

    // A typed map's value type no longer fits a changed value size.
    let mut open = Setters::open().unwrap();
    open.maps.flagged.set_value_size(16).unwrap();
    let e = open.load().err().unwrap();
    assert!(
        matches!(&e, Error::InvalidArgument { subject, .. } if *subject == Subject::map("flagged")),
        "{e}"
    );
}
