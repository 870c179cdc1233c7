#!/usr/bin/env bash
# Offers canonicalize; exits mid-run on every test whose id mentions "duplicate", answers the rest wrongly but validly.
# With --flood, writes 200,000 bytes to stderr before the crash's last words.
. "$(dirname "$0")/common.sh"
while IFS= read -r line; do
  id=$(request_id "$line")
  case "$line" in
    *'"op":"hello"'*) answer_hello crasher '["canonicalize"]' ;;
    *duplicate*)
      if [ "${1:-}" = --flood ]; then head -c 200000 /dev/zero | tr '\0' '.' | fold -w 99 >&2; echo >&2; fi
      echo "crashing on $id" >&2
      exit 3
      ;;
    *) printf '{"id":"%s","result":{"valid":true,"output_hex":""}}\n' "$id" ;;
  esac
done
