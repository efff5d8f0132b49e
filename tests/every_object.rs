//! One skeleton per corpus object the loader opens (tests/bpf/*.bpf.o),
//! in one crate, all `pub`, under `#![deny(warnings, missing_docs)]`; clippy
//! runs on this target with `-D warnings` (`cargo clippy --all-targets`).
//! The corpus includes the shapes issue 11 named: `__int128` members at
//! 16-byte alignment (`int128`), clang's constant pools `.rodata.cst16`
//! (`mapkinds`) and `.rodata.str1.1` (`types`). A test checks that every
//! object the loader opens has its skeleton here, and that each one opens
//! (parse, relocate and table check; nothing is loaded).
#![deny(warnings, missing_docs)]

use bpf_skeleton::bpf_skeleton;

/// `tests/bpf/attach.bpf.o`.
#[bpf_skeleton("tests/bpf/attach.bpf.o")]
pub struct AttachObject;

/// `tests/bpf/big_bss.bpf.o`.
#[bpf_skeleton("tests/bpf/big_bss.bpf.o")]
pub struct BigBssObject;

/// `tests/bpf/core.bpf.o`.
#[bpf_skeleton("tests/bpf/core.bpf.o")]
pub struct CoreObject;

/// `tests/bpf/core_poison.bpf.o`.
#[bpf_skeleton("tests/bpf/core_poison.bpf.o")]
pub struct CorePoisonObject;

/// `tests/bpf/counter.bpf.o`.
#[bpf_skeleton("tests/bpf/counter.bpf.o")]
pub struct CounterObject;

/// `tests/bpf/edge.bpf.o`.
#[bpf_skeleton("tests/bpf/edge.bpf.o")]
pub struct EdgeObject;

/// `tests/bpf/exclusive.bpf.o`.
#[bpf_skeleton("tests/bpf/exclusive.bpf.o")]
pub struct ExclusiveObject;

/// `tests/bpf/int128.bpf.o`.
#[bpf_skeleton("tests/bpf/int128.bpf.o")]
pub struct Int128Object;

/// `tests/bpf/kinds.bpf.o`.
#[bpf_skeleton("tests/bpf/kinds.bpf.o")]
pub struct KindsObject;

/// `tests/bpf/legacy.bpf.o`.
#[bpf_skeleton("tests/bpf/legacy.bpf.o")]
pub struct LegacyObject;

/// `tests/bpf/mapkinds.bpf.o`.
#[bpf_skeleton("tests/bpf/mapkinds.bpf.o")]
pub struct MapkindsObject;

/// `tests/bpf/mom.bpf.o`.
#[bpf_skeleton("tests/bpf/mom.bpf.o")]
pub struct MomObject;

/// `tests/bpf/multi.bpf.o`.
#[bpf_skeleton("tests/bpf/multi.bpf.o")]
pub struct MultiObject;

/// `tests/bpf/other.bpf.o`.
#[bpf_skeleton("tests/bpf/other.bpf.o")]
pub struct OtherObject;

/// `tests/bpf/perf.bpf.o`.
#[bpf_skeleton("tests/bpf/perf.bpf.o")]
pub struct PerfObject;

/// `tests/bpf/pin.bpf.o`.
#[bpf_skeleton("tests/bpf/pin.bpf.o")]
pub struct PinObject;

/// `tests/bpf/reject.bpf.o`.
#[bpf_skeleton("tests/bpf/reject.bpf.o")]
pub struct RejectObject;

/// `tests/bpf/sections.bpf.o`.
#[bpf_skeleton("tests/bpf/sections.bpf.o")]
pub struct SectionsObject;

/// `tests/bpf/setters.bpf.o`.
#[bpf_skeleton("tests/bpf/setters.bpf.o")]
pub struct SettersObject;

/// `tests/bpf/tailcall.bpf.o`.
#[bpf_skeleton("tests/bpf/tailcall.bpf.o")]
pub struct TailcallObject;

/// `tests/bpf/trampoline.bpf.o`.
#[bpf_skeleton("tests/bpf/trampoline.bpf.o")]
pub struct TrampolineObject;

/// `tests/bpf/types.bpf.o`.
#[bpf_skeleton("tests/bpf/types.bpf.o")]
pub struct TypesObject;

/// `tests/bpf/usdt.bpf.o`.
#[bpf_skeleton("tests/bpf/usdt.bpf.o")]
pub struct UsdtObject;

/// `tests/bpf/core_exact.bpf.o`.
#[bpf_skeleton("tests/bpf/core_exact.bpf.o")]
pub struct CoreExactObject;

/// `tests/bpf/core_signed.bpf.o`.
#[bpf_skeleton("tests/bpf/core_signed.bpf.o")]
pub struct CoreSignedObject;

/// `tests/bpf/externs.bpf.o`.
#[bpf_skeleton("tests/bpf/externs.bpf.o")]
pub struct ExternsObject;

/// `tests/bpf/externs_missing.bpf.o`.
#[bpf_skeleton("tests/bpf/externs_missing.bpf.o")]
pub struct ExternsMissingObject;

/// `tests/bpf/externs_typed.bpf.o`.
#[bpf_skeleton("tests/bpf/externs_typed.bpf.o")]
pub struct ExternsTypedObject;

/// `tests/bpf/func_last.bpf.o`.
#[bpf_skeleton("tests/bpf/func_last.bpf.o")]
pub struct FuncLastObject;

/// `tests/bpf/kernel_trace.bpf.o`.
#[bpf_skeleton("tests/bpf/kernel_trace.bpf.o")]
pub struct KernelTraceObject;

/// `tests/bpf/skel_attach.bpf.o`.
#[bpf_skeleton("tests/bpf/skel_attach.bpf.o")]
pub struct SkelAttachObject;

/// `tests/bpf/module_kfunc.bpf.o`.
#[bpf_skeleton("tests/bpf/module_kfunc.bpf.o")]
pub struct ModuleKfuncObject;

/// `tests/bpf/sanitize.bpf.o`.
#[bpf_skeleton("tests/bpf/sanitize.bpf.o")]
pub struct SanitizeObject;

/// `tests/bpf/struct_ops.bpf.o`.
#[bpf_skeleton("tests/bpf/struct_ops.bpf.o")]
pub struct StructOpsObject;

/// `tests/bpf/struct_ops_legacy.bpf.o`.
#[bpf_skeleton("tests/bpf/struct_ops_legacy.bpf.o")]
pub struct StructOpsLegacyObject;

/// `tests/bpf/struct_ops_mismatch.bpf.o`.
#[bpf_skeleton("tests/bpf/struct_ops_mismatch.bpf.o")]
pub struct StructOpsMismatchObject;

/// `tests/bpf/struct_ops_unknown.bpf.o`.
#[bpf_skeleton("tests/bpf/struct_ops_unknown.bpf.o")]
pub struct StructOpsUnknownObject;

/// `tests/bpf/multiprobe.bpf.o`.
#[bpf_skeleton("tests/bpf/multiprobe.bpf.o")]
pub struct MultiprobeObject;

/// `tests/bpf/session.bpf.o`.
#[bpf_skeleton("tests/bpf/session.bpf.o")]
pub struct SessionObject;

/// Every object of the corpus the loader opens, and its skeleton's `open()`.
/// A skeleton's `open()`, its result dropped.
type Open = fn() -> bpf_skeleton::Result<()>;

const SKELETONS: &[(&str, Open)] = &[
    ("attach.bpf.o", || AttachObject::open().map(drop)),
    ("big_bss.bpf.o", || BigBssObject::open().map(drop)),
    ("core.bpf.o", || CoreObject::open().map(drop)),
    ("core_poison.bpf.o", || CorePoisonObject::open().map(drop)),
    ("counter.bpf.o", || CounterObject::open().map(drop)),
    ("edge.bpf.o", || EdgeObject::open().map(drop)),
    ("exclusive.bpf.o", || ExclusiveObject::open().map(drop)),
    ("int128.bpf.o", || Int128Object::open().map(drop)),
    ("kinds.bpf.o", || KindsObject::open().map(drop)),
    ("legacy.bpf.o", || LegacyObject::open().map(drop)),
    ("mapkinds.bpf.o", || MapkindsObject::open().map(drop)),
    ("mom.bpf.o", || MomObject::open().map(drop)),
    ("multi.bpf.o", || MultiObject::open().map(drop)),
    ("other.bpf.o", || OtherObject::open().map(drop)),
    ("perf.bpf.o", || PerfObject::open().map(drop)),
    ("pin.bpf.o", || PinObject::open().map(drop)),
    ("reject.bpf.o", || RejectObject::open().map(drop)),
    ("sections.bpf.o", || SectionsObject::open().map(drop)),
    ("setters.bpf.o", || SettersObject::open().map(drop)),
    ("tailcall.bpf.o", || TailcallObject::open().map(drop)),
    ("trampoline.bpf.o", || TrampolineObject::open().map(drop)),
    ("types.bpf.o", || TypesObject::open().map(drop)),
    ("usdt.bpf.o", || UsdtObject::open().map(drop)),
    ("core_exact.bpf.o", || CoreExactObject::open().map(drop)),
    ("core_signed.bpf.o", || CoreSignedObject::open().map(drop)),
    ("externs.bpf.o", || ExternsObject::open().map(drop)),
    ("externs_missing.bpf.o", || {
        ExternsMissingObject::open().map(drop)
    }),
    ("externs_typed.bpf.o", || {
        ExternsTypedObject::open().map(drop)
    }),
    ("func_last.bpf.o", || FuncLastObject::open().map(drop)),
    ("kernel_trace.bpf.o", || KernelTraceObject::open().map(drop)),
    ("skel_attach.bpf.o", || SkelAttachObject::open().map(drop)),
    ("module_kfunc.bpf.o", || ModuleKfuncObject::open().map(drop)),
    ("sanitize.bpf.o", || SanitizeObject::open().map(drop)),
    ("struct_ops.bpf.o", || StructOpsObject::open().map(drop)),
    ("struct_ops_legacy.bpf.o", || {
        StructOpsLegacyObject::open().map(drop)
    }),
    ("struct_ops_mismatch.bpf.o", || {
        StructOpsMismatchObject::open().map(drop)
    }),
    ("struct_ops_unknown.bpf.o", || {
        StructOpsUnknownObject::open().map(drop)
    }),
    ("multiprobe.bpf.o", || MultiprobeObject::open().map(drop)),
    ("session.bpf.o", || SessionObject::open().map(drop)),
];

#[test]
fn every_object_the_loader_opens_has_a_skeleton_that_opens() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/bpf");
    let mut opened: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".o"))
        .filter(|n| bpf_skeleton::OpenObject::from_file(format!("{dir}/{n}")).is_ok())
        .collect();
    opened.sort();
    let mut here: Vec<String> = SKELETONS.iter().map(|(n, _)| n.to_string()).collect();
    here.sort();
    assert_eq!(
        opened, here,
        "objects the loader opens vs skeletons in this crate"
    );
    for (name, open) in SKELETONS {
        open().unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
