//! ints: every Rust integer type as a parameter and as a result.
//!
//! For each type `T` (`i8` ... `i64`, `u8` ... `u64`, `isize`, `usize`):
//!
//! * `T(x)` returns its `T` parameter: the conversion an entry point makes directly, raising
//!   `OverflowError` for any int out of `T`'s range (the small-int fast path and the big-int
//!   range check), and the direct conversion of the result back, as a big int when it does
//!   not fit a small int;
//! * `T_list(xs)` returns its `Vec<T>` parameter: the same conversions through the checked
//!   path (`FromObj::from_obj`/`IntoObj::into_obj`) that collections and user code use.
#![no_std]

extern crate alloc;

use alloc::vec::Vec;

use mpy::{Module, PyResult};

macro_rules! int_functions {
    ($($t:ident $list:ident),* $(,)?) => {$(
        #[mpy::function(positional)]
        fn $t(x: $t) -> $t {
            x
        }

        #[mpy::function(positional)]
        fn $list(xs: Vec<$t>) -> Vec<$t> {
            xs
        }
    )*};
}

int_functions!(
    i8 i8_list,
    i16 i16_list,
    i32 i32_list,
    i64 i64_list,
    isize isize_list,
    u8 u8_list,
    u16 u16_list,
    u32 u32_list,
    u64 u64_list,
    usize usize_list,
);

#[mpy::module(functions = [
    i8, i16, i32, i64, isize, u8, u16, u32, u64, usize,
    i8_list, i16_list, i32_list, i64_list, isize_list,
    u8_list, u16_list, u32_list, u64_list, usize_list,
])]
fn init(_m: &Module<'_>) -> PyResult<()> {
    Ok(())
}
