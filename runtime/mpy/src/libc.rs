//! The memory-comparison functions that compiled Rust code calls (`memcmp` for slice
//! ordering, `bcmp` for slice equality).
//!
//! On the bare-metal targets `compiler_builtins` provides them; on the hosted
//! `*-linux-gnu` targets used for x86 and x64 it expects libc, which a native module does
//! not have. `memcpy`, `memmove` and `memset` come from the firmware through the linker.

use core::ffi::c_int;

/// `memcmp`: compares `n` bytes as unsigned values.
///
/// # Safety
///
/// `a` and `b` must be readable for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> c_int {
    let mut i = 0;
    while i < n {
        // SAFETY: `i < n`; both are readable for `n` bytes.
        let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
        if x != y {
            return c_int::from(x) - c_int::from(y);
        }
        i += 1;
    }
    0
}

/// `bcmp`: zero when the `n` bytes are equal.
///
/// # Safety
///
/// `a` and `b` must be readable for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> c_int {
    // SAFETY: forwarded.
    unsafe { memcmp(a, b, n) }
}
