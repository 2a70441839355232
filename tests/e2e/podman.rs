//! The podman backend on the real stack (podman 4.3 and buildah from Debian,
//! the local registry over plain HTTP through the e2e setup's
//! registries.conf drop-in): a kubebuilder-style repository with the
//! current scaffold's allow-list `.dockerignore` and `COPY . .`, pushed for
//! two platforms with host Go and with container Go, `--load`, an `oci`
//! output, a failing build and Ctrl-C leaving nothing behind; and the
//! context xbuild gives buildah compared with what BuildKit sends.
//!
//! `podman run` cannot set rlimits in this sandbox, so the pushed images are
//! run with docker.

use crate::build::{spawn_watching, wait_with_deadline};
use crate::go_host::assert_runs_as_each_platform;
use crate::support::{self, Cmd, Project, stack};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

const PLATFORMS: [&str; 2] = ["linux/amd64", "linux/arm64"];

/// The current kubebuilder scaffold's `.dockerignore`.
const ALLOW_LIST: &str = "# More info: https://docs.docker.com/engine/reference/builder/#dockerignore-file\n# Ignore everything by default and re-include only needed files\n**\n\n# Re-include Go source files (but not *_test.go)\n!**/*.go\n**/*_test.go\n\n# Re-include Go module files\n!go.mod\n!go.sum\n";

/// A kubebuilder-style repository none of the fixtures is: `cmd/main.go`,
/// `COPY . .`, the allow-list `.dockerignore`, and files that must not
/// reach the build (a README, a test, a binary).
fn repo() -> Project {
    let p = Project::fixture_operator();
    std::fs::create_dir_all(p.join("cmd")).unwrap();
    std::fs::rename(p.join("main.go"), p.join("cmd/main.go")).unwrap();
    std::fs::remove_file(p.join("xbuild.toml")).unwrap();
    p.write(".dockerignore", ALLOW_LIST);
    p.write("README.md", "# not part of the image\n");
    p.write("bin/stale-manager", "not a binary\n");
    p.write(
        "Dockerfile",
        "ARG GOLANG_IMAGE=golang:1.22\nARG RUNTIME_IMAGE=gcr.io/distroless/static:nonroot\n\
         FROM ${GOLANG_IMAGE} AS builder\nARG TARGETOS\nARG TARGETARCH\n\nWORKDIR /workspace\n\
         COPY go.mod go.mod\nCOPY go.sum go.sum\nRUN go mod download\nRUN echo \"builder runs on $(uname -m)\"\n\n# Copy the go source\nCOPY . .\n\n\
         RUN test ! -e README.md && test ! -e controllers/memcached_controller_test.go && test -f api/v1/memcached_types.go || (find . -type f; exit 1)\n\
         RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} go build -a -o manager cmd/main.go\n\n\
         FROM ${RUNTIME_IMAGE}\nWORKDIR /\nCOPY --from=builder /workspace/manager .\nUSER 65532:65532\n\nENTRYPOINT [\"/manager\"]\n",
    );
    p
}

fn xbuild(p: &Project) -> Cmd {
    let stack = stack();
    p.cmd(env!("CARGO_BIN_EXE_xbuild"))
        .env("CONTAINER_TOOL", "podman")
        .arg("docker-buildx")
        .args(["--platform", &PLATFORMS.join(",")])
        .arg("--build-arg")
        .arg(format!("GOLANG_IMAGE={}", stack.golang))
        .arg("--build-arg")
        .arg(format!("RUNTIME_IMAGE={}", stack.busybox))
        .timeout(Duration::from_secs(1200))
}

/// The names in podman's image store.
fn podman_names() -> BTreeSet<String> {
    let out = Cmd::new("podman")
        .args(["images", "--format", "{{.Repository}}:{{.Tag}}"])
        .run();
    out.stdout.lines().map(str::to_string).collect()
}

fn assert_nothing_left(p: &Project, before: &BTreeSet<String>, out: &dyn std::fmt::Display) {
    let now = podman_names();
    let stack = stack();
    // The base images podman pulls are not the build's leftovers.
    let new: Vec<&String> = now
        .difference(before)
        .filter(|n| *n != "<none>:<none>" && **n != stack.golang && **n != stack.busybox)
        .collect();
    assert!(new.is_empty(), "new podman names {new:?}\n{out}");
    assert!(!p.exists("Dockerfile.cross"), "{out}");
}

/// `os/arch` of an index (JSON text), sorted.
fn index_platforms(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    sorted(support::index_platforms(&v))
}

fn sorted(entries: Vec<(String, String)>) -> Vec<String> {
    let mut p: Vec<String> = entries.into_iter().map(|(p, _)| p).collect();
    p.sort();
    p
}

fn push(go: &str) {
    let stack = stack();
    let p = repo();
    // A unique echo, so no earlier run's layer cache hides its output.
    let df = p.read("Dockerfile").replace(
        "$(uname -m)\"",
        &format!("$(uname -m)\" {}", crate::support::unique_tag()),
    );
    p.write("Dockerfile", df);
    let before = podman_names();
    let reference = stack.unique_ref(&format!("podman-{go}"));
    let out = xbuild(&p)
        .args(["--go", go, "--push", "--tag", &reference])
        .run();
    let log = out.combined();
    assert!(
        log.contains("==> cleanup: remove the temporary manifest list"),
        "{out}"
    );
    assert!(
        log.contains(&format!("  image    {reference}@sha256:")),
        "{out}"
    );
    assert_eq!(
        sorted(support::index_platforms(&support::skopeo_raw(&reference))),
        PLATFORMS
    );
    assert_runs_as_each_platform(&reference);
    let _ = Cmd::new("docker").args(["rmi", &reference]).output();
    assert_nothing_left(&p, &before, &out);
    if go == "container" {
        // `FROM --platform=$BUILDPLATFORM` of the pinned Go stage is the
        // build machine for both platforms: nothing emulated.
        assert!(log.contains("builder runs on x86_64"), "{out}");
        assert!(!log.contains("builder runs on aarch64"), "{out}");
    }
}

#[test]
fn podman_pushes_both_platforms_with_host_go() {
    push("host");
}

#[test]
fn podman_pushes_both_platforms_with_container_go() {
    push("container");
}

/// The temporary list the run named in its cleanup line.
fn temporary_list(log: &str) -> String {
    let marker = "==> cleanup: remove the temporary manifest list ";
    let at = log
        .find(marker)
        .unwrap_or_else(|| panic!("no cleanup line\n{log}"));
    log[at + marker.len()..]
        .lines()
        .next()
        .unwrap()
        .trim()
        .to_string()
}

#[test]
fn podman_load_keeps_the_list_under_the_tag() {
    stack();
    let p = repo();
    let tag = format!("localhost/issue14-load:{}", crate::support::unique_tag());
    let out = xbuild(&p).args(["--load", "--tag", &tag]).run();
    let inspect = Cmd::new("podman").args(["manifest", "inspect", &tag]).run();
    assert_eq!(index_platforms(&inspect.stdout), PLATFORMS, "{out}");
    // Not `podman images`: podman 4.3 fails to list a manifest list whose
    // instances came from its layer cache (see README, podman).
    let tmp = temporary_list(&out.combined());
    let gone = Cmd::new("podman")
        .args(["manifest", "exists", &tmp])
        .output();
    assert!(!gone.success(), "{tmp} is still there\n{out}");
    // The temporary name is gone, so this removes the list itself.
    Cmd::new("podman").args(["manifest", "rm", &tag]).run();
    let gone = Cmd::new("podman")
        .args(["manifest", "exists", &tag])
        .output();
    assert!(!gone.success(), "{gone}");
}

#[test]
fn podman_writes_an_oci_archive() {
    stack();
    let p = repo();
    let before = podman_names();
    let out = xbuild(&p)
        .args(["--output", "type=oci,dest=image.tar"])
        .run();
    assert!(p.exists("image.tar"), "{out}");
    let raw = Cmd::new("skopeo")
        .args(["inspect", "--raw"])
        .arg(format!("oci-archive:{}", p.join("image.tar").display()))
        .run();
    assert_eq!(index_platforms(&raw.stdout), PLATFORMS, "{out}");
    assert_nothing_left(&p, &before, &out);
}

#[test]
fn a_failing_podman_build_leaves_nothing_behind() {
    let stack = stack();
    let p = repo();
    p.write(
        "cmd/main.go",
        "package main\n\nfunc main() { this does not compile }\n",
    );
    let before = podman_names();
    let reference = stack.unique_ref("podman-fail");
    let out = xbuild(&p)
        .args(["--go", "container", "--push", "--tag", &reference])
        .run_expect_failure();
    assert_eq!(out.code(), Some(1), "{out}");
    assert!(out.combined().contains("step \"build\" failed"), "{out}");
    assert_nothing_left(&p, &before, &out);
}

#[test]
fn sigint_during_a_podman_build_cleans_up_and_exits_130() {
    let stack = stack();
    let p = repo();
    // A build step that takes long enough to be interrupted.
    let df = p.read("Dockerfile").replace(
        "RUN go mod download",
        // Unique, so no earlier run's layer cache skips the sleep.
        &format!(
            "RUN go mod download && echo {} && sleep 60",
            crate::support::unique_tag()
        ),
    );
    p.write("Dockerfile", df);
    let before = podman_names();
    let reference = stack.unique_ref("podman-sigint");
    let args = [
        "build",
        "--tool",
        "podman",
        "--go",
        "container",
        "--push",
        "--tag",
        &reference,
        "--platform",
        "linux/amd64,linux/arm64",
        "--build-arg",
        &format!("GOLANG_IMAGE={}", stack.golang),
        "--build-arg",
        &format!("RUNTIME_IMAGE={}", stack.busybox),
    ];
    let (mut child, started, reader) = spawn_watching(&p, &args, "] build\n");
    started
        .recv_timeout(Duration::from_secs(300))
        .expect("the build never started");
    // Into the RUN's sleep (podman's step output goes to stdout, not watched).
    std::thread::sleep(Duration::from_secs(10));
    // SAFETY: signalling our own child.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let status = wait_with_deadline(&mut child, 120);
    let log = reader.join().unwrap();
    assert_eq!(status.code(), Some(130), "{log}");
    assert!(log.contains("interrupted by SIGINT"), "{log}");
    let tmp = temporary_list(&log);
    let gone = Cmd::new("podman")
        .args(["manifest", "exists", &tmp])
        .output();
    assert!(!gone.success(), "{tmp} is still there\n{log}");
    assert_nothing_left(&p, &before, &log);
}

/// The files in a directory tree, relative, slash-separated.
fn files_under(root: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let path = e.path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if e.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                out.insert(rel);
            }
        }
    }
    out
}

/// What BuildKit sends for a `.dockerignore`, what xbuild computes, and
/// what buildah selects with xbuild's ignore file: all the same files.
#[test]
fn the_context_buildah_gets_is_the_one_buildkit_sends() {
    stack();
    // (the context's .dockerignore, a Dockerfile.dockerignore next to the
    // Dockerfile, which BuildKit then reads instead)
    let cases = [
        (ALLOW_LIST, None),
        ("a\n!a/keep\na/keep/*.log\n", None),
        ("*\n!a/**\n**/*.log\n!a/keep/important.log\n", None),
        ("**/*.txt\n!b/**\n", None),
        ("/a/\n!a/keep/y\n", None),
        ("#comment\n  b  \n!b/z.txt\n[ab]*.go\n", None),
        ("**\n", Some("**/*.go\n!a/z.go\n")),
    ];
    let side = tempfile::tempdir().unwrap();
    let dockerfile = side.path().join("Dockerfile");
    std::fs::write(&dockerfile, "FROM scratch\nCOPY . /\n").unwrap();
    let ignorefile = side.path().join("xbuild-ignore");
    let beside = side.path().join("Dockerfile.dockerignore");
    for (context_ignore, dockerfile_ignore) in cases {
        match dockerfile_ignore {
            Some(text) => std::fs::write(&beside, text).unwrap(),
            None => {
                let _ = std::fs::remove_file(&beside);
            }
        }
        let ctx = tempfile::tempdir().unwrap();
        for f in [
            "go.mod",
            "go.sum",
            "main.go",
            "main_test.go",
            "a/x",
            "a/keep/y",
            "a/keep/drop.log",
            "a/keep/important.log",
            "a/z.go",
            "b/z.txt",
            "b/w.go",
            "c.txt",
            "bin/m",
            "Dockerfile",
        ] {
            let path = ctx.path().join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "x").unwrap();
        }
        std::fs::write(ctx.path().join(".dockerignore"), context_ignore).unwrap();
        let source = xbuild::dockerignore::ignore_file(Some(&dockerfile), ctx.path()).unwrap();
        let ignore = std::fs::read_to_string(source).unwrap();
        let patterns = xbuild::dockerignore::parse(&ignore).unwrap();
        let selected = xbuild::dockerignore::included(ctx.path(), &patterns).unwrap();
        let computed: BTreeSet<String> = selected
            .into_iter()
            .filter(|f| ctx.path().join(f).is_file())
            .collect();

        let out_bk = tempfile::tempdir().unwrap();
        Cmd::new("docker")
            .args(["buildx", "build", "--builder", "default", "-f"])
            .arg(dockerfile.display().to_string())
            .arg("--output")
            .arg(format!("type=local,dest={}", out_bk.path().display()))
            .arg(ctx.path().display().to_string())
            .run();
        let buildkit = files_under(out_bk.path());
        assert_eq!(
            computed, buildkit,
            "BuildKit and xbuild differ for {ignore:?}"
        );

        let all = xbuild::dockerignore::all(ctx.path()).unwrap();
        let inc = xbuild::dockerignore::included(ctx.path(), &patterns).unwrap();
        std::fs::write(
            &ignorefile,
            xbuild::dockerignore::literal_ignore_file(&all, &inc),
        )
        .unwrap();
        let out_podman = tempfile::tempdir().unwrap();
        Cmd::new("podman")
            .args(["build", "-f"])
            .arg(dockerfile.display().to_string())
            .arg("--ignorefile")
            .arg(ignorefile.display().to_string())
            .arg("--output")
            .arg(format!("type=local,dest={}", out_podman.path().display()))
            .arg(ctx.path().display().to_string())
            .run();
        assert_eq!(
            files_under(out_podman.path()),
            buildkit,
            "buildah and BuildKit differ for {ignore:?}"
        );
    }
}

#[test]
fn a_short_base_image_name_is_reported_before_the_build() {
    stack();
    let p = repo();
    let df = p.read("Dockerfile").replace(
        "FROM ${GOLANG_IMAGE} AS builder",
        "FROM xbuild-e2e-nowhere/golang:1.19 AS builder",
    );
    p.write("Dockerfile", df);
    let out = xbuild(&p).args(["--go", "container"]).run_expect_failure();
    assert_eq!(out.code(), Some(2), "{out}");
    // miette wraps the message: compare the words.
    let words = out
        .combined()
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        words.contains(
            "base image xbuild-e2e-nowhere/golang:1.19 is a short name podman may not resolve"
        ),
        "{out}"
    );
    assert!(
        words.contains("FROM docker.io/xbuild-e2e-nowhere/golang:1.19"),
        "{out}"
    );
    assert!(!out.combined().contains("==> [1/"), "something ran\n{out}");
}

#[test]
fn sigterm_during_a_podman_build_cleans_up_and_exits_143() {
    let stack = stack();
    let p = repo();
    let df = p.read("Dockerfile").replace(
        "RUN go mod download",
        &format!(
            "RUN go mod download && echo {} && sleep 60",
            crate::support::unique_tag()
        ),
    );
    p.write("Dockerfile", df);
    let args = [
        "build",
        "--tool",
        "podman",
        "--go",
        "container",
        "--platform",
        "linux/amd64,linux/arm64",
        "--build-arg",
        &format!("GOLANG_IMAGE={}", stack.golang),
        "--build-arg",
        &format!("RUNTIME_IMAGE={}", stack.busybox),
    ];
    let (mut child, started, reader) = spawn_watching(&p, &args, "] build\n");
    started
        .recv_timeout(Duration::from_secs(300))
        .expect("the build never started");
    std::thread::sleep(Duration::from_secs(10));
    // SAFETY: signalling our own child.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    let status = wait_with_deadline(&mut child, 120);
    let log = reader.join().unwrap();
    assert_eq!(status.code(), Some(143), "{log}");
    let tmp = temporary_list(&log);
    let gone = Cmd::new("podman")
        .args(["manifest", "exists", &tmp])
        .output();
    assert!(!gone.success(), "{tmp} is still there\n{log}");
}
