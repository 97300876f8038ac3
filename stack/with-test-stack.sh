#!/usr/bin/env bash
# Runs a command against the `test` profile stack: starts it if it is not running (own ports and data
# directory, so a developer's `make up` is never disturbed) and stops it afterwards only if it started it.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
py="$repo/.venv/bin/python"
started=0
if ! "$py" -m ledgerml.stack status --profile test >/dev/null 2>&1; then
  "$py" -m ledgerml.stack up --profile test
  started=1
fi
cleanup() { if [ "$started" = 1 ]; then "$py" -m ledgerml.stack down --profile test; fi; }
trap cleanup EXIT
export LEDGERML_STACK_RUN_DIR="$repo/.run/test"
# Every endpoint of the test stack, for tests that read the environment directly.
set -a
# shellcheck disable=SC1091
source "$LEDGERML_STACK_RUN_DIR/stack.env"
set +a
"$@"
