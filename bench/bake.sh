#!/usr/bin/env bash
# Benchmark: three images of one repository (fixtures/multi: controller and
# agent, two targets of Dockerfile, and webhook from Dockerfile.webhook),
# linux/amd64 + linux/arm64, pushed to the local e2e registry with the
# default builder (docker driver), one run on this machine:
#   (1) the Makefile flow once per image: its sed line, then
#       `docker buildx build --push` (Go in the golang container, pinned);
#   (2) three sequential single-image `xbuild build` runs (no [images];
#       `--target` / `-f Dockerfile.webhook`), what xbuild did before bake;
#   (3) one `xbuild build` of the three [images.*]: one docker buildx bake.
# Each cold (empty BuildKit cache; xbuild with an empty private GOCACHE),
# then after a one-line change in each cmd/*/main.go, three times, median
# reported. Prints a table with the ratios to (1) and checks the goal:
# (3) is faster than (2), cold and after a change.
#
# Usage: bench/bake.sh        (as root, with the e2e stack up: ci/e2e-env.sh)
# WARNING: `docker buildx prune -af` empties the default builder's cache,
# which other tests on this machine share (they get slower, not wrong).
# Images in the registry are never deleted; the user's GOCACHE is untouched.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
eval "$(ci/e2e-env.sh)"
for tool in go docker python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 1; }
done
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-$repo/target}/release/xbuild

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=$work/bench.log
platforms=linux/amd64,linux/arm64
reg=$XBUILD_E2E_REGISTRY
tag=$(date +%Y%m%d%H%M%S)-$$
changes=3
images=(controller agent webhook)

fresh_project() {
  rm -rf "$work/p"
  cp -r "$repo/fixtures/multi" "$work/p"
  # Names of this run; (2) and (1) read no [images].
  sed -i "s#localhost:5000/issue10-#$reg/issue10-bench-#" "$work/p/xbuild.toml"
}

timed() {
  local name=$1 t0 t1
  shift
  printf '\n=== %s: %s\n' "$name" "$*" >>"$log"
  t0=$(date +%s.%N)
  if ! (cd "$work/p" && "$@") >>"$log" 2>&1; then
    cp "$log" "${TMPDIR:-/tmp}/bench-bake-failed.log"
    echo "bench: $name failed (whole log: ${TMPDIR:-/tmp}/bench-bake-failed.log); last lines:" >&2
    tail -40 "$log" >&2
    exit 1
  fi
  t1=$(date +%s.%N)
  python3 -c "print(f'{$t1 - $t0:.2f}')"
}

cold() { docker buildx prune -af --builder default >>"$log" 2>&1; }

one_line_change() {
  for b in manager agent webhook; do echo "// change $1" >>"$work/p/cmd/$b/main.go"; done
}

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# The image's Dockerfile and target.
dockerfile_of() { [[ $1 == webhook ]] && echo Dockerfile.webhook || echo Dockerfile; }
target_of() { [[ $1 == webhook ]] && echo "" || echo "--target=$1"; }

makefile() {
  local i df
  for i in "${images[@]}"; do
    df=$(dockerfile_of "$i")
    sed -e '1 s/\(^FROM\)/FROM --platform=\$\{BUILDPLATFORM\}/; t' -e ' 1,// s//FROM --platform=\$\{BUILDPLATFORM\}/' "$df" >"$df.cross"
    # shellcheck disable=SC2046
    docker buildx build --builder default --push --platform="$platforms" \
      --tag "$reg/issue10-bench-$i:make-$tag" $(target_of "$i") -f "$df.cross" .
    rm "$df.cross"
  done
}
xbuild_single() {
  local i
  # One image per run: the [images] tables are not read.
  printf '[image]\nplatforms = ["linux/amd64", "linux/arm64"]\n\n[builder]\ndriver = "docker"\n' >"$work/single.toml"
  for i in "${images[@]}"; do
    # shellcheck disable=SC2046
    GOCACHE="$work/gocache" "$bin" --config "$work/single.toml" build --push \
      --tag "$reg/issue10-bench-$i:single-$tag" $(target_of "$i") -f "$(dockerfile_of "$i")"
  done
}
xbuild_bake() {
  GOCACHE="$work/gocache" "$bin" build --push
}

echo "bench: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "bench: $(go version); $(docker buildx version | head -1); xbuild $($bin --version | cut -d' ' -f2)" >&2

declare -A cold_s change_s change_all
for case in makefile xbuild_single xbuild_bake; do
  fresh_project
  rm -rf "$work/gocache"
  cold
  echo "bench: $case cold..." >&2
  cold_s[$case]=$(timed "$case cold" "$case")
  runs=()
  for i in $(seq "$changes"); do
    one_line_change "$i"
    echo "bench: $case after one-line change $i of $changes..." >&2
    runs+=("$(timed "$case change $i" "$case")")
  done
  change_all[$case]="${runs[*]}"
  change_s[$case]=$(median "${runs[@]}")
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
bake_steps=$(grep '^  steps    ' "$log" | tail -1 | sed 's/^  steps *//')

python3 - "${cold_s[makefile]}" "${change_s[makefile]}" "${cold_s[xbuild_single]}" "${change_s[xbuild_single]}" \
  "${cold_s[xbuild_bake]}" "${change_s[xbuild_bake]}" "$load_after" <<'PY'
import sys
m_c, m_x, s_c, s_x, b_c, b_x = map(float, sys.argv[1:7])
rows = [
    ("(1) Makefile flow, once per image", m_c, m_x),
    ("(2) xbuild build, once per image", s_c, s_x),
    ("(3) xbuild build, 3 [images] (bake)", b_c, b_x),
]
print(f"| {'flow (3 images, 2 platforms)':<38} | {'cold s':>7} | {'vs (1)':>6} | {'change s (median)':>18} | {'vs (1)':>6} |")
print(f"|{'-'*40}|{'-'*8}:|{'-'*7}:|{'-'*19}:|{'-'*7}:|")
for name, c, x in rows:
    print(f"| {name:<38} | {c:>7.1f} | {c/m_c:>6.2f} | {x:>18.1f} | {x/m_x:>6.3f} |")
print()
print(f"goal: (3) faster than (2) cold: {b_c:.1f}s vs {s_c:.1f}s -> {'met' if b_c < s_c else 'NOT met'}")
print(f"goal: (3) faster than (2) after a change: {b_x:.1f}s vs {s_x:.1f}s -> {'met' if b_x < s_x else 'NOT met'}")
print(f"load average at the end: {sys.argv[7]}")
PY
echo "after a change, every run (s): (1) ${change_all[makefile]}; (2) ${change_all[xbuild_single]}; (3) ${change_all[xbuild_bake]}"
echo "xbuild bake steps after the last change: $bake_steps"
