#!/usr/bin/env bash
# The README's quickstart as one command, on a fresh Debian 12 machine (as
# root): start the offline build stack, install xbuild, build the fixture
# operator for linux/amd64 and linux/arm64 into the local registry, and run
# both images (arm64 through QEMU). Each image prints its platform.
set -euo pipefail
cd "$(dirname "$0")/.."

eval "$(ci/e2e-env.sh)"
cargo install --quiet --path . --root "${XBUILD_INSTALL_ROOT:-$HOME/.cargo}"
export PATH="${XBUILD_INSTALL_ROOT:-$HOME/.cargo}/bin:$PATH"

image="$XBUILD_E2E_REGISTRY/xbuild-e2e/operator:quickstart"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r fixtures/operator/. "$work/"
cd "$work"

xbuild docker-buildx --platform linux/amd64,linux/arm64 --tag "$image" --push
for platform in linux/amd64 linux/arm64; do
  printf '%s image prints: ' "$platform"
  docker run --rm --pull always --quiet --platform "$platform" "$image"
done
