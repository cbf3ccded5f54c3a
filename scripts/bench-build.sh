#!/usr/bin/env bash
# Whole-build benchmark: times `cargo mpy build` on examples/c-stats with
# hyperfine (Debian package `hyperfine`): a clean build for x64, a clean
# build for every architecture in one command, a no-op rebuild, and a clean
# build of a Rust module (examples/rust-classes) with the rustc/cargo-mpy split.
# Linking alone is benchmarked by `cargo bench -p mpy-link`.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "hyperfine is not installed (apt-get install hyperfine)" >&2; exit 1; }
cargo build -q --release -p cargo-mpy
bin="$PWD/target/release/cargo-mpy"
manifest="$PWD/examples/c-stats/Cargo.toml"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
all="x64,x86,armv6m,armv7m,armv7emsp,armv7emdp,rv32imc,rv64imc,xtensa"
build() { echo "$bin mpy build -q --manifest-path $manifest --arch $1"; }
export CARGO_TARGET_DIR="$work/target"
hyperfine -N --warmup 1 --runs "${RUNS:-5}" \
  --prepare "rm -rf $work/target" -n "clean build, x64" "$(build x64)" \
  --prepare "rm -rf $work/target" -n "clean build, 9 architectures" "$(build "$all")"
"$bin" mpy build -q --manifest-path "$manifest" --arch "$all"
hyperfine -N --warmup 2 --runs "${RUNS:-10}" -n "no-op rebuild, 9 architectures" "$(build "$all")"

# A Rust module: the clean build is rustc's; `cargo mpy build -v` prints
# cargo's own "Finished ... in" line next to the total, which gives the split.
rust_manifest="$PWD/examples/rust-classes/Cargo.toml"
hyperfine -N --warmup 1 --runs "${RUNS:-5}" \
  --prepare "rm -rf $work/target" -n "clean Rust build (rust-classes), armv7m" \
  "$bin mpy build -q --manifest-path $rust_manifest --arch armv7m --out-dir $work/out"
rm -rf "$work/target"
"$bin" mpy build -v --manifest-path "$rust_manifest" --arch armv7m --out-dir "$work/out" 2>&1 | grep Finished
