//! `xbuild build` with podman (`CONTAINER_TOOL=podman`, `--tool`,
//! `[builder] tool`): the plan `--dry-run` prints and what is refused before
//! anything runs. None of this needs podman.

use crate::support::{Output, Test};

const DOCKERFILE: &str = "FROM --platform=$BUILDPLATFORM localhost:5000/golang:1.22 AS builder\nARG TARGETOS TARGETARCH\nWORKDIR /workspace\nCOPY . .\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o manager .\nFROM localhost:5000/busybox:1\nCOPY --from=builder /workspace/manager /manager\n";

/// The build machine's architecture, as podman's BUILDARCH.
const HOST: &str = match std::env::consts::ARCH.as_bytes() {
    b"x86_64" => "amd64",
    b"aarch64" => "arm64",
    _ => std::env::consts::ARCH,
};

fn project() -> Test {
    Test::new().file("Dockerfile", DOCKERFILE)
}

/// Each step's argv as one line, the random list name as LIST and the
/// temporary directory as TMP.
fn steps(out: &Output) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout));
    let list = v["podman"]["list"].as_str().unwrap().to_string();
    assert!(list.starts_with("localhost/xbuild-list-"), "{list}");
    let tmp = v["metadata_file"]
        .as_str()
        .unwrap()
        .trim_end_matches("/metadata.json")
        .to_string();
    v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| match s.get("command") {
            Some(c) => std::iter::once(c["program"].as_str().unwrap())
                .chain(
                    c["args"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|a| a.as_str().unwrap()),
                )
                .collect::<Vec<_>>()
                .join(" "),
            None => format!("write {}", s["path"].as_str().unwrap()),
        })
        .map(|l| l.replace(&list, "LIST").replace(&tmp, "TMP"))
        .collect()
}

fn dry(t: Test, args: &[&str]) -> Output {
    t.args([
        "build",
        "--dry-run",
        "--format",
        "json",
        "--go",
        "container",
    ])
    .args(args.iter().copied())
    .run()
    .status(0)
}

#[test]
fn container_tool_podman_builds_into_a_temporary_list_and_pushes_each_tag() {
    let out = dry(
        project().env("CONTAINER_TOOL", "podman"),
        &[
            "--tag",
            "localhost:5000/x:1",
            "--tag",
            "localhost:5000/x:latest",
            "--push",
        ],
    );
    assert_eq!(
        steps(&out),
        [
            format!("podman build --platform linux/amd64,linux/arm64 --manifest LIST --build-arg BUILDPLATFORM=linux/{HOST} --build-arg BUILDOS=linux --build-arg BUILDARCH={HOST} -f - ."),
            "podman manifest push --all --digestfile TMP/digest-0 LIST docker://localhost:5000/x:1".to_string(),
            "podman manifest push --all --digestfile TMP/digest-1 LIST docker://localhost:5000/x:latest".to_string(),
        ]
    );
}

#[test]
fn the_tool_follows_flag_environment_config_precedence() {
    let tool = |t: Test, args: &[&str]| -> String {
        let v: serde_json::Value = serde_json::from_str(&dry(t, args).stdout).unwrap();
        v["builder"]["driver"].as_str().unwrap().to_string()
    };
    let configured = || project().file("xbuild.toml", "[builder]\ntool = \"podman\"\n");
    assert_eq!(tool(configured(), &[]), "podman");
    assert_eq!(
        tool(
            configured().env("CONTAINER_TOOL", "docker"),
            &["--driver", "docker-container"]
        ),
        "docker-container"
    );
    assert_eq!(
        tool(
            project().env("CONTAINER_TOOL", "docker"),
            &["--tool", "/usr/bin/podman"]
        ),
        "podman"
    );
    assert_eq!(
        tool(
            configured(),
            &["--tool", "docker", "--driver", "docker-container"]
        ),
        "docker-container"
    );
}

#[test]
fn load_tags_the_list_and_oci_is_written_by_manifest_push() {
    let out = dry(
        project().env("CONTAINER_TOOL", "podman"),
        &["--tag", "localhost/x:1", "--load"],
    );
    assert_eq!(steps(&out)[1], "podman tag LIST localhost/x:1");
    let out = dry(
        project().env("CONTAINER_TOOL", "podman"),
        &["--output", "type=oci,dest=out.tar"],
    );
    assert_eq!(
        steps(&out)[1],
        "podman manifest push --all LIST oci-archive:out.tar"
    );
}

#[test]
fn host_go_and_dockerignore_reach_podman() {
    let out = project()
        .file(".dockerignore", "**\n!**/*.go\n**/*_test.go\n!go.mod\n")
        .file("go.mod", "module x\n")
        .file("main.go", "package main\n")
        .file("main_test.go", "package main\n")
        .file("README.md", "x\n")
        .env("CONTAINER_TOOL", "podman")
        .args([
            "build",
            "--dry-run",
            "--format",
            "json",
            "--go",
            "container",
        ])
        .run()
        .status(0);
    let s = steps(&out);
    assert_eq!(s[0], "write TMP/dockerignore");
    assert!(
        s[1].contains(" -f - --ignorefile TMP/dockerignore ."),
        "{s:?}"
    );
}

#[test]
fn what_podman_cannot_do_is_refused_before_anything_runs() {
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "[build]\nprovenance = \"mode=max\"\n",
            &[],
            "podman cannot attach provenance attestations",
        ),
        (
            "[build]\nsbom = \"true\"\n",
            &[],
            "podman cannot attach an SBOM attestation",
        ),
        (
            "",
            &["--output", "type=local,dest=out"],
            "podman cannot write the output",
        ),
        (
            "",
            &["--load"],
            "podman cannot load an image without a name",
        ),
        (
            "[build]\ncache-from = [\"type=local,src=c\"]\n",
            &[],
            "podman cannot use the cache-from cache",
        ),
        (
            "[builder]\ndriver = \"remote\"\nendpoint = \"tcp://b:1234\"\n",
            &[],
            "podman cannot build on remote or Kubernetes buildx nodes",
        ),
    ];
    for (toml, args, msg) in cases {
        project()
            .file("xbuild.toml", toml)
            .env("CONTAINER_TOOL", "podman")
            .args(["build", "--dry-run", "--go", "container"])
            .args(args.iter().copied())
            .run()
            .status(2)
            .stderr_contains(msg);
    }
}

#[test]
fn an_unknown_tool_is_a_configuration_error() {
    project()
        .file("xbuild.toml", "[builder]\ntool = \"podmn\"\n")
        .args(["build", "--dry-run"])
        .run()
        .status(2)
        .stderr_contains("did you mean `podman`?");
    project()
        .args(["build", "--dry-run", "--tool", "buildah"])
        .run()
        .status(2)
        .stderr_contains("--tool=buildah is not supported");
}

#[test]
fn a_missing_podman_is_reported_before_the_build() {
    project()
        .args([
            "build",
            "--go",
            "container",
            "--tool",
            "/nonexistent/podman",
        ])
        .run()
        .status(2)
        .stderr_contains("/nonexistent/podman was not found");
}

#[test]
fn push_by_digest_is_refused_with_podman() {
    project()
        .env("CONTAINER_TOOL", "podman")
        .args([
            "build",
            "--dry-run",
            "--push-by-digest",
            "--tag",
            "localhost:5000/x",
        ])
        .run()
        .status(2)
        .stderr_contains("--push-by-digest is not supported with podman");
}
