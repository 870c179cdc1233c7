#!/usr/bin/env bash
# The conformance matrix of the four implementations in the repository (the
# Rust core, the independent Python implementation, the Python SDK, the
# Kotlin binding), written into README.md between its marker comments and
# as a page in target/conformance-matrix.html.
#
#   scripts/matrix.sh           rewrite the README's matrix
#   scripts/matrix.sh --check   write nothing; exit 1 when the README's matrix is not what the implementations give now
#
# Other arguments go to `provedex-conformance matrix` as they are. The wait for
# each answer is 60 s unless --timeout SECONDS says otherwise: the adapters run
# debug builds, and a 16 MiB ledger takes seconds there, more on a loaded machine.
#
# It needs what their runs need: the Python SDK installed in target/python-venv
# (pip install ./bindings/python), the Kotlin binding built
# (cargo build -p provedex-ffi --lib; mvn -f bindings/kotlin/pom.xml verify).
# PROVEDEX_PYTHON overrides the Python that runs both Python adapters.
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(printf '%q' "${PROVEDEX_PYTHON:-target/python-venv/bin/python}")
cargo build --quiet -p provedex-conformance
runner=target/debug/provedex-conformance
timeout=(--timeout 60)
for arg in "$@"; do [[ "$arg" == --timeout* ]] && timeout=(); done
"$runner" matrix --readme README.md --html target/conformance-matrix.html "${timeout[@]}" "$@" \
  --adapter "the Rust core=$runner adapter" \
  --adapter "the independent Python implementation=$python conformance/impls/python/adapter.py" \
  --adapter "the Python SDK=$python bindings/python/adapter/conformance_adapter.py" \
  --adapter "the Kotlin binding=bindings/kotlin/adapter.sh"
