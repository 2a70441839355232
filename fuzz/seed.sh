#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the project's fixtures, the shared
# BuildKit parser corpus (../shared/corpus, when present), the templates and a
# few hand-written inputs. Idempotent: files are named by content hash.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
corpus="$here/corpus"
shared="${XBUILD_SHARED_CORPUS:-$root/../../shared/corpus}"
[ -d "$shared" ] || shared="$root/../shared/corpus"

add() { # add TARGET FILE...
  local t=$1; shift
  mkdir -p "$corpus/$t"
  for f in "$@"; do
    [ -f "$f" ] || continue
    local h; h=$(sha1sum "$f" | cut -c1-16)
    cp "$f" "$corpus/$t/seed-$h"
  done
}
add_text() { # add_text TARGET TEXT
  local tmp; tmp=$(mktemp); printf '%s' "$2" >"$tmp"; add "$1" "$tmp"; rm -f "$tmp"
}

mapfile -t dockerfiles < <(find "$root/fixtures" -type f \( -name 'Dockerfile*' -o -path '*/fuzz/*' \) ! -name '*.toml' ! -name 'Makefile*' | sort)
if [ -d "$shared/buildkit-parser" ]; then
  mapfile -t -O "${#dockerfiles[@]}" dockerfiles < <(find "$shared/buildkit-parser" -type f -name 'Dockerfile*' | sort)
fi
for t in dockerfile_cross lint_fix go_stage; do add "$t" "${dockerfiles[@]}"; done

mapfile -t tomls < <(find "$root/fixtures" "$root/templates" -type f -name '*.toml*' | sort)
add config_roundtrip "${tomls[@]}"
add_text config_roundtrip ''
add_text config_roundtrip $'[image]\nname = "r.example/op"\ntags = ["v1", "latest"]\nplatforms = ["linux/amd64", "linux/arm/v7"]\n[dockerfile]\npath = "build/Dockerfile"\nstrategy = "first-from"\n[build]\nargs = { A = "1" }\noutput = ["type=local,dest=out"]\ncache-to = ["type=local,dest=cache"]\n[go]\nmode = "host"\nldflags = "-s -w"\n[lint]\nignore = ["XB002"]\n'

mapfile -t makefiles < <(find "$root/fixtures" -type f -name 'Makefile*' | sort)
add makefile "${makefiles[@]}"
add_text makefile $'IMG ?= controller:latest\nPLATFORMS ?= linux/arm64,linux/amd64\nCONTAINER_TOOL ?= docker\nA := $(IMG)-$(B)\nB = ${PLATFORMS}\ndocker-buildx: ## push\n\t- $(CONTAINER_TOOL) buildx build --push .\n'

for p in 'linux/amd64' 'linux/arm64, linux/arm/v7' 'arm' 'windows/amd64/v2' 'darwin' 'linux/arm64/v8,amd64,linux/386' 'linux/riscv64' 'linux/ppc64le,linux/s390x' 'armhf' 'aarch64'; do
  add_text platform "$p"
done
for t in "$corpus"/*; do echo "$(basename "$t"): $(ls "$t" | wc -l) inputs"; done
