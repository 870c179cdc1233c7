#!/usr/bin/env bash
# Offers canonicalize; exits mid-run on every test whose id mentions "duplicate", answers the rest wrongly but validly.
. "$(dirname "$0")/common.sh"
while IFS= read -r line; do
  id=$(request_id "$line")
  case "$line" in
    *'"op":"hello"'*) answer_hello crasher '["canonicalize"]' ;;
    *duplicate*) echo "crashing on $id" >&2; exit 3 ;;
    *) printf '{"id":"%s","result":{"valid":true,"output_hex":""}}\n' "$id" ;;
  esac
done
