#!/usr/bin/env bash
# Mutation testing of the format and verification code against the golden
# vectors alone (issue 12): every mutant of provedex-format and
# provedex-verify is judged by ONE test, conformance/tests/runner.rs
# `the_rust_core_passes_every_vector_file_fail_fast`, which runs every file
# of vectors/ through the Rust core's adapter (`provedex-conformance
# adapter`), the smallest first, and fails at the first file with a failed,
# errored or skipped test. No unit test of any crate runs, so
# a surviving mutant is a behaviour that no vector pins.
#
# Usage:
#   scripts/mutants.sh [options] [-- extra cargo-mutants options]
#     --list            list the mutants (with the exclusions below) and stop
#     --file GLOB       mutate only files matching GLOB (repeatable), e.g.
#                       'format/src/line/*.rs'; default: all of format/src and verify/src
#     --shard K/N       run only shard K of N (cargo-mutants --shard, slice sharding)
#     --piece NAME      name of this piece of the run (default: derived from --file/--shard)
#     --out DIR         results go to DIR/NAME/mutants.out (default: target/mutants)
#     --in-place        mutate this checkout in place and build in its target dir
#                       (fast: no copy, incremental builds). Only in a checkout nobody
#                       else edits, e.g. a `git worktree add ../mut HEAD`; an interrupted
#                       run may leave a mutated source file behind (`git diff` shows it).
#     --timeout SECS    test timeout per mutant (default 90: the vectors take < 1 s, but a mutant that
#                       crashes the adapter on every test takes up to a minute to be caught)
#     --summary DIR...  print per-file totals and kill rates of finished pieces (each DIR
#                       holds a mutants.out) and stop: survivors explained in
#                       conformance/mutation/rust.tsv (equivalent, outside the format
#                       code, unreached by any request) are counted apart and every
#                       other survivor is listed
#   Exit status: cargo-mutants' own (0 every mutant caught, 2 some missed, 3 some timed out).
#   Environment: CARGO_MUTANTS_VERSION (default 27.1.0); CARGO_TARGET_DIR is honoured.
#   Without --in-place cargo-mutants copies the tree to a temporary directory and
#   builds it there: from scratch (a clean build) unless CARGO_TARGET_DIR names an
#   existing target dir, whose dependencies it then reuses (only the workspace's
#   crates are rebuilt for the copy, about 15 s).
#
# Examples:
#   scripts/mutants.sh --list
#   scripts/mutants.sh --in-place --file 'format/src/line/*.rs' --piece line
#   scripts/mutants.sh --in-place --shard 1/8
#   scripts/mutants.sh --summary target/mutants/*/
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="${CARGO_MUTANTS_VERSION:-27.1.0}"
TOOLS="$ROOT/target/tools/cargo-mutants-$VERSION"

# What is not mutated, and why:
# - format/src/display.rs: escaping of untrusted text for people; messages are
#   not compared by the runner (reports must agree in every member but `message`).
# - Display and Debug impls, and serde's `expecting`: they write messages and
#   debug output only. Value's Display is a convenience over canonical_json,
#   which is mutated itself.
# - JsonSchema impls (feature `schema`): they describe the documents; codegen --check pins them.
# - helpers of the `testing` feature (SigningKeypair::sign_raw,
#   write_self_hash_preimage): used by vector generators and tests only.
# Test code (#[cfg(test)], tests/) is never mutated by cargo-mutants.
EXCLUDES=(
  --exclude 'format/src/display.rs'
  --exclude-re '<impl (std::)?fmt::(Display|Debug) for '
  --exclude-re "<impl Visitor<'de> for ValueVisitor>::expecting"
  --exclude-re '<impl schemars::JsonSchema for '
  --exclude-re 'SigningKeypair::sign_raw'
  --exclude-re 'replace write_self_hash_preimage '
)
# The one test: cargo test -p provedex-conformance --test runner -- --ignored --exact the_rust_core_passes_every_vector_file_fail_fast
# --test=runner goes to the build phase too (cargo-mutants' --cargo-arg), so
# only that test target and the adapter binary are rebuilt for each mutant.
TEST_NAME=the_rust_core_passes_every_vector_file_fail_fast
TEST_ARGS=(--test-package provedex-conformance --cargo-arg=--test=runner -- -- --ignored --exact "$TEST_NAME")
list=0 in_place=0 shard="" piece="" out="$ROOT/target/mutants" timeout=90 summary=0
files=() extra=()
while (($#)); do
  case "$1" in
    --list) list=1 ;;
    --file) files+=(--file "$2"); shift ;;
    --shard) shard="$2"; shift ;;
    --piece) piece="$2"; shift ;;
    --out) out="$2"; shift ;;
    --in-place) in_place=1 ;;
    --timeout) timeout="$2"; shift ;;
    --summary) summary=1; shift; break ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done


if [[ ! -x "$TOOLS/bin/cargo-mutants" ]]; then
  echo "installing cargo-mutants $VERSION into $TOOLS" >&2
  env -u CARGO_TARGET_DIR cargo install cargo-mutants --version "$VERSION" --locked --root "$TOOLS"
fi
export PATH="$TOOLS/bin:$PATH"
cd "$ROOT"

SELECT=(--package provedex-format --package provedex-verify "${EXCLUDES[@]}")
if ((${#files[@]})); then SELECT+=("${files[@]}"); fi
if [[ -n "$shard" ]]; then SELECT+=(--shard "$shard"); fi

if ((summary)); then
  # The mutants of the tree as it is now: results of earlier runs (an --iterate
  # run tests only what was not caught before) are merged by name, the latest
  # first, and results of mutants the tree no longer has are left out.
  cargo mutants --list --json "${SELECT[@]}" > "$ROOT/target/mutants-now.json"
  exec python3 - "$ROOT/conformance/mutation/rust.tsv" "$ROOT/target/mutants-now.json" "$@" <<'EOF'
import json, sys, collections, os, re
# The survivors explained in conformance/mutation/rust.tsv, by name without line and column.
explained = {}
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip() and not line.startswith("#"):
        name, cls, reason = line.rstrip("\n").split("\t")
        explained[name] = cls
EQUIVALENT = {"message", "arithmetic", "performance", "equivalent"}
def key(name):
    return re.sub(r"^([^:]+):\d+:\d+: ", r"\1: ", name)
rows = collections.OrderedDict()
unexplained = collections.defaultdict(list)
by_class = collections.Counter()
used = set()
kinds = {"CaughtMutant": "killed", "Timeout": "killed", "MissedMutant": "missed", "Unviable": "unviable"}
now = {m["name"]: m for m in json.load(open(sys.argv[2]))}
outcome = {}
for d in sys.argv[3:]:
    path = os.path.join(d, "mutants.out", "outcomes.json")
    if not os.path.exists(path):
        path = os.path.join(d, "outcomes.json")
    for o in json.load(open(path))["outcomes"]:
        m = o["scenario"].get("Mutant") if isinstance(o["scenario"], dict) else None
        if m and m["name"] in now:
            outcome[m["name"]] = o["summary"]
untested = sorted(set(now) - set(outcome))
for name, summary in outcome.items():
    m = now[name]
    r = rows.setdefault(m["file"], collections.Counter())
    r["total"] += 1
    r[kinds.get(summary, summary)] += 1
    if summary == "Timeout":
        r["timeout"] += 1
    if summary == "MissedMutant":
        cls = explained.get(key(name))
        if cls:
            used.add(key(name))
            by_class[cls] += 1
            r["equivalent" if cls in EQUIVALENT else cls] += 1
        else:
            unexplained[m["file"]].append(m)
def pct(k, n):
    return f"{100 * k / n:.1f}%" if n else "-"
# Kill rates: over every mutant that compiles; over the format and verification
# code proper (without equivalent mutants and code outside it); and over the
# code a conformance request reaches (without the unreached mutants too).
print("| file | mutants | unviable | killed (timeouts) | missed | equivalent | outside | unreached | all | format code | reachable code |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
tot = collections.Counter()
def row(f, r):
    viable = r["killed"] + r["missed"]
    proper = viable - r["equivalent"] - r["outside"]
    print(f"| {f} | {r['total']} | {r['unviable']} | {r['killed']} ({r['timeout']}) | {r['missed']} | {r['equivalent']} | {r['outside']} "
          f"| {r['unreached']} | {pct(r['killed'], viable)} | {pct(r['killed'], proper)} | {pct(r['killed'], proper - r['unreached'])} |")
for f in sorted(rows):
    tot.update(rows[f]); row(f, rows[f])
row("**all**", tot)
print("\nexplained survivors by class: " + (", ".join(f"{c} {n}" for c, n in sorted(by_class.items())) or "none"))
n = sum(len(v) for v in unexplained.values())
print(f"unexplained survivors (a missing vector, or a class to add to conformance/mutation/rust.tsv): {n}")
for f in sorted(unexplained):
    print(f"\n### {f} ({len(unexplained[f])} unexplained)\n")
    for m in sorted(unexplained[f], key=lambda m: (m["span"]["start"]["line"], m["span"]["start"]["column"], m["name"])):
        print(f"- {m['name']}")
if untested:
    print(f"\nmutants of the tree with no result in these runs: {len(untested)}")
    for name in untested:
        print(f"- {name}")
stale = sorted(set(explained) - used)
if stale:
    print(f"\nentries of conformance/mutation/rust.tsv that no survivor matched (killed now, or the code moved on): {len(stale)}")
    for name in stale:
        print(f"- {name}")
EOF
fi

if ((list)); then
  exec cargo mutants --list "${SELECT[@]}" "${extra[@]}"
fi

if [[ -z "$piece" ]]; then
  piece="all"
  if ((${#files[@]})); then piece="$(printf '%s\n' "${files[@]}" | grep -v '^--file$' | tr '/*.' '_' | tr -s '_' | paste -sd+)"; fi
  if [[ -n "$shard" ]]; then piece="$piece-shard-${shard/\//-of-}"; fi
fi
mkdir -p "$out/$piece"

MODE=()
if ((in_place)); then
  if ! git diff --quiet -- format verify; then
    echo "format/ or verify/ has uncommitted changes (a mutant left by an interrupted run?): see git diff" >&2
    exit 1
  fi
  MODE=(--in-place)
else
  MODE=(--jobs 1)
fi

# INSTA_UPDATE=no: the test's snapshot (the tally table) must never be rewritten by a mutant.
export INSTA_UPDATE=no
# Our own baseline: cargo-mutants 27.1.0 runs its baseline with the mutated
# packages' tests, not --test-package's, so it is skipped below. The
# unmutated tree must pass exactly one test, or every mutant would "survive".
baseline="$(cargo test -p provedex-conformance --test runner -- --ignored --exact "$TEST_NAME" 2>&1)" || {
  echo "$baseline" >&2; echo "the unmutated tree fails the vectors test" >&2; exit 1; }
grep -q 'test result: ok. 1 passed' <<<"$baseline" || {
  echo "$baseline" >&2; echo "the filter does not select exactly one test" >&2; exit 1; }
set -x
cargo mutants "${MODE[@]}" "${SELECT[@]}" --baseline skip --timeout "$timeout" --build-timeout 1800 \
  --output "$out/$piece" "${extra[@]}" "${TEST_ARGS[@]}"
