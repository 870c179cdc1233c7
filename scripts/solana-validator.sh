#!/usr/bin/env bash
# Opt-in: the Solana anchor's test against a real solana-test-validator.
#
# The ordinary test command does not run it: the validator is a release build
# of about 970 crates from crates.io, more than an hour on two cores. The binary
# `solana-test-validator` ships in the crate `agave-validator` (the crate
# named `solana-test-validator` is only its library), so it is installed with
#   cargo install --locked --root target/tools/solana-test-validator-<ver> \
#     agave-validator@<ver> --bin solana-test-validator
# once per machine (skipped when present). Building it needs a C/C++
# compiler, libclang (bindgen, for RocksDB), autoconf/automake/libtool
# (protobuf-src), cmake, make, pkg-config and perl.
#
# Then the validator starts on 127.0.0.1 with free ports and its ledger in a
# temporary folder, PROVEDEX_SOLANA_RPC names its RPC URL, the `#[ignore]`d
# tests of anchor/publish/tests/solana.rs run, and the validator is stopped.
#
# Environment: SOLANA_VALIDATOR_VERSION (default 3.1.12), PROVEDEX_TOOLS
# (default target/tools), SOLANA_BUILD_DIR (the build's folder, default
# target/tools/solana-build-<ver>, removed once installed), KEEP_LEDGER=1
# keeps the temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."

version="${SOLANA_VALIDATOR_VERSION:-3.1.12}"
tools="${PROVEDEX_TOOLS:-$PWD/target/tools}"
root="$tools/solana-test-validator-$version"
validator="$root/bin/solana-test-validator"
build="${SOLANA_BUILD_DIR:-$tools/solana-build-$version}"

step() { printf '\n==> %s\n' "$*"; }

if [ ! -x "$validator" ]; then
  missing=()
  for tool in cc c++ make cmake pkg-config perl autoconf automake libtoolize; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  libclang=""
  for candidate in /usr/lib/llvm-*/lib/libclang*.so* /usr/lib/x86_64-linux-gnu/libclang*.so* /usr/lib64/libclang*.so*; do
    [ -e "$candidate" ] && { libclang="$candidate"; break; }
  done
  if [ -z "$libclang" ] && [ -z "${LIBCLANG_PATH:-}" ]; then
    missing+=("libclang (e.g. apt-get install libclang-dev)")
  fi
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "cannot build solana-test-validator: missing ${missing[*]}" >&2
    echo "(Debian/Ubuntu: apt-get install build-essential cmake pkg-config perl autoconf automake libtool libclang-dev)" >&2
    echo "Solana against a validator: NOT RUN"
    exit 2
  fi
  mkdir -p "$tools"
  exec 9>"$tools/install-solana-test-validator.lock"
  flock 9
  if [ ! -x "$validator" ]; then
    step "installing agave-validator $version (binary solana-test-validator) into $root: more than an hour on two cores, once per machine"
    started=$(date +%s)
    # A build folder of its own, kept until the install succeeds: an
    # interrupted build resumes where it stopped instead of starting over.
    cargo install --locked --root "$root" --target-dir "$build" "agave-validator@$version" --bin solana-test-validator
    echo "installed solana-test-validator $version in $(( $(date +%s) - started )) s"
    rm -rf "$build"
  fi
  flock -u 9
fi
"$validator" --version

# The test compiles before the validator starts: a validator that shares the
# cores with a compile falls behind in slots, and its block times (estimated
# from slots) fall minutes behind the clock.
step "cargo test -p provedex-anchor --test solana --no-run"
cargo test -p provedex-anchor --test solana --no-run

work="$(mktemp -d "${TMPDIR:-/tmp}/provedex-solana.XXXXXX")"
pid=""
cleanup() {
  status=$?
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ]; then
    for log in "$work/validator.log" "$work/ledger/validator.log"; do
      [ -s "$log" ] || continue
      echo "--- last lines of $log ---" >&2
      tail -n 40 "$log" >&2
    done
  fi
  if [ "${KEEP_LEDGER:-}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
  if [ "$status" -eq 0 ]; then
    echo "Solana against a validator: PASSED"
  else
    echo "Solana against a validator: FAILED"
  fi
}
trap cleanup EXIT

# A block of free ports: RPC, its websocket (RPC + 1), faucet, gossip, then
# the validator's dynamic range.
base="$(python3 - <<'EOF'
import random, socket
def free(port):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        finally:
            s.close()
    return True
for _ in range(200):
    base = random.randrange(20000, 60000 - 300)
    if all(free(p) for p in range(base, base + 260)):
        print(base)
        break
else:
    raise SystemExit("no block of 260 free ports found")
EOF
)"
rpc_port=$base
faucet_port=$((base + 2))
gossip_port=$((base + 3))
dynamic="$((base + 20))-$((base + 240))"

step "starting solana-test-validator on 127.0.0.1:$rpc_port (ledger in $work/ledger)"
"$validator" --ledger "$work/ledger" --reset --quiet \
  --bind-address 127.0.0.1 --rpc-port "$rpc_port" --faucet-port "$faucet_port" \
  --gossip-port "$gossip_port" --dynamic-port-range "$dynamic" \
  >"$work/validator.log" 2>&1 &
pid=$!

url="http://127.0.0.1:$rpc_port"
started=$(date +%s)
until curl -s --max-time 2 -H 'Content-Type: application/json' \
  -d '{"jsonrpc":"2.0","id":1,"method":"getHealth"}' "$url" | grep -Eq '"result" *: *"ok"'; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "solana-test-validator exited before it was ready:" >&2
    cat "$work/validator.log" >&2
    exit 1
  fi
  if [ $(( $(date +%s) - started )) -gt 180 ]; then
    echo "solana-test-validator was not ready within 180 s" >&2
    exit 1
  fi
  sleep 1
done
echo "ready in $(( $(date +%s) - started )) s"

step "cargo test -p provedex-anchor --test solana -- --ignored"
export PROVEDEX_SOLANA_RPC="$url"
cargo test -p provedex-anchor --test solana -- --ignored --nocapture
