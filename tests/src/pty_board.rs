//! A board stand-in: the `micropython` unix port on a pseudo-terminal made
//! by `socat`, which mpremote drives exactly as a USB serial board (raw
//! REPL, `fs cp`, `mount`; `resume` avoids the soft reset that would end the
//! process). The MicroPython gets a `HOME` of its own, so its
//! `~/.micropython/lib` (the board's `lib` directory) is private to the
//! test.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{find_tool, Skip};

/// A running pty board; stopped when dropped.
pub struct PtyBoard {
    /// The device path to pass as `--port`.
    pub dev: PathBuf,
    /// The MicroPython's `HOME`.
    pub home: PathBuf,
    socat: Child,
    _dir: tempfile::TempDir,
}

impl PtyBoard {
    /// Starts `micropython` on a pty.
    pub fn start() -> Result<PtyBoard, Skip> {
        Self::start_with("micropython")
    }

    /// A pty whose other end runs `sleep`: a board that never answers.
    pub fn silent() -> Result<PtyBoard, Skip> {
        Self::start_with("sleep 600")
    }

    fn start_with(program: &str) -> Result<PtyBoard, Skip> {
        let socat = find_tool("socat", "apt-get install socat")?;
        if program == "micropython" {
            crate::micropython()?;
        }
        let dir = crate::temp_dir("pty-board");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).expect("create HOME");
        let dev = dir.path().join("dev");
        let child = Command::new(socat)
            .arg(format!("PTY,link={},raw,echo=0", dev.display()))
            .arg(format!("EXEC:{program},pty,raw,echo=0,setsid,ctty"))
            .env("HOME", &home)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start socat");
        let board = PtyBoard {
            dev,
            home,
            socat: child,
            _dir: dir,
        };
        let start = Instant::now();
        while !board.dev.exists() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "socat made no pty at {}",
                board.dev.display()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(board)
    }

    /// The board's `lib` directory (`~/.micropython/lib`).
    pub fn lib_dir(&self) -> PathBuf {
        self.home.join(".micropython/lib")
    }

    /// Runs `code` on the board with mpremote; its stdout.
    pub fn exec(&self, code: &str) -> crate::RunOutput {
        crate::run_command(
            Command::new("mpremote")
                .arg("connect")
                .arg(&self.dev)
                .args(["resume", "exec", code]),
        )
    }

    /// The device path as a string.
    pub fn port(&self) -> &str {
        self.dev.to_str().expect("UTF-8 temporary path")
    }

    /// The board's home, for tests that look at its files.
    pub fn home(&self) -> &Path {
        &self.home
    }
}

impl Drop for PtyBoard {
    fn drop(&mut self) {
        // Closing the pty hangs up the MicroPython on its other end.
        let _ = self.socat.kill();
        let _ = self.socat.wait();
    }
}
