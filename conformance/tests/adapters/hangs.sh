#!/usr/bin/env bash
# Answers hello, then never answers the test whose id ends in "/null"; errors on everything else.
. "$(dirname "$0")/common.sh"
while IFS= read -r line; do
  id=$(request_id "$line")
  case "$line" in
    *'"op":"hello"'*) answer_hello hanger '["canonicalize"]' ;;
    *'/null"'*) sleep 30 ;;
    *) printf '{"id":"%s","errored":"not implemented"}\n' "$id" ;;
  esac
done
