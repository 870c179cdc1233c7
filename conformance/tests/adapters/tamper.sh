#!/usr/bin/env bash
# The Rust core's adapter with its responses edited by sed: tamper.sh RUNNER SED_SCRIPT
# (RUNNER is the provedex-conformance binary). Makes an implementation that
# is wrong in one chosen way: another spacing, another reason, a member changed or left out.
set -euo pipefail
exec "$1" adapter | sed -u -e "$2"
