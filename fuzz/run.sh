#!/usr/bin/env bash
# Runs every fuzz target (or those named) for SECONDS each, one after the
# other, from the seed corpora fuzz/seeds.sh writes (made first when
# missing). Needs a nightly toolchain and cargo-fuzz. Prints each target's
# executions; exits non-zero on the first crash (its input is in
# fuzz/artifacts/<target>/).
#
# Usage: fuzz/run.sh SECONDS [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    targets=(elf_object archive ld_script externs mpy_read mpy_merge qstr_scan manifest)
fi
[[ -d corpus/manifest ]] || ./seeds.sh "$PWD/corpus"
toolchain=${FUZZ_TOOLCHAIN:-nightly}
cargo "+$toolchain" fuzz build
for t in "${targets[@]}"; do
    log=$(mktemp)
    if ! cargo "+$toolchain" fuzz run "$t" "corpus/$t" -- \
        -max_total_time="$seconds" -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
        tail -40 "$log"
        echo "fuzz target $t failed"
        exit 1
    fi
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    printf '%-11s %10s executions in %ss, no crash\n' "$t" "$runs" "$seconds"
    rm -f "$log"
done
