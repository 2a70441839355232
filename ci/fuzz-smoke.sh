#!/usr/bin/env bash
# CI fuzz smoke: every fuzz target for FUZZ_SMOKE_SECS seconds (default 20)
# on one core; fails when any target crashes. Installs cargo-fuzz with cargo
# when missing. Builds with the stable toolchain (see fuzz/README.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${FUZZ_SMOKE_SECS:-20}
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
"$root/fuzz/seed.sh" >/dev/null
if ! "$root/fuzz/run.sh" "$secs"; then
  echo "fuzz smoke: a target crashed; replay with fuzz/triage.sh TARGET (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
