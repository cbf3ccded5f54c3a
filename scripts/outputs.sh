#!/usr/bin/env bash
# Builds every example and template for every architecture it supports, debug
# and release, into OUT_DIR/<example>/<profile>/<module>_<arch>.mpy, and writes
# OUT_DIR/SHA256SUMS. Run it at two commits and compare the sums to check that
# a change leaves every output byte as it was:
#   scripts/outputs.sh /tmp/before && git checkout NEW && scripts/outputs.sh /tmp/after
#   diff /tmp/before/SHA256SUMS /tmp/after/SHA256SUMS
# ARCHES overrides the architecture list (comma separated).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:?usage: scripts/outputs.sh OUT_DIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
C_ARCHES="${ARCHES:-x86,x64,armv6m,armv7m,armv7emsp,armv7emdp,xtensa,rv32imc,rv64imc}"
RUST_ARCHES="${ARCHES:-x86,x64,armv6m,armv7m,armv7emsp,armv7emdp,rv32imc,rv64imc}"
cargo build -q --release -p cargo-mpy
bin="$PWD/target/release/cargo-mpy"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# No MicroPython tree: C sources use the header cargo-mpy ships.
unset MPY_DIR

build() { # DIR ARCHES
  local dir=$1 arches=$2 name
  name=$(basename "$dir")
  for profile in debug release; do
    local flag=()
    [ "$profile" = release ] && flag=(--release)
    "$bin" mpy build -q "${flag[@]}" --manifest-path "$dir/Cargo.toml" --arch "$arches" \
      --out-dir "$out/$name/$profile"
  done
}

for d in examples/*/; do
  d=${d%/}
  if [ -f "$d/src/lib.rs" ]; then build "$d" "$RUST_ARCHES"; else build "$d" "$C_ARCHES"; fi
done
# What `cargo mpy new` creates, for each language.
for lang in rust c mixed; do
  (cd "$work" && "$bin" mpy new -q --lang "$lang" "tpl_$lang" >/dev/null)
  if [ "$lang" = rust ]; then arches=$RUST_ARCHES; else arches=$C_ARCHES; fi
  build "$work/tpl_$lang" "$arches"
done
(cd "$out" && find . -name '*.mpy' | sort | xargs sha256sum > SHA256SUMS)
echo "$(wc -l < "$out/SHA256SUMS") modules in $out"
