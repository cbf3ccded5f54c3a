//! The runner of this binary's trials (libtest-mimic, `harness = false`).
//!
//! A test function returns nothing when it needs no tool, or a
//! [`TestResult`] when it does: `Err(Skip(why))` says a tool is missing or
//! unusable. Its trial passes when the function returns, fails when it
//! panics, and is reported as ignored with the reason on a [`Skip`] — or
//! fails instead under `MPY_TEST_REQUIRE_TOOLS=1` (CI, which installs every
//! tool).
//!
//! This is the runner of the `mpy-tests` crate in small: mpy-link cannot
//! depend on that crate, which depends on cargo-mpy and so on mpy-link.

use std::fmt;
use std::path::PathBuf;

pub(crate) use libtest_mimic::Trial;

/// Why a test could not run: a tool it needs is missing or unusable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Skip(pub(crate) String);

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a test function that needs a tool returns. Failures panic.
pub(crate) type TestResult = Result<(), Skip>;

/// What a test function may return: `()` or a [`TestResult`].
pub(crate) trait Outcome {
    fn into_result(self) -> TestResult;
}

impl Outcome for () {
    fn into_result(self) -> TestResult {
        Ok(())
    }
}

impl Outcome for TestResult {
    fn into_result(self) -> TestResult {
        self
    }
}

/// True when missing tools must fail the test (`MPY_TEST_REQUIRE_TOOLS=1`).
pub(crate) fn tools_required() -> bool {
    std::env::var("MPY_TEST_REQUIRE_TOOLS").is_ok_and(|v| v == "1")
}

/// A trial running `f`: passed when it returns, failed when it panics,
/// ignored with the reason when it returns a [`Skip`] (failed instead under
/// `MPY_TEST_REQUIRE_TOOLS=1`).
pub(crate) fn trial<R: Outcome>(
    name: impl Into<String>,
    f: impl FnOnce() -> R + Send + 'static,
) -> Trial {
    Trial::ignorable_test(name, move || match f().into_result() {
        Ok(()) => Ok(libtest_mimic::Completion::Completed),
        Err(Skip(why)) if tools_required() => {
            Err(format!("MPY_TEST_REQUIRE_TOOLS=1 and {why}").into())
        }
        Err(Skip(why)) => Ok(libtest_mimic::Completion::ignored_with(why)),
    })
}

/// Trials named `<prefix>/<function>`: `trials!("cli", [merge_mode, ...])`.
macro_rules! trials {
    ($prefix:literal, [$($f:ident),* $(,)?]) => {
        vec![$($crate::support::trial(concat!($prefix, "/", stringify!($f)), $f)),*]
    };
}
pub(crate) use trials;

/// Runs `trials` with the command line's filters and exits with libtest's
/// status.
pub(crate) fn run_trials(trials: Vec<Trial>) -> ! {
    let args = libtest_mimic::Arguments::from_args();
    libtest_mimic::run(&args, trials).exit()
}

/// Finds `name` on `PATH`, or a [`Skip`] naming `install` (how to get it).
pub(crate) fn find_tool(name: &str, install: &str) -> Result<PathBuf, Skip> {
    std::env::var_os("PATH")
        .and_then(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        })
        .ok_or_else(|| Skip(format!("`{name}` not found on PATH (install: {install})")))
}
