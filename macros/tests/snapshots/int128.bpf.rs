// Generated from tests/bpf/int128.bpf.o by the type generator; see
// macros/src/tests.rs (BPF_SKELETON_BLESS=1 rewrites this file).
///C `struct ip_key` (64 bytes).
#[repr(C)]
#[derive(Clone, Copy, PartialEq)]
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
const _: () = {
    assert!(::core::mem::size_of:: < IpKey > () == 64);
    assert!(::core::mem::align_of:: < IpKey > () == 16);
    assert!(::core::mem::offset_of!(IpKey, tag) == 0);
    assert!(::core::mem::offset_of!(IpKey, lo) == 16);
    assert!(::core::mem::offset_of!(IpKey, flag) == 32);
    assert!(::core::mem::offset_of!(IpKey, hi) == 48);
    assert!(
        ::core::mem::size_of:: < IpKey > () == 0 + ::core::mem::size_of:: < u32 > () +
        ::core::mem::size_of:: < [u8; 12] > () + ::core::mem::size_of:: <
        ::bpf_skeleton::runtime::U128 > () + ::core::mem::size_of:: < u8 > () +
        ::core::mem::size_of:: < [u8; 15] > () + ::core::mem::size_of:: <
        ::bpf_skeleton::runtime::U128 > ()
    );
};
const _: fn() = || {
    fn plain<T: ::bpf_skeleton::runtime::Plain>() {}
    plain::<u32>();
    plain::<[u8; 12]>();
    plain::<::bpf_skeleton::runtime::U128>();
    plain::<u8>();
    plain::<[u8; 15]>();
    plain::<::bpf_skeleton::runtime::U128>();
};
/// SAFETY: `#[repr(C)]`, no implicit padding and every field
/// `Plain`, all asserted at compile time just above.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for IpKey {}
///C `struct wide` (32 bytes).
#[repr(C)]
#[derive(Clone, Copy, PartialEq)]
pub struct Wide {
    ///`c` at byte 0 (1 byte).
    pub c: u8,
    _pad0: [u8; 15],
    ///`x` at byte 16 (16 bytes).
    pub x: ::bpf_skeleton::runtime::U128,
}
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
const _: () = {
    assert!(::core::mem::size_of:: < Wide > () == 32);
    assert!(::core::mem::align_of:: < Wide > () == 16);
    assert!(::core::mem::offset_of!(Wide, c) == 0);
    assert!(::core::mem::offset_of!(Wide, x) == 16);
    assert!(
        ::core::mem::size_of:: < Wide > () == 0 + ::core::mem::size_of:: < u8 > () +
        ::core::mem::size_of:: < [u8; 15] > () + ::core::mem::size_of:: <
        ::bpf_skeleton::runtime::U128 > ()
    );
};
const _: fn() = || {
    fn plain<T: ::bpf_skeleton::runtime::Plain>() {}
    plain::<u8>();
    plain::<[u8; 15]>();
    plain::<::bpf_skeleton::runtime::U128>();
};
/// SAFETY: `#[repr(C)]`, no implicit padding and every field
/// `Plain`, all asserted at compile time just above.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for Wide {}
///C `struct packed_wide` (33 bytes).
#[repr(C, packed)]
#[derive(Clone, Copy, PartialEq)]
pub struct PackedWide {
    ///`c` at byte 0 (1 byte).
    pub c: u8,
    ///`x` at byte 1 (16 bytes). Its bytes: its type is aligned above 1 in Rust, which a packed struct cannot hold.
    pub x: [u8; 16],
    ///`u` at byte 17 (16 bytes). Its bytes: its type is aligned above 1 in Rust, which a packed struct cannot hold.
    pub u: [u8; 16],
}
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
const _: () = {
    assert!(::core::mem::size_of:: < PackedWide > () == 33);
    assert!(::core::mem::align_of:: < PackedWide > () == 1);
    assert!(::core::mem::offset_of!(PackedWide, c) == 0);
    assert!(::core::mem::offset_of!(PackedWide, x) == 1);
    assert!(::core::mem::offset_of!(PackedWide, u) == 17);
    assert!(
        ::core::mem::size_of:: < PackedWide > () == 0 + ::core::mem::size_of:: < u8 > ()
        + ::core::mem::size_of:: < [u8; 16] > () + ::core::mem::size_of:: < [u8; 16] > ()
    );
};
const _: fn() = || {
    fn plain<T: ::bpf_skeleton::runtime::Plain>() {}
    plain::<u8>();
    plain::<[u8; 16]>();
    plain::<[u8; 16]>();
};
/// SAFETY: `#[repr(C)]`, no implicit padding and every field
/// `Plain`, all asserted at compile time just above.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for PackedWide {}
///C `struct mixed` (48 bytes).
#[repr(C)]
#[derive(Clone, Copy, PartialEq)]
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
const _: () = {
    assert!(::core::mem::size_of:: < Mixed > () == 48);
    assert!(::core::mem::align_of:: < Mixed > () == 16);
    assert!(::core::mem::offset_of!(Mixed, a) == 0);
    assert!(::core::mem::offset_of!(Mixed, b) == 16);
    assert!(::core::mem::offset_of!(Mixed, c) == 32);
    assert!(
        ::core::mem::size_of:: < Mixed > () == 0 + ::core::mem::size_of:: < u64 > () +
        ::core::mem::size_of:: < [u8; 8] > () + ::core::mem::size_of:: <
        ::bpf_skeleton::runtime::I128 > () + ::core::mem::size_of:: < u32 > () +
        ::core::mem::size_of:: < [u8; 12] > ()
    );
};
const _: fn() = || {
    fn plain<T: ::bpf_skeleton::runtime::Plain>() {}
    plain::<u64>();
    plain::<[u8; 8]>();
    plain::<::bpf_skeleton::runtime::I128>();
    plain::<u32>();
    plain::<[u8; 12]>();
};
/// SAFETY: `#[repr(C)]`, no implicit padding and every field
/// `Plain`, all asserted at compile time just above.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for Mixed {}
///The variables of section `.data` (32 bytes), laid out as in the object.
#[repr(C)]
#[derive(Clone, Copy, PartialEq)]
pub struct Data {
    ///`marker` at byte 0 (1 byte).
    pub marker: u8,
    _pad0: [u8; 15],
    ///`wide_in` at byte 16 (16 bytes).
    pub wide_in: ::bpf_skeleton::runtime::U128,
}
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
const _: () = {
    assert!(::core::mem::size_of:: < Data > () == 32);
    assert!(::core::mem::align_of:: < Data > () == 16);
    assert!(::core::mem::offset_of!(Data, marker) == 0);
    assert!(::core::mem::offset_of!(Data, wide_in) == 16);
    assert!(
        ::core::mem::size_of:: < Data > () == 0 + ::core::mem::size_of:: < u8 > () +
        ::core::mem::size_of:: < [u8; 15] > () + ::core::mem::size_of:: <
        ::bpf_skeleton::runtime::U128 > ()
    );
};
const _: fn() = || {
    fn plain<T: ::bpf_skeleton::runtime::Plain>() {}
    plain::<u8>();
    plain::<[u8; 15]>();
    plain::<::bpf_skeleton::runtime::U128>();
};
/// SAFETY: `#[repr(C)]`, no implicit padding and every field
/// `Plain`, all asserted at compile time just above.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for Data {}
///The variables of section `.bss` (48 bytes), laid out as in the object.
#[repr(C)]
#[derive(Clone, Copy, PartialEq)]
pub struct Bss {
    ///`done` at byte 0 (1 byte).
    pub done: u8,
    _pad0: [u8; 15],
    ///`wide_out` at byte 16 (32 bytes).
    pub wide_out: Wide,
}
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
const _: () = {
    assert!(::core::mem::size_of:: < Bss > () == 48);
    assert!(::core::mem::align_of:: < Bss > () == 16);
    assert!(::core::mem::offset_of!(Bss, done) == 0);
    assert!(::core::mem::offset_of!(Bss, wide_out) == 16);
    assert!(
        ::core::mem::size_of:: < Bss > () == 0 + ::core::mem::size_of:: < u8 > () +
        ::core::mem::size_of:: < [u8; 15] > () + ::core::mem::size_of:: < Wide > ()
    );
};
const _: fn() = || {
    fn plain<T: ::bpf_skeleton::runtime::Plain>() {}
    plain::<u8>();
    plain::<[u8; 15]>();
    plain::<Wide>();
};
/// SAFETY: `#[repr(C)]`, no implicit padding and every field
/// `Plain`, all asserted at compile time just above.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for Bss {}
