//! The attach half of the expansion: each program's handle type (its kind
//! marker and whether its section names its hook), the `Links` struct and
//! the skeleton's `attach()`.

use bpf_skeleton_obj::auto_attach;
use bpf_skeleton_obj::section::{attach_type, prog_type};
use std::fmt::Write;

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{MapItem, ProgItem};

/// The runtime's kind marker for a program: which typed attach methods
/// its handle has.
fn kind_marker(p: &ProgItem) -> &'static str {
    use prog_type::*;
    match p.def.kind.prog_type {
        XDP => "Xdp",
        SCHED_CLS => "Tc",
        TRACEPOINT => "Tracepoint",
        RAW_TRACEPOINT | RAW_TRACEPOINT_WRITABLE => "RawTracepoint",
        CGROUP_SKB | CGROUP_SOCK | CGROUP_SOCK_ADDR | SOCK_OPS | CGROUP_DEVICE | CGROUP_SYSCTL
        | CGROUP_SOCKOPT => "Cgroup",
        SOCKET_FILTER => "Socket",
        KPROBE if auto_attach::is_usdt(&p.def.section) => "Usdt",
        KPROBE => match p.def.kind.expected_attach_type {
            Some(42 | 56) => "KprobeMulti", // BPF_TRACE_KPROBE_MULTI, _SESSION
            Some(48 | 57) => "UprobeMulti", // BPF_TRACE_UPROBE_MULTI, _SESSION
            _ => "Probe",
        },
        PERF_EVENT => "PerfEvent",
        SK_LOOKUP | FLOW_DISSECTOR => "Netns",
        TRACING if p.def.kind.expected_attach_type == Some(attach_type::TRACE_ITER) => "Iter",
        TRACING | LSM => "Trace",
        _ => "Other",
    }
}

/// Whether the program's section names its hook (it gets `attach()`).
pub fn auto_attachable(p: &ProgItem) -> bool {
    auto_attach::parse(&p.def.section).is_some()
}

/// The loaded handle type of program `p`, as source:
/// `Program<Skel, kind::K, Auto|Manual>`.
pub fn prog_ty(p: &ProgItem, sk: &str, skel_ty: &str) -> String {
    let k = kind_marker(p);
    let a = if auto_attachable(p) { "Auto" } else { "Manual" };
    format!("{sk}::Program<{skel_ty}, {sk}::kind::{k}, {sk}::{a}>")
}

/// The generated `Links` struct (one `Option<Link>` per program) and its
/// `LinkSlots` impl, as source; no `LinkSlots` without programs. After the
/// programs' fields, one per struct_ops map.
pub fn links_struct(
    out: &mut String,
    progs: &[ProgItem],
    ops_maps: &[&MapItem],
    rt: &str,
    ivis: &str,
) {
    out.push_str(
        "#[doc = \" The links of a loaded skeleton, one per program, `None` until attached. \
         They are dropped (the programs detached) before the programs and maps when the \
         skeleton drops.\"] #[derive(Debug, Default)] #[repr(C)] ",
    );
    let _ = write!(out, "{ivis} struct Links {{");
    for p in progs {
        let doc = format!(
            "The link of `{}` (section `{}`), set by the skeleton's `attach()`{}; dropping it \
             detaches the program.",
            p.def.name,
            p.def.section,
            if auto_attachable(p) {
                ""
            } else {
                " only if you store one here (its section does not name its hook)"
            }
        );
        let _ = write!(
            out,
            "#[doc = {doc:?}] pub {}: ::core::option::Option<{rt}::Link>,",
            p.field
        );
    }
    for m in ops_maps {
        let doc = format!(
            "The registration of struct_ops map `{}` (section `{}`), set by the skeleton's \
             `attach()`; dropping it unregisters the ops.",
            m.def.name, m.def.section
        );
        let _ = write!(
            out,
            "#[doc = {doc:?}] pub {}: ::core::option::Option<{rt}::Link>,",
            m.field
        );
    }
    out.push('}');
    if !progs.is_empty() {
        let _ = write!(
            out,
            "#[doc = \" SAFETY: `#[repr(C)]`, and every field is an `Option<Link>`: one per \
             program in the order of `Progs`, then one per struct_ops map.\"] \
             #[allow(unsafe_code)] unsafe impl {rt}::skel::LinkSlots for Links {{}}"
        );
    }
}

/// The skeleton's `attach()`: one call into the runtime, whatever the
/// number of programs.
pub fn attach_method(has_progs: bool, ops_maps: &[&MapItem], rt: &TokenStream) -> TokenStream {
    if ops_maps.is_empty() {
        let body = if has_progs {
            quote!(#rt::skel::attach_all(&self.progs, &mut self.links))
        } else {
            quote!(::core::result::Result::Ok(()))
        };
        return attach_fn(body, quote!(), rt);
    }
    let progs = if has_progs {
        quote!(#rt::skel::attach_all(&self.progs, &mut self.links)?;)
    } else {
        quote!()
    };
    // struct_ops maps register after the programs, as in libbpf's skeleton.
    let ops = ops_maps.iter().map(|m| &m.field);
    let body = quote! {
        #progs
        #(
            if self.links.#ops.is_none() {
                self.links.#ops = ::core::option::Option::Some(self.maps.#ops.attach_struct_ops()?);
            }
        )*
        ::core::result::Result::Ok(())
    };
    let doc = quote! {
        ///
        /// Then registers every struct_ops map whose slot in `self.links`
        /// is empty (libbpf's `bpf_map__attach_struct_ops`).
    };
    attach_fn(body, doc, rt)
}

fn attach_fn(body: TokenStream, doc: TokenStream, rt: &TokenStream) -> TokenStream {
    quote! {
        /// Attaches every loaded program whose section names its hook
        /// (`tp/C/N`, `raw_tp/N`, `tp_btf/N`, `iter/I`, `kprobe/F`,
        /// `uprobe/BIN:F`...), whose autoattach was left on and whose link
        /// slot is empty, keeping the links in `self.links` (libbpf's
        /// skeleton attach). Programs whose section does not say where
        /// (`xdp`, `tc`, `socket`, cgroup sections...) are skipped. Stops at
        /// the first failure, which names the program.
        #doc
        pub fn attach(&mut self) -> #rt::Result<()> {
            #body
        }
    }
}
