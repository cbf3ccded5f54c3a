//! The second Rust module of features2 (C's prod.c).

/// The product of the values (1 for none).
pub(crate) fn prod_array(values: impl Iterator<Item = f32>) -> f32 {
    values.product()
}
