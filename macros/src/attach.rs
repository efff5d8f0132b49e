//! The attach half of the expansion: each program's handle type (its kind
//! marker and whether its section names its hook), the `Links` struct and
//! the skeleton's `attach()`.

use bpf_skeleton_obj::auto_attach;
use bpf_skeleton_obj::section::{attach_type, prog_type};
use proc_macro2::TokenStream;
use quote::quote;

use crate::model::ProgItem;

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

/// The loaded handle type of program `p`:
/// `Program<Skel, kind::K, Auto|Manual>`.
pub fn prog_ty(p: &ProgItem, sk: &TokenStream, skel_ty: &TokenStream) -> TokenStream {
    let k = proc_macro2::Ident::new(kind_marker(p), proc_macro2::Span::call_site());
    let a = if auto_attachable(p) {
        quote!(#sk::Auto)
    } else {
        quote!(#sk::Manual)
    };
    quote!(#sk::Program<#skel_ty, #sk::kind::#k, #a>)
}

/// The generated `Links` struct (one `Option<Link>` per program) and its
/// `LinkSlots` impl; empty without programs.
pub fn links_struct(progs: &[ProgItem], rt: &TokenStream, ivis: &TokenStream) -> TokenStream {
    let sk = quote!(#rt::skel);
    let fields = progs.iter().map(|p| &p.field);
    let docs = progs.iter().map(|p| {
        format!(
            "The link of `{}` (section `{}`), set by the skeleton's `attach()`{}; dropping it \
             detaches the program.",
            p.def.name,
            p.def.section,
            if auto_attachable(p) {
                ""
            } else {
                " only if you store one here (its section does not name its hook)"
            }
        )
    });
    let slots = if progs.is_empty() {
        quote!()
    } else {
        quote! {
            /// SAFETY: `#[repr(C)]`, and every field is an `Option<Link>`,
            /// one per program in the order of `Progs`.
            #[allow(unsafe_code)]
            unsafe impl #sk::LinkSlots for Links {}
        }
    };
    quote! {
        /// The links of a loaded skeleton, one per program, `None` until
        /// attached. They are dropped (the programs detached) before the
        /// programs and maps when the skeleton drops.
        #[derive(Debug, Default)]
        #[repr(C)]
        #ivis struct Links {
            #( #[doc = #docs] pub #fields: ::core::option::Option<#rt::Link>, )*
        }
        #slots
    }
}

/// The skeleton's `attach()`: one call into the runtime, whatever the
/// number of programs.
pub fn attach_method(has_progs: bool, rt: &TokenStream) -> TokenStream {
    let body = if has_progs {
        quote!(#rt::skel::attach_all(&self.progs, &mut self.links))
    } else {
        quote!(::core::result::Result::Ok(()))
    };
    quote! {
        /// Attaches every loaded program whose section names its hook
        /// (`tp/C/N`, `raw_tp/N`, `tp_btf/N`, `iter/I`, `kprobe/F`,
        /// `uprobe/BIN:F`...), whose autoattach was left on and whose link
        /// slot is empty, keeping the links in `self.links` (libbpf's
        /// skeleton attach). Programs whose section does not say where
        /// (`xdp`, `tc`, `socket`, cgroup sections...) are skipped. Stops at
        /// the first failure, which names the program.
        pub fn attach(&mut self) -> #rt::Result<()> {
            #body
        }
    }
}
