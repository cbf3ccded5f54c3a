//! cargo-mpy's one test binary (`harness = false`, libtest-mimic). Trials:
//!
//! - `cli/*`: the `cargo-mpy` binary on fixture projects (build, manifest
//!   and tool errors, templates, doctor);
//! - `x64/<example>/<test>`, `<arch>/<example>/<check>`: the examples,
//!   from the Python tests and loader check files beside each one;
//! - `board/*`: `deploy`, `run`, `test --port`, `package`, `inspect` and
//!   `build --arch all` against the unix port on a pty;
//! - `abi/*`: the `.mpy` ABI (`--mpy-abi`, `mpy-abi`, a tree's
//!   `py/persistentcode.h`), C modules with no MicroPython tree, refused
//!   trees and tools;
//! - `robustness/*`: module names, object names, manifest messages, the
//!   build lock, concurrent and failing builds;
//! - `reproducible/*`: the same bytes from two checkout directories;
//! - `packaging/*`: the crates as `cargo package` makes them install a
//!   cargo-mpy that builds modules without the checkout; the runtime's
//!   rustdoc has no warnings.
//!
//! A trial whose tool is missing is reported as ignored with the reason;
//! `MPY_TEST_REQUIRE_TOOLS=1` makes it fail instead.

// Tests and benchmarks report on stdout/stderr as libtest does.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod board;
mod cli;
mod examples;
mod mpy_abi;
mod packaging;
mod reproducible;
mod robustness;

fn main() {
    let mut trials = cli::trials();
    trials.extend(examples::trials());
    trials.extend(board::trials());
    trials.extend(mpy_abi::trials());
    trials.extend(robustness::trials());
    trials.extend(reproducible::trials());
    trials.extend(packaging::trials());
    mpy_tests::run_trials(trials)
}
