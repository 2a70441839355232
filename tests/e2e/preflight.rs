//! Checks `xbuild build` makes before anything runs, with the real docker
//! CLI: a docker CLI that is not there, and a daemon that cannot be reached.
//! Nothing may have started (no before command, no builder).

use crate::support::{Cmd, Project, stack};
use std::time::Duration;

fn project() -> Project {
    stack();
    let p = Project::fixture_operator();
    // A before command that would leave a mark if anything ran.
    p.write(
        "xbuild.toml",
        "[build]\nbefore = [{ run = \"touch ran\", shell = true }]\n",
    );
    p
}

fn xbuild(p: &Project) -> Cmd {
    Cmd::new(env!("CARGO_BIN_EXE_xbuild"))
        .cwd(p.path())
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(120))
}

#[test]
fn missing_docker_cli_is_a_clear_error() {
    let p = project();
    let out = xbuild(&p)
        .env("CONTAINER_TOOL", "/nonexistent/docker")
        .args(["build", "--go", "container"])
        .run_expect_failure();
    assert_eq!(out.code(), Some(2), "{out}");
    assert!(
        out.stderr.contains("/nonexistent/docker` was not found"),
        "{out}"
    );
    assert!(out.stderr.contains("install the Docker CLI"), "{out}");
    assert!(!p.exists("ran"), "a before command ran");
}

#[test]
fn unreachable_daemon_is_a_clear_error() {
    let p = project();
    let out = xbuild(&p)
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .args(["build", "--go", "container"])
        .run_expect_failure();
    assert_eq!(out.code(), Some(2), "{out}");
    assert!(
        out.stderr.contains("cannot connect to the Docker daemon"),
        "{out}"
    );
    assert!(out.stderr.contains("systemctl start docker"), "{out}");
    assert!(!p.exists("ran"), "a before command ran");
}
