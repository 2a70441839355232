//! `xbuild build --dry-run`: the plan for every driver, output type and
//! flag, and the errors found before anything runs. None of this needs
//! Docker: the plan is what the real run executes.

use crate::support::{Output, Test};

const DOCKERFILE: &str = "ARG GO=golang:1.22\nFROM ${GO} AS builder\nARG TARGETOS TARGETARCH\nWORKDIR /workspace\nCOPY . .\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o manager .\nFROM busybox\nCOPY --from=builder /workspace/manager /manager\n";

fn project() -> Test {
    Test::new().file("Dockerfile", DOCKERFILE)
}

fn plan(out: &Output) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

/// The argv of each step, as one string each.
pub(crate) fn step_lines(v: &serde_json::Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.get("command"))
        .map(|c| {
            let mut argv = vec![c["program"].as_str().unwrap().to_string()];
            argv.extend(
                c["args"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string()),
            );
            argv.join(" ")
        })
        .collect()
}

fn dry(t: Test, args: &[&str]) -> serde_json::Value {
    let out = t
        .args(["build", "--dry-run", "--format", "json"])
        .args(args.iter().copied())
        .run()
        .status(0);
    plan(&out)
}

#[test]
fn default_is_an_ephemeral_docker_container_builder_removed_afterwards() {
    let v = dry(project(), &["--tag", "localhost:5000/x:1", "--push"]);
    let name = v["builder"]["name"].as_str().unwrap().to_string();
    assert!(name.starts_with("xbuild-") && name.len() == 15, "{name}");
    assert_eq!(v["builder"]["ephemeral"], true);
    let steps = step_lines(&v, "steps");
    assert_eq!(
        steps[0],
        format!("docker buildx create --name {name} --driver docker-container --node {name}-0")
    );
    assert!(steps[1].starts_with(&format!(
        "docker buildx build --builder {name} --platform linux/amd64,linux/arm64 -f - --tag localhost:5000/x:1 --push --metadata-file "
    )));
    assert!(steps[1].ends_with(" ."));
    assert_eq!(
        step_lines(&v, "cleanup"),
        vec![format!("docker buildx rm {name}")]
    );
    // The cross Dockerfile goes on stdin; never `buildx use`.
    assert!(
        v["steps"][1]["command"]["stdin"]
            .as_str()
            .unwrap()
            .contains("Dockerfile")
    );
    assert!(!v.to_string().contains("\"use\""));

    let other = dry(project(), &["--tag", "localhost:5000/x:1", "--push"]);
    assert_ne!(
        other["builder"]["name"], v["builder"]["name"],
        "two runs must never share a builder"
    );
}

#[test]
fn docker_driver_uses_the_engine_builder_and_creates_nothing() {
    let v = dry(
        project().env("HOME", "/nonexistent"),
        &["--driver", "docker", "--load", "--platform", "linux/arm64"],
    );
    let steps = step_lines(&v, "steps");
    assert_eq!(steps.len(), 1);
    assert!(
        steps[0].starts_with(
            "docker buildx build --builder default --platform linux/arm64 -f - --load "
        )
    );
    assert!(step_lines(&v, "cleanup").is_empty());
    let v = dry(
        project().env("DOCKER_CONTEXT", "colima"),
        &["--driver", "docker"],
    );
    assert!(step_lines(&v, "steps")[0].contains("--builder colima"));
}

#[test]
fn remote_and_kubernetes_nodes_are_appended() {
    let toml = r#"
[builder]
name = "fleet"
driver = "remote"
endpoint = "tcp://amd64.buildkit:1234"
platforms = ["linux/amd64"]
driver-opts = { cacert = "/certs/ca.pem" }
buildkitd-flags = "--allow-insecure-entitlement network.host"

[[builder.nodes]]
endpoint = "tcp://arm64.buildkit:1234"
platforms = ["linux/arm64"]
driver-opts = ["cacert=/certs/ca.pem"]
"#;
    let v = dry(
        project().file("xbuild.toml", toml),
        &["--output", "type=image,name=r/x:1,push=true"],
    );
    let name = v["builder"]["name"].as_str().unwrap().to_string();
    assert!(name.starts_with("fleet-"));
    let steps = step_lines(&v, "steps");
    assert_eq!(
        steps[0],
        format!(
            "docker buildx create --name {name} --driver remote --node {name}-0 --driver-opt cacert=/certs/ca.pem --buildkitd-flags=--allow-insecure-entitlement network.host --platform linux/amd64 tcp://amd64.buildkit:1234"
        )
    );
    assert_eq!(
        steps[1],
        format!(
            "docker buildx create --append --name {name} --node {name}-1 --driver-opt cacert=/certs/ca.pem --platform linux/arm64 tcp://arm64.buildkit:1234"
        )
    );
    assert!(steps[2].contains("--output type=image,name=r/x:1,push=true"));

    let v = dry(
        project().file("xbuild.toml", "[builder]\ndriver = \"kubernetes\"\ndriver-opts = { namespace = \"ci\", replicas = \"2\" }\n"),
        &[],
    );
    assert!(step_lines(&v, "steps")[0].contains("--driver kubernetes --node "));
    assert!(
        step_lines(&v, "steps")[0].ends_with("--driver-opt namespace=ci --driver-opt replicas=2")
    );
}

#[test]
fn persistent_builder_is_reused_and_never_removed() {
    let v = dry(
        project().file(
            "xbuild.toml",
            "[builder]\nname = \"proj\"\nephemeral = false\n",
        ),
        &[],
    );
    assert_eq!(v["builder"]["name"], "proj");
    assert_eq!(v["steps"][0]["role"], "ensure-builder");
    assert!(step_lines(&v, "cleanup").is_empty());
    let v = dry(project(), &["--keep-builder", "--builder-name", "mine"]);
    assert_eq!(v["builder"]["name"], "mine");
    assert_eq!(v["builder"]["ephemeral"], false);
}

#[test]
fn every_output_type() {
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["--push", "--tag", "r/x:1"],
            "--push",
            "pushed to the registry",
        ),
        (&["--load"], "--load", "loaded into the docker image store"),
        (
            &["--output", "type=registry", "--tag", "r/x:1"],
            "--output type=registry",
            "pushed to the registry",
        ),
        (
            &["--output", "type=image,push=true", "--tag", "r/x:1"],
            "--output type=image,push=true",
            "pushed",
        ),
        (
            &["--output", "type=docker"],
            "--output type=docker",
            "loaded into the docker image store",
        ),
        (
            &["--output", "type=oci,dest=x.tar"],
            "type=oci,dest=",
            "OCI image archive",
        ),
        (
            &["--output", "type=tar,dest=files.tar"],
            "type=tar,dest=",
            "tarball",
        ),
        (
            &["--output", "type=local,dest=out"],
            "type=local,dest=",
            "one directory per platform",
        ),
        (
            &["--output", "type=cacheonly"],
            "--output type=cacheonly",
            "cache only",
        ),
    ];
    for (args, flag, described) in cases {
        let v = dry(project(), args);
        let build = step_lines(&v, "steps").pop().unwrap();
        assert!(build.contains(flag), "{args:?}: {build}");
        assert!(
            v["outputs"][0].as_str().unwrap().contains(described),
            "{args:?}: {}",
            v["outputs"]
        );
    }
    // Two outputs at once, and a relative dest resolved.
    let v = dry(
        project(),
        &[
            "--output",
            "type=local,dest=out",
            "--output",
            "type=oci,dest=img.tar",
        ],
    );
    assert_eq!(v["outputs"].as_array().unwrap().len(), 2);
}

#[test]
fn flags_reach_the_build_line() {
    let toml = r#"
[build]
cache-from = ["type=registry,ref=r/cache"]
cache-to = ["type=inline"]
provenance = false
sbom = true
[build.args]
VERSION = "1.0"
"#;
    let v = dry(
        project().file("xbuild.toml", toml),
        &[
            "--build-arg",
            "VERSION=2.0",
            "--build-arg",
            "EXTRA=x",
            "--target",
            "builder",
            "--no-cache",
            "--progress",
            "plain",
        ],
    );
    let build = step_lines(&v, "steps").pop().unwrap();
    for part in [
        "--build-arg VERSION=2.0",
        "--build-arg EXTRA=x",
        "--target builder",
        "--cache-from type=registry,ref=r/cache",
        "--cache-to type=inline",
        "--provenance=false",
        "--sbom=true",
        "--no-cache",
        "--progress=plain",
    ] {
        assert!(build.contains(part), "{part} missing: {build}");
    }
    assert!(
        !build.contains("VERSION=1.0"),
        "the flag overrides xbuild.toml"
    );
}

#[test]
fn makefile_variables_from_the_environment() {
    let v = dry(
        project()
            .env("IMG", "localhost:5000/op:v2")
            .env("PLATFORMS", "linux/arm64,linux/amd64,linux/s390x"),
        &["--push"],
    );
    assert_eq!(v["tags"], serde_json::json!(["localhost:5000/op:v2"]));
    assert_eq!(
        v["platforms"],
        serde_json::json!(["linux/arm64", "linux/amd64", "linux/s390x"])
    );
    // Flags win over the environment.
    let v = dry(
        project()
            .env("IMG", "a/b:c")
            .env("PLATFORMS", "linux/s390x"),
        &["--tag", "x/y:z", "--platform", "linux/amd64"],
    );
    assert_eq!(v["tags"], serde_json::json!(["x/y:z"]));
    assert_eq!(v["platforms"], serde_json::json!(["linux/amd64"]));
    // CONTAINER_TOOL names the docker CLI.
    let v = dry(
        project().env("CONTAINER_TOOL", "/usr/local/bin/docker"),
        &[],
    );
    assert!(step_lines(&v, "steps")[0].starts_with("/usr/local/bin/docker buildx create"));
}

#[test]
fn before_commands_run_first_as_argv() {
    let toml = r#"
[build]
before = ["go test ./...", { run = "make manifests && echo ok", shell = true, name = "manifests" }]
"#;
    let v = dry(project().file("xbuild.toml", toml), &[]);
    let steps = step_lines(&v, "steps");
    assert_eq!(steps[0], "go test ./...");
    assert_eq!(steps[1], "sh -c make manifests && echo ok");
    assert_eq!(v["steps"][0]["role"], "before");
    assert_eq!(v["steps"][1]["name"], "before: manifests");
    // A leading assignment sets the variable for the command, as in a shell.
    let v = dry(
        project().file(
            "xbuild.toml",
            "[build]\nbefore = \"GOFLAGS=-mod=mod go test ./...\"\n",
        ),
        &[],
    );
    assert_eq!(
        step_lines(&v, "steps")[0],
        "env GOFLAGS=-mod=mod go test ./..."
    );
}

#[test]
fn plan_lines_are_shell_quoted() {
    // Copy-paste runnable: brace expansion and word splitting are quoted.
    project()
        .args(["build", "--dry-run", "--build-arg", "D={a,b}"])
        .args(["--build-arg", "S=a b"])
        .run()
        .status(0)
        .stdout_contains("--build-arg 'D={a,b}' --build-arg 'S=a b'");
}

#[test]
fn keep_cross_writes_the_file_and_builds_from_it() {
    let v = dry(project(), &["--keep-cross"]);
    assert_eq!(v["steps"][0]["role"], "write-cross");
    let build = step_lines(&v, "steps").pop().unwrap();
    assert!(
        build.contains("-f ") && build.contains("Dockerfile.cross"),
        "{build}"
    );
    assert!(
        v["steps"].as_array().unwrap().last().unwrap()["command"]
            .get("stdin")
            .is_none()
    );
}

#[test]
fn dry_run_writes_nothing_and_shows_the_cross_decision() {
    let out = project()
        .args(["build", "--dry-run", "--keep-cross"])
        .run()
        .status(0);
    assert!(
        !out.exists("Dockerfile.cross"),
        "a dry run must not write Dockerfile.cross"
    );
    assert!(out.stdout.contains("dry run: nothing was run"));
    assert!(out.stdout.contains("stage builder (line 2) pinned"));
    assert!(out.stdout.contains("cleanup (in every outcome):"));
    assert!(
        out.stdout
            .contains("$ docker buildx build --builder xbuild-")
    );
}

#[test]
fn docker_buildx_is_an_alias() {
    let out = project()
        .args(["docker-buildx", "--dry-run"])
        .run()
        .status(0);
    assert!(out.stdout.contains("docker buildx build"));
}

#[test]
fn errors_before_anything_runs() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--push", "--load"],
            "--push and --load cannot be used together",
        ),
        (&["--output", "type=floppy"], "unknown output type"),
        (&["--output", "type=local"], "needs dest"),
        (&["--output", "type=tar"], "needs dest"),
        (&["--output", "type=oci"], "needs dest"),
        (
            &["--platform", "linux/amd64,linux/arm65"],
            "invalid platform",
        ),
        (&["--push"], "pushing needs at least one tag"),
        (&["--driver", "podman"], "unknown driver"),
        (&["--progress", "fancy"], "unknown progress mode"),
        (&["--build-arg", "XBUILD_UNSET_FOR_TEST"], "has no value"),
        (&["--build-arg", "=v"], "has no valid name"),
        (&["--platform", ","], "no platform in --platform"),
        (&["--push", "--tag", ""], "is not an image reference"),
        (&["--tag", "bad ref"], "is not an image reference"),
        (&["--tag", "x/Upper:1"], "is not an image reference"),
        (
            &["--output", "type=image,push=true,name="],
            "pushing needs at least one tag",
        ),
        (
            &["--driver", "remote"],
            "the remote driver needs an endpoint",
        ),
        (&["--builder-name", ""], "is not a valid builder name"),
        (&["--builder-name", "../x"], "is not a valid builder name"),
    ];
    for (args, msg) in cases {
        project()
            .args(["build", "--dry-run"])
            .args(args.iter().copied())
            .run()
            .status(2)
            .stderr_contains(msg);
    }
    project()
        .env("CONTAINER_TOOL", "podman")
        .args(["build", "--dry-run"])
        .run()
        .status(2)
        .stderr_contains("CONTAINER_TOOL=podman is not supported");
    project()
        .env("PLATFORMS", "linux/amd64,bogus")
        .args(["build", "--dry-run"])
        .run()
        .status(2)
        .stderr_contains("$PLATFORMS");
    Test::new()
        .args(["build", "--dry-run"])
        .run()
        .status(2)
        .stderr_contains("Dockerfile does not exist");
    project()
        .file(
            "xbuild.toml",
            "[builder]\ndriver = \"docker\"\n[[builder.nodes]]\nendpoint = \"tcp://x:1\"\n",
        )
        .args(["build", "--dry-run"])
        .run()
        .status(2);
    project()
        .args(["build", "--dry-run", "--target", "nope"])
        .run()
        .status(2)
        .stderr_contains("target stage \"nope\" could not be found");
}

#[test]
fn configured_output_paths_are_joined_once_under_dash_c() {
    let t = Test::new()
        .file("sub/Dockerfile", "FROM a\n")
        .file(
            "sub/xbuild.toml",
            "[build]\noutput = [\"type=local,dest=out\"]\n",
        )
        .args(["-C", "sub", "build", "--dry-run", "--driver", "docker"])
        .run()
        .status(0)
        .stdout_contains("--output type=local,dest=sub/out ");
    assert!(!t.stdout.contains("sub/sub"), "{}", t.stdout);
}
