//! Writing output files: through a temporary file in the same directory
//! and a rename, so a failed or interrupted write never leaves a partial
//! file where a good one was expected.
//!
//! The temporary file is `.NAME.PID.tmp` next to `NAME`. Every error path
//! removes it. A process killed while writing cannot, so before each write
//! the temporary files of `NAME` whose process no longer runs are removed.

use std::io::Write;
use std::path::{Path, PathBuf};

use mpy_link::LinkError;

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), LinkError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    remove_stale_temps(&dir, &file_name);
    let tmp = dir.join(temp_name(&file_name, std::process::id()));
    let io = |action: &'static str, p: &Path| {
        let p = p.to_path_buf();
        move |source| LinkError::Io {
            action,
            path: p,
            source,
        }
    };
    let result = (|| {
        let mut f = std::fs::File::create(&tmp).map_err(io("create", &tmp))?;
        f.write_all(bytes).map_err(io("write", &tmp))?;
        f.sync_all().map_err(io("write", &tmp))?;
        std::fs::rename(&tmp, path).map_err(io("rename into", path))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The temporary file's name for output `file_name` and process `pid`.
fn temp_name(file_name: &str, pid: u32) -> String {
    format!(".{file_name}.{pid}.tmp")
}

/// The process id in a temporary file's name for output `file_name`.
fn temp_pid(entry: &str, file_name: &str) -> Option<u32> {
    let pid = entry
        .strip_prefix('.')?
        .strip_prefix(file_name)?
        .strip_prefix('.')?
        .strip_suffix(".tmp")?;
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// Removes the temporary files for `file_name` in `dir` left by processes
/// that no longer run. Failures are ignored: this only tidies up.
fn remove_stale_temps(dir: &Path, file_name: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let own = std::process::id();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| temp_pid(n, file_name)) else {
            continue;
        };
        if pid != own && !process_runs(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether a process with this id exists. Where that cannot be told, it is
/// assumed to run (its file is left alone).
fn process_runs(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else if cfg!(unix) {
        // `kill -0` checks for the process without signalling it.
        match std::process::Command::new("kill")
            .args(["-0", &pid.to_string()])
            .stderr(std::process::Stdio::null())
            .status()
        {
            Ok(status) => status.success(),
            Err(_) => true,
        }
    } else {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_round_trip() {
        assert_eq!(temp_name("m.mpy", 42), ".m.mpy.42.tmp");
        assert_eq!(temp_pid(".m.mpy.42.tmp", "m.mpy"), Some(42));
        assert_eq!(temp_pid(".m.mpy.x.tmp", "m.mpy"), None);
        assert_eq!(temp_pid(".mm.mpy.42.tmp", "m.mpy"), None);
        assert_eq!(temp_pid("m.mpy", "m.mpy"), None);
    }
}
