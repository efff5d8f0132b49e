//! execsnoop: prints every `exec` on the system, from the
//! `sched_process_exec` tracepoint through a ring buffer of typed records.
//!
//! Run as root (tracefs must be mounted, as it is on most systems):
//!
//! ```sh
//! cargo run --example execsnoop                 # until Ctrl-C
//! cargo run --example execsnoop -- --uid 1000   # only user 1000 (a .rodata filter)
//! cargo run --example execsnoop -- --count 5 --timeout 10
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bpf_skeleton::bpf_skeleton;

#[bpf_skeleton("examples/bpf/execsnoop.bpf.o", ringbuf(events = event))]
struct Execsnoop;

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

/// Tracepoints need tracefs. If it is not mounted, mounts one in a private
/// mount namespace of this process (nothing changes for the system).
fn ensure_tracefs() -> std::io::Result<()> {
    let mounts = std::fs::read_to_string("/proc/self/mountinfo")?;
    if mounts.lines().any(|l| l.contains(" - tracefs ")) {
        return Ok(());
    }
    let ok = |r: libc::c_int| {
        if r == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error())
        }
    };
    // SAFETY: unshare and mount with NUL-terminated strings; the process
    // is single-threaded here.
    unsafe {
        ok(libc::unshare(libc::CLONE_NEWNS))?;
        ok(libc::mount(
            std::ptr::null(),
            c"/".as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        ))?;
        ok(libc::mount(
            c"tracefs".as_ptr(),
            c"/sys/kernel/tracing".as_ptr(),
            c"tracefs".as_ptr(),
            0,
            std::ptr::null(),
        ))
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut uid, mut count, mut timeout) = (None, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next().ok_or(format!("{a} needs a value"))?;
        match a.as_str() {
            "--uid" => uid = Some(v.parse::<u32>()?),
            "--count" => count = Some(v.parse::<usize>()?),
            "--timeout" => timeout = Some(Duration::from_secs(v.parse()?)),
            _ => return Err(format!("unknown option {a}; use --uid, --count, --timeout").into()),
        }
    }
    // SAFETY: the handler only stores to an atomic (async-signal-safe).
    unsafe { libc::signal(libc::SIGINT, on_sigint as *const () as libc::sighandler_t) };

    let mut open = Execsnoop::open()?;
    if let Some(uid) = uid {
        open.rodata.filter_uid = uid;
    }
    let mut skel = open.load()?;
    ensure_tracefs()?;
    skel.attach()?;

    println!("{:<8} {:<8} COMM", "PID", "UID");
    let start = Instant::now();
    let mut seen = 0;
    while !STOP.load(Ordering::Relaxed)
        && count.is_none_or(|c| seen < c)
        && timeout.is_none_or(|t| start.elapsed() < t)
    {
        // A Ctrl-C during the wait returns Ok(0); the loop then stops.
        skel.maps
            .events
            .poll(Duration::from_millis(100), |e: &execsnoop::types::Event| {
                let comm = e.comm.split(|&b| b == 0).next().unwrap_or_default();
                println!(
                    "{:<8} {:<8} {}",
                    e.pid,
                    e.uid,
                    String::from_utf8_lossy(comm)
                );
                seen += 1;
            })?;
    }
    println!("{seen} execs");
    Ok(())
}
