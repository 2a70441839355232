#!/usr/bin/env bash
# Linear cost: time and peak memory of lint, lint --fix, cross, build
# --dry-run and go-build --dry-run on generated Dockerfiles of 1k, 10k and
# 100k lines, and on a 1 MB line. Writes a markdown table to stdout (record it
# in bench/scale.md). Each run is capped at SCALE_TIMEOUT seconds (120).
#
# Usage: bench/scale.sh [SIZES...]   (default: 1000 10000 100000)
# Needs: cargo; /usr/bin/time (GNU time) for peak memory, else only time.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/xbuild
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 100000)
cap=${SCALE_TIMEOUT:-120}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Shapes, each LINES lines long:
#   runs:   one Go stage with LINES `RUN GOARCH=$TARGETARCH go build` lines
#   stages: LINES/2 stages in a chain (FROM previous, RUN)
#   line:   one RUN whose logical line is 1 MB (continuation lines of
#           1 KB: BuildKit reads physical lines of at most 64 KB)
gen() { # gen SHAPE LINES DIR
  local shape=$1 n=$2 d=$3
  mkdir -p "$d"
  printf 'module example.com/op\n\ngo 1.19\n' >"$d/go.mod"
  printf 'package main\n\nfunc main() {}\n' >"$d/main.go"
  python3 - "$shape" "$n" >"$d/Dockerfile" <<'PY'
import sys
shape, n = sys.argv[1], int(sys.argv[2])
out = []
if shape == "runs":
    out += ["FROM golang:1.22 AS builder", "ARG TARGETOS", "ARG TARGETARCH", "WORKDIR /src", "COPY . ."]
    out += ["RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /m%d ." % i for i in range(n - 7)]
    out += ["FROM alpine:3.20", "COPY --from=builder /m0 /manager"]
elif shape == "stages":
    out += ["FROM golang:1.22 AS s0", "ARG TARGETARCH", "WORKDIR /src", "COPY . ."]
    for i in range(1, n // 2 - 2):
        out += ["FROM s%d AS s%d" % (i - 1, i), "RUN GOARCH=$TARGETARCH go build -o /m ."]
    out += ["FROM alpine:3.20", "COPY --from=s%d /m /manager" % (n // 2 - 3)]
else:
    out += ["FROM golang:1.22 AS builder", "ARG TARGETARCH", "WORKDIR /src", "COPY . .",
            "RUN GOARCH=$TARGETARCH go build -o /m . && echo " + " \\\n".join(["x" * 997] * 1000),
            "FROM alpine:3.20", "COPY --from=builder /m /manager"]
print("\n".join(out))
PY
}

measure() { # measure DIR ARGS... -> "seconds peak_kib exit"
  local d=$1; shift
  local t0 t1 code rss=""
  t0=$(date +%s.%N)
  if [ -x /usr/bin/time ]; then
    set +e
    (cd "$d" && timeout "$cap" /usr/bin/time -f '%M' -o "$work/rss" "$bin" "$@" >/dev/null 2>&1)
    code=$?
    set -e
    rss=$(tail -1 "$work/rss" 2>/dev/null || true)
  else
    set +e; (cd "$d" && timeout "$cap" "$bin" "$@" >/dev/null 2>&1); code=$?; set -e
  fi
  t1=$(date +%s.%N)
  [ "$code" -eq 124 ] && code="timeout"
  printf '%.3f %s %s\n' "$(echo "$t1 - $t0" | bc)" "${rss:-?}" "$code"
}

echo "machine: $(nproc) cores (shared), $(uname -sr); $(date -u +%Y-%m-%dT%H:%MZ); xbuild $(git rev-parse --short HEAD)"
echo
echo "| shape | lines | bytes | command | seconds | peak RSS (MiB) | exit |"
echo "|---|---:|---:|---|---:|---:|---|"
cases=()
for n in "${sizes[@]}"; do cases+=("runs:$n" "stages:$n"); done
cases+=("line:5")
for c in "${cases[@]}"; do
  shape=${c%%:*} n=${c##*:}
  d="$work/$shape-$n"
  gen "$shape" "$n" "$d"
  lines=$(wc -l <"$d/Dockerfile") bytes=$(wc -c <"$d/Dockerfile")
  for cmd in "lint" "lint --fix" "cross -o -" "build --dry-run" "go-build --dry-run"; do
    cp "$d/Dockerfile" "$d/Dockerfile.orig"
    read -r secs rss code < <(measure "$d" $cmd)
    mv "$d/Dockerfile.orig" "$d/Dockerfile"
    rm -f "$d/Dockerfile.cross"
    mib=$([ "$rss" = "?" ] && echo "?" || echo "scale=1; $rss / 1024" | bc)
    echo "| $shape | $lines | $bytes | \`$cmd\` | $secs | $mib | $code |"
  done
done
