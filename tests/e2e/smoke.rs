//! Smoke tests of the build stack itself, with plain docker, buildx and
//! skopeo commands (no xbuild): the fixture operator, its builder stage pinned
//! to the build platform, builds for linux/amd64 and linux/arm64 with the
//! default builder, the registry holds a two-platform index, and each
//! platform's image really runs as that platform (arm64 through QEMU).
//! If these fail, xbuild's own e2e tests cannot mean anything.

use crate::support::{Cmd, Project, index_platforms, pin_first_from, repo_root, skopeo_raw, stack};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::OnceLock;
use std::time::Duration;

/// Builds and pushes the pinned fixture once per test run; every test that
/// needs the image shares it (and fails with the build's error if it failed).
fn smoke_image() -> &'static str {
    static IMAGE: OnceLock<Result<String, String>> = OnceLock::new();
    let result = IMAGE.get_or_init(|| {
        std::panic::catch_unwind(build_and_push_fixture).map_err(|panic| {
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "non-string panic".to_string())
        })
    });
    match result {
        Ok(reference) => reference,
        Err(e) => panic!("building the smoke image failed:\n{e}"),
    }
}

fn build_and_push_fixture() -> String {
    let stack = stack();
    let project = Project::fixture_operator();
    project.write(
        "Dockerfile.cross",
        pin_first_from(&project.read("Dockerfile")),
    );
    let reference = stack.unique_ref("smoke");
    let out = project
        .cmd("docker")
        .args([
            "buildx",
            "build",
            "--builder",
            "default",
            "--progress",
            "plain",
        ])
        .args(["--platform", "linux/amd64,linux/arm64"])
        .arg("--build-arg")
        .arg(format!("GOLANG_IMAGE={}", stack.golang))
        .arg("--build-arg")
        .arg(format!("RUNTIME_IMAGE={}", stack.busybox))
        .args(["-f", "Dockerfile.cross", "-t", &reference, "--push", "."])
        .timeout(Duration::from_secs(900))
        .run();
    // Pinned: the arm64 binary is cross-compiled by an amd64 builder stage
    // (BuildKit labels such steps "linux/amd64->arm64"), not run under QEMU.
    let log = out.combined();
    assert!(
        log.contains("[linux/amd64->arm64 builder"),
        "the pinned builder stage did not cross-compile for arm64 on amd64\n{out}"
    );
    reference
}

#[test]
fn stack_is_up() {
    let stack = stack();
    let major: u32 = stack
        .engine_version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("unparsable engine version {:?}", stack.engine_version));
    assert!(
        major >= 25,
        "dockerd {} is older than the stack's 26",
        stack.engine_version
    );
    assert!(
        stack.buildx_version.contains("buildx"),
        "unexpected `docker buildx version`: {:?}",
        stack.buildx_version
    );
    // The default builder (docker driver) must offer both target platforms.
    let out = Cmd::new("docker")
        .args(["buildx", "inspect", "default"])
        .timeout(Duration::from_secs(60))
        .run();
    for platform in ["linux/amd64", "linux/arm64"] {
        assert!(
            out.stdout.contains(platform),
            "default builder lacks {platform}\n{out}"
        );
    }
}

#[test]
fn pinned_copy_matches_kubebuilder_sed() {
    stack(); // no docker needed, but no e2e test passes without the stack
    // The fixture Makefile's sed line, with make's `$$` unescaped.
    let fixture = repo_root().join("fixtures/operator");
    let out = Cmd::new("sed")
        .args([
            "-e",
            r"1 s/\(^FROM\)/FROM --platform=\$\{BUILDPLATFORM\}/; t",
            "-e",
            r" 1,// s//FROM --platform=\$\{BUILDPLATFORM\}/",
            "Dockerfile",
        ])
        .cwd(&fixture)
        .run();
    let dockerfile = std::fs::read_to_string(fixture.join("Dockerfile")).unwrap();
    let pinned = pin_first_from(&dockerfile);
    assert_eq!(pinned, out.stdout);
    assert!(
        pinned.contains("FROM --platform=${BUILDPLATFORM} ${GOLANG_IMAGE} AS builder\n"),
        "{pinned}"
    );
}

#[test]
fn fixture_builds_pinned_for_two_platforms_and_pushes() {
    let reference = smoke_image();
    // The tag resolves in the registry right after the push.
    let index = skopeo_raw(reference);
    assert!(index["manifests"].is_array(), "{index:#}");
}

#[test]
fn pushed_image_is_an_index_of_both_platforms() {
    let reference = smoke_image();
    let index = skopeo_raw(reference);
    let media_type = index["mediaType"].as_str().unwrap_or("");
    assert!(
        [
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
        ]
        .contains(&media_type),
        "not an image index: mediaType {media_type:?}\n{index:#}"
    );
    let platforms = index_platforms(&index);
    let names: BTreeSet<&str> = platforms.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        names,
        BTreeSet::from(["linux/amd64", "linux/arm64"]),
        "index platforms\n{index:#}"
    );

    // Each entry is a real image of its platform, configured as the
    // Dockerfile says.
    let repo = reference.rsplit_once(':').unwrap().0;
    for (platform, digest) in &platforms {
        let config_out = Cmd::new("skopeo")
            .args(["inspect", "--config", "--raw", "--tls-verify=false"])
            .arg(format!("docker://{repo}@{digest}"))
            .timeout(Duration::from_secs(60))
            .run();
        let config: Value = serde_json::from_str(&config_out.stdout)
            .unwrap_or_else(|e| panic!("config is not JSON ({e})\n{config_out}"));
        let arch = platform.split_once('/').unwrap().1;
        assert_eq!(config["os"], "linux", "{platform}: {config:#}");
        assert_eq!(config["architecture"], arch, "{platform}: {config:#}");
        assert_eq!(
            config["config"]["User"], "65532:65532",
            "{platform}: {config:#}"
        );
        assert_eq!(
            config["config"]["Entrypoint"],
            serde_json::json!(["/manager"]),
            "{platform}: {config:#}"
        );
    }
}

/// Pulls the pushed image for one platform from the registry and runs it:
/// the manager prints the platform it was compiled for.
fn assert_runs_as(platform: &str) {
    let reference = smoke_image();
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
    assert_eq!(out.stdout.trim_end(), platform, "{out}");
}

#[test]
fn image_runs_as_linux_amd64() {
    assert_runs_as("linux/amd64");
}

#[test]
fn image_runs_as_linux_arm64_under_qemu() {
    assert_runs_as("linux/arm64");
}
