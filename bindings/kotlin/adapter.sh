#!/usr/bin/env bash
# Starts the Kotlin binding's conformance adapter (protocol 1 of spec/conformance.md):
#   cargo run -q -p provedex-conformance -- run -- bindings/kotlin/adapter.sh
# Needs a build first: `cargo build -p provedex-ffi --lib` and
# `mvn -B -q -f bindings/kotlin/pom.xml test-compile` (or verify).
# PROVEDEX_NATIVE_DIR overrides the directory holding libprovedex_ffi (default: target/debug).
set -euo pipefail

project="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
native_dir="${PROVEDEX_NATIVE_DIR:-$project/../../target/debug}"
classpath_file="$project/target/classpath.txt"

fail() {
    echo "adapter.sh: $1" >&2
    exit 1
}

[[ -f "$classpath_file" && -d "$project/target/classes" && -d "$project/target/test-classes" ]] ||
    fail "the Kotlin project is not built; run: mvn -B -q -f bindings/kotlin/pom.xml test-compile"
compgen -G "$native_dir/*provedex_ffi.*" >/dev/null ||
    fail "no libprovedex_ffi in $native_dir; run: cargo build -p provedex-ffi --lib (or set PROVEDEX_NATIVE_DIR)"

exec java -Djna.library.path="$native_dir" \
    -cp "$project/target/classes:$project/target/test-classes:$(cat "$classpath_file")" \
    dev.provedex.conformance.AdapterKt
