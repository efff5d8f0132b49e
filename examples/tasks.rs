//! A task iterator dump: one typed record per thread on the system, read
//! from an `iter/task` link.
//!
//! Run as root:
//!
//! ```sh
//! cargo run --example tasks              # every thread
//! cargo run --example tasks -- --limit 10
//! ```

use std::io::Read;

use bpf_skeleton::bpf_skeleton;
use bpf_skeleton::runtime::Plain;

// `types(task_record)`: the record the iterator writes, generated from BTF.
#[bpf_skeleton("examples/bpf/tasks.bpf.o", types(task_record))]
struct Tasks;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let limit = match std::env::args().nth(1).as_deref() {
        Some("--limit") => std::env::args()
            .nth(2)
            .ok_or("--limit needs a value")?
            .parse::<usize>()?,
        Some(a) => return Err(format!("unknown option {a}; use --limit N").into()),
        None => usize::MAX,
    };
    let mut skel = Tasks::open_and_load()?;
    // `iter/task` names its hook: the skeleton's attach() attaches it.
    skel.attach()?;
    let link = skel
        .links
        .dump_tasks
        .as_ref()
        .ok_or("dump_tasks not attached")?;
    let mut bytes = Vec::new();
    link.open_iter()?.read_to_end(&mut bytes)?;

    type Record = tasks::types::TaskRecord;
    let size = std::mem::size_of::<Record>();
    if bytes.len() % size != 0 {
        return Err(format!("{} bytes is not a whole number of records", bytes.len()).into());
    }
    println!("{:<8} {:<8} COMM", "TID", "PID");
    let records = bytes.chunks(size).filter_map(Record::from_bytes);
    for r in records.clone().take(limit) {
        let comm = r.comm.split(|&b| b == 0).next().unwrap_or_default();
        println!(
            "{:<8} {:<8} {}",
            r.pid,
            r.tgid,
            String::from_utf8_lossy(comm)
        );
    }
    let me = std::process::id() as i32;
    let n = records.clone().count();
    println!("{n} threads");
    if !records.into_iter().any(|r| r.tgid == me) {
        return Err("this process was not in the dump".into());
    }
    Ok(())
}
