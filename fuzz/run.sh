#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each and prints, per
# target, the executions, the findings (crashes, timeouts, OOMs) and the
# corpus size. Exits 1 if any target found something, 2 on a usage or build
# error. See fuzz/README.md.
#
#   fuzz/run.sh SECONDS [TARGET...]
#
# FUZZ_PARALLEL   targets run at once (default: 2, or 1 on a one-core machine)
# FUZZ_SANITIZER  address or none for every target (default: address for
#                 canonical_json and differential, none for the others)
# FUZZ_TOOLCHAIN  rustup toolchain (default: nightly when installed, else
#                 stable with RUSTC_BOOTSTRAP=1)
set -euo pipefail
cd "$(dirname "$0")"

usage() {
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

[[ $# -ge 1 && $1 =~ ^[0-9]+$ && $1 -gt 0 ]] || usage
seconds=$1
shift

cores=$(nproc 2>/dev/null || echo 1)
parallel=${FUZZ_PARALLEL:-$((cores >= 2 ? 2 : 1))}

# AddressSanitizer where the inputs reach unsafe code (zmij, the float
# formatter); none where the time goes to Ed25519 arithmetic, which it slows
# five times over. Each toolchain and sanitizer builds into its own target directory.
sanitizer_for() {
    if [[ -n ${FUZZ_SANITIZER:-} ]]; then
        echo "$FUZZ_SANITIZER"
    elif [[ $1 == canonical_json || $1 == differential ]]; then
        echo address
    else
        echo none
    fi
}

if [[ -n ${FUZZ_TOOLCHAIN:-} ]]; then
    toolchain=$FUZZ_TOOLCHAIN
elif rustup run nightly rustc --version >/dev/null 2>&1; then
    toolchain=nightly
else
    toolchain=stable
fi
# The sanitizer and coverage flags are unstable: any toolchain but a nightly
# needs RUSTC_BOOTSTRAP=1 to accept them.
if [[ $(rustup run "$toolchain" rustc --version 2>/dev/null) != *nightly* ]]; then
    export RUSTC_BOOTSTRAP=1
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "==> installing cargo-fuzz from crates.io" >&2
    cargo install cargo-fuzz --locked
fi

fuzz() { cargo "+$toolchain" fuzz "$@"; }
fuzz_with() {
    local command=$1 target=$2
    shift 2
    local sanitizer
    sanitizer=$(sanitizer_for "$target")
    fuzz "$command" --sanitizer "$sanitizer" --target-dir "target/$toolchain-$sanitizer" "$target" "$@"
}

if [[ $# -gt 0 ]]; then
    targets=("$@")
else
    mapfile -t targets < <(fuzz list)
fi

echo "==> building with toolchain $toolchain$([[ -n ${RUSTC_BOOTSTRAP:-} ]] && echo ' and RUSTC_BOOTSTRAP=1')" >&2
for target in "${targets[@]}"; do
    echo "    $target (sanitizer $(sanitizer_for "$target"))" >&2
    fuzz_with build "$target" >&2 || exit 2
done

mkdir -p logs
started=$(date +%s)

# One target: fork mode with crashes, timeouts and OOMs ignored, so a finding
# is saved to artifacts/TARGET/ and the run goes on for the whole time.
run_one() {
    local target=$1
    mkdir -p "work/$target" "artifacts/$target" "corpus/$target"
    local begin
    begin=$(date +%s)
    fuzz_with run "$target" "work/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -artifact_prefix="artifacts/$target/" >"logs/$target.log" 2>&1 || true
    echo "$(($(date +%s) - begin))" >"logs/$target.seconds"
}

echo "==> fuzzing ${#targets[@]} targets for ${seconds}s each, $parallel at a time; logs in fuzz/logs/" >&2
marker=$(mktemp)
running=0
for target in "${targets[@]}"; do
    if ((running >= parallel)); then
        wait -n
        running=$((running - 1))
    fi
    run_one "$target" &
    running=$((running + 1))
done
wait

# A field of the last statistics line of a fork-mode log.
field() { sed -nE "s/$1/\\1/p" <<<"$stats"; }

status=0
printf '\n%-16s %12s %8s %9s %9s %8s %s\n' target executions exec/s corpus findings seconds "crash/timeout/oom"
for target in "${targets[@]}"; do
    log="logs/$target.log"
    stats=$(grep -E '^#[0-9]+: cov: ' "$log" | tail -n 1 || true)
    execs=$(field '^#([0-9]+): .*')
    fuzzed=$(field '.* time: ([0-9]+)s.*')
    corpus=$(field '.* corp: ([0-9]+) .*')
    kinds=$(sed -nE 's/.* oom\/timeout\/crash: ([0-9]+)\/([0-9]+)\/([0-9]+).*/\3\/\2\/\1/p' <<<"$stats")
    rate=$([[ -n $execs && ${fuzzed:-0} -gt 0 ]] && echo $((execs / fuzzed)) || echo "?")
    new=$(find "artifacts/$target" -type f -newer "$marker" | wc -l)
    secs=$(cat "logs/$target.seconds" 2>/dev/null || echo "?")
    printf '%-16s %12s %8s %9s %9s %8s %s\n' "$target" "${execs:-?}" "$rate" "${corpus:-?}" "$new" "$secs" "${kinds:-?}"
    if ((new > 0)); then
        find "artifacts/$target" -type f -newer "$marker" | sort | sed 's/^/    /'
        status=1
    elif [[ -z $stats ]]; then
        echo "    no statistics in fuzz/$log; its tail:"
        tail -n 20 "$log" | sed 's/^/    /'
        ((status == 0)) && status=2
    fi
done
rm -f "$marker"
echo "(wall time $(($(date +%s) - started))s; exec/s: average over the fuzzing time; corpus: inputs libFuzzer kept,"
echo " seeds included; findings: new files in fuzz/artifacts/)"
exit "$status"
