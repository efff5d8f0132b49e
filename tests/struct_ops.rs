//! struct_ops against the kernel: a TCP congestion control written in BPF
//! (tests/bpf/struct_ops_cc.h) is registered, a TCP connection over
//! loopback that selects it runs its `init`, and dropping the handle
//! unregisters it. `.struct_ops.link` maps register through a BPF link
//! (Linux 6.4+), `.struct_ops` maps by their map update.

mod common;

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::Mutex;

use bpf_skeleton::runtime::obj::maps::map_type;
use bpf_skeleton::runtime::obj::struct_ops::F_LINK;
use bpf_skeleton::runtime::{Object, ObjectFile, OpenObject, Subject};
use bpf_skeleton::Error;

const LINK_OBJ: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/bpf/struct_ops.bpf.o");
const PLAIN_OBJ: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/bpf/struct_ops_legacy.bpf.o"
);
const UNKNOWN_OBJ: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/bpf/struct_ops_unknown.bpf.o"
);

/// Tests that register ops hold this: the ops names are kernel-wide.
static REGISTERING: Mutex<()> = Mutex::new(());

/// The typed skeleton: struct_ops maps are `StructOpsMap`s with
/// `attach_struct_ops()`, and `attach()` registers them into `links`.
#[bpf_skeleton::bpf_skeleton("tests/bpf/struct_ops.bpf.o")]
struct LinkCc;

#[test]
fn the_object_model_has_the_ops_maps_and_their_programs() {
    let file = ObjectFile::parse(&std::fs::read(LINK_OBJ).unwrap()).unwrap();
    let map = &file.maps[file.map_index("bsk_cc_link").unwrap()];
    assert_eq!(map.map_type, map_type::STRUCT_OPS);
    assert_eq!(map.section, ".struct_ops.link");
    assert_eq!(map.map_flags, F_LINK);
    assert_eq!((map.key_size, map.max_entries), (4, 1));
    let ops = map.struct_ops.as_ref().unwrap();
    assert_eq!(ops.type_name, "tcp_congestion_ops");
    assert!(ops.link);
    assert_eq!(ops.data.len(), map.value_size as usize);
    // Members in declaration order: ssthresh, cong_avoid, undo_cwnd, init,
    // release, flags, name.
    let progs: Vec<Option<&str>> = ops.programs.iter().map(|p| p.as_deref()).collect();
    assert_eq!(
        progs,
        [
            Some("bsk_ssthresh"),
            Some("bsk_cong_avoid"),
            Some("bsk_undo_cwnd"),
            Some("bsk_init"),
            Some("bsk_release"),
            None,
            None
        ]
    );
    assert!(ops.data.windows(11).any(|w| w == b"bsk_so_link"));
    // A map of `?.struct_ops` is not created (so not in the model), and a
    // program only it points at is not autoloaded; one that a created map
    // points at too is.
    assert!(file.map_index("bsk_cc_optional").is_none());
    let autoload = |name: &str| {
        let i = file.program_index(name).unwrap();
        file.programs[i].kind.autoload
    };
    assert!(!autoload("bsk_optional_init"));
    assert!(autoload("bsk_ssthresh"));
    assert!(autoload("bsk_lonely"));

    let plain = ObjectFile::parse(&std::fs::read(PLAIN_OBJ).unwrap()).unwrap();
    let map = &plain.maps[plain.map_index("bsk_cc_plain").unwrap()];
    assert_eq!((map.map_type, map.map_flags), (map_type::STRUCT_OPS, 0));
    assert!(!map.struct_ops.as_ref().unwrap().link);
}

/// The names of the congestion controls the kernel offers.
fn available() -> String {
    std::fs::read_to_string("/proc/sys/net/ipv4/tcp_available_congestion_control").unwrap()
}

fn offered(name: &str) -> bool {
    available().split_whitespace().any(|n| n == name)
}

fn check(ret: i64, what: &str) -> i64 {
    assert!(ret >= 0, "{what}: {}", std::io::Error::last_os_error());
    ret
}

/// Sets interface `lo` up in the current network namespace.
fn loopback_up() {
    // SAFETY: an AF_INET datagram socket for ioctls; `ifr` is a zeroed
    // ifreq with a NUL-terminated name, read and written by the kernel.
    unsafe {
        let s = OwnedFd::from_raw_fd(check(
            libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0).into(),
            "socket",
        ) as i32);
        let mut ifr: libc::ifreq = std::mem::zeroed();
        ifr.ifr_name[..2].copy_from_slice(&[b'l' as libc::c_char, b'o' as libc::c_char]);
        check(
            libc::ioctl(s.as_raw_fd(), libc::SIOCGIFFLAGS, &mut ifr).into(),
            "SIOCGIFFLAGS",
        );
        ifr.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        check(
            libc::ioctl(s.as_raw_fd(), libc::SIOCSIFFLAGS, &ifr).into(),
            "SIOCSIFFLAGS",
        );
    }
}

/// Connects over loopback (in a fresh network namespace, on a thread of
/// its own) with congestion control `cc` on the client socket and sends a
/// little data. Returns the error of `setsockopt(TCP_CONGESTION)` if the
/// kernel refused the name.
fn connect_with(cc: &'static str) -> Result<(), std::io::Error> {
    std::thread::spawn(move || {
        // SAFETY: unshare has no memory preconditions.
        check(
            unsafe { libc::unshare(libc::CLONE_NEWNET) }.into(),
            "unshare(CLONE_NEWNET)",
        );
        loopback_up();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        // SAFETY: a new TCP socket, owned at once.
        let client = unsafe {
            OwnedFd::from_raw_fd(check(
                libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0).into(),
                "socket",
            ) as i32)
        };
        // SAFETY: the option value is `cc`'s bytes with their length.
        let r = unsafe {
            libc::setsockopt(
                client.as_raw_fd(),
                libc::IPPROTO_TCP,
                libc::TCP_CONGESTION,
                cc.as_ptr().cast(),
                cc.len() as libc::socklen_t,
            )
        };
        if r != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let mut client = std::net::TcpStream::from(client);
        let sa = socket2_addr(addr);
        // SAFETY: connect with a sockaddr_in of its exact size.
        check(
            unsafe {
                libc::connect(
                    std::os::fd::AsRawFd::as_raw_fd(&client),
                    std::ptr::addr_of!(sa).cast(),
                    std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
                )
            }
            .into(),
            "connect",
        );
        let (mut server, _) = listener.accept().unwrap();
        use std::io::{Read, Write};
        client.write_all(&[7u8; 64 * 1024]).unwrap();
        client.shutdown(std::net::Shutdown::Write).unwrap();
        let mut got = Vec::new();
        server.read_to_end(&mut got).unwrap();
        assert_eq!(got.len(), 64 * 1024);
        Ok(())
    })
    .join()
    .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

fn socket2_addr(addr: std::net::SocketAddr) -> libc::sockaddr_in {
    let std::net::SocketAddr::V4(v4) = addr else {
        panic!("not IPv4")
    };
    // SAFETY: sockaddr_in is plain old data.
    let mut sa: libc::sockaddr_in = unsafe { std::mem::zeroed() };
    sa.sin_family = libc::AF_INET as libc::sa_family_t;
    sa.sin_port = v4.port().to_be();
    sa.sin_addr.s_addr = u32::from_ne_bytes(v4.ip().octets());
    sa
}

/// A `__u64` global of `.bss`.
fn counter(obj: &Object, name: &str) -> u64 {
    let names = [
        "init_calls",
        "release_calls",
        "cong_avoid_calls",
        "ssthresh_calls",
    ];
    let at = names.iter().position(|n| *n == name).unwrap() * 8;
    let bss = obj.map(".bss").unwrap();
    let mut b = [0u8; 8];
    assert!(bss.mmap().unwrap().read(at, &mut b));
    u64::from_ne_bytes(b)
}

/// Registers the ops of `path`'s map `map`, checks that a connection using
/// `cc` runs the BPF `init`, then that dropping the handle unregisters it.
fn register_run_unregister(path: &str, map: &str, cc: &'static str, link: bool) {
    let _serial = REGISTERING.lock().unwrap_or_else(|e| e.into_inner());
    let mut open = OpenObject::from_file(path).unwrap();
    if open.program("bsk_lonely").is_ok() {
        open.set_autoload("bsk_lonely", false).unwrap();
    }
    let obj = open.load().unwrap();
    for p in [
        "bsk_init",
        "bsk_ssthresh",
        "bsk_cong_avoid",
        "bsk_undo_cwnd",
    ] {
        let prog = obj.program(p).unwrap();
        assert!(prog.fd().is_some(), "{p} is loaded");
        assert_eq!(prog.info().unwrap().prog_type, 27, "{p}");
    }
    assert!(!offered(cc), "{cc} is registered before attach");
    assert_eq!(
        connect_with(cc).unwrap_err().raw_os_error(),
        Some(libc::ENOENT)
    );

    let handle = obj.map(map).unwrap().attach_struct_ops().unwrap();
    assert_eq!(handle.is_bpf_link(), link);
    if link {
        assert_eq!(
            handle.info().unwrap().link_type,
            bpf_skeleton::runtime::link::link_type::STRUCT_OPS
        );
    }
    assert!(offered(cc), "{cc} not in {}", available());
    assert_eq!(counter(&obj, "init_calls"), 0);
    connect_with(cc).unwrap();
    // One `init` for the client socket (the accepted one uses the
    // listener's default).
    assert_eq!(counter(&obj, "init_calls"), 1);

    drop(handle);
    assert!(
        !offered(cc),
        "{cc} still registered after drop: {}",
        available()
    );
    assert_eq!(
        connect_with(cc).unwrap_err().raw_os_error(),
        Some(libc::ENOENT)
    );
    assert_eq!(counter(&obj, "init_calls"), 1);
}

#[test]
fn a_struct_ops_link_registers_runs_and_unregisters_on_drop() {
    if common::kernel_version() < (6, 4) {
        common::skip("struct_ops links (.struct_ops.link) need Linux 6.4");
        return;
    }
    register_run_unregister(LINK_OBJ, "bsk_cc_link", "bsk_so_link", true);
}

#[test]
fn a_plain_struct_ops_map_registers_by_update_and_unregisters_on_drop() {
    register_run_unregister(PLAIN_OBJ, "bsk_cc_plain", "bsk_so_plain", false);
}

#[test]
fn a_struct_ops_link_map_on_a_kernel_without_links_says_so() {
    if common::kernel_version() >= (6, 4) {
        return;
    }
    let mut open = OpenObject::from_file(LINK_OBJ).unwrap();
    open.set_autoload("bsk_lonely", false).unwrap();
    match open.load().unwrap_err() {
        Error::KernelLacks {
            feature, minimum, ..
        } => {
            assert!(feature.contains("struct_ops links"), "{feature}");
            assert_eq!(minimum, "6.4");
        }
        e => panic!("expected KernelLacks, got {e}"),
    }
}

#[test]
fn a_struct_ops_program_no_map_points_at_fails_its_own_load_and_says_why() {
    if common::kernel_version() < (6, 4) {
        // Maps are created before programs load: there the link map fails
        // first (see a_struct_ops_link_map_on_a_kernel_without_links_says_so).
        common::skip("the object's struct_ops link map needs Linux 6.4");
        return;
    }
    let mut open = OpenObject::from_file(LINK_OBJ).unwrap();
    assert!(open.program("bsk_lonely").unwrap().autoload());
    // Only the lonely program and the plain XDP program.
    for p in [
        "bsk_init",
        "bsk_release",
        "bsk_cong_avoid",
        "bsk_ssthresh",
        "bsk_undo_cwnd",
    ] {
        open.set_autoload(p, false).unwrap();
    }
    match open.load().unwrap_err() {
        Error::Unsupported { subject, what } => {
            assert_eq!(subject, Subject::program("bsk_lonely"));
            assert!(what.contains("no struct_ops map"), "{what}");
        }
        e => panic!("expected Unsupported, got {e}"),
    }
}

#[test]
fn an_ops_type_the_kernel_lacks_is_named() {
    let open = OpenObject::from_file(UNKNOWN_OBJ).unwrap();
    match open.load().unwrap_err() {
        Error::Unsupported { subject, what } => {
            assert_eq!(subject, Subject::map("bsk_nothing"));
            assert!(
                what.contains("struct bpf_struct_ops_bsk_no_such_ops"),
                "{what}"
            );
        }
        e => panic!("expected Unsupported, got {e}"),
    }
}

#[test]
fn a_member_whose_size_differs_from_the_kernels_is_named() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/bpf/struct_ops_mismatch.bpf.o"
    );
    match OpenObject::from_file(path).unwrap().load().unwrap_err() {
        Error::Unsupported { subject, what } => {
            assert_eq!(subject, Subject::map("bsk_cc_mismatch"));
            assert!(
                what.contains("member `flags`: 8 bytes in the object but 4 in the kernel"),
                "{what}"
            );
        }
        e => panic!("expected Unsupported, got {e}"),
    }
}

#[test]
fn only_struct_ops_maps_attach_as_struct_ops() {
    let mut open = OpenObject::from_file(PLAIN_OBJ).unwrap();
    for p in [
        "bsk_init",
        "bsk_release",
        "bsk_cong_avoid",
        "bsk_ssthresh",
        "bsk_undo_cwnd",
    ] {
        open.set_autoload(p, false).unwrap();
    }
    let obj = open.load().unwrap();
    match obj.map(".bss").unwrap().attach_struct_ops().unwrap_err() {
        Error::InvalidArgument { subject, message } => {
            assert_eq!(subject, Subject::map(".bss"));
            assert!(message.contains("not a struct_ops map"), "{message}");
        }
        e => panic!("expected InvalidArgument, got {e}"),
    }
}

#[test]
fn the_skeleton_attach_registers_struct_ops_maps_and_drop_unregisters() {
    if common::kernel_version() < (6, 4) {
        common::skip("struct_ops links (.struct_ops.link) need Linux 6.4");
        return;
    }
    let _serial = REGISTERING.lock().unwrap_or_else(|e| e.into_inner());
    let mut open = LinkCc::open().unwrap();
    open.progs.bsk_lonely.set_autoload(false);
    let mut skel = open.load().unwrap();
    assert!(skel.links.bsk_cc_link.is_none());
    assert!(!offered("bsk_so_link"));
    skel.attach().unwrap();
    assert!(skel.links.bsk_cc_link.is_some());
    assert!(
        skel.links.bsk_init.is_none(),
        "struct_ops programs have no link of their own"
    );
    assert!(offered("bsk_so_link"), "{}", available());
    connect_with("bsk_so_link").unwrap();
    assert_eq!(skel.bss.init_calls(), 1);
    // attach() again keeps the registration it has.
    skel.attach().unwrap();
    skel.links.bsk_cc_link = None;
    assert!(!offered("bsk_so_link"));
    // The typed map handle registers on its own too.
    let link = skel.maps.bsk_cc_link.attach_struct_ops().unwrap();
    assert!(offered("bsk_so_link"));
    drop(link);
    drop(skel);
    assert!(!offered("bsk_so_link"));
}

#[test]
fn a_struct_ops_program_says_its_map_is_what_attaches() {
    let mut open = OpenObject::from_file(PLAIN_OBJ).unwrap();
    for p in [
        "bsk_init",
        "bsk_release",
        "bsk_cong_avoid",
        "bsk_ssthresh",
        "bsk_undo_cwnd",
    ] {
        open.set_autoload(p, false).unwrap();
    }
    let obj = open.load().unwrap();
    match obj.program("bsk_init").unwrap().attach().unwrap_err() {
        Error::InvalidArgument { subject, message } => {
            assert_eq!(subject, Subject::program("bsk_init"));
            assert!(message.contains("attach_struct_ops"), "{message}");
        }
        e => panic!("expected InvalidArgument, got {e}"),
    }
}

#[test]
fn a_struct_ops_link_moves_to_another_map_of_the_same_ops() {
    if common::kernel_version() < (6, 4) {
        common::skip("struct_ops links (.struct_ops.link) need Linux 6.4");
        return;
    }
    let _serial = REGISTERING.lock().unwrap_or_else(|e| e.into_inner());
    let load = || {
        let mut open = OpenObject::from_file(LINK_OBJ).unwrap();
        open.set_autoload("bsk_lonely", false).unwrap();
        open.load().unwrap()
    };
    let (first, second) = (load(), load());
    let link = first
        .map("bsk_cc_link")
        .unwrap()
        .attach_struct_ops()
        .unwrap();
    connect_with("bsk_so_link").unwrap();
    assert_eq!(counter(&first, "init_calls"), 1);
    link.update_struct_ops_map(second.map("bsk_cc_link").unwrap())
        .unwrap();
    connect_with("bsk_so_link").unwrap();
    assert_eq!(
        counter(&first, "init_calls"),
        1,
        "the old ops no longer run"
    );
    assert_eq!(counter(&second, "init_calls"), 1, "the new ops run");
    // Not a struct_ops map: refused before any syscall.
    match link
        .update_struct_ops_map(second.map(".bss").unwrap())
        .unwrap_err()
    {
        Error::InvalidArgument { .. } => {}
        e => panic!("expected InvalidArgument, got {e}"),
    }
    drop(link);
    assert!(!offered("bsk_so_link"));
}
