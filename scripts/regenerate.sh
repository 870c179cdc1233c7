#!/usr/bin/env bash
# Regenerates everything derived from the spec: the Rust event types, the
# uniffi layer and the Python, Kotlin and Swift binding sources, the JSON
# Schemas derived from Rust types (provedex-codegen), then, built from the
# regenerated code, the golden vectors and the README's vector figures
# (provedex-conformance generate). Review the diff afterwards.
#
#   scripts/regenerate.sh           write
#   scripts/regenerate.sh --check   write nothing; exit 1 when anything is stale
set -euo pipefail
cd "$(dirname "$0")/.."
check=()
case "${1:-}" in
  --check) check=(--check) ;;
  "") ;;
  *) echo "usage: scripts/regenerate.sh [--check]" >&2; exit 2 ;;
esac
cargo run --quiet -p provedex-codegen -- "${check[@]}"
cargo run --quiet -p provedex-conformance -- generate "${check[@]}"
