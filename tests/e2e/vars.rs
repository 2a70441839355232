//! ARG and ENV scope on the real stack: the probe of fixtures/vars/probe
//! prints what BuildKit gives each stage (the evaluator's unit test checks
//! `dockerfile::vars` against the same recorded output), and a Go stage
//! built FROM stages that declare `ARG VERSION` gets the same version with
//! `--go host` as with `--go container` (fixtures/goversion).

use crate::support::{Cmd, Project, repo_root, stack};
use std::time::Duration;

const PLATFORMS: [&str; 2] = ["linux/amd64", "linux/arm64"];

#[test]
fn buildkit_scope_matches_the_recorded_probe() {
    let stack = stack();
    let dir = repo_root().join("fixtures/vars/probe");
    let out = Cmd::new("docker")
        .args(["buildx", "build", "--builder", "default", "--no-cache"])
        .args(["--progress", "plain", "--platform", "linux/amd64"])
        .arg("--build-arg")
        .arg(format!("BUSYBOX={}", stack.busybox))
        .args(["--build-arg", "OVER=from-build-arg", "-o", "type=cacheonly"])
        .arg(dir.display().to_string())
        .timeout(Duration::from_secs(300))
        .run();
    // `#7 0.188 probe child V=...`: the echo's output, not the command.
    let mut printed: Vec<String> = out
        .stderr
        .lines()
        .filter(|l| !l.contains("echo"))
        .filter_map(|l| l.find(" probe ").map(|i| l[i + 1..].to_string()))
        .collect();
    printed.sort();
    let expected = std::fs::read_to_string(dir.join("expected")).unwrap();
    let mut expected: Vec<String> = expected.lines().map(str::to_string).collect();
    expected.sort();
    assert_eq!(printed, expected, "{out}");
}

/// Builds fixtures/goversion with `dockerfile` and `--go MODE`, pushes it
/// and returns what each platform's image prints.
fn versions(dockerfile: &str, go: &str) -> Vec<String> {
    let stack = stack();
    let project = Project::copy_of(&repo_root().join("fixtures/goversion"));
    let text = project.read(dockerfile);
    project.write("Dockerfile", text);
    let reference = stack.unique_ref(&format!("issue9-goversion-{go}"));
    project
        .cmd(env!("CARGO_BIN_EXE_xbuild"))
        .args(["build", "--go", go, "--driver", "docker", "--push"])
        .args(["--progress", "plain"])
        .args(["--platform", &PLATFORMS.join(",")])
        .args(["--tag", &reference])
        .arg("--build-arg")
        .arg(format!("GOLANG_IMAGE={}", stack.golang))
        .arg("--build-arg")
        .arg(format!("RUNTIME_IMAGE={}", stack.busybox))
        .timeout(Duration::from_secs(1200))
        .run();
    PLATFORMS
        .iter()
        .map(|platform| {
            Cmd::new("docker")
                .args(["run", "--rm", "--pull", "always", "--platform", platform])
                .arg(&reference)
                .timeout(Duration::from_secs(300))
                .run()
                .stdout
                .trim()
                .to_string()
        })
        .collect()
}

#[test]
fn go_host_and_container_print_the_inherited_version() {
    for (dockerfile, version) in [("Dockerfile", "1.2.3"), ("Dockerfile.two-levels", "4.5.6")] {
        let host = versions(dockerfile, "host");
        let container = versions(dockerfile, "container");
        let want: Vec<String> = PLATFORMS
            .iter()
            .map(|p| format!("version={version} platform={p}"))
            .collect();
        assert_eq!(host, want, "--go host, {dockerfile}");
        assert_eq!(container, want, "--go container, {dockerfile}");
    }
}
