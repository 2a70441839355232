# ci/e2e-env.d/40-podman.sh: podman and buildah (Debian bookworm) for the
# podman backend's e2e tests, and a registries.conf drop-in that lets podman
# reach the local registry over plain HTTP (the e2e setup's choice for its
# own registry; xbuild never writes registries.conf).
# Sourced by ci/e2e-env.sh; idempotent (a second run only checks).
PODMAN_PKGS=(podman buildah fuse-overlayfs uidmap)
missing=()
for p in "${PODMAN_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  run "apt-get install podman" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
mkdir -p /etc/containers/registries.conf.d
write_if_changed /etc/containers/registries.conf.d/50-xbuild-e2e.conf "# written by xbuild's ci/e2e-env.d/40-podman.sh: the e2e registry speaks plain HTTP
[[registry]]
location = \"$REG\"
insecure = true"
podman version --format '{{.Client.Version}}' >/dev/null 2>&1 || fail "podman does not run (podman version failed)" "$LOG"
