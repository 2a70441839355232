#!/usr/bin/env bash
# fuzz/triage.sh TARGET [ARTIFACT...]: replays crash artifacts (default: all of
# fuzz/artifacts/TARGET/) and groups them by panic location and message, the
# smallest input of each group first.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
t=${1:?usage: fuzz/triage.sh TARGET [ARTIFACT...]}; shift
bin="$here/target/x86_64-unknown-linux-gnu/release/$t"
files=("$@"); [ ${#files[@]} -gt 0 ] || files=("$here/artifacts/$t"/*)
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  msg=$("$bin" "$f" 2>&1 | grep -A1 "panicked at" | tr '\n' ' ' | sed -E 's/[0-9]{3,}/N/g' | cut -c1-220)
  [ -n "$msg" ] || msg="(no panic: $("$bin" "$f" 2>&1 | grep -m1 -E 'ERROR|deadly|overflow|timeout' ))"
  printf '%s\t%s\t%s\n' "$msg" "$(stat -c %s "$f")" "$f"
done | sort -t$'\t' -k1,1 -k2,2n | awk -F'\t' '$1!=last {print "\n" $1; last=$1; n=0} n<3 {print "  " $2 " bytes  " $3; n++}'
