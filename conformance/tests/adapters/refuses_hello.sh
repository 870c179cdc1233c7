#!/usr/bin/env bash
# Speaks another protocol version.
while IFS= read -r line; do
  printf '{"id":"hello","errored":"protocol 2 only"}\n'
done
