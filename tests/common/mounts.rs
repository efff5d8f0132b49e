//! Private mounts for tests: a thread with its own mount namespace, a
//! filesystem mounted on a temporary directory, tracefs where none is
//! visible. Nothing here touches the host's mounts.

use std::ffi::CString;
use std::path::{Path, PathBuf};

pub fn check(r: libc::c_long, what: &str) -> libc::c_long {
    assert!(r >= 0, "{what}: {}", std::io::Error::last_os_error());
    r
}

/// Runs `f` on a new thread with its own mount namespace (so mounts it
/// makes are private and vanish with it).
pub fn with_private_mounts<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::spawn(move || {
        // SAFETY: unshare and mount with valid NUL-terminated strings.
        unsafe {
            check(
                libc::unshare(libc::CLONE_NEWNS).into(),
                "unshare(CLONE_NEWNS)",
            );
            check(
                libc::mount(
                    std::ptr::null(),
                    c"/".as_ptr(),
                    std::ptr::null(),
                    libc::MS_REC | libc::MS_PRIVATE,
                    std::ptr::null(),
                )
                .into(),
                "mount --make-rprivate /",
            );
        }
        f()
    })
    .join()
    .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

pub fn mount(fstype: &str, at: &Path) {
    let t = CString::new(fstype).unwrap();
    let p = CString::new(at.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: valid NUL-terminated strings, no data.
    let r = unsafe { libc::mount(t.as_ptr(), p.as_ptr(), t.as_ptr(), 0, std::ptr::null()) };
    check(r.into(), &format!("mount -t {fstype} {}", at.display()));
}

/// A fresh temporary directory (removed by the caller).
pub fn temp_dir(tag: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!(
        "bpf-skeleton-test-{tag}-{}-{n}",
        std::process::id()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A filesystem mounted on a fresh temporary directory (in the calling
/// thread's mount namespace); unmounted and the directory removed on drop.
pub struct TempMount(pub PathBuf);

impl TempMount {
    pub fn new(fstype: &str) -> Self {
        let d = temp_dir(fstype);
        mount(fstype, &d);
        TempMount(d)
    }
}

impl Drop for TempMount {
    fn drop(&mut self) {
        let p = CString::new(self.0.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a NUL-terminated path.
        unsafe { libc::umount2(p.as_ptr(), libc::MNT_DETACH) };
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Mounts a private tracefs in this thread's mount namespace unless one is
/// visible already.
#[must_use]
pub fn ensure_tracefs() -> Option<TempMount> {
    let mounted = std::fs::read_to_string("/proc/thread-self/mountinfo")
        .unwrap()
        .lines()
        .any(|l| l.contains(" - tracefs "));
    (!mounted).then(|| TempMount::new("tracefs"))
}
