#!/usr/bin/env bash
# Benchmark: `xbuild cross` against the kubebuilder Makefile's sed line, as
# whole processes, on the same Dockerfile, in the same run. The goal is that
# xbuild is no slower than the line it replaces.
#
# Usage: bench/cross.sh [DOCKERFILE]   (default: fixtures/cross/kubebuilder)
# Needs: hyperfine (apt-get install hyperfine), GNU sed, cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "bench: installing hyperfine" >&2; apt-get install -y -qq hyperfine >/dev/null; }
cargo build --release --quiet
bin=$PWD/target/release/xbuild
src=${1:-fixtures/cross/kubebuilder/Dockerfile}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$src" "$work/Dockerfile"
cd "$work"
# The exact sed line of the kubebuilder scaffold, after make's $$ unescaping.
sed_cmd="sed -e '1 s/\(^FROM\)/FROM --platform=\\\$\{BUILDPLATFORM\}/; t' -e ' 1,// s//FROM --platform=\\\$\{BUILDPLATFORM\}/' Dockerfile > Dockerfile.cross"
echo "machine: $(nproc) cores, $(uname -sr); xbuild $($bin --version | cut -d' ' -f2); $(sed --version | head -1)"
echo "input: $src ($(wc -l < Dockerfile) lines)"
hyperfine --warmup 20 --runs 300 -N --style basic --export-json "$work/result.json" \
  --command-name "sed (Makefile)" "sh -c \"$sed_cmd\"" \
  --command-name "sed (bare process)" "sed -n p Dockerfile" \
  --command-name "xbuild cross" "$bin cross -q"
# Medians and minimums: the machine is shared and means are skewed by outliers.
python3 - "$work/result.json" <<'PY'
import json, sys
rs = json.load(open(sys.argv[1]))["results"]
base = next(r for r in rs if r["command"] == "sed (Makefile)")["median"]
print(f"{'command':<20} {'median ms':>10} {'min ms':>8} {'vs sed (Makefile)':>18}")
for r in rs:
    print(f"{r['command']:<20} {r['median']*1e3:>10.2f} {r['min']*1e3:>8.2f} {r['median']/base:>17.2f}x")
PY
