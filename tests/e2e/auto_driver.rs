//! The default `xbuild docker-buildx`, as a user types it (no `--driver`,
//! no `--go`, no xbuild.toml), on the real stack: `auto` picks the engine's
//! own builder (dockerd uses the containerd image store and has QEMU for
//! every platform), creates no builder, leaves no Dockerfile.cross, and each
//! platform's image prints its platform; for the kubebuilder scaffold's four
//! platforms too. A configuration that needs a BuildKit container still gets
//! an ephemeral one, which is removed even though it cannot boot offline.

use crate::build::assert_runs_as;
use crate::support::{Cmd, Output, Project, index_platforms, skopeo_raw, stack};
use std::time::Duration;

/// The fixture operator without its xbuild.toml: every setting a default.
fn bare_operator() -> Project {
    let project = Project::fixture_operator();
    std::fs::remove_file(project.join("xbuild.toml")).unwrap();
    project
}

fn docker_buildx(project: &Project, platforms: &[&str], reference: &str) -> Cmd {
    project
        .cmd(env!("CARGO_BIN_EXE_xbuild"))
        .args(["docker-buildx", "--platform", &platforms.join(",")])
        .args(["--tag", reference, "--push"])
        .timeout(Duration::from_secs(1200))
}

fn builders() -> String {
    Cmd::new("docker")
        .args(["buildx", "ls", "--format", "{{.Name}}"])
        .timeout(Duration::from_secs(60))
        .run()
        .stdout
}

fn assert_default_path(platforms: &[&str]) {
    let stack = stack();
    // The Dockerfile's own defaults name the stack's base images (no
    // --build-arg: the command is the user's); they must have every platform.
    let base: Vec<String> = index_platforms(&skopeo_raw(&stack.busybox))
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    for p in platforms {
        assert!(
            base.iter().any(|b| b == p),
            "{} has no {p} image ({base:?}): rerun ci/e2e-env.sh, which builds the four scaffold platforms",
            stack.busybox
        );
    }
    let project = bare_operator();
    let reference = stack.unique_ref("issue12-auto");
    let out: Output = docker_buildx(&project, platforms, &reference).run();
    let err = &out.stderr;
    assert!(
        err.contains(&format!(
            "xbuild: builder: default (docker driver, the engine's own: keeps its cache); auto (the default): the engine's own builder (default): the engine uses the containerd image store and runs {}",
            platforms.join(", ")
        )),
        "auto did not choose the engine's builder\n{out}"
    );
    assert!(
        !err.contains("builder: create"),
        "a builder was created\n{out}"
    );
    assert!(
        !err.contains("buildx_buildkit_"),
        "a BuildKit container ran\n{out}"
    );
    assert!(
        err.contains("  builder  default (docker driver"),
        "no builder line in the summary\n{out}"
    );
    assert!(
        !project.exists("Dockerfile.cross"),
        "Dockerfile.cross was left"
    );
    for platform in platforms {
        assert_runs_as(&reference, platform, true);
    }
}

#[test]
fn default_path_builds_two_platforms_on_the_engine_builder() {
    assert_default_path(&["linux/amd64", "linux/arm64"]);
}

#[test]
fn default_path_builds_the_scaffolds_four_platforms() {
    assert_default_path(&["linux/amd64", "linux/arm64", "linux/s390x", "linux/ppc64le"]);
}

#[test]
fn a_cache_export_gets_an_ephemeral_buildkit_container_that_is_removed() {
    let stack = stack();
    let project = bare_operator();
    project.write(
        "xbuild.toml",
        "[build]\ncache-to = [\"type=local,dest=cache\"]\n",
    );
    let reference = stack.unique_ref("issue12-cache");
    let out =
        docker_buildx(&project, &["linux/amd64", "linux/arm64"], &reference).run_expect_failure();
    assert_eq!(out.code(), Some(1), "{out}");
    let err = &out.stderr;
    let name = err
        .split("builder: create ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("no builder was created\n{out}"))
        .to_string();
    assert!(name.starts_with("xbuild-"), "{name}");
    assert!(
        err.contains("the build needs a BuildKit container for cache-to \"type=local,dest=cache\""),
        "{out}"
    );
    // Offline, BuildKit's image cannot be pulled: the error says so, and
    // the builder is removed anyway.
    assert!(err.contains("booting buildkit"), "{out}");
    assert!(
        err.contains(&format!("cleanup: remove builder {name}")),
        "{out}"
    );
    let left = builders();
    assert!(
        !left.lines().any(|l| l.trim() == name),
        "{name} was left:\n{left}"
    );
    assert!(!project.exists("Dockerfile.cross"));
}
