//! The compile-time layout check of a type generated from BTF: one `const`
//! call per type instead of an assertion per field.
//!
//! A generated struct is `#[repr(C)]` with every byte a field (padding and
//! bitfield storage are explicit byte-array fields, in offset order). If its
//! size equals both its BTF size and the sum of its fields' sizes, `repr(C)`
//! inserted no padding anywhere, so each field sits at the sum of the sizes
//! before it: the offset the generator computed from BTF. Each field's own
//! size is fixed (primitives, arrays) or checked by its own type's call.

use std::mem::{align_of, size_of};

use crate::plain::Plain;

/// The size of a field's type, which must be [`Plain`] (the bound is the
/// check: a generated type is `Plain` only if all its fields are).
#[doc(hidden)]
pub const fn field<T: Plain>() -> usize {
    size_of::<T>()
}

/// Fails compilation (called in a `const` item) unless `T` has C's `size`
/// and `align` and no implicit padding: its size is the sum of `fields`,
/// its fields' sizes ([`field`]) in declaration order.
#[doc(hidden)]
pub const fn layout<T>(size: usize, align: usize, fields: &[usize]) {
    assert!(
        size_of::<T>() == size,
        "generated type: size differs from BTF"
    );
    assert!(
        align_of::<T>() == align,
        "generated type: alignment differs from BTF"
    );
    let mut sum = 0;
    let mut i = 0;
    while i < fields.len() {
        sum += fields[i];
        i += 1;
    }
    assert!(sum == size, "generated type: implicit padding");
}
