//! `packaging/*`: the crates as published: `cargo package` of every publishable crate, cargo-mpy
//! installed from the packaged `.crate` files alone (unpacked, offline, the checkout not
//! involved), then that installed tool creating and building a Rust module outside the
//! checkout, which the real MicroPython imports. Also: the runtime crates' rustdoc is
//! free of warnings.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mpy_tests::{micropython, skip_unless, workspace_root, TestResult, Trial};

pub(crate) fn trials() -> Vec<Trial> {
    mpy_tests::trials!(
        "packaging",
        [
            packaged_crates_install_a_tool_that_builds_modules_without_the_checkout,
            runtime_docs_build_without_warnings,
        ]
    )
}

/// The crates a release publishes (every workspace member but the test crate).
const PUBLISHED: [&str; 5] = ["mpy-link", "cargo-mpy", "mpy-sys", "mpy-macros", "mpy"];

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    // Nothing of the outer `cargo test` leaks in.
    for var in [
        "CARGO_TARGET_DIR",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("CARGO_TERM_COLOR", "never");
    cmd
}

fn check(what: &str, out: Output) -> Output {
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn packaged_crates_install_a_tool_that_builds_modules_without_the_checkout() -> TestResult {
    let python = skip_unless!(micropython());
    mpy_tests::rust_target_installed(mpy_tests::Arch::X64)?;
    let root = workspace_root();
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();

    // 1. Package every published crate. `--no-verify`: step 2 builds them from the
    //    packages, and the module build below compiles the runtime's. `--allow-dirty`:
    //    a developer's checkout with uncommitted changes packages what is there.
    let mut cmd = cargo();
    cmd.current_dir(&root)
        .args([
            "package",
            "--workspace",
            "--exclude",
            "mpy-tests",
            "--no-verify",
            "--allow-dirty",
            "--offline",
        ])
        .env("CARGO_TARGET_DIR", t.join("package-target"));
    check("cargo package", cmd.output().unwrap());
    let unpacked = t.join("unpacked");
    std::fs::create_dir_all(&unpacked).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    for name in PUBLISHED {
        let krate = t.join(format!("package-target/package/{name}-{version}.crate"));
        assert!(
            krate.is_file(),
            "`cargo package` made no {}",
            krate.display()
        );
        let out = Command::new("tar")
            .arg("xzf")
            .arg(&krate)
            .arg("-C")
            .arg(&unpacked)
            .output()
            .unwrap();
        check("tar", out);
    }

    // 2. Install cargo-mpy from the unpacked packages, offline: its dependencies on the
    //    other crates of this workspace resolve to their packages (as they would to
    //    crates.io), everything else comes from cargo's cache.
    let install = t.join("install");
    let mut cmd = cargo();
    cmd.arg("install")
        .arg("--path")
        .arg(unpacked.join(format!("cargo-mpy-{version}")))
        .arg("--root")
        .arg(&install)
        .args(["--debug", "--offline", "--quiet"])
        .env("CARGO_TARGET_DIR", t.join("install-target"));
    for name in PUBLISHED.iter().filter(|n| **n != "cargo-mpy") {
        let dir = unpacked.join(format!("{name}-{version}"));
        let path = toml_string(&dir);
        cmd.arg("--config")
            .arg(format!("patch.crates-io.{name}.path={path}"));
    }
    check("cargo install", cmd.output().unwrap());
    // The packages and the build are gone; the binary is all there is.
    std::fs::remove_dir_all(&unpacked).unwrap();
    std::fs::remove_dir_all(t.join("install-target")).unwrap();
    let bin_dir = install.join("bin");
    let exe = std::fs::read(bin_dir.join("cargo-mpy")).unwrap();
    assert!(
        !contains(&exe, root.to_string_lossy().as_bytes()),
        "the installed cargo-mpy names the checkout `{}`",
        root.display()
    );

    // 3. `cargo mpy new` and `cargo mpy build` outside the checkout, with the
    //    installed tool found on PATH as `cargo mpy`, offline.
    let work = t.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin_dir.clone()).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )),
    )
    .unwrap();
    let mpy_home = t.join("mpy-home");
    let run = |dir: &Path, args: &[&str]| {
        let mut cmd = cargo();
        cmd.current_dir(dir)
            .args(args)
            .env("PATH", &path)
            .env("CARGO_MPY_HOME", &mpy_home)
            .env("CARGO_NET_OFFLINE", "true");
        check(&args.join(" "), cmd.output().unwrap())
    };
    run(&work, &["mpy", "new", "factorial"]);
    let project = work.join("factorial");
    let manifest = std::fs::read_to_string(project.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains(&format!("mpy = \"{version}\"")),
        "the new module does not take `mpy` by version:\n{manifest}"
    );
    run(
        &project,
        &["mpy", "build", "--arch", "x64", "--out-dir", "out"],
    );
    let runtimes: Vec<PathBuf> = std::fs::read_dir(&mpy_home)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(
        runtimes.len() == 1
            && runtimes[0]
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("runtime-{version}-")),
        "one extracted runtime expected: {runtimes:?}"
    );
    let out = Command::new(python)
        .arg("-c")
        .arg(format!(
            "import sys\nsys.path.insert(0, '{}')\nimport factorial\nprint(factorial.add(40, 2), factorial.VERSION)",
            project.join("out").display()
        ))
        .output()
        .unwrap();
    let out = check("micropython", out);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "42 1");
    Ok(())
}

fn toml_string(path: &Path) -> String {
    let s = path.to_string_lossy();
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `cargo doc` of the runtime crates with every rustdoc warning an error (broken
/// links, bad code blocks, missing docs of public items are warnings).
fn runtime_docs_build_without_warnings() -> TestResult {
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = cargo();
    cmd.current_dir(workspace_root())
        .args([
            "doc",
            "--no-deps",
            "--offline",
            "-p",
            "mpy-sys",
            "-p",
            "mpy-macros",
            "-p",
            "mpy",
        ])
        .env("CARGO_TARGET_DIR", tmp.path())
        .env("RUSTDOCFLAGS", "-D warnings");
    check("cargo doc", cmd.output().unwrap());
    Ok(())
}
