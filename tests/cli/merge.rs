//! `build --push-by-digest` plans and refusals, and `xbuild merge`'s input
//! checks and plan (no Docker: what the registry holds is tested in e2e).

use crate::support::Test;

const TOML: &str = "[image]\nname = \"localhost:5000/x/op\"\ntags = [\"v1\"]\n";

fn project(driver: &str) -> Test {
    Test::new()
        .file("Dockerfile", "FROM scratch\nCOPY a /a\n")
        .file(
            "xbuild.toml",
            format!("{TOML}\n[builder]\ndriver = \"{driver}\"\n"),
        )
        .env_remove("IMG")
        .env_remove("PLATFORMS")
}

fn build_line(stdout: &str) -> String {
    let plan: serde_json::Value = serde_json::from_str(stdout).unwrap();
    let steps = plan["steps"].as_array().unwrap();
    let build = steps.iter().find(|s| s["role"] == "build").unwrap();
    build["command"]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn container_drivers_push_by_digest_natively() {
    let out = project("docker-container")
        .args(["build", "--platform", "linux/arm64", "--push-by-digest"])
        .args(["--dry-run", "--format", "json"])
        .run()
        .status(0);
    let line = build_line(&out.stdout);
    assert!(
        line.contains("--platform linux/arm64 -f - --output type=image,name=localhost:5000/x/op,push-by-digest=true,name-canonical=true,push=true --metadata-file"),
        "{line}"
    );
    assert!(!line.contains("--tag"), "{line}");
}

#[test]
fn the_docker_driver_uses_a_stated_temporary_tag() {
    let out = project("docker")
        .args(["build", "--platform", "linux/amd64", "--push-by-digest", "--dry-run"])
        .run()
        .status(0)
        .stdout_contains("  tags       (none)\n")
        .stdout_contains("by digest: remove the engine's local stand-in tag\n   $ docker image rm localhost:5000/x/op:xbuild-by-digest-linux-amd64\n")
        .stdout_contains("the image is pushed as localhost:5000/x/op:xbuild-by-digest-linux-amd64 and its digest read from buildx's metadata; that tag stays in the registry");
    assert!(out.stdout.contains(
        "--output type=image,name=localhost:5000/x/op:xbuild-by-digest-linux-amd64,push=true --metadata-file"
    ));
}

#[test]
fn refuses_tags_that_would_be_ignored() {
    project("docker")
        .args([
            "build",
            "--push-by-digest",
            "--tag",
            "localhost:5000/x/op:v2",
            "--dry-run",
        ])
        .run()
        .status(2)
        .stderr_contains("--push-by-digest pushes no tag, so --tag")
        .stderr_contains("[\"localhost:5000/x/op:v2\"]")
        .stderr_contains("(--tag localhost:5000/x/op)");
    project("docker")
        .env("IMG", "localhost:5000/x/op:v3")
        .args(["build", "--push-by-digest", "--dry-run"])
        .run()
        .status(2)
        .stderr_contains("so $IMG [\"localhost:5000/x/op:v3\"]");
    // The repository alone is what it pushes to.
    project("docker")
        .args([
            "build",
            "--push-by-digest",
            "--tag",
            "localhost:5000/y/op",
            "--dry-run",
        ])
        .run()
        .status(0)
        .stdout_contains("name=localhost:5000/y/op:xbuild-by-digest-");
    project("docker")
        .args(["build", "--push-by-digest", "--push", "--dry-run"])
        .run()
        .status(2)
        .stderr_contains("cannot be used with");
    Test::new()
        .file("Dockerfile", "FROM scratch\n")
        .env_remove("IMG")
        .args(["build", "--push-by-digest", "--dry-run"])
        .run()
        .status(2)
        .stderr_contains("--push-by-digest needs a repository to push to");
}

fn summary(repo: &str, digest: &str, platform: &str) -> String {
    format!(
        "{{\"push_by_digest\": true, \"repository\": \"{repo}\", \"digest\": \"{digest}\", \"platforms\": [\"{platform}\"]}}"
    )
}

#[test]
fn merge_plan_from_summaries_and_digests() {
    let a = format!("sha256:{}", "a".repeat(64));
    let b = format!("sha256:{}", "b".repeat(64));
    let out = Test::new()
        .file(
            "amd64.json",
            summary("localhost:5000/x/op", &a, "linux/amd64"),
        )
        .args([
            "merge",
            "--tag",
            "localhost:5000/x/op:v1",
            "amd64.json",
            &b,
            "--dry-run",
        ])
        .run()
        .status(0);
    assert_eq!(
        out.stdout,
        format!(
            "xbuild merge plan (dry run: nothing was run)
   $ docker buildx imagetools inspect --raw localhost:5000/x/op@{a}
   $ docker buildx imagetools inspect --raw localhost:5000/x/op@{b}
   (the sources' indexes, attestation entries kept)
   $ docker buildx imagetools create --tag localhost:5000/x/op:v1 localhost:5000/x/op@{a} localhost:5000/x/op@{b}
   $ docker buildx imagetools inspect --raw localhost:5000/x/op:v1
"
        )
    );
    Test::new()
        .file("xbuild.toml", "[build]\nprovenance = false\n")
        .args(["merge", "-t", "localhost:5000/x/op:v1", &a, "--dry-run"])
        .run()
        .status(0)
        .stdout_contains("attestations dropped: [build] provenance and sbom are off");
}

#[test]
fn merge_rejects_bad_sources_before_anything_runs() {
    Test::new()
        .args(["merge", "--tag", "localhost:5000/x/op:v1", "latest"])
        .run()
        .status(2)
        .stderr_contains("\"latest\" is not a merge source");
    Test::new()
        .file("s.json", "{\"images\": []}")
        .args(["merge", "--tag", "localhost:5000/x/op:v1", "s.json"])
        .run()
        .status(2)
        .stderr_contains("s.json is not a summary of `xbuild build --push-by-digest")
        .stderr_contains("it was not written by a --push-by-digest build");
    Test::new()
        .args([
            "merge",
            "--tag",
            "localhost:5000/X/op:v1",
            &format!("sha256:{}", "a".repeat(64)),
        ])
        .run()
        .status(2)
        .stderr_contains("invalid --tag");
}

#[test]
fn github_actions_annotates_errors() {
    Test::new()
        .env("GITHUB_ACTIONS", "true")
        .args(["merge", "--tag", "localhost:5000/x/op:v1", "latest"])
        .run()
        .status(2)
        .stderr_contains(
            "::error title=xbuild::\"latest\" is not a merge source%0Ahelp: a source is",
        );
}

#[test]
fn no_before_leaves_the_before_commands_to_another_job() {
    let with = project("docker")
        .file(
            "xbuild.toml",
            format!(
                "{TOML}\n[builder]\ndriver = \"docker\"\n\n[build]\nbefore = [\"make test\"]\n"
            ),
        )
        .args(["build", "--push-by-digest", "--dry-run"]);
    with.run()
        .status(0)
        .stdout_contains("1. before: make test\n");
    let out = project("docker")
        .file(
            "xbuild.toml",
            format!(
                "{TOML}\n[builder]\ndriver = \"docker\"\n\n[build]\nbefore = [\"make test\"]\n"
            ),
        )
        .args(["build", "--push-by-digest", "--no-before", "--dry-run"])
        .run()
        .status(0);
    assert!(!out.stdout.contains("before:"), "{}", out.stdout);
}

#[test]
fn merge_plan_with_podman_reads_with_skopeo_and_pushes_a_temporary_list() {
    let a = format!("sha256:{}", "a".repeat(64));
    let out = Test::new()
        .file(
            "amd64.json",
            summary("localhost:5000/x/op", &a, "linux/amd64"),
        )
        .env("CONTAINER_TOOL", "podman")
        .args([
            "merge",
            "-t",
            "localhost:5000/x/op:v1",
            "-t",
            "localhost:5000/x/op:v2",
            "amd64.json",
            "--dry-run",
        ])
        .run()
        .status(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[1],
        format!("   $ skopeo inspect --raw docker://localhost:5000/x/op@{a}")
    );
    assert_eq!(
        lines[2],
        "   (the sources' indexes, attestation entries kept)"
    );
    let list = lines[3]
        .strip_prefix("   $ podman manifest create ")
        .unwrap_or_else(|| panic!("{}", out.stdout));
    assert!(list.starts_with("localhost/xbuild-list-"), "{list}");
    assert_eq!(
        lines[4],
        format!(
            "   $ podman manifest add {list} docker://<each manifest of localhost:5000/x/op@{a}>"
        )
    );
    for (n, tag) in ["v1", "v2"].iter().enumerate() {
        assert_eq!(
            lines[5 + n],
            format!(
                "   $ podman manifest push --all --digestfile '<tmp>/digest' {list} docker://localhost:5000/x/op:{tag}"
            )
        );
    }
    assert_eq!(
        lines[7],
        format!("   cleanup (always): $ podman manifest rm {list}")
    );
    assert_eq!(
        lines[8],
        "   $ skopeo inspect --raw docker://localhost:5000/x/op:v1"
    );
    // [builder] tool chooses podman too.
    Test::new()
        .file("xbuild.toml", "[builder]\ntool = \"podman\"\n")
        .env_remove("CONTAINER_TOOL")
        .args(["merge", "-t", "localhost:5000/x/op:v1", &a, "--dry-run"])
        .run()
        .status(0)
        .stdout_contains("$ podman manifest create localhost/xbuild-list-");
}
