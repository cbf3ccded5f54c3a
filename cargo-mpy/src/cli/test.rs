//! `cargo mpy test`: runs the package's `tests/*.py` with its module in a
//! real MicroPython. A test passes when it runs without an exception and,
//! when a `.exp` file sits beside it (`tests/foo.py.exp`, the convention of
//! MicroPython's own test suite), prints exactly what that file holds; a
//! test that prints only `SKIP` is skipped.
//!
//! With `--port` the tests run on a board (the module served to it through
//! mpremote's `mount`); without, in a MicroPython on this machine: the
//! `micropython` unix port for x64 and the `test-runner` command the
//! manifest names for any architecture.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use mpy_link::Arch;

use crate::board::local::Local;
use crate::board::mpremote::{staging_dir, ScriptResult};
use crate::board::{self, check_loadable};
use crate::config;
use crate::context::Project;
use crate::error::error_with_help;
use crate::shell::Shell;

use super::deploy::{build_one, module_name, BoardArgs};

/// Run the package's `tests/*.py` in MicroPython.
#[derive(Debug, Clone, Args)]
pub struct TestArgs {
    /// The board (`--port`; without it the tests run on this machine), the
    /// architecture, the package.
    #[command(flatten)]
    pub board: BoardArgs,
    /// Run only the tests whose path contains this text.
    #[arg(value_name = "FILTER")]
    pub filter: Option<String>,
}

/// A test file and what it should print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestCase {
    /// The script.
    pub path: PathBuf,
    /// Its path relative to the package (`tests/foo.py`), as reported.
    pub name: String,
    /// The expected output (`tests/foo.py.exp`), when there is one.
    pub expected: Option<String>,
}

/// How a test ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It passed.
    Passed,
    /// It failed, and why.
    Failed(String),
    /// It printed `SKIP`.
    Skipped,
}

/// The tests of the package in `dir`: `tests/*.py`, sorted, those whose
/// path contains `filter`.
pub fn discover(dir: &Path, filter: Option<&str>) -> Result<Vec<TestCase>> {
    let tests = dir.join("tests");
    if !tests.is_dir() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for entry in fs_err::read_dir(&tests)? {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "py") || !path.is_file() {
            continue;
        }
        let name = format!(
            "tests/{}",
            path.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        );
        if filter.is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let exp = PathBuf::from(format!("{}.exp", path.display()));
        let expected = if exp.is_file() {
            Some(fs_err::read_to_string(&exp)?)
        } else {
            None
        };
        out.push(TestCase {
            path,
            name,
            expected,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Judges a run: `output` is what the test printed (traceback included),
/// `raised` whether it ended with an exception.
pub fn judge(case: &TestCase, output: &str, raised: bool) -> Outcome {
    let output = output.replace("\r\n", "\n");
    if output.trim() == "SKIP" {
        return Outcome::Skipped;
    }
    if raised {
        return Outcome::Failed(format!("it raised an exception:\n{}", output.trim_end()));
    }
    match &case.expected {
        None => Outcome::Passed,
        Some(exp) if *exp == output => Outcome::Passed,
        Some(exp) => {
            let want: Vec<&str> = exp.lines().collect();
            let got: Vec<&str> = output.lines().collect();
            let at = want
                .iter()
                .zip(&got)
                .position(|(w, g)| w != g)
                .unwrap_or(want.len().min(got.len()));
            Outcome::Failed(format!(
                "its output differs from `{}.exp` at line {}:\n  expected: {}\n       got: {}\n--- expected\n{}\n--- got\n{}",
                case.name,
                at + 1,
                want.get(at).map_or("(end of output)".to_string(), |l| format!("{l:?}")),
                got.get(at).map_or("(end of output)".to_string(), |l| format!("{l:?}")),
                exp.trim_end(),
                output.trim_end()
            ))
        }
    }
}

/// Where tests of one architecture run.
enum Target {
    Board(Box<crate::board::mpremote::Mpremote>, board::BoardInfo),
    Local(Local),
}

/// Totals of a test run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Tests that passed.
    pub passed: usize,
    /// Tests that failed.
    pub failed: usize,
    /// Tests that printed `SKIP`.
    pub skipped: usize,
}

impl TestArgs {
    /// Runs the tests; an error when any fails.
    pub fn run(self, shell: &Shell) -> Result<()> {
        let totals = self.run_tests(shell)?;
        if totals.failed > 0 {
            bail!(
                "{} test{} failed",
                totals.failed,
                if totals.failed == 1 { "" } else { "s" }
            );
        }
        Ok(())
    }

    /// Runs the tests and returns the totals (failures are not an error).
    pub fn run_tests(&self, shell: &Shell) -> Result<Totals> {
        let project = Project::load(self.board.manifest_path.as_deref(), None)?;
        let cases = discover(&project.manifest_dir, self.filter.as_deref())?;
        let mut totals = Totals::default();
        if cases.is_empty() {
            shell.warn(format!(
                "no tests in `{}`: add `tests/*.py` files (and `.py.exp` files with their expected output)",
                project.manifest_dir.join("tests").display()
            ));
            shell.stdout_line(&"0 passed, 0 failed");
            return Ok(totals);
        }
        let targets = self.targets(shell, &project)?;
        let several = targets.len() > 1;
        let mut failures = Vec::new();
        for (arch, target) in targets {
            let (where_, info) = match &target {
                Target::Board(mp, info) => (format!("on {}", mp.port), info.clone()),
                Target::Local(l) => (format!("with `{}`", l.shown()), l.info()?),
            };
            let abi = self
                .board
                .abi_for(&info, Some(&project.manifest_path), arch)?;
            let built = build_one(
                shell,
                Some(project.manifest_path.clone()),
                arch,
                self.board.release,
                abi,
            )?;
            let data = fs_err::read(&built.output)?;
            let (dir, module) = staging_dir(&built.output)?;
            let name = module_name(&module);
            check_loadable(&info, &data, &built.output)?;
            shell.status(
                "Testing",
                format!("{name} [{}] {where_}: {} test(s)", arch.name(), cases.len()),
            );
            for case in &cases {
                let start = Instant::now();
                let (output, raised) = run_case(&target, dir.path(), &name, case)?;
                let outcome = judge(case, &output, raised);
                let label = if several {
                    format!("{} [{}]", case.name, arch.name())
                } else {
                    case.name.clone()
                };
                let verdict = match &outcome {
                    Outcome::Passed => {
                        totals.passed += 1;
                        "ok"
                    }
                    Outcome::Skipped => {
                        totals.skipped += 1;
                        "skipped"
                    }
                    Outcome::Failed(why) => {
                        totals.failed += 1;
                        failures.push((label.clone(), why.clone()));
                        "FAILED"
                    }
                };
                shell.stdout_line(&format!(
                    "test {label} ... {verdict} ({:.2}s)",
                    start.elapsed().as_secs_f64()
                ));
            }
        }
        if !failures.is_empty() {
            shell.stdout_line(&"\nfailures:");
            for (label, why) in &failures {
                shell.stdout_line(&format!("\n---- {label} ----\n{why}"));
            }
            shell.stdout_line(&"");
        }
        let mut line = format!("{} passed, {} failed", totals.passed, totals.failed);
        if totals.skipped > 0 {
            line.push_str(&format!(", {} skipped", totals.skipped));
        }
        shell.stdout_line(&line);
        Ok(totals)
    }

    /// Where each architecture's tests run.
    fn targets(&self, shell: &Shell, project: &Project) -> Result<Vec<(Arch, Target)>> {
        let named: Vec<Arch> = if self.board.arch.is_some() {
            config::parse_arch_list(&[self.board.arch.clone().unwrap_or_default()])?
        } else {
            Vec::new()
        };
        if self.board.port.is_some() {
            if named.len() > 1 {
                bail!("a board runs one architecture; pass one `--arch` with `--port`");
            }
            let (mp, info) = self.board.connect(shell)?;
            let arch = match named.first() {
                Some(a) => *a,
                None => info.build_arch()?,
            };
            return Ok(vec![(arch, Target::Board(Box::new(mp), info))]);
        }
        let runner_of =
            |arch: Arch| -> Option<Vec<String>> { project.config.for_arch(arch).test_runner };
        let archs = if named.is_empty() {
            let mut a = vec![Arch::X64];
            a.extend(
                Arch::ALL
                    .into_iter()
                    .filter(|&x| x != Arch::X64 && runner_of(x).is_some()),
            );
            a
        } else {
            named
        };
        archs
            .into_iter()
            .map(|arch| {
                let local = match runner_of(arch) {
                    Some(cmd) => Local::runner(&cmd, arch.name())?,
                    None if arch == Arch::X64 => Local::unix_port(
                        project.config.common.micropython.as_deref(),
                        &project.manifest_dir,
                    )?,
                    None => {
                        return Err(error_with_help(
                            format!("no MicroPython to run {} tests on this machine", arch.name()),
                            format!("name one in the manifest (`[package.metadata.mpy.arch.{}] test-runner = [\"COMMAND\", ...]`, run as `COMMAND ... SCRIPT.py`), or test on a board with `--port`", arch.name()),
                        ))
                    }
                };
                Ok((arch, Target::Local(local)))
            })
            .collect()
    }
}

/// Runs one test: its output and whether it raised.
fn run_case(target: &Target, dir: &Path, module: &str, case: &TestCase) -> Result<(String, bool)> {
    match target {
        Target::Board(mp, _) => {
            let r = mp.run_script(
                dir,
                &board::prelude(module),
                &case.path,
                Some(board::TEST_TIMEOUT),
                &|_| {},
            )?;
            Ok(match r {
                ScriptResult::Ok(out) => (out, false),
                ScriptResult::Raised(out) => (out, true),
            })
        }
        Target::Local(local) => {
            let done = local
                .run(&case.path, Some(dir), board::TEST_TIMEOUT, &|_| {})
                .with_context(|| format!("could not run `{}`", case.name))?;
            if done.status.is_none() {
                return Ok((
                    format!(
                        "{}\n(stopped after {} s)",
                        done.stdout,
                        board::TEST_TIMEOUT.as_secs()
                    ),
                    true,
                ));
            }
            // The unix port prints an uncaught exception's traceback on
            // stderr and exits with status 1.
            let raised = !done.success();
            let mut out = done.stdout;
            if raised {
                out.push_str(&done.stderr);
            }
            Ok((out, raised))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(exp: Option<&str>) -> TestCase {
        TestCase {
            path: "tests/t.py".into(),
            name: "tests/t.py".into(),
            expected: exp.map(str::to_string),
        }
    }

    #[test]
    fn judging() {
        assert_eq!(judge(&case(None), "anything\n", false), Outcome::Passed);
        assert!(matches!(
            judge(&case(None), "Traceback\n", true),
            Outcome::Failed(_)
        ));
        assert_eq!(
            judge(&case(Some("1\n2\n")), "1\r\n2\r\n", false),
            Outcome::Passed
        );
        let Outcome::Failed(why) = judge(&case(Some("1\n2\n")), "1\n3\n", false) else {
            panic!()
        };
        assert!(why.contains("at line 2") && why.contains("\"3\""), "{why}");
        assert!(matches!(
            judge(&case(Some("1\n")), "1\n2\n", false),
            Outcome::Failed(_)
        ));
        assert_eq!(judge(&case(Some("x\n")), "SKIP\n", false), Outcome::Skipped);
    }
}
