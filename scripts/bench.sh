#!/usr/bin/env bash
# Runs the comparison suite and prints one table: each figure beside its
# baseline measured in the same run (bare Ed25519 signing, the serde_json::Value
# canonical form, one fsync per event, the one-at-a-time strict verifier), the
# ratio, the goal, and the machine. Takes a few minutes on 2 cores; run it on
# an otherwise idle machine.
#
# Steps: the criterion benchmarks of bench/ (seal, record, verify), the peak
# memory of verifying a 1,000,000-event ledger (written to target/ and removed
# afterwards, about 700 MB), Python's session.record when the test command's
# venv exists (the wheel is reinstalled from bindings/python so the current
# source is measured), then bench-report.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

target="${CARGO_TARGET_DIR:-target}"
results="$target/bench-results"
rm -rf "$results"
mkdir -p "$results"
cp /proc/loadavg "$results/loadavg" 2>/dev/null || true
if awk -v cores="$(nproc)" '{ exit !($1 > cores / 2) }' /proc/loadavg 2>/dev/null; then
  echo "warning: the machine is busy (load average $(cut -d' ' -f1-3 /proc/loadavg)); ratios measured now are unreliable"
fi
ledger="$results/rss-ledger.ndjson"
trap 'rm -f "$ledger"' EXIT

step "criterion benchmarks (cargo bench -p provedex-bench)"
cargo bench -p provedex-bench -- --noplot

step "peak memory while verifying 1,000,000 events"
cargo build --release --quiet -p provedex-bench --bins
"$target/release/verify-rss" generate "$ledger"
"$target/release/verify-rss" measure "$ledger" | tee "$results/verify_rss.json"
rm -f "$ledger"

step "Python session.record"
venv="$target/python-venv"
if [ -x "$venv/bin/python" ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps ./bindings/python
  "$venv/bin/python" bench/python/record.py "$results" | tee "$results/python_record.json"
else
  echo "not measured: no venv at $venv (scripts/test.sh creates it)"
  printf '{"not_measured": "no venv"}\n' >"$results/python_record.json"
fi

step "report"
"$target/release/bench-report" --criterion "$target/criterion" --results "$results"
