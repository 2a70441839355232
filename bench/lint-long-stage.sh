#!/usr/bin/env bash
# xbuild lint of one stage with N `RUN GOARCH=$TARGETARCH go build` lines:
# the time must grow linearly with N (a lookup per RUN that walked the
# stage made it quadratic: 36 s for 100,000 lines against 0.05 s for 5,000).
#
#   bench/lint-long-stage.sh              # N = 5000 and 100000
#   SIZES="5000 20000 100000" bench/lint-long-stage.sh
#
# Builds xbuild with `cargo build --release` (XBUILD=path: time that
# binary instead, e.g. another commit's); prints the median of 3 runs per
# size and the ratio of the largest to the smallest.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
sizes=${SIZES:-"5000 100000"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -z "${XBUILD:-}" ]; then
  echo "+ cargo build --release" >&2
  (cd "$root" && cargo build --release --quiet)
fi
xbuild="${XBUILD:-${CARGO_TARGET_DIR:-$root/target}/release/xbuild}"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
first=""
for n in $sizes; do
  dir="$work/$n"
  mkdir -p "$dir"
  {
    echo "FROM golang:1.22 AS builder"
    echo "ARG TARGETARCH"
    for _ in $(seq "$n"); do echo 'RUN GOARCH=$TARGETARCH go build'; done
    echo "FROM scratch"
    echo "COPY --from=builder /out /out"
  } > "$dir/Dockerfile"
  t=$(for _ in 1 2 3; do
    s=$(date +%s.%N)
    "$xbuild" -C "$dir" lint --format json > /dev/null || true
    e=$(date +%s.%N)
    echo "$e - $s" | bc
  done | median)
  printf '%8d RUN lines: %.3f s\n' "$n" "$t"
  if [ -z "$first" ]; then first=$t; fi
  last=$t
done
printf 'ratio largest/smallest: %.1f\n' "$(echo "$last / $first" | bc -l)"
