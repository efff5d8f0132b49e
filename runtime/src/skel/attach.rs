//! Attaching a skeleton's programs: kind markers that decide at compile
//! time which attach methods a program handle has, and the constant-size
//! `attach()` of generated skeletons.
//!
//! Every loaded [`Program<S, K, A>`](Program) carries its program kind `K`
//! (one of the [`kind`] markers, chosen by the macro from the program's
//! type) and `A`, [`Auto`] if its section names its hook, else [`Manual`].
//! `attach_xdp` exists only where `K: XdpProgram`, `attach()` only where
//! `A = Auto`: calling `attach_xdp` on a tracepoint program does not
//! compile. The untyped [`prog::Program`] has the same methods, checked at
//! run time.

use std::mem::{align_of, size_of};
use std::os::fd::BorrowedFd;
use std::path::Path;

use super::table::Handles;
use super::Program;
use crate::attach::{
    IterTarget, KprobeMultiOptions, KprobeMultiTarget, KprobeOptions, TcOptions, TcxDirection,
    TraceOptions, TracepointOptions, UprobeMultiOptions, UprobeMultiTarget, UprobeOptions,
    UprobeTarget, XdpFlags,
};
use crate::error::{Error, Result, Subject};
use crate::link::Link;
use crate::prog;

/// Program kind markers: the `K` of [`Program<S, K, A>`](Program).
pub mod kind {
    /// `xdp` programs.
    #[derive(Debug)]
    pub enum Xdp {}
    /// `tc`/`tcx` classifiers (`BPF_PROG_TYPE_SCHED_CLS`).
    #[derive(Debug)]
    pub enum Tc {}
    /// `tp/`, `tracepoint/` programs.
    #[derive(Debug)]
    pub enum Tracepoint {}
    /// `raw_tp/`, `raw_tracepoint/` (and writable) programs.
    #[derive(Debug)]
    pub enum RawTracepoint {}
    /// Cgroup programs (`cgroup/...`, `cgroup_skb/...`, `sockops`...).
    #[derive(Debug)]
    pub enum Cgroup {}
    /// Socket filters (`socket`).
    #[derive(Debug)]
    pub enum Socket {}
    /// `kprobe`-type programs: kprobes, kretprobes, ksyscalls, uprobes.
    #[derive(Debug)]
    pub enum Probe {}
    /// `kprobe.multi/`, `kretprobe.multi/`, `kprobe.session/` programs.
    #[derive(Debug)]
    pub enum KprobeMulti {}
    /// `uprobe.multi/`, `uretprobe.multi/`, `uprobe.session/` programs.
    #[derive(Debug)]
    pub enum UprobeMulti {}
    /// `perf_event` programs.
    #[derive(Debug)]
    pub enum PerfEvent {}
    /// Network-namespace programs (`sk_lookup`, `flow_dissector`).
    #[derive(Debug)]
    pub enum Netns {}
    /// Iterators (`iter/...`).
    #[derive(Debug)]
    pub enum Iter {}
    /// BPF-typed tracing: `tp_btf/`, `fentry/`, `fexit/`, `fmod_ret/`,
    /// `lsm/`.
    #[derive(Debug)]
    pub enum Trace {}
    /// `usdt` programs (kprobe-type, reading `usdt.bpf.h`'s spec map).
    #[derive(Debug)]
    pub enum Usdt {}
    /// Every other kind: only the by-name runtime methods.
    #[derive(Debug)]
    pub enum Other {}
}

/// The section names the program's hook: it has `attach()` and the
/// skeleton's `attach()` attaches it.
#[derive(Debug)]
pub enum Auto {}
/// The section does not say where the program attaches: use a typed
/// attach method.
#[derive(Debug)]
pub enum Manual {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Auto {}
    macro_rules! kinds { ($($k:ident),*) => { $(impl Sealed for super::kind::$k {})* } }
    kinds!(
        Xdp,
        Tc,
        Tracepoint,
        RawTracepoint,
        Cgroup,
        Socket,
        Probe,
        KprobeMulti,
        UprobeMulti,
        PerfEvent,
        Netns,
        Iter,
        Trace,
        Usdt,
        Other
    );
}

/// Programs whose section names their hook (`A` = [`Auto`]).
#[diagnostic::on_unimplemented(
    message = "this program's section does not say where it attaches, so it has no `attach()`",
    label = "not auto-attachable",
    note = "use the typed attach method for its kind (`attach_xdp`, `attach_tcx`, \
            `attach_cgroup`...), or name the hook in the section (`tp/category/name`...)"
)]
pub trait AutoAttachable: sealed::Sealed {}
impl AutoAttachable for Auto {}

macro_rules! kind_trait {
    ($(#[$doc:meta])* $trait:ident, $message:literal, $label:literal, [$($k:ident),*]) => {
        $(#[$doc])*
        #[diagnostic::on_unimplemented(
            message = $message,
            label = $label,
            note = "the program's kind comes from its section name in the BPF object"
        )]
        pub trait $trait: sealed::Sealed {}
        $(impl $trait for kind::$k {})*
    };
}
kind_trait!(
    /// Kinds `attach_xdp` accepts.
    XdpProgram, "`attach_xdp` needs an XDP program; this is a `{Self}` program", "not an XDP program", [Xdp]);
kind_trait!(
    /// Kinds `attach_tcx` accepts.
    TcProgram, "`attach_tcx` needs a tc classifier program; this is a `{Self}` program", "not a tc classifier program", [Tc]);
kind_trait!(
    /// Kinds `attach_tracepoint` accepts.
    TracepointProgram, "`attach_tracepoint` needs a tracepoint program; this is a `{Self}` program", "not a tracepoint program", [Tracepoint]);
kind_trait!(
    /// Kinds `attach_raw_tracepoint` accepts.
    RawTracepointProgram, "`attach_raw_tracepoint` needs a raw tracepoint program; this is a `{Self}` program", "not a raw tracepoint program", [RawTracepoint]);
kind_trait!(
    /// Kinds `attach_cgroup` accepts.
    CgroupProgram, "`attach_cgroup` needs a cgroup program; this is a `{Self}` program", "not a cgroup program", [Cgroup]);
kind_trait!(
    /// Kinds `attach_socket` accepts.
    SocketProgram, "`attach_socket` needs a socket filter program; this is a `{Self}` program", "not a socket filter program", [Socket]);
kind_trait!(
    /// Kinds `attach_kprobe`, `attach_ksyscall` and `attach_uprobe` accept
    /// (not `usdt` programs, whose arguments need `attach_usdt`).
    ProbeProgram, "`attach_kprobe/attach_uprobe` needs a kprobe, ksyscall or uprobe program; this is a `{Self}` program", "not a kprobe, ksyscall or uprobe program", [Probe]);
kind_trait!(
    /// Kinds `attach_kprobe_multi` accepts.
    KprobeMultiProgram, "`attach_kprobe_multi` needs a kprobe.multi program; this is a `{Self}` program", "not a kprobe.multi program", [KprobeMulti]);
kind_trait!(
    /// Kinds `attach_uprobe_multi` accepts.
    UprobeMultiProgram, "`attach_uprobe_multi` needs a uprobe.multi program; this is a `{Self}` program", "not a uprobe.multi program", [UprobeMulti]);
kind_trait!(
    /// Kinds `attach_perf_event` accepts (as the kernel does).
    PerfEventProgram, "`attach_perf_event` needs a perf_event, kprobe or tracepoint program; this is a `{Self}` program", "not a perf_event, kprobe or tracepoint program",
    [PerfEvent, Probe, Tracepoint]);
kind_trait!(
    /// Kinds `attach_netns` accepts.
    NetnsProgram, "`attach_netns` needs an sk_lookup or flow_dissector program; this is a `{Self}` program", "not an sk_lookup or flow_dissector program", [Netns]);
kind_trait!(
    /// Kinds `attach_iter` accepts.
    IterProgram, "`attach_iter` needs an iterator program; this is a `{Self}` program", "not an iterator program", [Iter]);
kind_trait!(
    /// Kinds `attach_usdt` accepts.
    UsdtProgram, "`attach_usdt` needs a usdt program; this is a `{Self}` program", "not a usdt program", [Usdt]);
kind_trait!(
    /// Kinds `attach_trace` accepts.
    TraceProgram, "`attach_trace` needs a tp_btf, fentry, fexit, fmod_ret or lsm program; this is a `{Self}` program", "not a tp_btf, fentry, fexit, fmod_ret or lsm program", [Trace]);

impl<S, K, A> Program<S, K, A> {
    /// Attaches the program where its section says (libbpf's auto-attach).
    /// Only for programs whose section names their hook.
    pub fn attach(&self) -> Result<Link>
    where
        A: AutoAttachable,
    {
        self.inner.attach()
    }

    /// Whether the skeleton's `attach()` attaches it (see the open
    /// program's `set_autoattach`).
    pub fn autoattach(&self) -> bool {
        self.inner.autoattach()
    }

    /// Attaches an XDP program to interface `ifindex`.
    pub fn attach_xdp(&self, ifindex: u32, flags: XdpFlags) -> Result<Link>
    where
        K: XdpProgram,
    {
        self.inner.attach_xdp(ifindex, flags)
    }

    /// Attaches a tc classifier with tcx to `ifindex` in `direction` (a
    /// netlink filter where the kernel has no tcx).
    pub fn attach_tcx(&self, ifindex: u32, direction: TcxDirection) -> Result<Link>
    where
        K: TcProgram,
    {
        self.inner.attach_tcx(ifindex, direction)
    }

    /// Attaches a tc classifier to `ifindex` in `direction` with a netlink
    /// `cls_bpf` filter (handle and priority in `opts`), on any kernel.
    pub fn attach_tc(&self, ifindex: u32, direction: TcxDirection, opts: &TcOptions) -> Result<Link>
    where
        K: TcProgram,
    {
        self.inner.attach_tc(ifindex, direction, opts)
    }

    /// Attaches a tracepoint program to tracepoint `category/name`.
    pub fn attach_tracepoint(&self, category: &str, name: &str) -> Result<Link>
    where
        K: TracepointProgram,
    {
        self.inner.attach_tracepoint(category, name)
    }

    /// [`attach_tracepoint`](Self::attach_tracepoint) with options.
    pub fn attach_tracepoint_with(
        &self,
        category: &str,
        name: &str,
        opts: &TracepointOptions,
    ) -> Result<Link>
    where
        K: TracepointProgram,
    {
        self.inner.attach_tracepoint_with(category, name, opts)
    }

    /// Attaches a raw tracepoint program to raw tracepoint `name`.
    pub fn attach_raw_tracepoint(&self, name: &str) -> Result<Link>
    where
        K: RawTracepointProgram,
    {
        self.inner.attach_raw_tracepoint(name)
    }

    /// [`attach_raw_tracepoint`](Self::attach_raw_tracepoint) with options.
    pub fn attach_raw_tracepoint_with(&self, name: &str, opts: &TraceOptions) -> Result<Link>
    where
        K: RawTracepointProgram,
    {
        self.inner.attach_raw_tracepoint_with(name, opts)
    }

    /// Attaches a cgroup program to `cgroup` (an fd of a cgroup v2
    /// directory), with the attach type its section gave.
    pub fn attach_cgroup(&self, cgroup: BorrowedFd<'_>) -> Result<Link>
    where
        K: CgroupProgram,
    {
        self.inner.attach_cgroup(cgroup)
    }

    /// Attaches a socket filter to `socket`.
    pub fn attach_socket(&self, socket: BorrowedFd<'_>) -> Result<Link>
    where
        K: SocketProgram,
    {
        self.inner.attach_socket(socket)
    }

    /// Attaches a kprobe to kernel function `symbol` at `offset`.
    pub fn attach_kprobe(&self, symbol: &str, offset: u64) -> Result<Link>
    where
        K: ProbeProgram,
    {
        self.inner.attach_kprobe(symbol, offset)
    }

    /// [`attach_kprobe`](Self::attach_kprobe) with options (return probe,
    /// cookie).
    pub fn attach_kprobe_with(
        &self,
        symbol: &str,
        offset: u64,
        opts: &KprobeOptions,
    ) -> Result<Link>
    where
        K: ProbeProgram,
    {
        self.inner.attach_kprobe_with(symbol, offset, opts)
    }

    /// Attaches a kprobe to system call `name`'s kernel entry point.
    pub fn attach_ksyscall(&self, name: &str) -> Result<Link>
    where
        K: ProbeProgram,
    {
        self.inner.attach_ksyscall(name)
    }

    /// Attaches a uprobe to `target` (a symbol or offset) in `binary`, for
    /// process `pid` (`None`: every process).
    pub fn attach_uprobe(
        &self,
        pid: Option<i32>,
        binary: impl AsRef<Path>,
        target: impl Into<UprobeTarget>,
    ) -> Result<Link>
    where
        K: ProbeProgram,
    {
        self.inner.attach_uprobe(pid, binary, target)
    }

    /// [`attach_uprobe`](Self::attach_uprobe) with options (return probe,
    /// cookie, `ref_ctr_offset`).
    pub fn attach_uprobe_with(
        &self,
        pid: Option<i32>,
        binary: impl AsRef<Path>,
        target: impl Into<UprobeTarget>,
        opts: &UprobeOptions,
    ) -> Result<Link>
    where
        K: ProbeProgram,
    {
        self.inner.attach_uprobe_with(pid, binary, target, opts)
    }

    /// Attaches a `kprobe.multi` program to every traceable kernel
    /// function matching `pattern` (a glob, or one function's name).
    pub fn attach_kprobe_multi(&self, pattern: &str) -> Result<Link>
    where
        K: KprobeMultiProgram,
    {
        self.inner.attach_kprobe_multi(pattern)
    }

    /// [`attach_kprobe_multi`](Self::attach_kprobe_multi) with a list of
    /// functions or addresses, cookies, or an explicit return probe.
    pub fn attach_kprobe_multi_with(
        &self,
        target: KprobeMultiTarget<'_>,
        opts: &KprobeMultiOptions,
    ) -> Result<Link>
    where
        K: KprobeMultiProgram,
    {
        self.inner.attach_kprobe_multi_with(target, opts)
    }

    /// Attaches a `uprobe.multi` program to every function of `binary`
    /// matching `pattern`, for process `pid` (`None`: every process).
    pub fn attach_uprobe_multi(
        &self,
        pid: Option<i32>,
        binary: impl AsRef<Path>,
        pattern: &str,
    ) -> Result<Link>
    where
        K: UprobeMultiProgram,
    {
        self.inner.attach_uprobe_multi(pid, binary, pattern)
    }

    /// [`attach_uprobe_multi`](Self::attach_uprobe_multi) with a list of
    /// functions or offsets, cookies, reference counters, or an explicit
    /// return probe.
    pub fn attach_uprobe_multi_with(
        &self,
        pid: Option<i32>,
        binary: impl AsRef<Path>,
        target: UprobeMultiTarget<'_>,
        opts: &UprobeMultiOptions,
    ) -> Result<Link>
    where
        K: UprobeMultiProgram,
    {
        self.inner
            .attach_uprobe_multi_with(pid, binary, target, opts)
    }

    /// Attaches the program to an open perf event.
    pub fn attach_perf_event(&self, perf_fd: BorrowedFd<'_>) -> Result<Link>
    where
        K: PerfEventProgram,
    {
        self.inner.attach_perf_event(perf_fd)
    }

    /// [`attach_perf_event`](Self::attach_perf_event) with a BPF cookie.
    pub fn attach_perf_event_with(&self, perf_fd: BorrowedFd<'_>, cookie: u64) -> Result<Link>
    where
        K: PerfEventProgram,
    {
        self.inner.attach_perf_event_with(perf_fd, cookie)
    }

    /// Attaches an `sk_lookup` or `flow_dissector` program to network
    /// namespace `netns`.
    pub fn attach_netns(&self, netns: BorrowedFd<'_>) -> Result<Link>
    where
        K: NetnsProgram,
    {
        self.inner.attach_netns(netns)
    }

    /// Attaches an iterator; read it with [`Link::open_iter`].
    pub fn attach_iter(&self) -> Result<Link>
    where
        K: IterProgram,
    {
        self.inner.attach_iter()
    }

    /// [`attach_iter`](Self::attach_iter) with link parameters (a task, a
    /// cgroup, a map).
    pub fn attach_iter_with(&self, target: IterTarget<'_>) -> Result<Link>
    where
        K: IterProgram,
    {
        self.inner.attach_iter_with(target)
    }

    /// Attaches a `usdt` program to every site of USDT probe
    /// `provider:name` in `binary`, for process `pid` (`None`: every
    /// process); `cookie` is what `bpf_usdt_cookie()` returns (see
    /// [`prog::Program::attach_usdt`]).
    pub fn attach_usdt(
        &self,
        pid: Option<i32>,
        binary: impl AsRef<Path>,
        provider: &str,
        name: &str,
        cookie: u64,
    ) -> Result<Link>
    where
        K: UsdtProgram,
    {
        self.inner.attach_usdt(pid, binary, provider, name, cookie)
    }

    /// Attaches a `tp_btf`, `fentry`, `fexit`, `fmod_ret` or `lsm` program
    /// to the target fixed at load.
    pub fn attach_trace(&self) -> Result<Link>
    where
        K: TraceProgram,
    {
        self.inner.attach_trace()
    }

    /// [`attach_trace`](Self::attach_trace) with options (cookie).
    pub fn attach_trace_with(&self, opts: &TraceOptions) -> Result<Link>
    where
        K: TraceProgram,
    {
        self.inner.attach_trace_with(opts)
    }
}

/// A generated `Links` struct: one `Option<Link>` per program.
///
/// # Safety
/// Implement only for a `#[repr(C)]` struct every field of which is an
/// `Option<Link>`: first one per program of the skeleton, in the order of
/// its `Progs` fields, then any number more (one per struct_ops map). Then
/// it is `[Option<Link>; n + m]` in memory, the first `n` the programs'.
#[doc(hidden)]
pub unsafe trait LinkSlots: Sized {}

/// Attaches every loaded program of `progs` whose section names its hook,
/// whose autoattach is on and whose slot in `links` is empty (libbpf's
/// `bpf_object__attach_skeleton`), storing the links. Stops at the first
/// failure, which names the program; links made so far stay in `links`.
#[doc(hidden)]
pub fn attach_all<P, L>(progs: &P, links: &mut L) -> Result<()>
where
    P: Handles<Item = prog::Program>,
    L: LinkSlots,
{
    let n = size_of::<P>() / size_of::<prog::Program>().max(1);
    let layout = |size: usize, align: usize, item: usize, item_align: usize| {
        n > 0 && item > 0 && n.checked_mul(item) == Some(size) && align == item_align
    };
    // Links may hold more slots after the programs' (struct_ops maps').
    let prefix = |size: usize, align: usize, item: usize, item_align: usize| {
        n > 0
            && item > 0
            && size % item == 0
            && n.checked_mul(item).is_some_and(|p| p <= size)
            && align == item_align
    };
    if !layout(
        size_of::<P>(),
        align_of::<P>(),
        size_of::<prog::Program>(),
        align_of::<prog::Program>(),
    ) || !prefix(
        size_of::<L>(),
        align_of::<L>(),
        size_of::<Option<Link>>(),
        align_of::<Option<Link>>(),
    ) {
        return Err(Error::invalid(
            Subject::Object,
            "the skeleton's Progs and Links do not match; rebuild",
        ));
    }
    // SAFETY: `Handles` makes `P` laid out as `[prog::Program; n]` (size and
    // alignment checked above); the slice borrows `progs`.
    let progs: &[prog::Program] =
        unsafe { std::slice::from_raw_parts((progs as *const P).cast::<prog::Program>(), n) };
    // SAFETY: `LinkSlots` makes `L` laid out as `[Option<Link>; n + m]`
    // whose first `n` are the programs' (size and alignment checked above:
    // at least `n` slots); the slice borrows `links` mutably and any
    // `Option<Link>` written is a valid field value.
    let links: &mut [Option<Link>] =
        unsafe { std::slice::from_raw_parts_mut((links as *mut L).cast::<Option<Link>>(), n) };
    for (prog, slot) in progs.iter().zip(links.iter_mut()) {
        if slot.is_some() || !prog.is_loaded() || !prog.autoattach() || !prog.can_auto_attach() {
            continue;
        }
        *slot = Some(prog.attach()?);
    }
    Ok(())
}

impl<S> super::OpenProgram<S> {
    /// Whether the skeleton's `attach()` will attach it (default `true`).
    pub fn autoattach(&self) -> bool {
        self.inner.autoattach()
    }

    /// Includes or excludes the program from the skeleton's `attach()`
    /// (libbpf's `bpf_program__set_autoattach`); it can still be attached
    /// with its own methods after load.
    pub fn set_autoattach(&mut self, autoattach: bool) {
        self.inner.set_autoattach(autoattach);
    }
}
