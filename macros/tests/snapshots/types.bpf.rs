// Generated from tests/bpf/types.bpf.o by the type generator; see
// macros/src/tests.rs (BPF_SKELETON_BLESS=1 rewrites this file).
///C `flow_key_t`, a typedef of an anonymous type (8 bytes).
#[repr(C)]
#[derive(PartialEq)]
pub struct FlowKeyT {
    ///`ifindex` at byte 0 (4 bytes).
    pub ifindex: u32,
    ///`port` at byte 4 (2 bytes).
    pub port: u16,
    ///`proto` at byte 6 (1 byte).
    pub proto: u8,
    ///`ingress` at byte 7 (1 byte).
    pub ingress: ::bpf_skeleton::runtime::Bool,
}
impl ::core::clone::Clone for FlowKeyT {
    fn clone(&self) -> Self {
        *self
    }
}
impl ::core::marker::Copy for FlowKeyT {}
impl ::core::default::Default for FlowKeyT {
    fn default() -> Self {
        <Self as ::bpf_skeleton::runtime::Plain>::zeroed()
    }
}
impl ::core::fmt::Debug for FlowKeyT {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        f.debug_struct("FlowKeyT")
            .field("ifindex", &self.ifindex)
            .field("port", &self.port)
            .field("proto", &self.proto)
            .field("ingress", &self.ingress)
            .finish()
    }
}
const _: () = ::bpf_skeleton::runtime::skel::layout::layout::<
    FlowKeyT,
>(
    8,
    4,
    &[7, ::bpf_skeleton::runtime::skel::layout::field::<::bpf_skeleton::runtime::Bool>()],
);
/// SAFETY: `#[repr(C)]`, no implicit padding and every field `Plain`, all checked at compile time just above.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for FlowKeyT {}
///C `struct point` (8 bytes).
#[repr(C)]
#[derive(PartialEq)]
pub struct Point {
    ///`x` at byte 0 (4 bytes).
    pub x: i32,
    ///`y` at byte 4 (4 bytes).
    pub y: i32,
}
impl ::core::clone::Clone for Point {
    fn clone(&self) -> Self {
        *self
    }
}
impl ::core::marker::Copy for Point {}
impl ::core::default::Default for Point {
    fn default() -> Self {
        <Self as ::bpf_skeleton::runtime::Plain>::zeroed()
    }
}
impl ::core::fmt::Debug for Point {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        f.debug_struct("Point").field("x", &self.x).field("y", &self.y).finish()
    }
}
const _: () = ::bpf_skeleton::runtime::skel::layout::layout::<Point>(8, 4, &[8]);
/// SAFETY: `#[repr(C)]`, no implicit padding and every field `Plain`, all checked at compile time just above.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for Point {}
///C `enum color`: any 4-byte value is representable; known values are associated consts.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Color(pub u32);
impl Color {
    ///`RED` = 0
    pub const RED: Self = Self(0u32);
    ///`GREEN` = 5
    pub const GREEN: Self = Self(5u32);
    ///`BLUE` = 9
    pub const BLUE: Self = Self(9u32);
    ///The C name of this value, if it is a known enumerator.
    pub fn name(self) -> ::core::option::Option<&'static str> {
        if self.0 == Self::RED.0 {
            return Some("RED");
        }
        if self.0 == Self::GREEN.0 {
            return Some("GREEN");
        }
        if self.0 == Self::BLUE.0 {
            return Some("BLUE");
        }
        None
    }
}
impl ::core::fmt::Debug for Color {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "{}({})", "Color", self.0),
        }
    }
}
const _: () = assert!(::core::mem::size_of::< Color > () == 4);
/// SAFETY: `#[repr(transparent)]` over a primitive integer: no padding, every bit pattern valid.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for Color {}
///An anonymous C type, a union of 4 bytes: members are read and written through methods.
#[repr(C, align(4))]
#[derive(PartialEq)]
pub struct StatsAnon0 {
    ///The union's bytes.
    pub bytes: [u8; 4],
}
impl StatsAnon0 {
    ///Union member `as_u32`.
    pub fn as_u32(&self) -> u32 {
        ::bpf_skeleton::runtime::plain::read_at(&self.bytes, 0)
    }
    ///Union member `as_u32`.
    pub fn set_as_u32(&mut self, v: u32) {
        ::bpf_skeleton::runtime::plain::write_at(&mut self.bytes, 0, &v);
    }
    ///Union member `as_bytes`.
    pub fn as_bytes(&self) -> [u8; 4] {
        ::bpf_skeleton::runtime::plain::read_at(&self.bytes, 0)
    }
    ///Union member `as_bytes`.
    pub fn set_as_bytes(&mut self, v: [u8; 4]) {
        ::bpf_skeleton::runtime::plain::write_at(&mut self.bytes, 0, &v);
    }
}
impl ::core::clone::Clone for StatsAnon0 {
    fn clone(&self) -> Self {
        *self
    }
}
impl ::core::marker::Copy for StatsAnon0 {}
impl ::core::default::Default for StatsAnon0 {
    fn default() -> Self {
        <Self as ::bpf_skeleton::runtime::Plain>::zeroed()
    }
}
impl ::core::fmt::Debug for StatsAnon0 {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        f.debug_struct("StatsAnon0").field("bytes", &self.bytes).finish()
    }
}
const _: () = ::bpf_skeleton::runtime::skel::layout::layout::<StatsAnon0>(4, 4, &[4]);
/// SAFETY: `#[repr(C)]` around one byte array that fills it (size checked just above): no padding, every bit pattern valid.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for StatsAnon0 {}
///C `union shape`, a union of 8 bytes: members are read and written through methods.
#[repr(C, align(8))]
#[derive(PartialEq)]
pub struct Shape {
    ///The union's bytes.
    pub bytes: [u8; 8],
}
impl Shape {
    ///Union member `p`.
    pub fn p(&self) -> Point {
        ::bpf_skeleton::runtime::plain::read_at(&self.bytes, 0)
    }
    ///Union member `p`.
    pub fn set_p(&mut self, v: Point) {
        ::bpf_skeleton::runtime::plain::write_at(&mut self.bytes, 0, &v);
    }
    ///Union member `raw`.
    pub fn raw(&self) -> u64 {
        ::bpf_skeleton::runtime::plain::read_at(&self.bytes, 0)
    }
    ///Union member `raw`.
    pub fn set_raw(&mut self, v: u64) {
        ::bpf_skeleton::runtime::plain::write_at(&mut self.bytes, 0, &v);
    }
}
impl ::core::clone::Clone for Shape {
    fn clone(&self) -> Self {
        *self
    }
}
impl ::core::marker::Copy for Shape {}
impl ::core::default::Default for Shape {
    fn default() -> Self {
        <Self as ::bpf_skeleton::runtime::Plain>::zeroed()
    }
}
impl ::core::fmt::Debug for Shape {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        f.debug_struct("Shape").field("bytes", &self.bytes).finish()
    }
}
const _: () = ::bpf_skeleton::runtime::skel::layout::layout::<Shape>(8, 8, &[8]);
/// SAFETY: `#[repr(C)]` around one byte array that fills it (size checked just above): no padding, every bit pattern valid.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for Shape {}
///An anonymous C type (4 bytes).
#[repr(C)]
#[derive(PartialEq)]
pub struct StatsRange {
    ///`lo` at byte 0 (2 bytes).
    pub lo: u16,
    ///`hi` at byte 2 (2 bytes).
    pub hi: u16,
}
impl ::core::clone::Clone for StatsRange {
    fn clone(&self) -> Self {
        *self
    }
}
impl ::core::marker::Copy for StatsRange {}
impl ::core::default::Default for StatsRange {
    fn default() -> Self {
        <Self as ::bpf_skeleton::runtime::Plain>::zeroed()
    }
}
impl ::core::fmt::Debug for StatsRange {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        f.debug_struct("StatsRange").field("lo", &self.lo).field("hi", &self.hi).finish()
    }
}
const _: () = ::bpf_skeleton::runtime::skel::layout::layout::<StatsRange>(4, 2, &[4]);
/// SAFETY: `#[repr(C)]`, no implicit padding and every field `Plain`, all checked at compile time just above.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for StatsRange {}
///C `enum delta`: any 4-byte value is representable; known values are associated consts.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Delta(pub i32);
impl Delta {
    ///`MINUS_TWO` = -2
    pub const MINUS_TWO: Self = Self(-2i32);
    ///`ZERO` = 0
    pub const ZERO: Self = Self(0i32);
    ///`PLUS_THREE` = 3
    pub const PLUS_THREE: Self = Self(3i32);
    ///The C name of this value, if it is a known enumerator.
    pub fn name(self) -> ::core::option::Option<&'static str> {
        if self.0 == Self::MINUS_TWO.0 {
            return Some("MINUS_TWO");
        }
        if self.0 == Self::ZERO.0 {
            return Some("ZERO");
        }
        if self.0 == Self::PLUS_THREE.0 {
            return Some("PLUS_THREE");
        }
        None
    }
}
impl ::core::fmt::Debug for Delta {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "{}({})", "Delta", self.0),
        }
    }
}
const _: () = assert!(::core::mem::size_of::< Delta > () == 4);
/// SAFETY: `#[repr(transparent)]` over a primitive integer: no padding, every bit pattern valid.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for Delta {}
///C `enum wide`: any 8-byte value is representable; known values are associated consts.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Wide(pub u64);
impl Wide {
    ///`SMALL` = 1
    pub const SMALL: Self = Self(1u64);
    ///`HUGE` = 4294967296
    pub const HUGE: Self = Self(4294967296u64);
    ///The C name of this value, if it is a known enumerator.
    pub fn name(self) -> ::core::option::Option<&'static str> {
        if self.0 == Self::SMALL.0 {
            return Some("SMALL");
        }
        if self.0 == Self::HUGE.0 {
            return Some("HUGE");
        }
        None
    }
}
impl ::core::fmt::Debug for Wide {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "{}({})", "Wide", self.0),
        }
    }
}
const _: () = assert!(::core::mem::size_of::< Wide > () == 8);
/// SAFETY: `#[repr(transparent)]` over a primitive integer: no padding, every bit pattern valid.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for Wide {}
///C `enum tiny`: any 1-byte value is representable; known values are associated consts.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Tiny(pub u8);
impl Tiny {
    ///`T_A` = 1
    pub const T_A: Self = Self(1u8);
    ///`T_B` = 200
    pub const T_B: Self = Self(200u8);
    ///The C name of this value, if it is a known enumerator.
    pub fn name(self) -> ::core::option::Option<&'static str> {
        if self.0 == Self::T_A.0 {
            return Some("T_A");
        }
        if self.0 == Self::T_B.0 {
            return Some("T_B");
        }
        None
    }
}
impl ::core::fmt::Debug for Tiny {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "{}({})", "Tiny", self.0),
        }
    }
}
const _: () = assert!(::core::mem::size_of::< Tiny > () == 1);
/// SAFETY: `#[repr(transparent)]` over a primitive integer: no padding, every bit pattern valid.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for Tiny {}
///C `struct stats` (104 bytes).
#[repr(C)]
#[derive(PartialEq)]
pub struct Stats {
    ///`packets` at byte 0 (8 bytes).
    pub packets: u64,
    ///`pts` at byte 8 (24 bytes).
    pub pts: [Point; 3],
    ///`name` at byte 32 (16 bytes).
    pub name: [u8; 16],
    _bitfield0: [u8; 3],
    ///`tail_byte` at byte 51 (1 byte).
    pub tail_byte: u8,
    ///Anonymous member at byte 52.
    pub anon0: StatsAnon0,
    ///`shape` at byte 56 (8 bytes).
    pub shape: Shape,
    ///`range` at byte 64 (4 bytes).
    pub range: StatsRange,
    ///`d` at byte 68 (4 bytes).
    pub d: Delta,
    ///`w` at byte 72 (8 bytes).
    pub w: Wide,
    ///`t` at byte 80 (1 byte).
    pub t: Tiny,
    _pad0: [u8; 7],
    ///`ptr` at byte 88 (8 bytes).
    pub ptr: u64,
    ///`ok` at byte 96 (1 byte).
    pub ok: ::bpf_skeleton::runtime::Bool,
    _pad1: [u8; 7],
}
impl Stats {
    ///Bitfield `kind` (3 bits at bit 384).
    pub fn kind(&self) -> u32 {
        let v = ::bpf_skeleton::runtime::plain::read_bits(&self._bitfield0, 0, 3, false);
        v as u32
    }
    ///Bitfield `kind` (3 bits at bit 384).
    pub fn set_kind(&mut self, v: u32) {
        ::bpf_skeleton::runtime::plain::write_bits(&mut self._bitfield0, 0, 3, v as u64);
    }
    ///Bitfield `level` (7 bits at bit 387).
    pub fn level(&self) -> u32 {
        let v = ::bpf_skeleton::runtime::plain::read_bits(&self._bitfield0, 3, 7, false);
        v as u32
    }
    ///Bitfield `level` (7 bits at bit 387).
    pub fn set_level(&mut self, v: u32) {
        ::bpf_skeleton::runtime::plain::write_bits(&mut self._bitfield0, 3, 7, v as u64);
    }
    ///Bitfield `offset` (6 bits at bit 394).
    pub fn offset(&self) -> i32 {
        let v = ::bpf_skeleton::runtime::plain::read_bits(&self._bitfield0, 10, 6, true);
        v as i32
    }
    ///Bitfield `offset` (6 bits at bit 394).
    pub fn set_offset(&mut self, v: i32) {
        ::bpf_skeleton::runtime::plain::write_bits(
            &mut self._bitfield0,
            10,
            6,
            v as u64,
        );
    }
    ///Bitfield `col` (4 bits at bit 400).
    pub fn col(&self) -> Color {
        let v = ::bpf_skeleton::runtime::plain::read_bits(
            &self._bitfield0,
            16,
            4,
            false,
        );
        Color(v as _)
    }
    ///Bitfield `col` (4 bits at bit 400).
    pub fn set_col(&mut self, v: Color) {
        ::bpf_skeleton::runtime::plain::write_bits(
            &mut self._bitfield0,
            16,
            4,
            v.0 as u64,
        );
    }
    ///Bitfield `urgent` (1 bits at bit 404).
    pub fn urgent(&self) -> ::bpf_skeleton::runtime::Bool {
        let v = ::bpf_skeleton::runtime::plain::read_bits(
            &self._bitfield0,
            20,
            1,
            false,
        );
        ::bpf_skeleton::runtime::Bool(v as u8)
    }
    ///Bitfield `urgent` (1 bits at bit 404).
    pub fn set_urgent(&mut self, v: ::bpf_skeleton::runtime::Bool) {
        ::bpf_skeleton::runtime::plain::write_bits(
            &mut self._bitfield0,
            20,
            1,
            u64::from(v.0),
        );
    }
}
impl ::core::clone::Clone for Stats {
    fn clone(&self) -> Self {
        *self
    }
}
impl ::core::marker::Copy for Stats {}
impl ::core::default::Default for Stats {
    fn default() -> Self {
        <Self as ::bpf_skeleton::runtime::Plain>::zeroed()
    }
}
impl ::core::fmt::Debug for Stats {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        f.debug_struct("Stats")
            .field("packets", &self.packets)
            .field("pts", &self.pts)
            .field("name", &self.name)
            .field("kind", &self.kind())
            .field("level", &self.level())
            .field("offset", &self.offset())
            .field("col", &self.col())
            .field("urgent", &self.urgent())
            .field("tail_byte", &self.tail_byte)
            .field("anon0", &self.anon0)
            .field("shape", &self.shape)
            .field("range", &self.range)
            .field("d", &self.d)
            .field("w", &self.w)
            .field("t", &self.t)
            .field("ptr", &self.ptr)
            .field("ok", &self.ok)
            .finish()
    }
}
const _: () = ::bpf_skeleton::runtime::skel::layout::layout::<
    Stats,
>(
    104,
    8,
    &[
        50,
        ::bpf_skeleton::runtime::skel::layout::field::<[Point; 3]>(),
        ::bpf_skeleton::runtime::skel::layout::field::<StatsAnon0>(),
        ::bpf_skeleton::runtime::skel::layout::field::<Shape>(),
        ::bpf_skeleton::runtime::skel::layout::field::<StatsRange>(),
        ::bpf_skeleton::runtime::skel::layout::field::<Delta>(),
        ::bpf_skeleton::runtime::skel::layout::field::<Wide>(),
        ::bpf_skeleton::runtime::skel::layout::field::<Tiny>(),
        ::bpf_skeleton::runtime::skel::layout::field::<::bpf_skeleton::runtime::Bool>(),
    ],
);
/// SAFETY: `#[repr(C)]`, no implicit padding and every field `Plain`, all checked at compile time just above.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for Stats {}
///The variables of section `.bss` (12 bytes, plus tail padding to its alignment), laid out as in the object.
#[repr(C)]
#[derive(PartialEq)]
pub struct Bss {
    ///`hits` at byte 0 (8 bytes).
    pub hits: u64,
    ///`small_hits` at byte 8 (4 bytes).
    pub small_hits: u32,
    _pad0: [u8; 4],
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
            .field("hits", &self.hits)
            .field("small_hits", &self.small_hits)
            .finish()
    }
}
const _: () = ::bpf_skeleton::runtime::skel::layout::layout::<Bss>(16, 8, &[16]);
/// SAFETY: `#[repr(C)]`, no implicit padding and every field `Plain`, all checked at compile time just above.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for Bss {}
///C `struct config` (8 bytes).
#[repr(C)]
#[derive(PartialEq)]
pub struct Config {
    ///`verbosity` at byte 0 (4 bytes).
    pub verbosity: u32,
    ///`favourite` at byte 4 (4 bytes).
    pub favourite: Color,
}
impl ::core::clone::Clone for Config {
    fn clone(&self) -> Self {
        *self
    }
}
impl ::core::marker::Copy for Config {}
impl ::core::default::Default for Config {
    fn default() -> Self {
        <Self as ::bpf_skeleton::runtime::Plain>::zeroed()
    }
}
impl ::core::fmt::Debug for Config {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        f.debug_struct("Config")
            .field("verbosity", &self.verbosity)
            .field("favourite", &self.favourite)
            .finish()
    }
}
const _: () = ::bpf_skeleton::runtime::skel::layout::layout::<
    Config,
>(8, 4, &[4, ::bpf_skeleton::runtime::skel::layout::field::<Color>()]);
/// SAFETY: `#[repr(C)]`, no implicit padding and every field `Plain`, all checked at compile time just above.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for Config {}
///The variables of section `.data` (8 bytes), laid out as in the object.
#[repr(C)]
#[derive(PartialEq)]
pub struct Data {
    ///`cfg` at byte 0 (8 bytes).
    pub cfg: Config,
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
        f.debug_struct("Data").field("cfg", &self.cfg).finish()
    }
}
const _: () = ::bpf_skeleton::runtime::skel::layout::layout::<
    Data,
>(8, 4, &[0, ::bpf_skeleton::runtime::skel::layout::field::<Config>()]);
/// SAFETY: `#[repr(C)]`, no implicit padding and every field `Plain`, all checked at compile time just above.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for Data {}
///The variables of section `.rodata` (16 bytes), laid out as in the object.
#[repr(C)]
#[derive(PartialEq)]
pub struct Rodata {
    ///`magic` at byte 0 (8 bytes).
    pub magic: u64,
    ///`origin` at byte 8 (8 bytes).
    pub origin: Point,
}
impl ::core::clone::Clone for Rodata {
    fn clone(&self) -> Self {
        *self
    }
}
impl ::core::marker::Copy for Rodata {}
impl ::core::default::Default for Rodata {
    fn default() -> Self {
        <Self as ::bpf_skeleton::runtime::Plain>::zeroed()
    }
}
impl ::core::fmt::Debug for Rodata {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        f.debug_struct("Rodata")
            .field("magic", &self.magic)
            .field("origin", &self.origin)
            .finish()
    }
}
const _: () = ::bpf_skeleton::runtime::skel::layout::layout::<
    Rodata,
>(16, 8, &[8, ::bpf_skeleton::runtime::skel::layout::field::<Point>()]);
/// SAFETY: `#[repr(C)]`, no implicit padding and every field `Plain`, all checked at compile time just above.
#[allow(unsafe_code)]
unsafe impl ::bpf_skeleton::runtime::Plain for Rodata {}
