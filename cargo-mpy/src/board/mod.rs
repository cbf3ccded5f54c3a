//! Boards: what a MicroPython reports about itself ([`BoardInfo`], from
//! `sys.implementation._mpy` and `sys.path`), whether it can load a module
//! ([`check_loadable`]), and the two ways of running code on one: a board
//! reached through mpremote ([`mpremote::Mpremote`]) and a MicroPython run
//! on this machine ([`local::Local`], the `micropython` unix port or a
//! runner command such as an emulator).

pub(crate) mod local;
pub(crate) mod mpremote;

use std::fmt;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Result};
use mpy_link::{Arch, MpyAbi};

use crate::error::error_with_help;

/// The Python run on a board to learn about it: a marker line (anything
/// printed before it, such as a banner, is ignored), `_mpy`, the platform
/// and one line per `sys.path` entry.
pub(crate) const INFO_SCRIPT: &str = "import sys\n\
print('cargo-mpy-board-info')\n\
print(getattr(sys.implementation, '_mpy', 0))\n\
print(sys.platform)\n\
for p in sys.path:\n    print(p)\n";

const INFO_MARKER: &str = "cargo-mpy-board-info";

/// What a MicroPython says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BoardInfo {
    /// `sys.implementation._mpy`: `version | sub_version << 8 | arch << 10`
    /// (0 when the firmware does not say).
    pub mpy: u32,
    /// `sys.platform`.
    pub platform: String,
    /// `sys.path`.
    pub sys_path: Vec<String>,
}

impl BoardInfo {
    /// Reads [`INFO_SCRIPT`]'s output.
    pub(crate) fn parse(output: &str) -> Result<BoardInfo> {
        let text = output.replace('\r', "");
        let mut lines = text.lines().skip_while(|l| l.trim() != INFO_MARKER).skip(1);
        let (Some(mpy), Some(platform)) = (lines.next(), lines.next()) else {
            bail!(
                "the board's answer could not be read:\n{}",
                output.trim_end()
            );
        };
        let mpy = mpy.trim().parse().map_err(|_| {
            anyhow::anyhow!("the board's `sys.implementation._mpy` is `{mpy}`, not a number")
        })?;
        Ok(BoardInfo {
            mpy,
            platform: platform.trim().to_string(),
            sys_path: lines.map(str::to_string).collect(),
        })
    }

    /// The `.mpy` version the board loads.
    pub(crate) fn version(&self) -> u8 {
        (self.mpy & 0xff) as u8
    }

    /// The native-code sub-version it loads.
    pub(crate) fn sub_version(&self) -> u8 {
        ((self.mpy >> 8) & 3) as u8
    }

    /// The native architecture code (0: no native code).
    pub(crate) fn arch_code(&self) -> u8 {
        ((self.mpy >> 10) & 0x3f) as u8
    }

    /// The architecture to build for this board: its own, or for an ARM-M
    /// board whose exact code cargo-mpy does not build (armv7em without an
    /// FPU) the highest lower ARM-M one it can load.
    pub(crate) fn build_arch(&self) -> Result<Arch> {
        let code = self.arch_code();
        if self.mpy == 0 || code == 0 {
            return Err(error_with_help(
                format!("{self} cannot load native code (its `sys.implementation._mpy` names no architecture)"),
                "native modules need firmware built with `MICROPY_PERSISTENT_CODE_LOAD` and a native emitter; most release builds have them",
            ));
        }
        let loadable: Vec<Arch> = Arch::ALL
            .into_iter()
            .filter(|a| arch_accepts(code, a.spec().mpy_code))
            .collect();
        loadable
            .iter()
            .copied()
            .max_by_key(|a| a.spec().mpy_code)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "{self} runs native code of architecture {}, which cargo-mpy does not build",
                    arch_label(code)
                )
            })
    }

    /// Where modules go by default: the first `sys.path` entry named `lib`
    /// (`/lib` on most boards, `~/.micropython/lib` on the unix port).
    pub(crate) fn lib_dir(&self) -> Option<&str> {
        self.sys_path
            .iter()
            .map(String::as_str)
            .find(|p| p.trim_end_matches('/').rsplit('/').next() == Some("lib"))
    }
}

impl fmt::Display for BoardInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the board ({}, {}, .mpy {}.{})",
            self.platform,
            arch_label(self.arch_code()),
            self.version(),
            self.sub_version()
        )
    }
}

/// The name of an architecture code, including the ones cargo-mpy does not
/// build (`armv6`, `armv7em`).
pub(crate) fn arch_label(code: u8) -> String {
    match code {
        0 => "no native code".into(),
        3 => "armv6".into(),
        6 => "armv7em".into(),
        _ => Arch::ALL
            .into_iter()
            .find(|a| a.spec().mpy_code == code)
            .map_or_else(
                || format!("unknown architecture {code}"),
                |a| a.name().into(),
            ),
    }
}

/// Whether a board of architecture `board` loads native code of `module`:
/// the same code, or on ARM-M (armv6m 4 to armv7emdp 8) any lower ARM-M
/// code, as the loader's `MPY_FEATURE_ARCH_TEST` allows.
pub(crate) fn arch_accepts(board: u8, module: u8) -> bool {
    const ARM_M: std::ops::RangeInclusive<u8> = 4..=8;
    if ARM_M.contains(&board) {
        ARM_M.contains(&module) && module <= board
    } else {
        board == module && board != 0
    }
}

/// Checks that `info`'s board can load the module in `data`: a message
/// naming both architectures and `.mpy` versions when it cannot.
pub(crate) fn check_loadable(info: &BoardInfo, data: &[u8], path: &Path) -> Result<()> {
    let (version, feature) = match data {
        [b'M', version, feature, ..] => (*version, *feature),
        _ => bail!("`{}` is not a `.mpy` file", path.display()),
    };
    let arch = feature >> 2;
    let sub = feature & 3;
    let module = if arch == 0 {
        format!(".mpy {version} (bytecode only)")
    } else {
        format!("{}, .mpy {version}.{sub}", arch_label(arch))
    };
    let version_ok = version == info.version() && (arch == 0 || sub == info.sub_version());
    let arch_ok = arch == 0 || arch_accepts(info.arch_code(), arch);
    if version_ok && arch_ok {
        return Ok(());
    }
    let why = match (arch_ok, version_ok) {
        (false, false) => "neither its architecture nor its `.mpy` version",
        (false, true) => "its architecture",
        _ => "its `.mpy` version",
    };
    Err(error_with_help(
        format!(
            "{} cannot load `{}` ({module}): {why} does not match; nothing was copied",
            info,
            path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned()
            )
        ),
        if arch_ok {
            abi_help(info)
        } else {
            format!(
                "build for the board's architecture: leave out `--arch`, or pass `--arch {}`",
                info.build_arch()
                    .map_or_else(|_| arch_label(info.arch_code()), |a| a.name().to_string())
            )
        },
    ))
}

/// How to build for the board's `.mpy` ABI, or why cargo-mpy cannot.
fn abi_help(info: &BoardInfo) -> String {
    let abi = (info.version() == mpy_link::mpy::MPY_VERSION)
        .then(|| MpyAbi::from_sub_version(info.sub_version()))
        .flatten();
    match abi {
        Some(abi) => format!(
            "build for the board's .mpy ABI {abi} ({}): `mpy-abi = \"{abi}\"` in `[package.metadata.mpy]`, or a MicroPython tree of that release in `MPY_DIR`",
            abi.releases()
        ),
        None => {
            let known: Vec<String> = MpyAbi::ALL.iter().map(ToString::to_string).collect();
            format!(
                "cargo-mpy builds .mpy ABI {}; the board's MicroPython writes none of them",
                known.join(", ")
            )
        }
    }
}

/// How long to wait for a board to answer its first question.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The most a test may run on a board or a local MicroPython.
pub(crate) const TEST_TIMEOUT: Duration = Duration::from_secs(300);

/// The Python run before a script or test: forget an earlier import of the
/// module (a resumed board keeps its state), so the copy just deployed is
/// the one imported.
pub(crate) fn prelude(module: &str) -> String {
    format!("import sys\ntry:\n    del sys.modules['{module}']\nexcept KeyError:\n    pass\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(mpy: u32) -> BoardInfo {
        BoardInfo {
            mpy,
            platform: "linux".into(),
            sys_path: vec![
                "".into(),
                ".frozen".into(),
                "/h/.micropython/lib".into(),
                "/usr/lib/micropython".into(),
            ],
        }
    }

    #[test]
    fn decodes_mpy() {
        let i = BoardInfo::parse("banner\r\ncargo-mpy-board-info\r\n2822\r\nlinux\r\n\r\n.frozen\r\n/h/.micropython/lib\r\n/usr/lib/micropython\r\n").unwrap();
        assert_eq!(i, info(2822));
        assert_eq!((i.version(), i.sub_version(), i.arch_code()), (6, 3, 2));
        assert_eq!(i.build_arch().unwrap(), Arch::X64);
        assert_eq!(i.lib_dir(), Some("/h/.micropython/lib"));
        let board = BoardInfo {
            sys_path: vec!["".into(), ".frozen".into(), "/lib".into()],
            ..info(6 | 3 << 8 | 7 << 10)
        };
        assert_eq!(board.lib_dir(), Some("/lib"));
        assert_eq!(board.build_arch().unwrap(), Arch::Armv7emsp);
        // armv7em without an FPU: cargo-mpy builds armv7m for it.
        assert_eq!(
            info(6 | 3 << 8 | 6 << 10).build_arch().unwrap(),
            Arch::Armv7m
        );
        assert!(info(6 | 3 << 8).build_arch().is_err());
        assert!(BoardInfo::parse("Traceback\n").is_err());
    }

    #[test]
    fn loadable() {
        assert!(arch_accepts(7, 4) && arch_accepts(8, 8) && !arch_accepts(5, 7));
        assert!(arch_accepts(2, 2) && !arch_accepts(2, 1) && !arch_accepts(10, 9));
        let x64 = info(2822);
        let module = |arch: u8, sub: u8| vec![b'M', 6, arch << 2 | sub, 31];
        assert!(check_loadable(&x64, &module(2, 3), Path::new("m.mpy")).is_ok());
        let e = check_loadable(&x64, &module(5, 3), Path::new("m.mpy")).unwrap_err();
        let text = format!("{e:#}");
        assert!(text.contains("(linux, x64, .mpy 6.3) cannot load `m.mpy` (armv7m, .mpy 6.3): its architecture does not match"), "{text}");
        let e = check_loadable(&x64, &module(2, 2), Path::new("m.mpy")).unwrap_err();
        assert!(format!("{e:#}").contains("its `.mpy` version"), "{e:#}");
        assert!(
            abi_help(&x64).contains(
                "the board's .mpy ABI 6.3 (MicroPython 1.23 or later): `mpy-abi = \"6.3\"`"
            ),
            "{}",
            abi_help(&x64)
        );
        assert!(abi_help(&info(6 | 2 << 10)).contains("writes none of them"));
        assert!(check_loadable(&x64, &[b'M', 6, 0, 31], Path::new("p.mpy")).is_ok());
    }
}
