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

#[test]
fn a_missing_or_malformed_kustomization_is_reported() {
    let out = project()
        .args([
            "build",
            "--dry-run",
            "--push",
            "--tag",
            "r/op:1",
            "--kustomize",
            "config/nope",
        ])
        .run()
        .status(2);
    assert!(
        out.stderr.contains("config/nope has no kustomization.yaml"),
        "{}",
        out.stderr
    );

    let out = project()
        .file(
            "config/manager/kustomization.yaml",
            "resources:\n- manager.yaml\nimages:\n- name: controller\n  newTag: [v1\n",
        )
        .args([
            "build",
            "--dry-run",
            "--push",
            "--tag",
            "r/op:1",
            "--kustomize",
            "config/manager",
        ])
        .run()
        .status(2);
    assert!(
        out.stderr
            .contains("config/manager/kustomization.yaml is not valid YAML"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("[config/manager/kustomization.yaml:"),
        "{}",
        out.stderr
    );

    let out = project()
        .file(
            "config/manager/kustomization.yaml",
            "resources: [manager.yaml]\nimages: [{name: controller}]\n",
        )
        .args([
            "build",
            "--dry-run",
            "--push",
            "--tag",
            "r/op:1",
            "--kustomize",
            "config/manager",
        ])
        .run()
        .status(2);
    assert!(
        out.stderr.contains("its images are written in flow style"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("[config/manager/kustomization.yaml:2:1]"),
        "{}",
        out.stderr
    );
}
