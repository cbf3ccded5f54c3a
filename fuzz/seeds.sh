#!/usr/bin/env bash
# Writes the seed corpora of the fuzz targets, fuzz/corpus/<target>/, from
# this repository's own sources and what cargo-mpy builds from them: objects,
# archives and modules of the examples for every architecture whose compiler
# is installed, our C sources, manifests and linker scripts. Nothing here
# comes from elsewhere, and nothing it writes is committed.
#
# Usage: fuzz/seeds.sh [CORPUS_DIR]   (default: fuzz/corpus)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
corpus=$(realpath -m "${1:-fuzz/corpus}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

targets=(elf_object archive ld_script externs mpy_read mpy_merge qstr_scan manifest)
for t in "${targets[@]}"; do mkdir -p "$corpus/$t"; done

cargo build -q -p cargo-mpy
bin=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/cargo-mpy
sep=$'\n--8<--\n'

# The selector byte of fuzz_targets/common.rs: the index in Arch::ALL.
archs=(x86 x64 armv6m armv7m armv7emsp armv7emdp xtensa xtensawin rv32imc rv64imc)
index_of() { local i; for i in "${!archs[@]}"; do [[ ${archs[$i]} == "$1" ]] && { echo "$i"; return; }; done; }
selector() { printf "\\$(printf '%03o' "$1")"; }

# with SEL FILE OUT: the selector byte, then FILE.
with() { { selector "$1"; cat "$2"; } > "$3"; }

build() { # build EXAMPLE ARCH -> prints the module's path, or nothing
    local dir=$work/$1-$2
    # No MicroPython tree: C sources use the header cargo-mpy ships.
    if env -u MPY_DIR CARGO_TARGET_DIR=$dir/target \
        "$bin" mpy build -q --arch "$2" --manifest-path "$root/examples/$1/Cargo.toml" --out-dir "$dir/out" 2>/dev/null; then
        ls "$dir"/out/*.mpy
    fi
}

n=0
for arch in "${archs[@]}"; do
    i=$(index_of "$arch")
    # C: objects, an archive of them, the module.
    if mpy=$(build c-stats "$arch") && [[ -n $mpy ]]; then
        cp "$mpy" "$corpus/mpy_read/c-stats-$arch.mpy"
        objs=$(find "$work/c-stats-$arch/target" -name '*.o')
        for o in $objs; do with "$i" "$o" "$corpus/elf_object/$arch-$(basename "$o")"; n=$((n + 1)); done
        ar rcs "$work/stats-$arch.a" $objs
        with "$i" "$work/stats-$arch.a" "$corpus/archive/stats-$arch.a"
        if [[ $arch == x64 ]] && command -v llvm-ar-22 >/dev/null; then
            llvm-ar-22 --format=bsd rcs "$work/stats-bsd.a" $objs
            with "$i" "$work/stats-bsd.a" "$corpus/archive/stats-bsd-$arch.a"
        fi
    fi
    # C and Python: a merged module and its parts.
    if mpy=$(build c-hybrid "$arch") && [[ -n $mpy ]]; then
        cp "$mpy" "$corpus/mpy_read/c-hybrid-$arch.mpy"
        native=$(find "$work/c-hybrid-$arch/target" -name '*.native.mpy' | head -1)
        bytecode=$(find "$work/c-hybrid-$arch/target" -path '*/py/*' -name '*.mpy' | head -1)
        if [[ -n $native && -n $bytecode ]]; then
            { cat "$native"; printf '%s' "$sep"; cat "$bytecode"; } > "$corpus/mpy_merge/hybrid-$arch"
            cp "$bytecode" "$corpus/mpy_read/hybrid-bytecode-$arch.mpy"
        fi
    fi
done

# Rust: a few architectures (each is a cargo build): the module, and the
# archive member defining `mpy_init` (linked with static data and GC).
for arch in armv6m x86 rv32imc; do
    i=$(index_of "$arch")
    if mpy=$(build rust-minimal "$arch") && [[ -n $mpy ]]; then
        cp "$mpy" "$corpus/mpy_read/rust-minimal-$arch.mpy"
        lib=$(find "$work/rust-minimal-$arch/target" -name 'libminimal*.a' | head -1)
        member=$(ar t "$lib" | grep '^minimal' | head -1 || true)
        if [[ -n $member ]]; then
            (cd "$work" && ar x "$lib" "$member")
            with $((i | 0xc0)) "$work/$member" "$corpus/elf_object/rust-minimal-$arch.o"
        fi
    fi
done

# Merges of two bytecode parts and of a native part with itself.
if [[ -f $corpus/mpy_read/hybrid-bytecode-x64.mpy ]]; then
    b=$corpus/mpy_read/hybrid-bytecode-x64.mpy
    { cat "$b"; printf '%s' "$sep"; cat "$b"; } > "$corpus/mpy_merge/two-bytecode"
fi
if [[ -f $corpus/mpy_read/c-stats-x64.mpy ]]; then
    { cat "$corpus/mpy_read/c-stats-x64.mpy"; printf '%s' "$sep"; cat "$corpus/mpy_read/hybrid-bytecode-x64.mpy" 2>/dev/null || true; } > "$corpus/mpy_merge/stats-and-bytecode"
fi

# Linker scripts standing in for libraries (fuzz_targets/ld_script.rs names
# the files libm.a, b.ld and c.ld next to an empty archive empty.a).
printf 'GROUP ( empty.a )\n' > "$corpus/ld_script/group"
printf '/* a library */\nOUTPUT_FORMAT(elf32-littlearm)\nGROUP ( empty.a AS_NEEDED ( empty.a ) )\n' > "$corpus/ld_script/as-needed"
printf 'GROUP ( b.ld )%sINPUT ( c.ld empty.a )%sGROUP(empty.a)\n' "$sep" "$sep" > "$corpus/ld_script/chain"
printf 'GROUP ( b.ld )%sGROUP ( libm.a )\n' "$sep" > "$corpus/ld_script/loop"

# Externs scripts.
cp "$root/examples/c-stats/esp8266-rom.ld" "$corpus/externs/esp8266-rom.ld"
printf 'mp_fun_table = 0x3ffe0000;\n/* comment */\nPROVIDE(memcpy = 0x4000df48);\n// line\nfoo=0x0;\n' > "$corpus/externs/forms.ld"

# qstr scans: our C sources.
for f in "$root"/examples/*/src/*.c "$root"/examples/*/*.c "$root"/cargo-mpy/templates/c/src/module.c "$root"/tests/support/modules/*.c; do
    [[ -f $f ]] && cp "$f" "$corpus/qstr_scan/$(basename "$(dirname "$f")")-$(basename "$f")"
done

# Manifests: the examples', the templates', and every key once.
for f in "$root"/examples/*/Cargo.toml "$root"/cargo-mpy/templates/*/Cargo.toml.in; do
    cp "$f" "$corpus/manifest/$(basename "$(dirname "$f")").toml"
done
cat > "$corpus/manifest/every-key.toml" <<'TOML'
[package]
name = "m"
version = "0.1.0"

[package.metadata.mpy]
module = "m"
sources = ["a.c", "b/*.c", "x.py", { path = "y.py", mpy-cross-flags = ["-s", "y.py"] }]
mpy-dir = "${MPY_DIR}"
mpy-abi = "6.2"
include-dirs = ["$INC/include", { command = ["python3", "-c", "print('inc')"] }]
cflags = ["-DX=1"]
mpy-cross-flags = ["-O1"]
rustflags = ["-Ctarget-cpu=cortex-m0plus"]
link-runtime = true
libs = ["lib/libfoo.a"]
externs = "rom.ld"
arch-flags = "zba,zcmp"
source-name = "n.mpy"
float-impl = "float"
mpy-cross = "/opt/mpy-cross"
default-arch = ["x64", "armv7m"]
out-layout = "{arch}_{mpy-abi}/{module}.mpy"

[package.metadata.mpy.arch.rv32imc]
arch-flags = 3
sources = ["rv.c"]
module = "m_rv"
mpy-abi = "6.3"

[package.metadata.mpy.variant.m_int8]
cflags = ["-DWIDTH=8"]
TOML

for t in "${targets[@]}"; do
    printf '%-11s %4d seeds\n' "$t" "$(ls "$corpus/$t" | wc -l)"
done
