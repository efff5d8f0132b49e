//! A map shared by two processes through its pin. This process (the
//! writer) mounts a private bpffs in a mount namespace of its own, loads
//! the object with the `calls` map pinned there, counts its own getppid
//! calls into it with a raw tracepoint, and closes everything; then a second
//! process (this example again, `--read DIR`) loads the object, which
//! finds the pin and reuses the same kernel map, and prints what the
//! writer left. The pin goes with the private mount when both exit.
//!
//! Run as root:
//!
//! ```sh
//! cargo run --example pinned
//! ```

use std::ffi::CString;
use std::path::Path;

use bpf_skeleton::bpf_skeleton;

#[bpf_skeleton("examples/bpf/pinned.bpf.o")]
struct Pinned;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--read") => read(Path::new(args.get(2).ok_or("--read needs a directory")?)),
        None => write(),
        Some(a) => Err(format!("unknown option {a}").into()),
    }
}

/// Opens the skeleton with `calls` pinned in `dir`: the first load creates
/// and pins the map, later loads reuse the pinned one.
fn open_in(dir: &Path) -> Result<Pinned, Box<dyn std::error::Error>> {
    let mut open = Pinned::open()?;
    open.maps.calls.set_pin_path(Some(dir.join("calls")));
    Ok(open.load()?)
}

fn write() -> Result<(), Box<dyn std::error::Error>> {
    let dir = private_bpffs()?;
    let result = write_then_read(&dir);
    let at = CString::new(dir.to_str().ok_or("path")?)?;
    // SAFETY: a NUL-terminated path that outlives the call.
    unsafe { libc::umount2(at.as_ptr(), libc::MNT_DETACH) }; // the pin goes with it
    std::fs::remove_dir(&dir)?;
    result
}

fn write_then_read(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    {
        let mut skel = open_in(dir)?;
        skel.attach()?;
        for _ in 0..3 {
            // SAFETY: getppid has no preconditions.
            unsafe { libc::getppid() };
        }
    } // Every fd of this process to the map is closed here: the pin keeps it.
    println!(
        "writer {}: 3 getppid calls counted into {}/calls",
        std::process::id(),
        dir.display()
    );
    let reader = std::process::Command::new(std::env::current_exe()?)
        .arg("--read")
        .arg(dir)
        .status()?;
    std::fs::remove_file(dir.join("calls"))?; // unpin: the map is freed
    if !reader.success() {
        return Err(format!("the reader failed: {reader}").into());
    }
    Ok(())
}

fn read(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let skel = open_in(dir)?;
    let writer = std::os::unix::process::parent_id();
    println!("reader {}: {:<8} GETPPID CALLS", std::process::id(), "PID");
    for entry in skel.maps.calls.iter() {
        let (pid, n) = entry?;
        println!("{:>15}  {pid:<8} {n}", "");
    }
    match skel.maps.calls.lookup(&writer)? {
        Some(3) => Ok(()),
        other => {
            Err(format!("the writer {writer} counted 3 calls, the pin shows {other:?}").into())
        }
    }
}

/// A bpffs mounted on a fresh directory in a mount namespace private to
/// this process and its children: nothing is left behind on the host.
fn private_bpffs() -> Result<std::path::PathBuf, Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("bpf-skeleton-pinned-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let c = |s: &str| CString::new(s);
    let (none, root, bpf, at) = (
        c("none")?,
        c("/")?,
        c("bpf")?,
        c(dir.to_str().ok_or("path")?)?,
    );
    // SAFETY: unshare and mount take NUL-terminated strings that outlive
    // the calls (or null where the kernel allows it).
    let ok = unsafe {
        libc::unshare(libc::CLONE_NEWNS) == 0
            && libc::mount(
                none.as_ptr(),
                root.as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            ) == 0
            && libc::mount(bpf.as_ptr(), at.as_ptr(), bpf.as_ptr(), 0, std::ptr::null()) == 0
    };
    if !ok {
        return Err(format!(
            "private bpffs at {}: {}",
            dir.display(),
            std::io::Error::last_os_error()
        )
        .into());
    }
    Ok(dir)
}
