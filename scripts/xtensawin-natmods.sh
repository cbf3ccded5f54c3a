#!/usr/bin/env bash
# xtensawin-natmods.sh: builds MicroPython's examples/natmod modules for the
# ESP32 (xtensawin) with Debian's LLVM and mpy-link, as `make ARCH=xtensawin`
# would with ESP-IDF's gcc. It uses a MicroPython checkout you already have
# (it fetches nothing), and prints each module's size.
#
#   scripts/xtensawin-natmods.sh [--qemu] MPY_DIR OUT_DIR
#
# Per module: the qstr scan (mpy-link --preprocess), every C file through
# scripts/xtensawin-cc.sh with dynruntime.mk's flags (-fpic dropped), then
# mpy-link --arch xtensawin with cargo-mpy's helper library in the place of
# libgcc/libm. btree is built when the berkeley-db submodule is checked out.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
qemu=()
[ "${1:-}" = --qemu ] && { qemu=(--qemu); shift; }
mpy_dir="$(cd "${1:?usage: $0 [--qemu] MPY_DIR OUT_DIR}" && pwd)"
out="${2:?usage: $0 [--qemu] MPY_DIR OUT_DIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cargo build -q --manifest-path "$root/Cargo.toml" -p mpy-link
link="$root/target/debug/mpy-link"
"$root/scripts/xtensawin-helpers.sh" "${qemu[@]}" "$out/libmpyhelpers.a"

build() { # NAME [EXTRA-CFLAGS... --] SRC...
  local name=$1; shift
  local dir="$out/$name" objs=() src extra=()
  if printf '%s\n' "$@" | grep -qx -- --; then
    while [ "$1" != -- ]; do extra+=("$1"); shift; done
    shift
  fi
  mkdir -p "$dir"
  (cd "$mpy_dir/examples/natmod/$name" && "$link" --preprocess "$@" -o "$dir/$name.config.h")
  for src in "$@"; do
    (cd "$mpy_dir/examples/natmod/$name" &&
      "$root/scripts/xtensawin-cc.sh" "${qemu[@]}" -I. -I"$mpy_dir" -std=c99 -Os -Wall -Werror \
        -DNDEBUG -DNO_QSTR -DMICROPY_ENABLE_DYNRUNTIME "-DMP_CONFIGFILE=<$dir/$name.config.h>" \
        -fpic -fno-common -U_FORTIFY_SOURCE -DMICROPY_FLOAT_IMPL=MICROPY_FLOAT_IMPL_FLOAT \
        "${extra[@]}" -c "$src" -o "$dir/$(basename "${src%.c}").o")
    objs+=("$dir/$(basename "${src%.c}").o")
  done
  "$link" --arch xtensawin --qstrs "$dir/$name.config.h" -l "$out/libmpyhelpers.a" \
    -o "$out/$name.mpy" "${objs[@]}"
  printf '%-10s %6d bytes\n' "$name" "$(stat -c %s "$out/$name.mpy")"
}

for m in features0 features1 features3 features4 heapq random re framebuf deflate; do
  build "$m" "$m.c"
done
build features2 main.c prod.c
bdb="$mpy_dir/lib/berkeley-db-1.xx"
if [ -f "$bdb/btree/bt_open.c" ]; then
  srcs=(btree_c.c)
  for f in btree/bt_{close,conv,delete,get,open,overflow,page,put,search,seq,split,utils}.c mpool/mpool.c; do
    srcs+=("$bdb/$f")
  done
  build btree -I"$bdb/include" '-DBERKELEY_DB_CONFIG_FILE="extmod/berkeley-db/berkeley_db_config_port.h"' \
    -Wno-old-style-definition -Wno-sign-compare -Wno-unused-parameter -Wno-deprecated-non-prototype \
    -D__PICOLIBC_ERRNO_FUNCTION=__errno -std=gnu99 -- "${srcs[@]}"
fi
