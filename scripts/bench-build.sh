#!/usr/bin/env bash
# Whole-build benchmark: times `cargo mpy build` on examples/c-stats with
# hyperfine (Debian package `hyperfine`): a clean build for x64, a clean
# build for every architecture in one command, and a no-op rebuild.
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
