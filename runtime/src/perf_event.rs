//! `perf_event_open` plumbing shared by tracepoints, kprobes, uprobes and
//! user-supplied perf events: opening an event, finding tracepoint ids in
//! tracefs and the dynamic PMUs (`kprobe`, `uprobe`) in sysfs.
//!
//! The one public entry point, [`open`], takes no pointers; events whose
//! attributes carry strings (kprobe symbols, uprobe paths) are opened by
//! the crate with the string borrowed for the duration of the call.

use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};

/// `PERF_TYPE_HARDWARE`.
pub const TYPE_HARDWARE: u32 = 0;
/// `PERF_TYPE_SOFTWARE`.
pub const TYPE_SOFTWARE: u32 = 1;
/// `PERF_TYPE_TRACEPOINT`.
pub const TYPE_TRACEPOINT: u32 = 2;

/// `PERF_COUNT_SW_CPU_CLOCK`.
pub const SW_CPU_CLOCK: u64 = 0;
/// `PERF_COUNT_SW_PAGE_FAULTS`.
pub const SW_PAGE_FAULTS: u64 = 2;

/// `PERF_SAMPLE_ADDR`: the sample carries a data address (a page fault's
/// address, readable by a `perf_event` program as `ctx->addr`).
pub const SAMPLE_ADDR: u64 = 1 << 3;

/// `PERF_EVENT_IOC_ENABLE`.
const IOC_ENABLE: libc::c_ulong = 0x2400;
/// `PERF_EVENT_IOC_SET_BPF` (`_IOW('$', 8, __u32)`).
const IOC_SET_BPF: libc::c_ulong = 0x4004_2408;
/// `PERF_FLAG_FD_CLOEXEC`.
const FLAG_FD_CLOEXEC: libc::c_ulong = 1 << 3;

/// Bytes of `struct perf_event_attr` passed (`PERF_ATTR_SIZE_VER5`).
const ATTR_SIZE: usize = 112;

/// A `struct perf_event_attr` being built. Pointer fields (`config1` as
/// a string) are only set by [`Attr::open_with_string`], which keeps the
/// string borrowed while the kernel reads it.
pub(crate) struct Attr([u8; ATTR_SIZE]);

impl Attr {
    /// A zeroed attr of `ty` / `config` with its size set.
    pub(crate) fn new(ty: u32, config: u64) -> Self {
        let mut a = Attr([0; ATTR_SIZE]);
        a.put(0, &ty.to_ne_bytes());
        a.put(4, &(ATTR_SIZE as u32).to_ne_bytes());
        a.put(8, &config.to_ne_bytes());
        a
    }
    fn put(&mut self, off: usize, bytes: &[u8]) {
        if let Some(dst) = self.0.get_mut(off..off + bytes.len()) {
            dst.copy_from_slice(bytes);
        }
    }
    /// `sample_period`.
    pub(crate) fn sample_period(mut self, p: u64) -> Self {
        self.put(16, &p.to_ne_bytes());
        self
    }
    /// `sample_type`.
    pub(crate) fn sample_type(mut self, t: u64) -> Self {
        self.put(24, &t.to_ne_bytes());
        self
    }
    /// `config2` (a probe's offset).
    pub(crate) fn config2(mut self, v: u64) -> Self {
        self.put(64, &v.to_ne_bytes());
        self
    }

    /// `perf_event_open(attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC)`.
    pub(crate) fn open(&self, pid: i32, cpu: i32) -> io::Result<OwnedFd> {
        let mut copy = Attr(self.0);
        // SAFETY: no pointer field of `copy` is set (`config1` is only ever
        // set below, with a borrowed string).
        unsafe { copy.open_raw(pid, cpu) }
    }

    /// Like [`open`](Self::open) with `config1` pointing at `s` (a kprobe
    /// symbol or a uprobe path), which the kernel copies during the call.
    pub(crate) fn open_with_string(&self, s: &CStr, pid: i32, cpu: i32) -> io::Result<OwnedFd> {
        let mut copy = Attr(self.0);
        copy.put(56, &(s.as_ptr() as usize as u64).to_ne_bytes());
        // SAFETY: the only pointer, `config1`, points at `s`, a
        // NUL-terminated string borrowed for the whole call.
        unsafe { copy.open_raw(pid, cpu) }
    }

    /// # Safety
    /// Every pointer field must be valid for the kernel to read during the
    /// call.
    unsafe fn open_raw(&mut self, pid: i32, cpu: i32) -> io::Result<OwnedFd> {
        // SAFETY: `self.0` is a perf_event_attr of the size stored in it;
        // the caller guarantees its pointer fields.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_perf_event_open,
                self.0.as_mut_ptr(),
                pid as libc::c_long,
                cpu as libc::c_long,
                -1 as libc::c_long,
                FLAG_FD_CLOEXEC,
            )
        };
        if ret < 0 {
            return Err(io::Error::last_os_error());
        }
        let raw = i32::try_from(ret).map_err(|_| io::Error::other("bad perf event fd"))?;
        // SAFETY: the kernel just returned `raw` as a new fd nothing owns.
        Ok(unsafe { OwnedFd::from_raw_fd(raw) })
    }
}

/// Opens a perf event without pointer attributes (hardware, software or
/// tracepoint events) for [`Program::attach_perf_event`]: `pid` -1 with a
/// `cpu` counts all tasks on that CPU, `cpu` -1 with a `pid` (a thread id,
/// 0 for the calling thread) follows that thread on every CPU.
///
/// [`Program::attach_perf_event`]: crate::Program::attach_perf_event
pub fn open(
    ty: u32,
    config: u64,
    sample_period: u64,
    sample_type: u64,
    pid: i32,
    cpu: i32,
) -> io::Result<OwnedFd> {
    Attr::new(ty, config)
        .sample_period(sample_period)
        .sample_type(sample_type)
        .open(pid, cpu)
}

/// `ioctl(PERF_EVENT_IOC_ENABLE)`.
pub(crate) fn enable(fd: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: this ioctl takes no argument memory.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), IOC_ENABLE as _, 0) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// `ioctl(PERF_EVENT_IOC_SET_BPF, prog_fd)`: the pre-5.15 way to run a
/// program on a perf event (no BPF link; closing the event detaches).
pub(crate) fn set_bpf(fd: BorrowedFd<'_>, prog: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: PERF_EVENT_IOC_SET_BPF takes the program fd by value.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), IOC_SET_BPF as _, prog.as_raw_fd()) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Mount points of `fstype` in this process's mount namespace.
fn mounts_of(fstype: &str) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string("/proc/thread-self/mountinfo") else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|line| {
            let (pre, post) = line.split_once(" - ")?;
            let mount_point = pre.split(' ').nth(4)?;
            (post.split(' ').next()? == fstype).then(|| PathBuf::from(unescape(mount_point)))
        })
        .collect()
}

/// Undoes mountinfo's octal escapes (`\040` for a space).
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let oct = b
            .get(i + 1..i + 4)
            .filter(|d| b.get(i) == Some(&b'\\') && d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match oct {
            Some(d) => {
                out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
                i += 4;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Directories that may hold tracefs's `events/`: every tracefs mount
/// (the standard `/sys/kernel/tracing` first), then `tracing/` under each
/// debugfs mount.
pub(crate) fn tracefs_dirs() -> Vec<PathBuf> {
    let mut dirs = mounts_of("tracefs");
    dirs.sort_by_key(|d| d != Path::new("/sys/kernel/tracing"));
    dirs.extend(mounts_of("debugfs").into_iter().map(|d| d.join("tracing")));
    dirs
}

/// Why a tracepoint id could not be read.
pub(crate) enum TracepointIdError {
    /// No tracefs is mounted.
    NoTracefs,
    /// tracefs has no such event (the path that was tried).
    NoEvent(PathBuf),
    /// Reading or parsing the id failed.
    Io(PathBuf, io::Error),
}

/// The id of tracepoint `category:name` (tracefs `events/C/N/id`).
pub(crate) fn tracepoint_id(category: &str, name: &str) -> Result<u64, TracepointIdError> {
    let dirs = tracefs_dirs();
    let first = dirs.first().ok_or(TracepointIdError::NoTracefs)?;
    for dir in &dirs {
        let path = dir.join("events").join(category).join(name).join("id");
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                return text.trim().parse().map_err(|_| {
                    TracepointIdError::Io(
                        path.clone(),
                        io::Error::new(io::ErrorKind::InvalidData, format!("bad id `{text}`")),
                    )
                })
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(TracepointIdError::Io(path, e)),
        }
    }
    Err(TracepointIdError::NoEvent(
        first.join("events").join(category).join(name),
    ))
}

/// A dynamic PMU (`kprobe`, `uprobe`): its type and the config bit that
/// makes a return probe.
pub(crate) struct Pmu {
    /// `perf_event_attr.type`.
    pub(crate) ty: u32,
    /// The bit of `config` that asks for a return probe.
    pub(crate) retprobe_bit: u32,
}

/// Reads `/sys/bus/event_source/devices/<name>/{type,format/retprobe}`.
/// `Ok(None)` if the PMU does not exist.
pub(crate) fn pmu(name: &str) -> io::Result<Option<Pmu>> {
    let dir = Path::new("/sys/bus/event_source/devices").join(name);
    let ty = match std::fs::read_to_string(dir.join("type")) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, format!("bad {what}"));
    let ty = ty.trim().parse().map_err(|_| bad("PMU type"))?;
    // "config:0"
    let fmt = std::fs::read_to_string(dir.join("format/retprobe"))?;
    let retprobe_bit = fmt
        .trim()
        .strip_prefix("config:")
        .and_then(|b| b.parse().ok())
        .filter(|&b: &u32| b < 64)
        .ok_or_else(|| bad("retprobe format"))?;
    Ok(Some(Pmu { ty, retprobe_bit }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn mountinfo_escapes() {
        assert_eq!(super::unescape(r"/mnt/a\040b"), "/mnt/a b");
        assert_eq!(super::unescape(r"/x\0"), r"/x\0");
    }
}
