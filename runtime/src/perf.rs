//! Reading a `BPF_MAP_TYPE_PERF_EVENT_ARRAY`: one perf event
//! (`PERF_COUNT_SW_BPF_OUTPUT`) per online CPU, each with a mmapped ring
//! buffer, whose fd is stored in the map at that CPU's index; programs
//! write records with `bpf_perf_event_output`.
//!
//! The ring protocol: the kernel advances `data_head` (at byte 1024 of the
//! first page) after writing records; the reader reads records between
//! `data_tail` and `data_head` and then stores `data_head` into
//! `data_tail` (byte 1032). The data area is mapped once, so a record that
//! wraps around its end is copied out.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::error::{Error, Result, Subject};
use crate::map::Map;
use crate::obj::maps::map_type;

const PERF_TYPE_SOFTWARE: u32 = 1;
const PERF_COUNT_SW_BPF_OUTPUT: u64 = 10;
const PERF_SAMPLE_RAW: u64 = 1 << 10;
const PERF_RECORD_LOST: u32 = 2;
const PERF_RECORD_SAMPLE: u32 = 9;
/// `PERF_EVENT_IOC_ENABLE`.
const IOC_ENABLE: libc::c_ulong = 0x2400;
/// `PERF_FLAG_FD_CLOEXEC`.
const PERF_FLAG_FD_CLOEXEC: libc::c_ulong = 1 << 3;
/// Bytes of `struct perf_event_attr` passed (PERF_ATTR_SIZE_VER5).
const ATTR_SIZE: u32 = 112;

/// One record read from a perf buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum PerfRecord<'a> {
    /// A sample: the raw bytes a program passed to `bpf_perf_event_output`,
    /// padded by the kernel to keep records 8-byte aligned.
    Sample {
        /// The CPU it was written on.
        cpu: u32,
        /// The data.
        data: &'a [u8],
    },
    /// The kernel dropped `count` samples because the ring was full.
    Lost {
        /// The CPU they were lost on.
        cpu: u32,
        /// How many.
        count: u64,
    },
}

struct CpuRing {
    cpu: u32,
    fd: OwnedFd,
    base: NonNull<u8>,
    mapped: usize,
    page: usize,
    data_size: usize,
}

/// The perf buffers of one perf event array, one ring per online CPU.
/// Dropping it removes its perf event fds from the map again (as libbpf's
/// `perf_buffer__free` does), so programs stop writing into closed rings.
pub struct PerfBuffer {
    rings: Vec<CpuRing>,
    scratch: Vec<u8>,
    /// A duplicate of the map's fd: a plain array map of `u32` fds.
    map: Map,
}

impl std::fmt::Debug for PerfBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PerfBuffer")
            .field("cpus", &self.rings.len())
            .finish()
    }
}

// SAFETY: each ring is a process-wide shared mapping plus an owned fd;
// reading requires `&mut PerfBuffer`, so one thread consumes at a time, and
// the kernel side is only accessed through atomics and copies.
unsafe impl Send for PerfBuffer {}
// SAFETY: `&PerfBuffer` allows no access to the rings (only Debug).
unsafe impl Sync for PerfBuffer {}

fn open_event(cpu: u32) -> io::Result<OwnedFd> {
    let mut attr = [0u8; ATTR_SIZE as usize];
    attr[0..4].copy_from_slice(&PERF_TYPE_SOFTWARE.to_ne_bytes());
    attr[4..8].copy_from_slice(&ATTR_SIZE.to_ne_bytes());
    attr[8..16].copy_from_slice(&PERF_COUNT_SW_BPF_OUTPUT.to_ne_bytes());
    attr[16..24].copy_from_slice(&1u64.to_ne_bytes()); // sample_period
    attr[24..32].copy_from_slice(&PERF_SAMPLE_RAW.to_ne_bytes());
    attr[48..52].copy_from_slice(&1u32.to_ne_bytes()); // wakeup_events
                                                       // SAFETY: `attr` is a valid perf_event_attr of ATTR_SIZE bytes that
                                                       // outlives the call; pid -1 with a cpu monitors that CPU.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_perf_event_open,
            attr.as_ptr(),
            -1 as libc::pid_t,
            cpu as libc::c_int,
            -1 as libc::c_int,
            PERF_FLAG_FD_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a new fd the kernel just returned, owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

impl CpuRing {
    fn new(cpu: u32, pages: usize) -> io::Result<Self> {
        let page = crate::sys::page_size();
        let fd = open_event(cpu)?;
        let mapped = page * (1 + pages);
        // SAFETY: a fresh shared mapping of the perf event's ring.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                mapped,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let base =
            NonNull::new(p.cast::<u8>()).ok_or_else(|| io::Error::other("mmap returned NULL"))?;
        let ring = CpuRing {
            cpu,
            fd,
            base,
            mapped,
            page,
            data_size: page * pages,
        };
        // SAFETY: ioctl on our own perf fd with no argument.
        if unsafe { libc::ioctl(ring.fd.as_raw_fd(), IOC_ENABLE, 0) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(ring)
    }

    fn word(&self, offset: usize) -> &AtomicU64 {
        // SAFETY: offsets 1024/1032 are inside the first (metadata) page,
        // 8-aligned, mapped read-write for the life of `self`, and shared
        // with the kernel, hence atomic access.
        unsafe { AtomicU64::from_ptr(self.base.as_ptr().add(offset).cast::<u64>()) }
    }

    /// Copies `out.len()` bytes starting at ring position `pos` (wrapping).
    fn copy(&self, pos: u64, out: &mut [u8]) {
        for (i, b) in out.iter_mut().enumerate() {
            let at = (pos as usize + i) % self.data_size;
            // SAFETY: `at < data_size`; the data area starts one page into
            // the mapping; these bytes lie between tail and head, which the
            // kernel does not rewrite until data_tail moves past them.
            *b = unsafe { self.base.as_ptr().add(self.page + at).read() };
        }
    }

    fn consume(&self, scratch: &mut Vec<u8>, f: &mut dyn FnMut(PerfRecord<'_>)) -> usize {
        let head = self.word(1024).load(Ordering::Acquire);
        let mut tail = self.word(1032).load(Ordering::Relaxed);
        let mut n = 0;
        while tail < head {
            let mut hdr = [0u8; 8];
            self.copy(tail, &mut hdr);
            let ty = u32::from_ne_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]);
            let size = u16::from_ne_bytes([hdr[6], hdr[7]]) as u64;
            if size < 8 || size as usize > self.data_size {
                break; // a corrupt header: stop rather than loop
            }
            scratch.clear();
            scratch.resize(size as usize - 8, 0);
            self.copy(tail + 8, scratch);
            match ty {
                PERF_RECORD_SAMPLE if scratch.len() >= 4 => {
                    let len = u32::from_ne_bytes([scratch[0], scratch[1], scratch[2], scratch[3]])
                        as usize;
                    if let Some(data) = scratch.get(4..4 + len) {
                        f(PerfRecord::Sample {
                            cpu: self.cpu,
                            data,
                        });
                        n += 1;
                    }
                }
                PERF_RECORD_LOST if scratch.len() >= 16 => {
                    let mut c = [0u8; 8];
                    c.copy_from_slice(&scratch[8..16]);
                    f(PerfRecord::Lost {
                        cpu: self.cpu,
                        count: u64::from_ne_bytes(c),
                    });
                    n += 1;
                }
                _ => {}
            }
            tail += size;
        }
        self.word(1032).store(tail, Ordering::Release);
        n
    }
}

impl Drop for CpuRing {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping made in `new`; no borrow of it
        // outlives `consume`.
        unsafe { libc::munmap(self.base.as_ptr().cast(), self.mapped) };
    }
}

impl PerfBuffer {
    /// Opens one ring of `pages` pages (a power of two) per online CPU and
    /// stores their fds in `map`, a perf event array.
    pub fn new(map: &Map, pages: usize) -> Result<Self> {
        if map.map_type() != map_type::PERF_EVENT_ARRAY {
            return Err(Error::invalid(map.subject(), "not a perf event array"));
        }
        if pages == 0 || !pages.is_power_of_two() {
            return Err(Error::invalid(
                map.subject(),
                "pages per CPU must be a power of two",
            ));
        }
        let cpus = crate::sys::online_cpus()
            .map_err(|e| Error::syscall("reading online CPUs", map.subject(), e))?;
        let mut buffer = PerfBuffer {
            rings: Vec::with_capacity(cpus.len()),
            scratch: Vec::new(),
            map: map.try_clone()?,
        };
        for cpu in cpus {
            if cpu >= map.max_entries() {
                break;
            }
            let ring = CpuRing::new(cpu, pages)
                .map_err(|e| Error::syscall("perf_event_open", map.subject(), e))?;
            let fd = ring.fd.as_raw_fd() as u32;
            // Pushed first so that an error from here on still deletes the
            // entries written so far (in Drop).
            buffer.rings.push(ring);
            map.update(&cpu.to_ne_bytes(), &fd.to_ne_bytes(), 0)?;
        }
        Ok(buffer)
    }

    /// Calls `f` with every record available now, CPU by CPU; returns how
    /// many.
    pub fn consume(&mut self, mut f: impl FnMut(PerfRecord<'_>)) -> usize {
        let mut n = 0;
        for ring in &self.rings {
            n += ring.consume(&mut self.scratch, &mut f);
        }
        n
    }

    /// Waits up to `timeout` for any CPU's ring to have records, then
    /// consumes them all.
    pub fn poll(&mut self, timeout: Duration, f: impl FnMut(PerfRecord<'_>)) -> Result<usize> {
        let mut fds: Vec<libc::pollfd> = self
            .rings
            .iter()
            .map(|r| libc::pollfd {
                fd: r.fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: `fds` is a valid array of `fds.len()` pollfds for the call.
        let r = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
        if r < 0 {
            let e = io::Error::last_os_error();
            // A signal (Ctrl-C) interrupting the wait is not an error: the
            // caller's loop checks its own flag and polls again.
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(Error::syscall("poll", Subject::map(self.map.name()), e));
            }
        }
        Ok(self.consume(f))
    }

    /// The perf event fds, one per online CPU.
    pub fn fds(&self) -> impl Iterator<Item = BorrowedFd<'_>> {
        self.rings.iter().map(|r| r.fd.as_fd())
    }
}

impl Drop for PerfBuffer {
    fn drop(&mut self) {
        for ring in &self.rings {
            // An entry another buffer replaced since is removed too, as
            // libbpf does; nothing to report from Drop.
            let _ = self.map.delete(&ring.cpu.to_ne_bytes());
        }
    }
}
