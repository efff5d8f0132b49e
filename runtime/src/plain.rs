//! Plain data: types that can be copied to and from the bytes the kernel
//! hands back, with no `transmute` of untrusted bytes into types with
//! invalid bit patterns.

use std::mem::size_of;

/// A type whose every bit pattern is a valid value and whose bytes all
/// belong to fields (no padding).
///
/// # Safety
/// Implement only for `#[repr(C)]` or `#[repr(transparent)]` types that
/// (1) have no padding bytes and (2) accept every bit pattern in every
/// field. Generated skeleton types implement it under compile-time
/// assertions of both: their size equals the sum of their fields' sizes,
/// and every field type is itself `Plain`.
pub unsafe trait Plain: Copy + 'static {
    /// The value's bytes.
    fn as_bytes(&self) -> &[u8] {
        // SAFETY: `Self: Plain` has no padding, so all size_of::<Self>()
        // bytes behind `self` are initialised; u8 has no alignment or
        // validity requirement; the slice borrows `self`.
        unsafe { std::slice::from_raw_parts((self as *const Self).cast::<u8>(), size_of::<Self>()) }
    }

    /// The value's bytes, mutably.
    fn as_bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `as_bytes`; and any bytes written are a valid
        // `Self`, since every bit pattern is.
        unsafe {
            std::slice::from_raw_parts_mut((self as *mut Self).cast::<u8>(), size_of::<Self>())
        }
    }

    /// Reads a value from exactly `size_of::<Self>()` bytes (any
    /// alignment); `None` if the length differs.
    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != size_of::<Self>() {
            return None;
        }
        // SAFETY: the source holds size_of::<Self>() initialised bytes,
        // read unaligned; every bit pattern is a valid `Self`.
        Some(unsafe { std::ptr::read_unaligned(bytes.as_ptr().cast::<Self>()) })
    }

    /// The all-zero value.
    fn zeroed() -> Self {
        // SAFETY: all-zero is a bit pattern, and every bit pattern is valid.
        unsafe { std::mem::zeroed() }
    }
}

macro_rules! plain_primitives {
    ($($t:ty),*) => {$(
        // SAFETY: primitive integers and floats (and the empty `()`) have no
        // padding and accept every bit pattern.
        unsafe impl Plain for $t {}
    )*};
}
plain_primitives!(
    u8,
    i8,
    u16,
    i16,
    u32,
    i32,
    u64,
    i64,
    u128,
    i128,
    f32,
    f64,
    ()
);

// SAFETY: an array of `Plain` elements has no padding between elements
// (size is a multiple of alignment) and accepts every bit pattern.
unsafe impl<T: Plain, const N: usize> Plain for [T; N] {}

/// C's `_Bool`: one byte, where any non-zero value reads as `true`. A Rust
/// `bool` would be undefined behaviour for bytes other than 0 and 1.
#[repr(transparent)]
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Bool(pub u8);

impl Bool {
    /// The truth value (non-zero is true).
    pub fn get(self) -> bool {
        self.0 != 0
    }
}

impl From<bool> for Bool {
    fn from(b: bool) -> Self {
        Bool(u8::from(b))
    }
}

impl std::fmt::Debug for Bool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

// SAFETY: transparent over u8.
unsafe impl Plain for Bool {}

macro_rules! int128 {
    ($name:ident, $prim:ty, $doc:literal) => {
        #[doc = $doc]
        ///
        /// clang aligns `__int128` to 16 bytes for `-target bpf`
        /// (`struct { char c; unsigned __int128 x; }` has `x` at byte 16
        /// and is 32 bytes); this type has that layout on every host
        /// (two 64-bit halves, low first), whatever the host's `u128`
        /// alignment.
        #[repr(C, align(16))]
        #[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct $name(pub [u64; 2]);

        impl $name {
            /// The value.
            pub fn get(self) -> $prim {
                (u128::from(self.0[0]) | (u128::from(self.0[1]) << 64)) as $prim
            }
        }

        impl From<$prim> for $name {
            fn from(v: $prim) -> Self {
                let v = v as u128;
                $name([v as u64, (v >> 64) as u64])
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.get().fmt(f)
            }
        }

        // SAFETY: repr(C) around [u64; 2], 16 bytes at alignment 16: no
        // padding, any bits valid.
        unsafe impl Plain for $name {}
    };
}
int128!(U128, u128, "C's `unsigned __int128` on BPF.");
int128!(I128, i128, "C's `__int128` on BPF.");

/// Reads the `T` at byte `offset` of `bytes` (zero if out of range, which
/// generated accessors rule out by construction). For union accessors.
pub fn read_at<T: Plain>(bytes: &[u8], offset: usize) -> T {
    bytes
        .get(offset..offset.saturating_add(std::mem::size_of::<T>()))
        .and_then(T::from_bytes)
        .unwrap_or_else(T::zeroed)
}

/// Writes `value` at byte `offset` of `bytes` (nothing if out of range).
pub fn write_at<T: Plain>(bytes: &mut [u8], offset: usize, value: &T) {
    if let Some(dst) = bytes.get_mut(offset..offset.saturating_add(std::mem::size_of::<T>())) {
        dst.copy_from_slice(value.as_bytes());
    }
}

/// Reads bits `[bit, bit + width)` (little-endian bit order, as clang lays
/// out bitfields on BPF) from `bytes`. For generated bitfield accessors.
pub fn read_bits(bytes: &[u8], bit: u32, width: u32, signed: bool) -> u64 {
    let mut v: u64 = 0;
    for i in 0..width.min(64) {
        let b = bit + i;
        let byte = bytes.get((b / 8) as usize).copied().unwrap_or(0);
        if byte >> (b % 8) & 1 != 0 {
            v |= 1 << i;
        }
    }
    if signed && width > 0 && width < 64 && v >> (width - 1) & 1 != 0 {
        v |= !0u64 << width;
    }
    v
}

/// Writes the low `width` bits of `value` at bits `[bit, bit + width)`.
pub fn write_bits(bytes: &mut [u8], bit: u32, width: u32, value: u64) {
    for i in 0..width.min(64) {
        let b = bit + i;
        if let Some(byte) = bytes.get_mut((b / 8) as usize) {
            let mask = 1u8 << (b % 8);
            if value >> i & 1 != 0 {
                *byte |= mask;
            } else {
                *byte &= !mask;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_round_trip() {
        let mut b = [0u8; 4];
        write_bits(&mut b, 3, 5, 0b10110);
        assert_eq!(read_bits(&b, 3, 5, false), 0b10110);
        assert_eq!(read_bits(&b, 3, 5, true) as i64, -10);
        write_bits(&mut b, 8, 17, 0x1_ffff);
        assert_eq!(read_bits(&b, 8, 17, false), 0x1_ffff);
        assert_eq!(read_bits(&b, 3, 5, false), 0b10110, "neighbours untouched");
    }

    #[test]
    fn plain_bytes() {
        let v: u32 = 0x0102_0304;
        assert_eq!(u32::from_bytes(v.as_bytes()), Some(v));
        assert_eq!(u32::from_bytes(&[1, 2, 3]), None);
        assert_eq!(<[u16; 3]>::zeroed(), [0; 3]);
        assert!(Bool(7).get());
        let v = U128::from(0x0123_4567_89ab_cdef_0011_2233_4455_6677u128);
        assert_eq!(v.get(), 0x0123_4567_89ab_cdef_0011_2233_4455_6677);
        assert_eq!(I128::from(-5).get(), -5);
        assert_eq!(std::mem::align_of::<U128>(), 16);
        assert_eq!(std::mem::size_of::<I128>(), 16);
    }
}
