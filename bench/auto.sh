#!/usr/bin/env bash
# Benchmark: the default `xbuild docker-buildx` (no --driver, no --go, no
# xbuild.toml: driver auto, Go auto) against the kubebuilder Makefile flow,
# for two platforms (linux/amd64,linux/arm64) and for the scaffold's four
# (linux/arm64,linux/amd64,linux/s390x,linux/ppc64le), in one run, on
# fixtures/operator, pushed to the local e2e registry.
#
# The Makefile flow is the scaffold's recipe (sed line, then buildx with Go
# in the golang container, pinned to the build platform, `go build -a`).
# Offline its ephemeral docker-container builder cannot boot (moby/buildkit
# cannot be pulled) and, its build line being prefixed with `-`, the target
# "succeeds" in about a second without building anything; so the flow
# measured is `make docker-buildx-default`, the same recipe on the engine's
# default builder. That is a lower bound for the real flow, which also
# creates and boots a BuildKit container and starts from an empty cache on
# every run (base images pulled again, `go mod download` again).
#
# Each flow cold (empty BuildKit cache of the default builder; for xbuild
# also an empty private GOCACHE), then after different one-line changes in
# controllers/ (three for xbuild, two for the Makefile flow; the median is
# reported). Every run's output is
# timestamped line by line (BUILDKIT_PROGRESS=plain, which changes no
# setting of the build) and split into where the time goes: Go builds,
# buildx start (until BuildKit's first step), context transfer, export,
# push. Checks the goal: xbuild after a change <= 0.10x the Makefile flow.
#
# Usage: bench/auto.sh          (as root, with the e2e stack up: ci/e2e-env.sh)
# WARNING: `docker buildx prune -af` empties the default builder's cache,
# which other tests on this machine share (they get slower, not wrong).
# Images in the registry are never deleted. The user's own Go build cache is
# never touched.
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
repo_ref="$XBUILD_E2E_REGISTRY/xbuild-e2e/bench-auto"
tag=$(date +%Y%m%d%H%M%S)-$$
controller=controllers/memcached_controller.go
# One-line changes per flow: the Makefile flow rebuilds everything after a
# change (`go build -a`), minutes under load, so it gets fewer samples.
xbuild_changes=${BENCH_XBUILD_CHANGES:-3}
make_changes=${BENCH_MAKE_CHANGES:-2}
export BUILDKIT_PROGRESS=plain

fresh_project() {
  rm -rf "$work/op"
  cp -r "$repo/fixtures/operator" "$work/op"
  rm -f "$work/op/xbuild.toml" # every xbuild setting a default
}

# timed LOG FLOW: runs the function FLOW in the project, each output line
# prefixed with the seconds since the start, into LOG; prints the seconds.
# A failed run (the shared engine and registry sometimes fail a push, e.g.
# while another session prunes the build cache) is kept as LOG.failed and
# run once more; the report counts the retries.
timed() {
  local log=$1 attempt
  for attempt in 1 2; do
    if (cd "$work/op" && python3 "$repo/bench/timestamp.py" "$log" bash -c "$2"); then
      return 0
    fi
    mv "$log" "$log.failed-$attempt"
    echo "bench: $2 failed (attempt $attempt); last lines of $log.failed-$attempt:" >&2
    tail -5 "$log.failed-$attempt" >&2
  done
  return 1
}

cold() { docker buildx prune -af --builder default >/dev/null 2>&1; }

change_no=0
one_line_change() {
  change_no=$((change_no + 1))
  sed -i -E "s/(defaultImage +=) \"memcached:1\.6[.0-9]*-alpine\"/\1 \"memcached:1.6.$change_no-alpine\"/" "$work/op/$controller"
  grep -q "memcached:1.6.$change_no-alpine" "$work/op/$controller" || { echo "bench: the edit did not apply" >&2; exit 1; }
}

makefile() { make docker-buildx-default IMG="$repo_ref:make-$n-$tag" PLATFORMS="$platforms"; }
xbuild() {
  GOCACHE="$work/gocache" "$bin" docker-buildx --platform "$platforms" \
    --tag "$repo_ref:xbuild-$n-$tag" --push
}

export -f makefile xbuild
export repo_ref tag bin work

echo "bench: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "bench: $(go version); $(docker buildx version | head -1); xbuild $($bin --version | cut -d' ' -f2)" >&2

results=$work/results.tsv
: >"$results"
for n in 2 4; do
  if [[ $n == 2 ]]; then platforms=linux/amd64,linux/arm64; else platforms=linux/arm64,linux/amd64,linux/s390x,linux/ppc64le; fi
  export n platforms
  for flow in makefile xbuild; do
    fresh_project
    rm -rf "$work/gocache"
    cold
    echo "bench: $flow, $n platforms, cold..." >&2
    log=$work/$flow-$n-cold.log
    secs=$(timed "$log" "$flow") || exit 1
    printf '%s\t%s\tcold\t%s\t%s\n' "$n" "$flow" "$secs" "$log" >>"$results"
    changes=$xbuild_changes
    [[ $flow == makefile ]] && changes=$make_changes
    for i in $(seq "$changes"); do
      one_line_change
      echo "bench: $flow, $n platforms, one-line change $i of $changes..." >&2
      log=$work/$flow-$n-change-$i.log
      secs=$(timed "$log" "$flow") || exit 1
      printf '%s\t%s\tchange\t%s\t%s\n' "$n" "$flow" "$secs" "$log" >>"$results"
    done
  done
done
echo "bench: load at the end $(cut -d' ' -f1-3 /proc/loadavg)" >&2
if [[ -n ${BENCH_KEEP_LOGS:-} ]]; then
  mkdir -p "$BENCH_KEEP_LOGS" && cp "$work"/*.log* "$work/results.tsv" "$BENCH_KEEP_LOGS"/
fi
python3 "$repo/bench/auto_report.py" "$results"
retries=$(find "$work" -name '*.failed-*' | wc -l)
echo "failed runs retried: $retries"
