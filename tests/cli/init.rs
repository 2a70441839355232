//! `xbuild init`: detection from a kubebuilder project, refusing to
//! overwrite, and a generated file that loads.

use crate::support::Test;

const MAKEFILE: &str = "# Image URL to use all building/pushing image targets
IMG ?= localhost:5000/x/op:v1
CONTAINER_TOOL ?= docker
PLATFORMS ?= linux/arm64,linux/amd64,linux/s390x,linux/ppc64le

.PHONY: docker-buildx
docker-buildx: test ## Build and push docker image for the manager for cross-platform support
\tsed -e '1 s/\\(^FROM\\)/FROM --platform=\\$$\\{BUILDPLATFORM\\}/; t' -e ' 1,// s//FROM --platform=\\$$\\{BUILDPLATFORM\\}/' Dockerfile > Dockerfile.cross
\t- $(CONTAINER_TOOL) buildx create --name project-v3-builder
\t$(CONTAINER_TOOL) buildx use project-v3-builder
\t- $(CONTAINER_TOOL) buildx build --push --platform=$(PLATFORMS) --tag ${IMG} -f Dockerfile.cross .
\t- $(CONTAINER_TOOL) buildx rm project-v3-builder
\trm Dockerfile.cross
";

fn kubebuilder() -> Test {
    Test::new()
        .file(
            "Dockerfile",
            "FROM golang:1.22 AS builder\nFROM gcr.io/distroless/static:nonroot\n",
        )
        .file(
            "go.mod",
            "module github.com/example/memcached-operator\n\ngo 1.22\n",
        )
        .file("Makefile", MAKEFILE)
}

/// Loads `toml` with `xbuild config --format json` in a fresh project.
fn load(toml: &str) -> serde_json::Value {
    let out = Test::new()
        .file("xbuild.toml", toml)
        .args(["config", "--format", "json"])
        .run()
        .status(0);
    serde_json::from_str(&out.stdout).unwrap()
}

#[test]
fn detects_a_kubebuilder_project() {
    let out = kubebuilder()
        .args(["init"])
        .run()
        .status(0)
        .stderr_contains("Detected:")
        .stderr_contains("localhost:5000/x/op:v1 (Makefile:2)")
        .stderr_contains("github.com/example/memcached-operator")
        .stderr_contains("Wrote xbuild.toml");
    let toml = out.read("xbuild.toml");
    for line in [
        "name = \"localhost:5000/x/op\"",
        "tags = [\"v1\"]",
        "platforms = [\"linux/arm64\", \"linux/amd64\", \"linux/s390x\", \"linux/ppc64le\"]",
        "path = \"Dockerfile\"",
        "push = true",
        "before = [\"make test\"]",
    ] {
        assert!(toml.lines().any(|l| l == line), "no {line:?} in\n{toml}");
    }
    assert!(!toml.contains("{{"), "{toml}");

    let v = load(&toml);
    assert_eq!(v["image"]["name"], "localhost:5000/x/op");
    assert_eq!(v["image"]["tags"], serde_json::json!(["v1"]));
    assert_eq!(v["image"]["platforms"][3], "linux/ppc64le");
    assert_eq!(v["build"]["push"], true);
    assert_eq!(
        v["build"]["before"][0]["run"],
        serde_json::json!(["make", "test"])
    );
}

#[test]
fn go_module_names_the_image_without_img() {
    let out = Test::new()
        .file("Dockerfile", "FROM scratch\n")
        .file("go.mod", "module github.com/example/widget-operator/v2\n")
        .args(["init"])
        .run()
        .status(0)
        .stderr_contains("last element of the go.mod module");
    let v = load(&out.read("xbuild.toml"));
    assert_eq!(v["image"]["name"], "widget-operator");
    assert_eq!(v["image"]["tags"], serde_json::json!(["latest"]));
}

#[test]
fn podman_is_taken_from_the_makefile() {
    let out = kubebuilder()
        .file(
            "Makefile",
            MAKEFILE.replace("CONTAINER_TOOL ?= docker", "CONTAINER_TOOL ?= podman"),
        )
        .args(["init"])
        .run()
        .status(0);
    assert!(
        !out.stderr.contains("note: The Makefile builds with"),
        "{}",
        out.stderr
    );
    let v = load(&out.read("xbuild.toml"));
    assert_eq!(v["builder"]["tool"], "podman");
}

#[test]
fn the_environment_overrides_conditional_makefile_values() {
    let out = kubebuilder()
        .env("IMG", "ghcr.io/team/op:v2")
        .args(["init", "--stdout"])
        .run()
        .status(0)
        .stderr_contains("ghcr.io/team/op:v2 (environment)")
        .stdout_contains("name = \"ghcr.io/team/op\"")
        .stdout_contains("tags = [\"v2\"]");
    assert!(!out.exists("xbuild.toml"));
}

#[test]
fn refuses_to_overwrite_without_force() {
    let out = kubebuilder()
        .file("xbuild.toml", "# mine\n")
        .args(["init"])
        .run()
        .status(2)
        .stderr_contains("xbuild::init::exists")
        .stderr_contains("xbuild.toml already exists")
        .stderr_contains("--force");
    assert_eq!(out.read("xbuild.toml"), "# mine\n");
}

#[test]
fn force_overwrites() {
    let out = kubebuilder()
        .file("xbuild.toml", "# mine\n")
        .args(["init", "--force"])
        .run()
        .status(0);
    assert!(
        out.read("xbuild.toml")
            .contains("name = \"localhost:5000/x/op\"")
    );
}

#[test]
fn stdout_prints_and_writes_nothing() {
    let out = kubebuilder()
        .file("xbuild.toml", "# mine\n")
        .args(["init", "--stdout"])
        .run()
        .status(0)
        .stdout_contains("[image]")
        .stdout_contains("[lint]");
    assert_eq!(out.read("xbuild.toml"), "# mine\n");
    assert!(!out.stderr.contains("Wrote"), "{}", out.stderr);
}

#[test]
fn empty_project_gets_the_defaults() {
    let out = Test::new()
        .args(["init"])
        .run()
        .status(0)
        .stderr_contains("No Dockerfile found");
    let v = load(&out.read("xbuild.toml"));
    assert_eq!(
        v["image"]["platforms"],
        serde_json::json!(["linux/amd64", "linux/arm64"])
    );
    assert!(v["image"].get("name").is_none());
}

#[test]
fn generated_files_load_for_many_projects() {
    let makefiles = [
        "IMG ?= controller:latest\n",
        "IMG := example.com/op\nPLATFORMS = linux/amd64\n",
        "VERSION ?= 0.0.1\nIMAGE_TAG_BASE ?= example.com/memcached-operator\nIMG ?= $(IMAGE_TAG_BASE):v$(VERSION)\n",
        "IMG ?= $(shell git describe)\nPLATFORMS ?= linux/sparc\n",
        "IMG ?= Not A Valid Image\nCONTAINER_TOOL ?= nerdctl\n",
        "PLATFORMS ?= linux/arm64, linux/arm/v7 ,linux/amd64\n",
    ];
    for mk in makefiles {
        let out = Test::new()
            .file("build/operator.Dockerfile", "FROM scratch\n")
            .file("Makefile", mk)
            .args(["init", "--stdout"])
            .run()
            .status(0);
        load(&out.stdout);
    }
    let out = Test::new()
        .file("Makefile", "VERSION ?= 0.0.1\nIMAGE_TAG_BASE ?= example.com/memcached-operator\nIMG ?= $(IMAGE_TAG_BASE):v$(VERSION)\n")
        .args(["init", "--stdout"])
        .run()
        .status(0);
    let v = load(&out.stdout);
    assert_eq!(v["image"]["name"], "example.com/memcached-operator");
    assert_eq!(v["image"]["tags"], serde_json::json!(["v0.0.1"]));
}

#[test]
fn picks_a_dockerfile_among_several() {
    let out = Test::new()
        .file("manager.Dockerfile", "FROM scratch\n")
        .file("Dockerfile.dev", "FROM scratch\n")
        .file("Dockerfile.cross", "FROM scratch\n")
        .args(["init"])
        .run()
        .status(0)
        .stderr_contains(
            "Picked manager.Dockerfile among several Dockerfiles (also Dockerfile.dev)",
        );
    let v = load(&out.read("xbuild.toml"));
    assert_eq!(v["dockerfile"]["path"], "manager.Dockerfile");
}

#[test]
fn writes_where_directory_and_config_point() {
    let out = kubebuilder()
        .file("sub/Dockerfile", "FROM scratch\n")
        .args(["-C", "sub", "--config", "ci/xbuild.toml", "init"])
        .run()
        .status(0)
        .stderr_contains("Wrote ci/xbuild.toml");
    let toml = out.read("sub/ci/xbuild.toml");
    assert!(toml.contains("path = \"../Dockerfile\""), "{toml}");
    let loaded = Test::new()
        .file("sub/Dockerfile", "")
        .file("sub/ci/xbuild.toml", &toml)
        .args([
            "-C",
            "sub",
            "--config",
            "ci/xbuild.toml",
            "config",
            "--format",
            "json",
        ])
        .run()
        .status(0);
    let v: serde_json::Value = serde_json::from_str(&loaded.stdout).unwrap();
    assert_eq!(v["dockerfile"]["path"], "sub/Dockerfile");
}

#[test]
fn the_scaffolds_four_platforms_reach_the_build_plan() {
    let out = kubebuilder().args(["init"]).run().status(0);
    let toml = out.read("xbuild.toml");
    let v: serde_json::Value = serde_json::from_str(
        &Test::new()
            .file("xbuild.toml", toml)
            .file(
                "Dockerfile",
                "FROM golang:1.22 AS builder\nFROM gcr.io/distroless/static:nonroot\n",
            )
            .env("DOCKER_CONFIG", "/nonexistent")
            .env_remove("DOCKER_CONTEXT")
            .args(["build", "--dry-run", "--format", "json"])
            .run()
            .status(0)
            .stdout,
    )
    .unwrap();
    assert_eq!(
        v["platforms"],
        serde_json::json!(["linux/arm64", "linux/amd64", "linux/s390x", "linux/ppc64le"])
    );
    let build = v["steps"].as_array().unwrap().last().unwrap()["command"]["args"].clone();
    let args: Vec<&str> = build
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let at = args.iter().position(|a| *a == "--platform").unwrap();
    assert_eq!(
        args[at + 1],
        "linux/arm64,linux/amd64,linux/s390x,linux/ppc64le"
    );
}
