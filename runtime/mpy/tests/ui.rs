//! Compile-time checks of the macros (trybuild): `ui/*.rs` must fail to compile with the
//! errors in the matching `.stderr`, `ui/pass/*.rs` must compile. The pass tests build
//! (not only check) every case, so errors found at monomorphisation (the `const`
//! assertions of `constants = [...]` and `classes = [...]`) are seen too.
//!
//! `TRYBUILD=overwrite cargo test -p mpy --test ui` rewrites the `.stderr` files; review
//! the diff before committing it.

// Tests and benchmarks report on stdout/stderr as libtest does.
#![allow(clippy::print_stdout, clippy::print_stderr)]

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
