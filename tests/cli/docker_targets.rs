//! `xbuild docker-build` and `xbuild docker-push` without Docker: their
//! plans (`--dry-run`) and the errors found before anything runs.

use crate::support::Test;

const DOCKERFILE: &str = "ARG BASE_IMAGE=busybox\nFROM golang:1.22 AS builder\nARG TARGETOS TARGETARCH\nWORKDIR /workspace\nCOPY . .\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o manager .\nFROM ${BASE_IMAGE}\nCOPY --from=builder /workspace/manager /manager\n";

fn project() -> Test {
    Test::new()
        .file("Dockerfile", DOCKERFILE)
        .env("DOCKER_CONTEXT", "default")
}

/// The `build` step's command line of a JSON plan, without the metadata
/// file (it is in a fresh temporary directory).
fn build_step(stdout: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(stdout).unwrap();
    let steps = crate::build::step_lines(&v, "steps");
    let build = steps
        .iter()
        .find(|s| s.starts_with("docker buildx build"))
        .unwrap();
    build.split(" --metadata-file ").next().unwrap().to_string()
}

#[test]
fn docker_build_loads_one_platform_with_the_engine_builder() {
    let out = project()
        .env("PLATFORMS", "linux/amd64,linux/arm64")
        .env("IMG", "localhost:5000/op:v1")
        .args([
            "docker-build",
            "--dry-run",
            "--format",
            "json",
            "--go",
            "container",
        ])
        .args([
            "--platform",
            "linux/arm64",
            "--build-arg",
            "BASE_IMAGE=localhost:5000/busybox:1",
        ])
        .run()
        .status(0);
    assert_eq!(
        build_step(&out.stdout),
        "docker buildx build --builder default --platform linux/arm64 -f - --tag localhost:5000/op:v1 --build-arg BASE_IMAGE=localhost:5000/busybox:1 --load"
    );
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["builder"]["driver"], "docker");
    assert_eq!(v["builder"]["ephemeral"], false);
    assert_eq!(
        v["outputs"],
        serde_json::json!(["loaded into the docker image store"])
    );
}

#[test]
fn docker_build_refuses_several_platforms() {
    let out = project()
        .args([
            "docker-build",
            "--dry-run",
            "--platform",
            "linux/amd64,linux/arm64",
        ])
        .run()
        .status(2);
    assert!(
        out.stderr
            .contains("docker-build builds one platform, --platform has 2"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("for several"), "{}", out.stderr);
}

#[test]
fn docker_push_pushes_each_tag_and_reads_its_digest_back() {
    let out = project()
        .env("IMG", "localhost:5000/op:v1")
        .args(["docker-push", "--dry-run"])
        .run()
        .status(0);
    assert_eq!(
        out.stdout,
        "docker push localhost:5000/op:v1\ndocker buildx imagetools inspect --format '{{json .Manifest}}' localhost:5000/op:v1\n"
    );
    let out = project()
        .args(["docker-push", "--dry-run", "-t", "r/a:1", "-t", "r/a:2"])
        .run()
        .status(0);
    assert_eq!(
        out.stdout
            .lines()
            .filter(|l| l.starts_with("docker push "))
            .count(),
        2
    );
}

#[test]
fn docker_push_needs_a_tag() {
    let out = project().args(["docker-push", "--dry-run"]).run().status(2);
    assert!(
        out.stderr.contains("pushing needs at least one tag"),
        "{}",
        out.stderr
    );
}
