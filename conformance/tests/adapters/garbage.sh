#!/usr/bin/env bash
# Answers hello, then breaks the protocol in a different way per test.
. "$(dirname "$0")/common.sh"
while IFS= read -r line; do
  id=$(request_id "$line")
  case "$line" in
    *'"op":"hello"'*) answer_hello garbage '["canonicalize"]' ;;
    *'structure/null"'*) printf '{"id":"not-%s","result":{}}\n' "$id" ;;
    *'structure/true"'*) echo "this is not json" ;;
    *'structure/false"'*) printf '{"id":"%s","result":{},"skipped":"both"}\n' "$id" ;;
    *'structure/empty-array"'*) printf '{"id":"%s","result":[]}\n' "$id" ;;
    *'structure/empty-object"'*) printf '{"id":"%s","errored":"\u001b[2J\r\u009b31mall good\u202e"}\n' "$id" ;;
    *'structure/empty-string"'*) head -c 200000000 /dev/zero | tr '\0' x ;;
    *) printf '{"id":"%s","skipped":"not this one"}\n' "$id" ;;
  esac
done
