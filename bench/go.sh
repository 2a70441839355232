#!/usr/bin/env bash
# Benchmark: where the manager binary is compiled. One run, this machine,
# fixtures/operator, linux/amd64 + linux/arm64, pushed to the local e2e
# registry with the default builder (docker driver):
#   (1) the kubebuilder Makefile flow: its sed line, then buildx with Go in
#       the golang container, pinned to the build platform
#       (`make docker-buildx-default`, the scaffold's docker-buildx with the
#       default builder, which works offline);
#   (2) the same Dockerfile unpinned: Go for arm64 runs under QEMU;
#   (3) `xbuild build --go host`: the host's go cross-compiles, the image
#       copies the binaries in.
# Each cold (empty BuildKit cache; for (3) also an empty private GOCACHE),
# then after a one-line change in controllers/ (a different one each time):
# (1) and (3) three times each, and the median is reported; (2), which takes
# minutes, once. Prints a table with the ratios to (1) and checks the goals:
# (3) after a change takes at most 10% of (1) after a change, and (3) cold
# is no slower than (1) cold.
#
# Usage: bench/go.sh            (as root, with the e2e stack up: ci/e2e-env.sh)
# WARNING: `docker buildx prune -af` empties the default builder's cache,
# which other tests on this machine share (they get slower, not wrong).
# Images in the registry are never deleted. The user's own Go build cache is
# never touched: (3) uses a private GOCACHE.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
eval "$(ci/e2e-env.sh)"
for tool in make go docker python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 1; }
done
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-$repo/target}/release/xbuild

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=$work/bench.log
platforms=linux/amd64,linux/arm64
repo_ref="$XBUILD_E2E_REGISTRY/xbuild-e2e/bench-go"
tag=$(date +%Y%m%d%H%M%S)-$$
controller=controllers/memcached_controller.go
changes=3

fresh_project() {
  rm -rf "$work/op"
  cp -r "$repo/fixtures/operator" "$work/op"
}

# timed NAME CMD...: runs CMD in the project (output to the log), prints seconds.
timed() {
  local name=$1 t0 t1
  shift
  printf '\n=== %s: %s\n' "$name" "$*" >>"$log"
  t0=$(date +%s.%N)
  if ! (cd "$work/op" && "$@") >>"$log" 2>&1; then
    echo "bench: $name failed; last lines of the log:" >&2
    tail -40 "$log" >&2
    exit 1
  fi
  t1=$(date +%s.%N)
  python3 -c "print(f'{$t1 - $t0:.2f}')"
}

cold() {
  docker buildx prune -af --builder default >>"$log" 2>&1
}

# one_line_change N: the N-th edit of the same line (a new patch version).
one_line_change() {
  sed -i -E "s/(defaultImage +=) \"memcached:1\.6[.0-9]*-alpine\"/\1 \"memcached:1.6.$1-alpine\"/" "$work/op/$controller"
  grep -q "memcached:1.6.$1-alpine" "$work/op/$controller" || { echo "bench: the edit did not apply" >&2; exit 1; }
}

# median of the arguments
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

makefile() { make docker-buildx-default IMG="$repo_ref:make-$tag" PLATFORMS="$platforms"; }
unpinned() {
  docker buildx build --builder default --push --platform="$platforms" \
    --tag "$repo_ref:qemu-$tag" -f Dockerfile .
}
xbuild_host() {
  GOCACHE="$work/gocache" "$bin" build --go host --push --platform "$platforms" \
    --tag "$repo_ref:xbuild-$tag"
}

echo "bench: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "bench: $(go version); $(docker buildx version | head -1); xbuild $($bin --version | cut -d' ' -f2)" >&2

declare -A cold_s change_s change_all
for case in makefile unpinned xbuild_host; do
  fresh_project
  rm -rf "$work/gocache"
  cold
  echo "bench: $case cold..." >&2
  cold_s[$case]=$(timed "$case cold" "$case")
  n=$changes
  [[ $case == unpinned ]] && n=1
  runs=()
  for i in $(seq "$n"); do
    one_line_change "$i"
    echo "bench: $case after one-line change $i of $n..." >&2
    runs+=("$(timed "$case change $i" "$case")")
  done
  change_all[$case]="${runs[*]}"
  change_s[$case]=$(median "${runs[@]}")
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
# xbuild's own per-step times of its run after the last change.
xbuild_steps=$(grep '^  steps    ' "$log" | tail -1 | sed 's/^  steps *//')

python3 - "${cold_s[makefile]}" "${change_s[makefile]}" "${cold_s[unpinned]}" "${change_s[unpinned]}" \
  "${cold_s[xbuild_host]}" "${change_s[xbuild_host]}" "$load_after" <<'PY'
import sys
m_c, m_x, u_c, u_x, x_c, x_x = map(float, sys.argv[1:7])
rows = [
    ("(1) Makefile: sed + buildx, Go pinned", m_c, m_x),
    ("(2) same Dockerfile, unpinned (QEMU)", u_c, u_x),
    ("(3) xbuild build --go host", x_c, x_x),
]
print(f"| {'flow':<38} | {'cold s':>7} | {'vs (1)':>6} | {'change s (median)':>18} | {'vs (1)':>6} |")
print(f"|{'-'*40}|{'-'*8}:|{'-'*7}:|{'-'*19}:|{'-'*7}:|")
for name, c, x in rows:
    print(f"| {name:<38} | {c:>7.1f} | {c/m_c:>6.2f} | {x:>18.1f} | {x/m_x:>6.3f} |")
print()
ok1 = x_x <= 0.10 * m_x
ok2 = x_c <= m_c
print(f"goal: (3) after a change <= 10% of (1), medians: {x_x:.1f}s vs {0.10*m_x:.1f}s -> {'met' if ok1 else 'NOT met'} ({m_x/x_x:.1f}x faster)")
print(f"goal: (3) cold no slower than (1) cold: {x_c:.1f}s vs {m_c:.1f}s -> {'met' if ok2 else 'NOT met'}")
print(f"load average at the end: {sys.argv[7]}")
PY
echo "after a change, every run (s): (1) ${change_all[makefile]}; (2) ${change_all[unpinned]}; (3) ${change_all[xbuild_host]}"
echo "xbuild steps after the last change: $xbuild_steps"
