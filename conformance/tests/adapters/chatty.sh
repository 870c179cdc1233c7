#!/usr/bin/env bash
# Offers canonicalize only and answers "null" to everything (right for one
# test, wrong for the rest), saying on stderr what it does for each request,
# with a control sequence that must reach people escaped.
. "$(dirname "$0")/common.sh"
while IFS= read -r line; do
  id=$(request_id "$line")
  case "$line" in
    *'"op":"hello"'*) answer_hello 'chatty <b>|</b>' '["canonicalize"]' ;;
    *)
      printf 'chatty: looking at %s\n' "$id" >&2
      printf 'chatty: \033[31manswering null\033[0m\r\n' >&2
      printf '{"id":"%s","result":{"valid":true,"output_hex":"6e756c6c"}}\n' "$id"
      ;;
  esac
done
