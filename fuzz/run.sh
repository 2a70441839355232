#!/usr/bin/env bash
# fuzz/run.sh SECS [TARGET...]: fuzzes each target (default: all) for SECS
# seconds, one after another, on one core (FUZZ_CORE, default 1), and appends
# one line per target to fuzz/runs.tsv: when, commit, target, seconds,
# executions, corpus size, crashes (new files in fuzz/artifacts/TARGET/).
# A crash does not stop the target (libFuzzer -fork=1 -ignore_crashes=1); the
# script exits 1 when any target crashed. Builds with the stable toolchain
# (RUSTC_BOOTSTRAP=1, no sanitizer: see README.md).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
secs=${1:?usage: fuzz/run.sh SECS [TARGET...]}
shift
core=${FUZZ_CORE:-1}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(RUSTC_BOOTSTRAP=1 cargo fuzz list)
export RUSTC_BOOTSTRAP=1
record="$here/runs.tsv"
[ -f "$record" ] || printf 'started_utc\tcommit\ttarget\tseconds\texecutions\tcorpus\tcrashes\tartifacts\n' >"$record"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- .. 2>/dev/null || commit="$commit+dirty"
cargo fuzz build -s none >/dev/null 2>"$here/build.log" || { cat "$here/build.log" >&2; exit 2; }
# Run copies of the binaries, so that editing and rebuilding the tree while a
# long campaign runs does not change what it fuzzes.
snap="$here/target/snapshot-$$"
mkdir -p "$snap"
for t in "${targets[@]}"; do cp "$here/target/x86_64-unknown-linux-gnu/release/$t" "$snap/"; done
trap 'rm -rf "$snap"' EXIT
[ -d corpus ] || ./seed.sh >/dev/null
failed=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t" logs
  before=$(ls "artifacts/$t" | sort)
  started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  t0=$(date +%s)
  log="logs/$t-$(date -u +%Y%m%dT%H%M%S).log"
  taskset -c "$core" "$snap/$t" -artifact_prefix="$here/artifacts/$t/" "corpus/$t" \
    -max_total_time="$secs" -max_len=65536 -timeout=20 -rss_limit_mb=2048 \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -print_final_stats=1 \
    >"$log" 2>&1
  took=$(( $(date +%s) - t0 ))
  # Parent (fork mode) lines read "#N: cov: ..."; take the last count.
  execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  new=$(comm -13 <(echo "$before") <(ls "artifacts/$t" | sort) | grep -v '^$' || true)
  crashes=$(printf '%s' "$new" | grep -c . || true)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$started" "$commit" "$t" "$took" "${execs:-0}" \
    "$(ls "corpus/$t" | wc -l)" "$crashes" "$(echo $new | cut -d' ' -f1-3)" >>"$record"
  echo "$t: ${took}s, ${execs:-0} executions, $crashes crash(es) $(echo $new) (log: fuzz/$log)"
  [ "$crashes" -eq 0 ] || failed=1
done
exit $failed
