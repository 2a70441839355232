//! `xbuild build --go host` and `--go container` on the fixture operator,
//! for real: pushed to the local registry, then each platform's image run
//! (arm64 through QEMU) must print its own platform.
//!
//! With `--go host` the manager is cross-compiled by the host's go and the
//! Dockerfile's Go stage is replaced by a copy from the `xbuild-go` build
//! context, so BuildKit must not run the Go stage at all; with `--go
//! container` the pinned Go stage cross-compiles inside the golang image.

use crate::support::{Cmd, Output, Project, stack};
use serde_json::Value;
use std::time::Duration;

const PLATFORMS: [&str; 2] = ["linux/amd64", "linux/arm64"];

fn xbuild(project: &Project, go: &str, reference: &str) -> Output {
    let stack = stack();
    project
        .cmd(env!("CARGO_BIN_EXE_xbuild"))
        .args(["build", "--go", go, "--progress", "plain", "--push"])
        .args(["--platform", &PLATFORMS.join(",")])
        .args(["--tag", reference])
        .arg("--build-arg")
        .arg(format!("GOLANG_IMAGE={}", stack.golang))
        .arg("--build-arg")
        .arg(format!("RUNTIME_IMAGE={}", stack.busybox))
        .timeout(Duration::from_secs(1200))
        .run()
}

/// `os/arch` of the pushed index, attestation manifests left out.
fn pushed_platforms(reference: &str) -> Vec<String> {
    let out = Cmd::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!("docker://{reference}"))
        .timeout(Duration::from_secs(60))
        .run();
    let index: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("skopeo printed no JSON ({e})\n{out}"));
    let mut platforms: Vec<String> = index["manifests"]
        .as_array()
        .unwrap_or_else(|| panic!("not an index: {index:#}"))
        .iter()
        .filter_map(|m| {
            let os = m["platform"]["os"].as_str()?;
            let arch = m["platform"]["architecture"].as_str()?;
            (os != "unknown").then(|| format!("{os}/{arch}"))
        })
        .collect();
    platforms.sort();
    platforms
}

/// Runs each platform's image from the registry; it must print its platform.
pub(crate) fn assert_runs_as_each_platform(reference: &str) {
    for platform in PLATFORMS {
        let out = Cmd::new("docker")
            .args([
                "run",
                "--rm",
                "--pull",
                "always",
                "--platform",
                platform,
                reference,
            ])
            .timeout(Duration::from_secs(300))
            .run();
        assert_eq!(
            out.stdout.trim(),
            platform,
            "the {platform} image printed something else\n{out}"
        );
    }
}

#[test]
fn go_host_builds_images_that_run_on_each_platform() {
    let stack = stack();
    let project = Project::fixture_operator();
    let reference = stack.unique_ref("go-host");
    let out = xbuild(&project, "host", &reference);
    let log = out.combined();

    // The host built both binaries, and said so.
    assert!(
        log.contains("Go: built on the host (--go host)"),
        "no host note\n{out}"
    );
    assert!(log.contains("go build on the host, "), "{out}");
    for platform in PLATFORMS {
        assert!(log.contains(&format!("{platform}  done ")), "{out}");
        let dir = platform.replace('/', "_");
        assert!(
            project.exists(&format!("bin/xbuild/{dir}/manager")),
            "{out}"
        );
    }
    // BuildKit copied them from the named context and never ran the Go stage.
    assert!(
        log.contains("COPY --from=xbuild-go linux_arm64/manager /workspace/manager"),
        "the replacement stage did not copy the arm64 binary\n{out}"
    );
    assert!(
        !log.contains("go mod download") && !log.contains("go build -a"),
        "BuildKit ran the Go stage\n{out}"
    );

    assert_eq!(pushed_platforms(&reference), PLATFORMS);
    assert_runs_as_each_platform(&reference);
}

#[test]
fn go_container_still_builds_in_the_golang_image() {
    let stack = stack();
    let project = Project::fixture_operator();
    let reference = stack.unique_ref("go-container");
    let out = xbuild(&project, "container", &reference);
    let log = out.combined();
    assert!(
        log.contains("Go: built in the container, as the Dockerfile says (--go container)"),
        "{out}"
    );
    // The Go stage is pinned and cross-compiles for arm64 on amd64.
    assert!(
        log.contains("[linux/amd64->arm64 builder"),
        "the pinned builder stage did not cross-compile\n{out}"
    );
    assert!(!log.contains("xbuild-go"), "{out}");
    assert!(!project.exists("bin/xbuild"), "{out}");

    assert_eq!(pushed_platforms(&reference), PLATFORMS);
    assert_runs_as_each_platform(&reference);
}

/// A kubebuilder v4 layout (cmd/main.go, api/, internal/) with the
/// scaffold's Dockerfile unchanged but for the runtime base image (distroless
/// cannot be pulled offline). Its Go stage is built FROM golang:1.22, which this
/// offline machine does not have: the build only works because host mode
/// never builds, or pulls, that stage.
#[test]
fn unseen_kubebuilder_layout_never_pulls_the_golang_image() {
    let stack = stack();
    let project = Project::copy_of(&crate::support::repo_root().join("fixtures/cross/kubebuilder"));
    let dockerfile = project
        .read("Dockerfile")
        .replace("gcr.io/distroless/static:nonroot", &stack.busybox);
    assert!(dockerfile.contains("ARG BASE_IMAGE=golang:1.22\nFROM ${BASE_IMAGE} AS builder"));
    project.write("Dockerfile", dockerfile);
    project.write(
        "go.mod",
        "module github.com/example/memcached-operator\n\ngo 1.19\n",
    );
    project.write("go.sum", "");
    project.write(
        "api/v1/memcached_types.go",
        "package v1\n\n// Memcached is a stand-in API type.\ntype Memcached struct{ Size int32 }\n",
    );
    project.write(
        "internal/controller/memcached_controller.go",
        "package controller\n\nimport v1 \"github.com/example/memcached-operator/api/v1\"\n\n// Reconcile returns the desired size.\nfunc Reconcile(m v1.Memcached) int32 { return m.Size }\n",
    );
    project.write(
        "cmd/main.go",
        "package main\n\nimport (\n\t\"fmt\"\n\t\"runtime\"\n\n\tv1 \"github.com/example/memcached-operator/api/v1\"\n\t\"github.com/example/memcached-operator/internal/controller\"\n)\n\nfunc main() {\n\t_ = controller.Reconcile(v1.Memcached{Size: 1})\n\tfmt.Printf(\"%s/%s\\n\", runtime.GOOS, runtime.GOARCH)\n}\n",
    );
    project.write(".dockerignore", "bin/\n");
    let reference = stack.unique_ref("go-host-unseen");
    let out = project
        .cmd(env!("CARGO_BIN_EXE_xbuild"))
        .args(["build", "--go", "host", "--driver", "docker", "--push"])
        .args(["--progress", "plain"])
        .args(["--platform", &PLATFORMS.join(",")])
        .args(["--tag", &reference])
        .timeout(Duration::from_secs(1200))
        .run();
    assert!(
        out.stderr
            .contains("stage builder (go build at line 25) → /workspace/manager"),
        "{out}"
    );
    assert!(
        !out.combined().contains("golang:1.22@"),
        "the golang image was resolved\n{out}"
    );
    assert_eq!(pushed_platforms(&reference), PLATFORMS);
    assert_runs_as_each_platform(&reference);
}
