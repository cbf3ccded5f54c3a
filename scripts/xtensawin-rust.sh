#!/usr/bin/env bash
# xtensawin-rust.sh: builds a Rust module crate for the ESP32 (xtensawin)
# into one relocatable object, with only rustup toolchains and Debian's LLVM.
# Prototype of the route cargo-mpy will drive (see the report of the
# xtensa-groundwork branch).
#
#   scripts/xtensawin-rust.sh [--qemu] [--release] path/to/Cargo.toml OUT.o
#
# Route: nightly rustc's own LLVM has the Xtensa backend (CPU esp32), but
#   - its built-in xtensa-esp32-none-elf target has a data layout LLVM 22
#     rejects, so a target JSON with LLVM's layout is written here;
#   - no standard library is shipped for it: -Z build-std=core,alloc;
#   - compiler_builtins hits LLVM instruction-selection errors with the
#     FPU on (constant pools of float pairs), so it alone is compiled soft
#     float (-Z profile-rustflags); it is not linked anyway: cargo-mpy's
#     helper library provides the runtime functions;
#   - its integrated assembler misplaces Xtensa literal pools, so the crate
#     (fat LTO: core and the mpy runtime included) is emitted as assembly
#     and assembled like C is, by scripts/xtensawin-cc.sh (its fixes to
#     LLVM's Xtensa assembly, then llvm-mc-22).
# --qemu leaves out the multiply-high instructions (not in qemu-xtensa's
# de233_fpu core).
set -euo pipefail

# The nightly the route was measured with (scripts/install-deps.sh installs
# it), else whatever `nightly` is.
if [ -z "${NIGHTLY:-}" ]; then
  NIGHTLY=nightly-2026-05-19
  rustup run "$NIGHTLY" rustc --version >/dev/null 2>&1 || NIGHTLY=nightly
fi
features=""
profile=dev
while [ $# -gt 0 ]; do
  case "$1" in
    --qemu) features="-mul32high"; shift ;;
    --release) profile=release; shift ;;
    *) break ;;
  esac
done
manifest="${1:?usage: $0 [--qemu] [--release] Cargo.toml OUT.o}"
out="${2:?usage: $0 [--qemu] [--release] Cargo.toml OUT.o}"
manifest="$(cd "$(dirname "$manifest")" && pwd)/$(basename "$manifest")"
target_dir="${CARGO_TARGET_DIR:-$(dirname "$manifest")/target}/xtensawin${features:+-qemu}"
mkdir -p "$target_dir"

# The target: LLVM's own data layout for Xtensa; static relocation (LLVM
# has no PIC for Xtensa; mpy-link relocates the literal pools).
spec="$target_dir/xtensa-esp32-mpy.json"
cat > "$spec.tmp" <<JSON
{
  "arch": "xtensa",
  "cpu": "esp32",
  "features": "$features",
  "data-layout": "e-m:e-p:32:32-i8:8:32-i16:16:32-i64:64-n32",
  "llvm-target": "xtensa-none-elf",
  "max-atomic-width": 32,
  "panic-strategy": "abort",
  "relocation-model": "static",
  "target-pointer-width": 32,
  "target-endian": "little",
  "target-c-int-width": 32,
  "emit-debug-gdb-scripts": false,
  "linker-flavor": "gnu-cc",
  "linker": "false",
  "os": "none",
  "vendor": "unknown",
  "metadata": {"description": "ESP32 native MicroPython modules (cargo-mpy)", "tier": 3, "host_tools": false, "std": false}
}
JSON
mv "$spec.tmp" "$spec"

flags=(-Cllvm-args=-align-loops=1 --cfg mpy_module --cfg 'mpy_arch="xtensawin"')
rel=()
[ "$profile" = release ] && rel=(--release)
for p in DEV RELEASE; do
  export "CARGO_PROFILE_${p}_PANIC=abort" "CARGO_PROFILE_${p}_LTO=true" \
    "CARGO_PROFILE_${p}_CODEGEN_UNITS=1" "CARGO_PROFILE_${p}_OPT_LEVEL=s" \
    "CARGO_PROFILE_${p}_DEBUG_ASSERTIONS=false" "CARGO_PROFILE_${p}_OVERFLOW_CHECKS=false" \
    "CARGO_PROFILE_${p}_DEBUG=false"
done
prof_key=$([ "$profile" = release ] && echo release || echo dev)
CARGO_TARGET_DIR="$target_dir" CARGO_ENCODED_RUSTFLAGS="$(IFS=$'\x1f'; echo "${flags[*]}")" \
  cargo "+$NIGHTLY" -Zbuild-std=core,alloc -Zjson-target-spec -Zprofile-rustflags \
  --config "profile.$prof_key.package.compiler_builtins.rustflags=[\"-Ctarget-feature=-fp\"]" \
  rustc -q "${rel[@]}" --lib --crate-type staticlib --manifest-path "$manifest" \
  --target "$spec" -- --emit=asm

dir="$target_dir/xtensa-esp32-mpy/$([ "$profile" = release ] && echo release || echo debug)/deps"
crate="$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$manifest" | head -1 | tr - _)"
asm="$(ls -t "$dir/$crate"-*.s | head -1)"
"$(dirname "$0")/xtensawin-cc.sh" -c "$asm" -o "$out"
