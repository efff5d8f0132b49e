// A program whose autoload was off has no fd: Program has no AsFd impl
// (which could only panic); `fd()` returns an Option, `loaded_fd()` a Result.
use std::os::fd::AsFd;

fn borrow(p: &bpf_skeleton::Program) {
    let _ = p.as_fd();
}

fn main() {}
