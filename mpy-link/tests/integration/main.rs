//! mpy-link's one integration test binary (`harness = false`, libtest-mimic).
//! Trials, named `<module>/<function>`:
//!
//! - `abi/*`: linking for each `.mpy` ABI (6.1, 6.2, 6.3);
//! - `cli/*`: the `mpy-link` binary (mpy_ld.py's arguments, `--merge`,
//!   `--dump`, failures, temporary files);
//! - `link/*`, `errors/*`: the linker on synthetic ELF objects and archives
//!   (`common`), with the messages of every error;
//! - `mpy_format/*`: the `.mpy` reader, dump and merge, on hand-made files
//!   and on `mpy-cross` output run in the unix `micropython`;
//! - `robustness/*`, `fuzz_regressions/*`: malformed and fuzzer-found input;
//! - `tidy/*`: rules of the source tree the compiler does not check.
//!
//! A trial whose tool is missing is reported as ignored with the reason;
//! `MPY_TEST_REQUIRE_TOOLS=1` makes it fail instead (`support`).

// Tests and benchmarks report on stdout/stderr as libtest does.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod common;
mod support;

mod abi;
mod cli;
mod errors;
mod fuzz_regressions;
mod link;
mod mpy_format;
mod robustness;
mod tidy;

fn main() {
    let trials: Vec<support::Trial> = [
        abi::trials(),
        cli::trials(),
        errors::trials(),
        fuzz_regressions::trials(),
        link::trials(),
        mpy_format::trials(),
        robustness::trials(),
        tidy::trials(),
    ]
    .into_iter()
    .flatten()
    .collect();
    support::run_trials(trials)
}
