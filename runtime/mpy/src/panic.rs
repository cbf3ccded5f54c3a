//! What a panic does. `#[mpy::module]` installs a `#[panic_handler]` that calls
//! [`crate::impl_::panic`].
//!
//! By default a panic raises `RuntimeError` saying that Rust code panicked, so the
//! interpreter survives; with the `panic-message` feature the error also carries the
//! panic's message (when it is static text) and its source location. The raise discards the panicking Rust
//! frames without running their destructors, which is what `panic = "abort"` promises
//! anyway; memory they owned is GC-heap memory and is reclaimed by the collector. State that
//! those frames left half-updated inside objects reachable from Python stays as it is.
//! With the `panic-abort` feature the handler traps instead (the strict reading of
//! `panic = "abort"`).

/// Stop the machine: a trap instruction where there is one, else spin.
pub(crate) fn abort() -> ! {
    // SAFETY: each instruction raises an illegal-instruction trap and does not return.
    // (rustc has no inline assembly for Xtensa: there the loop below stands in.)
    #[cfg(not(target_arch = "xtensa"))]
    unsafe {
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        core::arch::asm!("ud2", options(noreturn));
        #[cfg(target_arch = "arm")]
        core::arch::asm!("udf #0", options(noreturn));
        #[cfg(any(target_arch = "riscv32", target_arch = "riscv64"))]
        core::arch::asm!("unimp", options(noreturn));
    }
    #[allow(unreachable_code)]
    loop {
        core::hint::spin_loop();
    }
}
