#!/usr/bin/env bash
# Runs every check of the project: formatting, the one feature set of the
# dependencies (feature-union/), lints, the staleness checks of
# generated code (Rust, Python, Kotlin, Swift) and golden vectors, the Rust
# tests (with the conformance runs of the Rust core and the independent Python
# implementation), the Python SDK (wheel, mypy, pytest, its conformance run),
# the Kotlin binding (Maven, JUnit, its conformance run), the README's
# conformance matrix of the four implementations, the Swift package's
# structure and syntax check, and the spec-change drill. This is the README's
# test command and what CI runs (.ci/run). It needs the Rust toolchain,
# python3, a JDK 17, Maven, Go, Node (npm) and openssl; everything else it installs (crates from
# crates.io, Python packages from PyPI into target/python-venv, Kotlin, JNA and
# JUnit from Maven Central into the Maven repository, and the anchors' test
# servers with go install and npm into target/tools).
set -euo pipefail
cd "$(dirname "$0")/.."

# Snapshots are asserted, never written, by this command.
export INSTA_UPDATE=no

# Each step says when it starts, in seconds since the command started.
step() { printf '\n==> [%4d s] %s\n' "$SECONDS" "$*"; }

step "Python environment for the independent implementation (target/python-venv)"
venv=target/python-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  -r conformance/impls/python/requirements.txt -r conformance/impls/python/requirements-test.txt \
  -r bindings/python/requirements-test.txt -r bindings/swift/requirements-check.txt
export PROVEDEX_PYTHON="$PWD/$venv/bin/python"

step "formatting (cargo fmt --check)"
cargo fmt --all --check

step "each dependency compiles with one feature set, whichever package is built (scripts/feature_union.py)"
python3 scripts/feature_union.py

step "everything derived from the spec is current (scripts/regenerate.sh --check: code, bindings, schemas, vectors, README figures)"
scripts/regenerate.sh --check

step "lints (cargo clippy, warnings are errors)"
cargo clippy --quiet --workspace --all-targets -- -D warnings

step "Rust tests, conformance runs included (cargo test --workspace)"
cargo test --workspace

step "independent Python implementation (pytest)"
"$venv/bin/python" -m pytest -q conformance/impls/python/tests

step "Python SDK: build and install the wheel (pip install ./bindings/python, dev profile), type-check it, run its tests"
# The SDKs' anchor tests start every anchor's server with provedex-local-anchors.
cargo build --quiet -p provedex-test-servers --bin provedex-local-anchors
# The dev profile reuses what cargo test compiled; a user's install is a release build.
MATURIN_PEP517_ARGS="--profile dev" \
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps ./bindings/python
(cd bindings/python && "../../$venv/bin/python" -m mypy provedex adapter)
"$venv/bin/python" -m pytest -q bindings/python/tests

step "Kotlin binding: build, JUnit tests (mvn verify), and its conformance run"
cargo build --quiet -p provedex-ffi --lib
mvn --batch-mode --no-transfer-progress -f bindings/kotlin/pom.xml verify
cargo run --quiet -p provedex-conformance -- run -- bindings/kotlin/adapter.sh

step "the README's conformance matrix is what the four implementations give now (scripts/matrix.sh --check)"
scripts/matrix.sh --check

step "Swift binding: package structure and tree-sitter syntax check (swift build/test only where a Swift toolchain exists)"
"$venv/bin/python" bindings/swift/check.py
"$venv/bin/python" -m pytest -q bindings/swift/test_check.py

step "anchors against real servers ran in cargo test (timestamp-authority, Tessera, rekor-tiles, versitygw, anvil; installed into target/tools)"
echo "Solana against a validator: NOT RUN (no prebuilt validator; scripts/solana-validator.sh builds one and runs it, opt-in)"

step "spec-change drill: a new variant reaches Rust, Python, Kotlin and Swift through one command"
python3 scripts/spec_drill.py "$PWD/$venv/bin/python"

printf '\n==> every check passed in %d s\n' "$SECONDS"
