#!/usr/bin/env bash
# ci/e2e-env.sh: brings up, or checks, the real offline container build stack
# that xbuild's end-to-end tests (`cargo test --features e2e`) run against:
#   - dockerd 26 + containerd 1.7 (Debian trixie packages unpacked under
#     $PREFIX/root) with the containerd image store,
#   - the docker-buildx 0.13 CLI plugin,
#   - QEMU user emulation for linux/arm64, s390x and ppc64le through binfmt_misc,
#   - a registry on 127.0.0.1:$PORT (docker treats localhost:$PORT as insecure),
#   - multi-arch base images for the kubebuilder scaffold's four platforms
#     (linux/amd64, arm64, s390x, ppc64le) built from Debian packages and
#     pushed there: xbuild-e2e/busybox:1 and xbuild-e2e/golang:1.19.
# Nothing is pulled from a public image registry; packages come from the
# Debian archive named in this machine's apt sources.
#
# Usage: ci/e2e-env.sh          (as root, from any directory)
#        eval "$(ci/e2e-env.sh)"
# Stdout carries only `export XBUILD_E2E_...=...` lines; progress and errors go
# to stderr. Idempotent: when the stack is up, a run only checks it (a second
# or so) and prints the exports. On failure it prints an `error:` line and the
# relevant log tail, and stops the daemons this run started, so a rerun starts
# clean. dockerd and the registry keep running in their own sessions after a
# successful run; their logs are $PREFIX/dockerd.log and $PREFIX/registry.log,
# step output is in $PREFIX/e2e-env.log.
#
# Environment: XBUILD_E2E_PREFIX (default /opt/xbuild-e2e), XBUILD_E2E_PORT
# (default 5000).
set -Eeuo pipefail

PREFIX=${XBUILD_E2E_PREFIX:-/opt/xbuild-e2e}
PORT=${XBUILD_E2E_PORT:-5000}
REG="localhost:${PORT}"
BUSYBOX="xbuild-e2e/busybox:1"
GOLANG="xbuild-e2e/golang:1.19"
LOG="$PREFIX/e2e-env.log"
IMG="$PREFIX/images"
# Debian bookworm packages: the docker CLI and runc (Debian package docker.io),
# emulation, the registry, image inspection, the host Go toolchain, busybox.
# The platforms of the base images: the kubebuilder scaffold's PLATFORMS.
ARCHES=(amd64 arm64 s390x ppc64le)
BOOKWORM_PKGS=(docker.io runc qemu-user-static binfmt-support docker-registry skopeo golang-go busybox-static curl)

STARTED_DOCKERD=""
STARTED_REGISTRY=""

log() { printf '[e2e-env +%ss] %s\n' "$SECONDS" "$*" >&2; }

# fail MESSAGE [LOGFILE...]: the error line, then the tail of each log.
fail() {
  local msg=$1 f
  shift
  printf '[e2e-env] error: %s\n' "$msg" >&2
  for f in "$@"; do
    [[ -s $f ]] || continue
    printf '[e2e-env] --- last 30 lines of %s\n' "$f" >&2
    tail -n 30 "$f" >&2
    printf '[e2e-env] ---\n' >&2
  done
  printf '[e2e-env] error: %s\n' "$msg" >&2
  exit 1
}

# Any command failing outside the explicit checks still says what failed.
on_err() {
  local rc=$? line=$1 cmd=$2
  trap - ERR
  fail "line $line: '$cmd' exited with status $rc" "$LOG"
}

# stop_pid PID NAME: TERM, wait up to 20 s, then KILL; children first
# collected so a dockerd killed hard does not orphan its containerd.
stop_pid() {
  local pid=$1 name=$2 kids _
  kill -0 "$pid" 2>/dev/null || return 0
  kids=$(ps -o pid= --ppid "$pid" 2>/dev/null | tr -d ' ' | tr '\n' ' ' || true)
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) ignored SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  for pid in $kids; do
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
}

# On a failed run, leave nothing of this run half-started.
on_exit() {
  local rc=$?
  trap - ERR
  if ((rc != 0)); then
    [[ -n $STARTED_REGISTRY ]] && stop_pid "$STARTED_REGISTRY" registry
    [[ -n $STARTED_DOCKERD ]] && stop_pid "$STARTED_DOCKERD" dockerd
  fi
  return "$rc"
}

# run DESCRIPTION CMD...: runs CMD with its output appended to $LOG.
run() {
  local what=$1
  shift
  local t0=$SECONDS
  printf '\n=== +%ss %s: %s\n' "$t0" "$what" "$*" >>"$LOG"
  "$@" >>"$LOG" 2>&1 || fail "$what failed (exit $?)" "$LOG"
  printf '=== %s took %ss\n' "$what" "$((SECONDS - t0))" >>"$LOG"
}

# in_dir DIR CMD...: runs CMD in DIR (in a subshell; functions still work).
in_dir() (cd "$1" && shift && "$@")

# write_if_changed FILE CONTENT: leaves the file alone when it already matches.
write_if_changed() {
  if [[ ! -f $1 || $(cat "$1") != "$2" ]]; then
    printf '%s\n' "$2" >"$1"
  fi
}

case "${1:-}" in
  "") ;;
  -h | --help)
    sed -n '2,/^set -E/{/^set -E/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
    exit 0
    ;;
  *)
    printf '[e2e-env] error: unexpected argument %q (see --help)\n' "$1" >&2
    exit 2
    ;;
esac

[[ $(id -u) == 0 ]] || { printf '[e2e-env] error: must run as root\n' >&2; exit 1; }
mkdir -p "$PREFIX"/{debs,root,cache/archives/partial,lists/partial,etc,images}
trap 'on_err "$LINENO" "$BASH_COMMAND"' ERR
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# One run at a time (CI jobs, a developer's second terminal). fd 9 is closed
# for the daemons so they do not hold the lock.
exec 9>"$PREFIX/e2e-env.lock"
flock -w 900 9 || fail "another ci/e2e-env.sh run holds $PREFIX/e2e-env.lock"
: >"$LOG"

# 1. Debian bookworm packages -------------------------------------------------
need=()
for p in "${BOOKWORM_PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if ((${#need[@]})); then
  log "apt-get install ${need[*]}"
  run "apt-get update" apt-get update -qq
  run "apt-get install ${need[*]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq -o DPkg::Lock::Timeout=120 --no-install-recommends "${need[@]}"
fi
command -v docker >/dev/null || fail "no docker CLI on PATH after installing the Debian docker.io package"
[[ -x /usr/sbin/runc ]] || fail "/usr/sbin/runc is missing (Debian package runc)"

# 1b. pre-commit (PyPI): the pre-commit hook test drives the real tool ---------
if ! command -v pre-commit >/dev/null; then
  log "pip install pre-commit"
  run "pip install pre-commit" python3 -m pip install --quiet --disable-pip-version-check pre-commit
  command -v pre-commit >/dev/null || fail "pre-commit is not on PATH after pip install" "$LOG"
fi

# 2. Debian trixie packages: the newer engine and buildx, under $PREFIX/root --
# The archive URI is taken from this machine's own apt sources.
apt_trixie() {
  apt-get -oDir::State::Lists="$PREFIX/lists" -oDir::Etc::SourceList=/dev/null \
    -oDir::Etc::SourceParts="$PREFIX/etc" -oDir::Cache="$PREFIX/cache" "$@"
}
ROOT="$PREFIX/root"
if [[ ! -x $ROOT/usr/sbin/dockerd || ! -x $ROOT/usr/bin/containerd ||
  ! -x $ROOT/usr/libexec/docker/cli-plugins/docker-buildx ]]; then
  uri=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [[ -n $uri ]] || uri=$(awk '$1=="deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [[ -n $uri ]] || fail "cannot find the Debian archive URI in the apt sources"
  printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$uri" >"$PREFIX/etc/trixie.sources"
  log "fetching dockerd, containerd and docker-buildx from Debian trixie"
  run "apt-get update (trixie)" apt_trixie update -qq
  rm -f "$PREFIX"/debs/*.deb
  run "apt-get download (trixie)" in_dir "$PREFIX/debs" apt_trixie download docker.io containerd docker-buildx
  # Unpack beside the old tree and swap, so an interrupted run never leaves
  # a tree that passes the check above but lacks a binary.
  rm -rf "$ROOT.new" && mkdir -p "$ROOT.new"
  for f in "$PREFIX"/debs/*.deb; do run "unpack $(basename "$f")" dpkg -x "$f" "$ROOT.new"; done
  # trixie's runc needs glibc 2.38; bookworm's /usr/sbin/runc is used instead.
  rm -f "$ROOT.new/usr/sbin/runc" "$ROOT.new/usr/bin/runc"
  rm -rf "$ROOT" && mv "$ROOT.new" "$ROOT"
fi
mkdir -p /usr/local/lib/docker/cli-plugins
plugin=/usr/local/lib/docker/cli-plugins/docker-buildx
[[ $(readlink "$plugin" 2>/dev/null) == "$ROOT/usr/libexec/docker/cli-plugins/docker-buildx" ]] ||
  ln -sfn "$ROOT/usr/libexec/docker/cli-plugins/docker-buildx" "$plugin"

# 3. binfmt_misc for QEMU user emulation (RUN steps of foreign stages) -------
if [[ ! -e /proc/sys/fs/binfmt_misc/register ]]; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc ||
    fail "cannot mount binfmt_misc (a container needs --privileged for it)"
fi
for q in aarch64 s390x ppc64le; do
  [[ -e /proc/sys/fs/binfmt_misc/qemu-$q ]] || update-binfmts --enable >>"$LOG" 2>&1 || true
  grep -q '^flags: .*F' "/proc/sys/fs/binfmt_misc/qemu-$q" 2>/dev/null ||
    fail "the qemu-$q binfmt handler is missing or lacks the F flag (see update-binfmts --display qemu-$q)" "$LOG"
done

# 4. dockerd with the containerd image store ----------------------------------
write_if_changed "$PREFIX/daemon.json" '{
  "features": { "containerd-snapshotter": true },
  "default-runtime": "bookworm-runc",
  "runtimes": { "bookworm-runc": { "path": "/usr/sbin/runc" } }
}'
engine_info() { docker info --format '{{.ServerVersion}} {{.DriverStatus}}' 2>/dev/null; }
if ! engine=$(engine_info); then
  if [[ -s /var/run/docker.pid ]] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    fail "dockerd (pid $(cat /var/run/docker.pid)) is running but 'docker info' fails; stop it and rerun" "$PREFIX/dockerd.log"
  fi
  rm -f /var/run/docker.sock
  log "starting dockerd"
  PATH="$ROOT/usr/bin:$PATH" setsid "$ROOT/usr/sbin/dockerd" --config-file "$PREFIX/daemon.json" \
    >"$PREFIX/dockerd.log" 2>&1 </dev/null 9>&- &
  STARTED_DOCKERD=$!
  for _ in $(seq 120); do
    engine=$(engine_info) && break
    kill -0 "$STARTED_DOCKERD" 2>/dev/null || fail "dockerd exited during startup" "$PREFIX/dockerd.log"
    sleep 0.5
  done
  engine=$(engine_info) || fail "dockerd did not answer within 60 s" "$PREFIX/dockerd.log"
fi
# (Outputs are captured, then matched: with pipefail, `cmd | grep -q` fails
# when grep exits early and cmd gets SIGPIPE.)
[[ $engine == *io.containerd.snapshotter* ]] ||
  fail "the running dockerd lacks the containerd image store (features.containerd-snapshotter); stop it and rerun"
buildx=$(docker buildx version 2>&1) || fail "'docker buildx version' fails: the buildx plugin is not usable: $buildx"

# 5. registry on 127.0.0.1:$PORT -----------------------------------------------
registry_up() {
  local headers
  headers=$(curl -fsS -m 5 -o /dev/null -D - "http://127.0.0.1:${PORT}/v2/" 2>/dev/null) || return 1
  grep -qi '^docker-distribution-api-version: *registry/2.0' <<<"$headers"
}
# In memory, not on the filesystem: the filesystem store rewrites link files
# in place, and the docker driver's double push (BuildKit, then dockerd) of
# one image then sometimes gets a 500 ("invalid checksum digest format") from
# a HEAD that reads a half-written link. The base images below are pushed
# again whenever the registry starts.
if ! registry_up; then
  write_if_changed "$PREFIX/registry.yml" "version: 0.1
storage:
  inmemory: {}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${PORT}"
  log "starting the registry on 127.0.0.1:${PORT}"
  setsid docker-registry serve "$PREFIX/registry.yml" >"$PREFIX/registry.log" 2>&1 </dev/null 9>&- &
  STARTED_REGISTRY=$!
  for _ in $(seq 60); do
    registry_up && break
    kill -0 "$STARTED_REGISTRY" 2>/dev/null ||
      fail "the registry exited during startup (is 127.0.0.1:${PORT} taken?)" "$PREFIX/registry.log"
    sleep 0.25
  done
  registry_up || fail "the registry did not answer on http://127.0.0.1:${PORT}/v2/ within 15 s" "$PREFIX/registry.log"
fi

# 6. base images built from Debian packages -------------------------------------
# apt_arch ARCH APT-ARGS...: apt-get for a foreign architecture, with its own
# package lists under $PREFIX/ARCH (the host's lists stay as they are).
apt_arch() {
  local a=$1
  shift
  mkdir -p "$PREFIX/$a/lists/partial" "$PREFIX/$a/cache/archives/partial"
  apt-get -oAPT::Architecture="$a" -oAPT::Architectures="$a" \
    -oDir::State::Lists="$PREFIX/$a/lists" -oDir::Cache="$PREFIX/$a/cache" "$@"
}
# debarch ARCH: Debian's name for a Docker/Go architecture.
debarch() { if [[ $1 == ppc64le ]]; then echo ppc64el; else echo "$1"; fi; }
# have_image REPO:TAG: the registry holds an index with every platform of ARCHES.
have_image() {
  local raw a
  raw=$(skopeo inspect --raw --tls-verify=false "docker://$REG/$1" 2>/dev/null) || return 1
  for a in "${ARCHES[@]}"; do
    grep -Eq "\"architecture\": *\"$a\"" <<<"$raw" || return 1
  done
}
# deb PACKAGE ARCH: the downloaded .deb in $IMG (ARCH in Docker's spelling, or all).
deb() {
  local f
  for f in "$IMG/$1"_*_"$(debarch "$2")".deb; do
    [[ -e $f ]] && { printf '%s\n' "$f"; return 0; }
  done
  return 1
}
# fetch_debs PACKAGE...: downloads the .debs of every ARCHES architecture not
# yet in $IMG; arch-independent packages are fetched once.
declare -A LISTS_FRESH=()
fetch_debs() {
  local p a
  for p in "$@"; do
    if ! deb "$p" amd64 >/dev/null && ! deb "$p" all >/dev/null; then
      run "apt-get download $p" in_dir "$IMG" apt-get download "$p"
    fi
    deb "$p" all >/dev/null && continue
    for a in "${ARCHES[@]}"; do
      [[ $a == amd64 ]] && continue
      deb "$p" "$a" >/dev/null && continue
      if [[ -z ${LISTS_FRESH[$a]:-} ]]; then
        # A mirror mid-sync fails one index (e.g. the security suite's)
        # while the others are fine: the download below says whether the
        # package is really missing.
        apt_arch "$(debarch "$a")" update -qq >>"$LOG" 2>&1 ||
          log "apt-get update ($a) reported errors (see $LOG); trying the download anyway"
        LISTS_FRESH[$a]=1
      fi
      run "apt-get download $p:$a" in_dir "$IMG" apt_arch "$(debarch "$a")" download "$p"
    done
  done
}
# platforms: ARCHES as a --platform list.
platforms() { local IFS=,; printf '%s' "${ARCHES[*]/#/linux/}"; }
# push_image CONTEXT REF [OUTPUT-OPTIONS]: builds CONTEXT/Dockerfile for every
# ARCHES platform and pushes it to $REG (a superset index under the same tag:
# images already pulled by digest stay valid). Each image has its own context
# directory holding only its layer tarballs: BuildKit sends the whole context,
# and $IMG also holds the .debs (~2 GB unpacked). The tarballs are kept, so a
# rerun (a restarted registry, a new platform) only builds what is missing and
# BuildKit's cache has the layers it built before.
push_image() {
  run "build and push $2" docker buildx build --builder default --progress plain \
    --platform "$(platforms)" --output "type=image,name=$2,push=true${3:+,$3}" "$1"
}

if ! have_image "$BUSYBOX"; then
  log "building $REG/$BUSYBOX ($(platforms))"
  ctx="$IMG/ctx-busybox"
  mkdir -p "$ctx"
  for a in "${ARCHES[@]}"; do
    [[ -s $ctx/busybox-$a.tar ]] && continue
    fetch_debs busybox-static
    d="$IMG/bb-$a"
    rm -rf "$d" "$IMG/x-$a" && mkdir -p "$d/bin" "$d/tmp" "$d/etc"
    f=$(deb busybox-static "$a") || fail "no busybox-static $a .deb in $IMG" "$LOG"
    run "unpack $(basename "$f")" dpkg -x "$f" "$IMG/x-$a"
    cp "$IMG/x-$a/bin/busybox" "$d/bin/"
    for t in sh cat echo ls uname env mkdir cp rm true false sleep; do ln -sf busybox "$d/bin/$t"; done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$d/etc/passwd"
    chmod 1777 "$d/tmp"
    run "tar busybox-$a" tar -C "$d" -cf "$ctx/busybox-$a.tar.part" .
    mv "$ctx/busybox-$a.tar.part" "$ctx/busybox-$a.tar"
  done
  # shellcheck disable=SC2016 # ${TARGETARCH} is for the Dockerfile
  write_if_changed "$ctx/Dockerfile" "$(printf 'FROM scratch\nARG TARGETARCH\nADD busybox-${TARGETARCH}.tar /\nENV PATH=/bin')"
  push_image "$ctx" "$REG/$BUSYBOX"
  have_image "$BUSYBOX" || fail "$REG/$BUSYBOX lacks one of $(platforms) after the push" "$LOG"
fi

if ! have_image "$GOLANG"; then
  log "building $REG/$GOLANG ($(platforms))"
  ctx="$IMG/ctx-golang"
  mkdir -p "$ctx"
  missing=()
  for a in "${ARCHES[@]}"; do [[ -s $ctx/go-$a.tar ]] || missing+=("$a"); done
  if ((${#missing[@]})); then
    fetch_debs golang-1.19-go golang-1.19-src libc6
    src=$(deb golang-1.19-src all) || fail "no golang-1.19-src .deb in $IMG" "$LOG"
    rm -rf "$IMG/go-src" && mkdir -p "$IMG/go-src"
    # The sources (~10k files, slow to unpack) are the same for every platform.
    run "unpack $(basename "$src")" dpkg -x "$src" "$IMG/go-src"
    for a in "${missing[@]}"; do
      d="$IMG/go-$a"
      rm -rf "$d" && mkdir -p "$d"
      for p in golang-1.19-go libc6; do
        f=$(deb "$p" "$a") || fail "no $p $a .deb in $IMG" "$LOG"
        run "unpack $(basename "$f")" dpkg -x "$f" "$d"
      done
      # The go command is linked against glibc: ship libc6's files too.
      parts=(usr/lib/go-1.19 usr/share/go-1.19)
      for p in "$d"/lib "$d"/lib64 "$d"/usr/lib/*-linux-gnu; do
        [[ -e $p ]] && parts+=("${p#"$d"/}")
      done
      run "tar go-$a" tar -cf "$ctx/go-$a.tar.part" -C "$d" "${parts[@]}" -C "$IMG/go-src" usr/share/go-1.19
      mv "$ctx/go-$a.tar.part" "$ctx/go-$a.tar"
      rm -rf "$d"
    done
    rm -rf "$IMG/go-src"
  fi
  # shellcheck disable=SC2016 # ${TARGETARCH} is for the Dockerfile
  write_if_changed "$ctx/Dockerfile" "$(printf 'FROM %s\nARG TARGETARCH\nADD go-${TARGETARCH}.tar /\nENV PATH=/usr/lib/go-1.19/bin:/bin GOROOT=/usr/lib/go-1.19 HOME=/root GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local\nRUN mkdir -p /root /workspace\nWORKDIR /workspace' "$REG/$BUSYBOX")"
  # zstd: gzip of the ~480 MB Go layers takes ~22 s each on 2 cores, zstd
  # ~8 s; containerd 1.7, buildkit and skopeo all read zstd layers.
  push_image "$ctx" "$REG/$GOLANG" compression=zstd
  have_image "$GOLANG" || fail "$REG/$GOLANG lacks one of $(platforms) after the push" "$LOG"
fi

# Extra tools and services some tests need (podman, kubectl, linters, ...)
# live in ci/e2e-env.d/*.sh, one file per concern, sourced here in name order
# so they share log/run/fail and the variables above. Each is idempotent, like
# this script, and may print further `export XBUILD_E2E_...=...` lines.
for extra in "$(dirname "${BASH_SOURCE[0]}")"/e2e-env.d/*.sh; do
  [[ -e $extra ]] || continue
  # shellcheck disable=SC1090 # one file per concern, chosen at run time
  source "$extra"
done

read -r engine_version _ <<<"$engine"
read -r _ buildx_version _ <<<"$buildx"
log "ready: dockerd $engine_version, buildx $buildx_version, registry $REG"
echo "export XBUILD_E2E_REGISTRY=$REG"
echo "export XBUILD_E2E_BUSYBOX=$REG/$BUSYBOX"
echo "export XBUILD_E2E_GOLANG=$REG/$GOLANG"
