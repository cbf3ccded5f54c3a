#!/usr/bin/env bash
# xtensawin-helpers.sh: builds cargo-mpy's runtime helper library
# (cargo-mpy/helpers/src) for the ESP32 into an archive, one member per
# source, with scripts/xtensawin-cc.sh. Prototype of cargo-mpy's step.
#
#   scripts/xtensawin-helpers.sh [--qemu] OUT.a
set -euo pipefail
cd "$(dirname "$0")/.."
qemu=()
[ "${1:-}" = --qemu ] && { qemu=(--qemu); shift; }
out="${1:?usage: $0 [--qemu] OUT.a}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for src in cargo-mpy/helpers/src/*.c; do
  scripts/xtensawin-cc.sh "${qemu[@]}" -std=c99 -Os -Wall -Werror -ffreestanding -fno-builtin \
    -c "$src" -o "$work/$(basename "${src%.c}").o"
done
rm -f "$out"
"${LLVM_AR:-llvm-ar-22}" rcs "$out" "$work"/*.o
