//! A skeleton of BPF C that build.rs compiled: no Makefile, no bpftool,
//! no committed object. Run as root:
//!
//! ```sh
//! cargo run --manifest-path examples/build-script/Cargo.toml
//! ```

use bpf_skeleton::bpf_skeleton;

/// `task.bpf.c`, compiled by build.rs into `OUT_DIR`.
#[bpf_skeleton("${OUT_DIR}/task.bpf.o")]
pub struct Task;

/// What the program saw of the task that ran it.
#[derive(Debug, PartialEq, Eq)]
pub struct Seen {
    /// `task_struct->pid`.
    pub pid: u32,
    /// `task_struct->tgid`.
    pub tgid: u32,
    /// `task_struct->real_parent->tgid`.
    pub parent_tgid: u32,
    /// `sizeof(struct task_struct)`, relocated to the running kernel's.
    pub task_size: u64,
    /// `BPF_MAP_TYPE_RINGBUF`, relocated.
    pub ringbuf_type: u64,
    /// System calls of this process that the attached `count_mine` saw
    /// while it made 5 of them.
    pub own_syscalls: u64,
}

/// Loads the skeleton, runs `read_task` once in this thread
/// (`BPF_PROG_TEST_RUN`), then attaches `count_mine` to the `sys_enter`
/// raw tracepoint and makes 5 system calls.
pub fn run() -> Result<Seen, Box<dyn std::error::Error>> {
    let mut open = Task::open()?;
    open.rodata.target_tgid = std::process::id();
    // read_task is run by hand; only count_mine is attached.
    open.progs.read_task.set_autoattach(false);
    let mut skel = open.load()?;
    let out = skel
        .progs
        .read_task
        .raw()
        .test_run_with_ctx(&[], &mut [0u8; 16])?;
    if out.retval != 0 || skel.bss.runs() != 1 {
        return Err(format!(
            "read_task returned {}, ran {} times",
            out.retval,
            skel.bss.runs()
        )
        .into());
    }
    let seen = Seen {
        pid: skel.bss.seen_pid(),
        tgid: skel.bss.seen_tgid(),
        parent_tgid: skel.bss.seen_ppid_tgid(),
        task_size: skel.bss.task_size(),
        ringbuf_type: skel.bss.ringbuf_type(),
        own_syscalls: 0,
    };
    skel.attach()?;
    for _ in 0..5 {
        let _ppid = std::os::unix::process::parent_id(); // getppid(2)
    }
    // Detach before reading, so the count is settled.
    skel.links.count_mine.take();
    Ok(Seen {
        own_syscalls: skel.bss.own_syscalls(),
        ..seen
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seen = run()?;
    println!("{seen:#?}");
    Ok(())
}

#[cfg(test)]
mod tests {
    /// This thread's kernel task id.
    fn gettid() -> u32 {
        let link = std::fs::read_link("/proc/thread-self").unwrap();
        link.file_name().unwrap().to_str().unwrap().parse().unwrap()
    }

    #[test]
    fn core_reads_through_the_generated_header_see_this_task() {
        let seen = super::run().unwrap();
        assert_eq!(seen.pid, gettid(), "task_struct->pid");
        assert_eq!(seen.tgid, std::process::id(), "task_struct->tgid");
        assert_eq!(
            seen.parent_tgid,
            std::os::unix::process::parent_id(),
            "real_parent->tgid"
        );
        assert_eq!(seen.ringbuf_type, 27, "BPF_MAP_TYPE_RINGBUF");
        assert!(
            seen.own_syscalls >= 5,
            "the attached program saw {} of this process's system calls",
            seen.own_syscalls
        );
        // The running kernel's task_struct, read from its BTF by hand.
        let btf = std::fs::read("/sys/kernel/btf/vmlinux").unwrap();
        let btf = bpf_skeleton::runtime::obj::btf::Btf::parse(&btf).unwrap();
        let id = btf
            .find("task_struct", |k| {
                matches!(k, bpf_skeleton::runtime::obj::btf::Kind::Struct { .. })
            })
            .unwrap();
        assert_eq!(seen.task_size, u64::from(btf.size_of(id).unwrap()));
    }
}
