//! `--kustomize DIR` / `[build] kustomize`: checked before the build, shown
//! in the plan; a missing or malformed kustomization is an error pointing
//! into it (exit 2). The edit itself is tested in src/kustomize and, with a
//! real push and kubectl, in the e2e tests.

use crate::support::Test;

fn project() -> Test {
    Test::new()
        .fixture("fixtures/kubebuilder/Dockerfile", "Dockerfile")
        .fixture(
            "fixtures/kubebuilder/config/manager/kustomization.yaml",
            "config/manager/kustomization.yaml",
        )
        .env("DOCKER_CONTEXT", "default")
}

fn notes(stdout: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(stdout).unwrap();
    v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_plan_says_where_the_digest_goes() {
    let out = project()
        .args([
            "build",
            "--dry-run",
            "--format",
            "json",
            "--push",
            "--tag",
            "localhost:5000/x:t",
        ])
        .args(["--kustomize", "config/manager"])
        .run()
        .status(0);
    assert!(notes(&out.stdout).contains(
        &"kustomize: after the push, image controller in config/manager/kustomization.yaml is set to localhost:5000/x@<pushed digest>".to_string()
    ), "{}", out.stdout);
    // Nothing is written by a dry run.
    assert_eq!(
        out.read("config/manager/kustomization.yaml"),
        "resources:\n- manager.yaml\n"
    );
}

#[test]
fn xbuild_toml_names_the_directory_and_the_image() {
    let out = project()
        .file(
            "xbuild.toml",
            "[build]\nkustomize = \"config/manager\"\nkustomize-image = \"manager\"\n",
        )
        .args([
            "build",
            "--dry-run",
            "--format",
            "json",
            "--push",
            "--tag",
            "r.example/op:v1",
        ])
        .run()
        .status(0);
    assert!(notes(&out.stdout).iter().any(|n| n
        == "kustomize: after the push, image manager in config/manager/kustomization.yaml is set to r.example/op@<pushed digest>"));
}

#[test]
fn xbuild_toml_s_setting_is_for_the_builds_that_push() {
    let out = project()
        .file("xbuild.toml", "[build]\nkustomize = \"config/manager\"\n")
        .args([
            "docker-build",
            "--dry-run",
            "--format",
            "json",
            "--platform",
            "linux/amd64",
        ])
        .args(["--tag", "r.example/op:v1"])
        .run()
        .status(0);
    assert!(
        !notes(&out.stdout)
            .iter()
            .any(|n| n.starts_with("kustomize:")),
        "{}",
        out.stdout
    );
}

#[test]
fn it_needs_a_push() {
    let out = project()
        .args([
            "build",
            "--dry-run",
            "--load",
            "--tag",
            "r/op:1",
            "--kustomize",
            "config/manager",
        ])
        .run()
        .status(2);
    assert!(
        out.stderr
            .contains("setting the pushed digest in a kustomization needs a pushed, tagged image"),
        "{}",
        out.stderr
    );
}

/// The stderr of a refused `build --dry-run --push --kustomize DIR`, with
/// config/manager/kustomization.yaml replaced by `text` when given.
fn refused(dir: &str, text: Option<&str>) -> String {
    let mut t = project();
    if let Some(text) = text {
        t = t.file("config/manager/kustomization.yaml", text);
    }
    t.args(["build", "--dry-run", "--push", "--tag", "r/op:1"])
        .args(["--kustomize", dir])
        .run()
        .status(2)
        .stderr
}

#[test]
fn a_missing_or_malformed_kustomization_is_reported() {
    let err = refused("config/nope", None);
    assert!(
        err.contains("config/nope has no kustomization.yaml"),
        "{err}"
    );

    let err = refused(
        "config/manager",
        Some("resources:\n- manager.yaml\nimages:\n- name: controller\n  newTag: [v1\n"),
    );
    assert!(
        err.contains("config/manager/kustomization.yaml is not valid YAML"),
        "{err}"
    );
    assert!(err.contains("[config/manager/kustomization.yaml:"), "{err}");

    let err = refused(
        "config/manager",
        Some("resources: [manager.yaml]\nimages: [{name: controller}]\n"),
    );
    assert!(
        err.contains("its images are written in flow style"),
        "{err}"
    );
    assert!(
        err.contains("[config/manager/kustomization.yaml:2:1]"),
        "{err}"
    );
}
