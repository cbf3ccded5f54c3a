#!/usr/bin/env bash
# xtensawin-cc.sh: a C compiler driver for ESP32 (xtensawin) native modules
# built with Debian's LLVM instead of Espressif's xtensa-esp32-elf-gcc.
# Prototype of the pipeline cargo-mpy will run (see the report of the
# xtensa-groundwork branch); it fetches nothing.
#
#   scripts/xtensawin-cc.sh [--qemu] [CLANG-FLAGS...] -c FILE.c|FILE.S|FILE.s -o FILE.o
#
# (An `.s` file, such as rustc's `--emit=asm` output, only gets steps 2-3.)
#
# Steps:
#   1. clang-22 --target=xtensa with the ESP32's features enabled one by one
#      (the driver refuses -mcpu=esp32), compiled to assembly (-S): LLVM 22's
#      object writer places literal pools at unaligned offsets;
#   2. two fixes to the assembly: a `.text` line before every
#      `.literal_position`, so literals that follow a jump table (emitted in
#      .rodata) are not placed in `.rodata.literal`; and quotes around symbol
#      names with characters such as `::` in `.literal` lines, which LLVM
#      prints unquoted (Rust's symbols need them);
#   3. llvm-mc-22 -triple=xtensa -mcpu=esp32 assembles it, with each pool in
#      a `.literal` section that mpy-link turns into its GOT and literal table.
#
# Headers: clang's own freestanding headers (stdint.h, stdarg.h, ...) come
# first; picolibc's (Debian package picolibc-xtensa-lx106-elf) supply
# string.h, math.h and the rest, searched after them (-idirafter). The host's
# /usr/include is never searched (-nostdlibinc: clang would otherwise use it
# for a bare target and pick up glibc's headers).
#
# --qemu builds code for the test loader under `qemu-xtensa -cpu de233_fpu`,
# whose core lacks the MUL32_HIGH option (mulsh/muluh): the multiply-high
# instructions are turned off, everything else is the ESP32's.
#
# No -fpic: LLVM's Xtensa backend has no PIC mode (nor has upstream's
# xtensawin build); the code reaches everything through literal pools, which
# mpy-link relocates.
set -euo pipefail

CLANG="${CLANG:-clang-22}"
LLVM_MC="${LLVM_MC:-llvm-mc-22}"
PICOLIBC_INCLUDE="${PICOLIBC_INCLUDE:-/usr/lib/xtensa-lx106-elf/include}"

mul32high="+mul32high"
args=()
src=""
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --qemu) mul32high="-mul32high"; shift ;;
    -o) out="$2"; shift 2 ;;
    -c) shift ;;
    -fpic|-fPIC) shift ;; # accepted for dynruntime.mk's flags; LLVM has no Xtensa PIC
    *.c|*.S|*.s) src="$1"; shift ;;
    *) args+=("$1"); shift ;;
  esac
done
if [ -z "$src" ] || [ -z "$out" ]; then
  echo "usage: $0 [--qemu] [FLAGS...] -c FILE.c -o FILE.o" >&2
  exit 2
fi

# The ESP32's core: windowed ABI, single-precision FPU, and the options the
# esp32 CPU definition of LLVM's Xtensa backend lists.
features=(windowed density fp loop mac16 bool sext nsa mul16 mul32 "${mul32high#?}"
          dfpaccel s32c1i threadptr div32 minmax clamps exception)
flags=(--target=xtensa -nostdlibinc -fomit-frame-pointer -fno-common)
for f in "${features[@]}"; do
  sign="+"
  [ "$f" = "${mul32high#?}" ] && sign="${mul32high:0:1}"
  flags+=(-Xclang -target-feature -Xclang "$sign$f")
done
[ -d "$PICOLIBC_INCLUDE" ] && flags+=(-idirafter "$PICOLIBC_INCLUDE")

asm="$out.s"
trap 'rm -f "$asm"' EXIT
case "$src" in
  *.c) "$CLANG" "${flags[@]}" "${args[@]}" -S -o "$asm" "$src" ;;
  *.S) "$CLANG" "${flags[@]}" "${args[@]}" -E -P -x assembler-with-cpp -o "$asm" "$src" ;;
  *.s) cp "$src" "$asm" ;;
esac
sed -i -E -e 's/^\t\.literal_position/\t.text\n\t.literal_position/' \
  -e 's/^(\t\.literal [^,]+, )([^"+-]*[^A-Za-z0-9_.$"+-][^"+-]*)([+-][0-9]+)?$/\1"\2"\3/' "$asm"
"$LLVM_MC" -triple=xtensa -mcpu=esp32 -filetype=obj -o "$out" "$asm"
