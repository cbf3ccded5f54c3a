//! mpy-tests' one test binary: the test loader itself (`loader`) and the
//! C test module `basic.c` built by cargo-mpy and run on every loader
//! architecture and in MicroPython (`execute`). Trials are named
//! `<arch>/<module>/<test>`; a trial whose tool is missing is ignored with
//! the reason (failed under `MPY_TEST_REQUIRE_TOOLS=1`).

mod execute;
mod loader;

fn main() {
    let mut trials = loader::trials();
    trials.extend(execute::trials());
    mpy_tests::run_trials(trials)
}
