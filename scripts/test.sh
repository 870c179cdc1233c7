#!/usr/bin/env bash
# Runs every check of the project: formatting, lints, the generated-code
# staleness check, and all tests. This is the README's test command and
# what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

# Snapshots are asserted, never written, by this command.
export INSTA_UPDATE=no

step() { printf '\n==> %s\n' "$*"; }

step "formatting (cargo fmt --check)"
cargo fmt --all --check

step "generated code is current (provedex-codegen --check)"
cargo run --quiet -p provedex-codegen -- --check

step "lints (cargo clippy, warnings are errors)"
cargo clippy --quiet --workspace --all-targets -- -D warnings

step "tests (cargo test --workspace)"
cargo test --workspace
