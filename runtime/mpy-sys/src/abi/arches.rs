//! Which firmware and which `mpy_ld.py` handle each architecture.

use super::{release, MpyAbi, Release};

/// When firmware and MicroPython's linker first handle an architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchFacts {
    /// The name `mpy_ld.py --arch` takes.
    pub name: &'static str,
    /// The code in the `.mpy` header (bits 2-7 of byte 2).
    pub code: u8,
    /// The first release whose firmware loads native code of this architecture (`None`:
    /// every release with these ABIs).
    pub firmware_since: Option<Release>,
    /// The first release whose `tools/mpy_ld.py` links it.
    pub mpy_ld_since: Option<Release>,
}

/// The architectures of native modules. Loaders accept a file only for their own code (ARM-M
/// loaders also accept lower ARM-M codes).
pub const ARCHES: &[ArchFacts] = &[
    ArchFacts {
        name: "x86",
        code: 1,
        firmware_since: None,
        mpy_ld_since: None,
    },
    ArchFacts {
        name: "x64",
        code: 2,
        firmware_since: None,
        mpy_ld_since: None,
    },
    ArchFacts {
        name: "armv6m",
        code: 4,
        firmware_since: None,
        mpy_ld_since: None,
    },
    ArchFacts {
        name: "armv7m",
        code: 5,
        firmware_since: None,
        mpy_ld_since: None,
    },
    ArchFacts {
        name: "armv7emsp",
        code: 7,
        firmware_since: None,
        mpy_ld_since: None,
    },
    ArchFacts {
        name: "armv7emdp",
        code: 8,
        firmware_since: None,
        mpy_ld_since: None,
    },
    ArchFacts {
        name: "xtensa",
        code: 9,
        firmware_since: None,
        mpy_ld_since: None,
    },
    ArchFacts {
        name: "xtensawin",
        code: 10,
        firmware_since: None,
        mpy_ld_since: None,
    },
    ArchFacts {
        name: "rv32imc",
        code: 11,
        firmware_since: Some(release(1, 24)),
        mpy_ld_since: Some(release(1, 25)),
    },
    ArchFacts {
        name: "rv64imc",
        code: 12,
        firmware_since: Some(release(1, 28)),
        mpy_ld_since: Some(release(1, 28)),
    },
];

/// The `.mpy` header's architecture-flags extension (feature bit `0x40`, then a vuint; RISC-V
/// extensions zba = 1, zcmp = 2) is understood by firmware from this release and written by
/// `mpy_ld.py` from 1.28.
pub const ARCH_FLAGS_SINCE: Release = release(1, 27);

impl MpyAbi {
    /// Whether some firmware of this ABI loads native code for `arch`: RISC-V needs 6.3 (and
    /// a late enough 6.3 release, see [`ArchFacts::firmware_since`]).
    pub fn supports_arch(self, arch: &ArchFacts) -> bool {
        match arch.firmware_since {
            None => true,
            Some(since) => match self.last_release() {
                None => true,
                Some(last) => since <= last,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn riscv_needs_6_3() {
        let rv32 = ARCHES
            .iter()
            .find(|a| a.name == "rv32imc")
            .expect("rv32imc");
        let x64 = ARCHES.iter().find(|a| a.name == "x64").expect("x64");
        assert!(!MpyAbi::V6_2.supports_arch(rv32));
        assert!(MpyAbi::V6_3.supports_arch(rv32));
        assert!(MpyAbi::V6_1.supports_arch(x64));
    }
}
