#!/usr/bin/env bash
# Benchmark: the podman backend. One run, this machine, fixtures/operator,
# linux/amd64 + linux/arm64, pushed to the local e2e registry with
# CONTAINER_TOOL=podman:
#   (0) the kubebuilder Makefile flow, `make docker-buildx
#       CONTAINER_TOOL=podman`: recorded as it ends (podman has no
#       `buildx create`/`use`), there is no time to compare with;
#   (1) `xbuild build --go container`: Go compiled in the golang image by
#       buildah, the Go stage pinned to the build platform;
#   (2) `xbuild build --go host`: the host's go cross-compiles, the image
#       copies the binaries in.
# Each cold (podman's layer cache emptied of this benchmark's images: every
# image in podman's store is removed, so run it on a machine where podman
# holds nothing else; for (2) also an empty private GOCACHE), then after a
# one-line change in controllers/ (a different one each time), three times,
# the median reported.
#
# Usage: bench/podman.sh       (as root, with the e2e stack up: ci/e2e-env.sh)
# WARNING: `podman rmi -a -f` empties podman's image store.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
eval "$(ci/e2e-env.sh)"
for tool in make go podman python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 1; }
done
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-$repo/target}/release/xbuild

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=$work/bench.log
platforms=linux/amd64,linux/arm64
repo_ref="$XBUILD_E2E_REGISTRY/xbuild-e2e/bench-podman"
tag=$(date +%Y%m%d%H%M%S)-$$
controller=controllers/memcached_controller.go
changes=3
export CONTAINER_TOOL=podman

fresh_project() {
  rm -rf "$work/op"
  cp -r "$repo/fixtures/operator" "$work/op"
  rm -f "$work/op/xbuild.toml"
}

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

cold() { podman rmi -a -f >>"$log" 2>&1 || true; }

one_line_change() {
  sed -i -E "s/(defaultImage +=) \"memcached:1\.6[.0-9]*-alpine\"/\1 \"memcached:1.6.$1-alpine\"/" "$work/op/$controller"
  grep -q "memcached:1.6.$1-alpine" "$work/op/$controller" || { echo "bench: the edit did not apply" >&2; exit 1; }
}

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

args=(--push --platform "$platforms"
  --build-arg "GOLANG_IMAGE=$XBUILD_E2E_GOLANG" --build-arg "RUNTIME_IMAGE=$XBUILD_E2E_BUSYBOX")
xbuild_container() { "$bin" build --go container "${args[@]}" --tag "$repo_ref:container-$tag"; }
xbuild_host() { GOCACHE="$work/gocache" "$bin" build --go host "${args[@]}" --tag "$repo_ref:host-$tag"; }

echo "bench: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "bench: $(go version); podman $(podman version --format '{{.Client.Version}}'); buildah $(buildah version --json 2>/dev/null | python3 -c 'import json,sys;print(json.load(sys.stdin)["version"])'); xbuild $($bin --version | cut -d' ' -f2)" >&2

fresh_project
set +e
(cd "$work/op" && make docker-buildx IMG="$repo_ref:make-$tag" PLATFORMS="$platforms") >"$work/make.log" 2>&1
make_rc=$?
set -e
make_line=$(grep -m1 -E 'Error|error' "$work/make.log" || tail -1 "$work/make.log")
echo "bench: (0) make docker-buildx CONTAINER_TOOL=podman exited $make_rc: $make_line" >&2

declare -A cold_s change_s change_all
for case in xbuild_container xbuild_host; do
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
host_steps=$(grep '^  steps    ' "$log" | tail -1 | sed 's/^  steps *//')

python3 - "${cold_s[xbuild_container]}" "${change_s[xbuild_container]}" \
  "${cold_s[xbuild_host]}" "${change_s[xbuild_host]}" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import sys
c_c, c_x, h_c, h_x = map(float, sys.argv[1:5])
print(f"| {'flow (CONTAINER_TOOL=podman)':<34} | {'cold s':>7} | {'change s (median)':>18} | {'vs (1)':>6} |")
print(f"|{'-'*36}|{'-'*8}:|{'-'*19}:|{'-'*7}:|")
for name, c, x in [("(1) xbuild build --go container", c_c, c_x), ("(2) xbuild build --go host", h_c, h_x)]:
    print(f"| {name:<34} | {c:>7.1f} | {x:>18.1f} | {x/c_x:>6.3f} |")
print()
print(f"host Go after a change: {c_x/h_x:.1f}x faster than container Go")
print(f"load average at the end: {sys.argv[5]}")
PY
echo "after a change, every run (s): (1) ${change_all[xbuild_container]}; (2) ${change_all[xbuild_host]}"
echo "xbuild steps after the last host change: $host_steps"
