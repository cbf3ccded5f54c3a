#!/usr/bin/env bash
# Prints the `.mpy` size (bytes, release build) of every Rust example for
# every Rust-capable architecture, as a Markdown table (README, "Sizes").
# xtensawin builds through the route `cargo mpy doctor` reports (the pinned
# nightly when ESP-IDF's Rust toolchain is absent).
# Usage: scripts/sizes.sh [example-dir ...]   (default: examples/rust-*)
set -euo pipefail
cd "$(dirname "$0")/.."
ARCHES=(x64 x86 armv6m armv7m armv7emsp armv7emdp xtensawin rv32imc rv64imc)
cargo build -q --release -p cargo-mpy
CARGO_MPY="$PWD/target/release/cargo-mpy"
dirs=("$@")
if [ "${#dirs[@]}" -eq 0 ]; then dirs=(examples/rust-*); fi
echo "Measured with $(rustc --version)"
printf '| module |'; for a in "${ARCHES[@]}"; do printf ' %s |' "$a"; done; echo
printf '|---'; for _ in "${ARCHES[@]}"; do printf '|---'; done; echo '|'
for d in "${dirs[@]}"; do
  out=$(mktemp -d)
  list=$(IFS=,; echo "${ARCHES[*]}")
  "$CARGO_MPY" mpy build -q --release --manifest-path "$d/Cargo.toml" --arch "$list" --out-dir "$out"
  row="| \`$(basename "$d")\`"
  for a in "${ARCHES[@]}"; do
    f=$(ls "$out"/*_"$a".mpy)
    row="$row | $(stat -c %s "$f")"
  done
  echo "$row |"
  rm -rf "$out"
done
