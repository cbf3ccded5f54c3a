//! mpy-tests' one test binary: the test loader itself (`loader`) and the
//! C test module `basic.c` built by cargo-mpy and run on every loader
//! architecture and in MicroPython, and the modules exercising register
//! windows and multiply-high instructions (`execute`); cargo-mpy's runtime
//! helper library against the host's arithmetic (`helpers`); the C
//! header against the `.mpy` ABI facts (`abi`) and a module using much of
//! its API (`header`). Trials are named
//! `<arch>/<module>/<test>`; a trial whose tool is missing is ignored with
//! the reason (failed under `MPY_TEST_REQUIRE_TOOLS=1`).

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
