// Generated from tests/bpf/int128.bpf.o by the type generator; see
// macros/src/tests.rs (BPF_SKELETON_BLESS=1 rewrites this file).
///C `struct ip_key` (64 bytes).
#[repr(C)]
#[derive(PartialEq)]
pub struct IpKey {
    ///`tag` at byte 0 (4 bytes).
    pub tag: u32,
    _pad0: [u8; 12],
    ///`lo` at byte 16 (16 bytes).
    pub lo: ::bpf_skeleton::runtime::U128,
    ///`flag` at byte 32 (1 byte).
    pub flag: u8,
    _pad1: [u8; 15],
    ///`hi` at byte 48 (16 bytes).
    pub hi: ::bpf_skeleton::runtime::U128,
}
impl ::core::clone::Clone for IpKey {
    fn clone(&self) -> Self {
        *self
    }
}
impl ::core::marker::Copy for IpKey {}
impl ::core::default::Default for IpKey {
    fn default() -> Self {
        <Self as ::bpf_skeleton::runtime::Plain>::zeroed()
    }
}
impl ::core::fmt::Debug for IpKey {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        f.debug_struct("IpKey")
            .field("tag", &self.tag)
            .field("lo", &self.lo)
            .field("flag", &self.flag)
            .field("hi", &self.hi)
            .finish()
    }
}
const _: () = ::bpf_skeleton::runtime::skel::layout::layout::<
    IpKey,
>(
    64,
    16,
    &[
        32,
        ::bpf_skeleton::runtime::skel::layout::field::<::bpf_skeleton::runtime::U128>(),
        ::bpf_skeleton::runtime::skel::layout::field::<::bpf_skeleton::runtime::U128>(),
    ],
);
/// SAFETY: `#[repr(C)]`, no implicit padding and every field `Plain`, all checked at compile time just above.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for IpKey {}
///C `struct wide` (32 bytes).
#[repr(C)]
#[derive(PartialEq)]
pub struct Wide {
    ///`c` at byte 0 (1 byte).
    pub c: u8,
    _pad0: [u8; 15],
    ///`x` at byte 16 (16 bytes).
    pub x: ::bpf_skeleton::runtime::U128,
}
impl ::core::clone::Clone for Wide {
    fn clone(&self) -> Self {
        *self
    }
}
impl ::core::marker::Copy for Wide {}
impl ::core::default::Default for Wide {
    fn default() -> Self {
        <Self as ::bpf_skeleton::runtime::Plain>::zeroed()
    }
}
impl ::core::fmt::Debug for Wide {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        f.debug_struct("Wide").field("c", &self.c).field("x", &self.x).finish()
    }
}
const _: () = ::bpf_skeleton::runtime::skel::layout::layout::<
    Wide,
>(
    32,
    16,
    &[
        16,
        ::bpf_skeleton::runtime::skel::layout::field::<::bpf_skeleton::runtime::U128>(),
    ],
);
/// SAFETY: `#[repr(C)]`, no implicit padding and every field `Plain`, all checked at compile time just above.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for Wide {}
///C `struct packed_wide` (33 bytes).
#[repr(C, packed)]
#[derive(PartialEq)]
pub struct PackedWide {
    ///`c` at byte 0 (1 byte).
    pub c: u8,
    ///`x` at byte 1 (16 bytes). Its bytes: its type is aligned above 1 in Rust, which a packed struct cannot hold.
    pub x: [u8; 16],
    ///`u` at byte 17 (16 bytes). Its bytes: its type is aligned above 1 in Rust, which a packed struct cannot hold.
    pub u: [u8; 16],
}
impl ::core::clone::Clone for PackedWide {
    fn clone(&self) -> Self {
        *self
    }
}
impl ::core::marker::Copy for PackedWide {}
impl ::core::default::Default for PackedWide {
    fn default() -> Self {
        <Self as ::bpf_skeleton::runtime::Plain>::zeroed()
    }
}
impl ::core::fmt::Debug for PackedWide {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        f.debug_struct("PackedWide")
            .field("c", &{ self.c })
            .field("x", &{ self.x })
            .field("u", &{ self.u })
            .finish()
    }
}
const _: () = ::bpf_skeleton::runtime::skel::layout::layout::<PackedWide>(33, 1, &[33]);
/// SAFETY: `#[repr(C)]`, no implicit padding and every field `Plain`, all checked at compile time just above.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for PackedWide {}
///C `struct mixed` (48 bytes).
#[repr(C)]
#[derive(PartialEq)]
pub struct Mixed {
    ///`a` at byte 0 (8 bytes).
    pub a: u64,
    _pad0: [u8; 8],
    ///`b` at byte 16 (16 bytes).
    pub b: ::bpf_skeleton::runtime::I128,
    ///`c` at byte 32 (4 bytes).
    pub c: u32,
    _pad1: [u8; 12],
}
impl ::core::clone::Clone for Mixed {
    fn clone(&self) -> Self {
        *self
    }
}
impl ::core::marker::Copy for Mixed {}
impl ::core::default::Default for Mixed {
    fn default() -> Self {
        <Self as ::bpf_skeleton::runtime::Plain>::zeroed()
    }
}
impl ::core::fmt::Debug for Mixed {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        f.debug_struct("Mixed")
            .field("a", &self.a)
            .field("b", &self.b)
            .field("c", &self.c)
            .finish()
    }
}
const _: () = ::bpf_skeleton::runtime::skel::layout::layout::<
    Mixed,
>(
    48,
    16,
    &[
        32,
        ::bpf_skeleton::runtime::skel::layout::field::<::bpf_skeleton::runtime::I128>(),
    ],
);
/// SAFETY: `#[repr(C)]`, no implicit padding and every field `Plain`, all checked at compile time just above.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for Mixed {}
///The variables of section `.data` (32 bytes), laid out as in the object.
#[repr(C)]
#[derive(PartialEq)]
pub struct Data {
    ///`marker` at byte 0 (1 byte).
    pub marker: u8,
    _pad0: [u8; 15],
    ///`wide_in` at byte 16 (16 bytes).
    pub wide_in: ::bpf_skeleton::runtime::U128,
}
impl ::core::clone::Clone for Data {
    fn clone(&self) -> Self {
        *self
    }
}
impl ::core::marker::Copy for Data {}
impl ::core::default::Default for Data {
    fn default() -> Self {
        <Self as ::bpf_skeleton::runtime::Plain>::zeroed()
    }
}
impl ::core::fmt::Debug for Data {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        f.debug_struct("Data")
            .field("marker", &self.marker)
            .field("wide_in", &self.wide_in)
            .finish()
    }
}
const _: () = ::bpf_skeleton::runtime::skel::layout::layout::<
    Data,
>(
    32,
    16,
    &[
        16,
        ::bpf_skeleton::runtime::skel::layout::field::<::bpf_skeleton::runtime::U128>(),
    ],
);
/// SAFETY: `#[repr(C)]`, no implicit padding and every field `Plain`, all checked at compile time just above.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for Data {}
///The variables of section `.bss` (48 bytes), laid out as in the object.
#[repr(C)]
#[derive(PartialEq)]
pub struct Bss {
    ///`done` at byte 0 (1 byte).
    pub done: u8,
    _pad0: [u8; 15],
    ///`wide_out` at byte 16 (32 bytes).
    pub wide_out: Wide,
}
impl ::core::clone::Clone for Bss {
    fn clone(&self) -> Self {
        *self
    }
}
impl ::core::marker::Copy for Bss {}
impl ::core::default::Default for Bss {
    fn default() -> Self {
        <Self as ::bpf_skeleton::runtime::Plain>::zeroed()
    }
}
impl ::core::fmt::Debug for Bss {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        f.debug_struct("Bss")
            .field("done", &self.done)
            .field("wide_out", &self.wide_out)
            .finish()
    }
}
const _: () = ::bpf_skeleton::runtime::skel::layout::layout::<
    Bss,
>(48, 16, &[16, ::bpf_skeleton::runtime::skel::layout::field::<Wide>()]);
/// SAFETY: `#[repr(C)]`, no implicit padding and every field `Plain`, all checked at compile time just above.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for Bss {}
