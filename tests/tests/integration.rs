//! mpy-tests' one test binary: the test loader itself (`loader`), the C
//! test module `basic.c` built by cargo-mpy and run on every loader
//! architecture and in MicroPython, and the modules exercising register
//! windows and multiply-high instructions (`execute`), cargo-mpy's runtime
//! helper library against the host's arithmetic (`helpers`), cargo-mpy's C
//! header against the ABI facts (`abi_layout`) and its C API in use
//! (`header_api`). Trials are named `<arch>/<module>/<test>`, or
//! `abi/<part>/<test>` for checks over every architecture and ABI; a trial
//! whose tool is missing is ignored with the reason (failed under
//! `MPY_TEST_REQUIRE_TOOLS=1`).

// Tests and benchmarks report on stdout/stderr as libtest does.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod abi_layout;
mod execute;
mod header_api;
mod helpers;
mod loader;

fn main() {
    let mut trials = loader::trials();
    trials.extend(execute::trials());
    trials.extend(helpers::trials());
    trials.extend(abi_layout::trials());
    trials.extend(header_api::trials());
    mpy_tests::run_trials(trials)
}
