//! Several images in one `xbuild build` (`[images.NAME]`, one
//! `docker buildx bake`) against the real stack, on `fixtures/multi`: two
//! targets of one Dockerfile (controller, agent) and a second Dockerfile
//! (webhook). All three are pushed as two-platform indexes whose images
//! run on each platform and print their binary's name and platform;
//! `xbuild build NAME` builds only that image; a failure in one image
//! fails the run and leaves nothing behind.

use crate::support::{
    Cmd, Output, Project, index_platforms, podman_lists, repo_root, skopeo_raw, stack, unique_tag,
};
use std::time::Duration;

const PLATFORMS: [&str; 2] = ["linux/amd64", "linux/arm64"];
const IMAGES: [(&str, &str); 3] = [
    ("controller", "manager"),
    ("agent", "agent"),
    ("webhook", "webhook"),
];

/// `fixtures/multi` with its images tagged with a fresh tag (names
/// localhost:5000/issue10-NAME).
fn multi() -> (Project, String) {
    multi_named("issue10-")
}

/// `fixtures/multi` with its images named `<registry>/<prefix>NAME`.
fn multi_named(prefix: &str) -> (Project, String) {
    let stack = stack();
    let p = Project::copy_of(&repo_root().join("fixtures/multi"));
    let tag = unique_tag();
    let config = p
        .read("xbuild.toml")
        .replace(
            "localhost:5000/issue10-",
            &format!("{}/{prefix}", stack.registry),
        )
        .replace("[image]\n", &format!("[image]\ntags = [\"{tag}\"]\n"));
    p.write("xbuild.toml", config);
    (p, tag)
}

fn xbuild(project: &Project, tmp: &tempfile::TempDir, args: &[&str]) -> Output {
    let stack = stack();
    project
        .cmd(env!("CARGO_BIN_EXE_xbuild"))
        .env("NO_COLOR", "1")
        .env("TMPDIR", tmp.path().to_str().unwrap())
        .arg("build")
        .args(args.iter().copied())
        .args(["--push", "--progress", "plain"])
        .arg("--build-arg")
        .arg(format!("GOLANG_IMAGE={}", stack.golang))
        .arg("--build-arg")
        .arg(format!("RUNTIME_IMAGE={}", stack.busybox))
        .timeout(Duration::from_secs(1200))
        .output()
}

fn reference(name: &str, tag: &str) -> String {
    format!("{}/issue10-{name}:{tag}", stack().registry)
}

fn assert_pushed_and_runs(name: &str, binary: &str, tag: &str) {
    assert_index_runs(&reference(name, tag), binary, true);
}

/// `r` is a two-platform index (in PLATFORMS' order when `ordered`; podman's
/// list need not be) whose images print `binary platform`.
fn assert_index_runs(reference: &str, binary: &str, ordered: bool) {
    let r = reference.to_string();
    let mut platforms: Vec<String> = index_platforms(&skopeo_raw(&r))
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    if !ordered {
        platforms.sort();
    }
    assert_eq!(platforms, PLATFORMS, "{r}");
    for platform in PLATFORMS {
        let out = Cmd::new("docker")
            .args([
                "run",
                "--rm",
                "--pull",
                "always",
                "--platform",
                platform,
                &r,
            ])
            .timeout(Duration::from_secs(300))
            .run();
        assert_eq!(
            out.stdout.trim(),
            format!("{binary} {platform}"),
            "{r}\n{out}"
        );
    }
}

fn is_pushed(name: &str, tag: &str) -> bool {
    Cmd::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!("docker://{}", reference(name, tag)))
        .timeout(Duration::from_secs(60))
        .output()
        .success()
}

fn assert_nothing_left(project: &Project, tmp: &tempfile::TempDir) {
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "temporary files left behind: {left:?}");
    for f in ["Dockerfile.cross", "Dockerfile.webhook.cross"] {
        assert!(!project.exists(f), "{f} left in the repo");
    }
}

#[test]
fn three_images_are_pushed_in_one_bake_and_run_on_each_platform() {
    let (p, tag) = multi();
    let tmp = tempfile::tempdir().unwrap();
    let out = xbuild(&p, &tmp, &[]);
    assert!(out.success(), "{out}");
    let log = out.combined();
    // One bake for the three images, after the host Go builds.
    assert_eq!(log.matches("==> [").count(), 2, "{out}");
    assert!(log.contains("bake controller, agent, webhook"), "{out}");
    assert!(log.contains("go build on the host, "), "{out}");
    // The summary has a line per image with its digest.
    for (name, _) in IMAGES {
        let line = format!("  {name:<10}  {}@sha256:", reference(name, &tag));
        assert!(
            out.stderr.contains(&line),
            "no summary line {line:?}\n{out}"
        );
    }
    for (name, binary) in IMAGES {
        assert_pushed_and_runs(name, binary, &tag);
    }
    assert_nothing_left(&p, &tmp);
}

#[test]
fn naming_an_image_builds_only_that_image() {
    let (p, tag) = multi();
    let tmp = tempfile::tempdir().unwrap();
    let out = xbuild(&p, &tmp, &["webhook"]);
    assert!(out.success(), "{out}");
    assert!(out.combined().contains("bake webhook\n"), "{out}");
    assert_pushed_and_runs("webhook", "webhook", &tag);
    assert!(!is_pushed("controller", &tag), "controller was pushed too");
    assert!(!is_pushed("agent", &tag), "agent was pushed too");
    assert_nothing_left(&p, &tmp);
}

#[test]
fn a_failing_image_fails_the_run_and_leaves_nothing() {
    let (p, tag) = multi();
    let webhook = p.read("Dockerfile.webhook").replace(
        "WORKDIR /\n",
        "WORKDIR /\nRUN echo the webhook image fails here && false\n",
    );
    p.write("Dockerfile.webhook", webhook);
    let tmp = tempfile::tempdir().unwrap();
    let out = xbuild(&p, &tmp, &[]);
    assert_eq!(out.status.and_then(|s| s.code()), Some(1), "{out}");
    assert!(
        out.stderr
            .contains("step \"bake controller, agent, webhook\" failed"),
        "{out}"
    );
    assert!(
        out.combined().contains("the webhook image fails here"),
        "{out}"
    );
    assert!(!is_pushed("webhook", &tag), "the failed image was pushed");
    assert_nothing_left(&p, &tmp);
}

/// `CONTAINER_TOOL=podman xbuild build --push` of all images.
fn podman_push(p: &Project) -> Output {
    let stack = stack();
    p.cmd(env!("CARGO_BIN_EXE_xbuild"))
        .env("NO_COLOR", "1")
        .env("CONTAINER_TOOL", "podman")
        .args(["build", "--push"])
        .arg("--build-arg")
        .arg(format!("GOLANG_IMAGE={}", stack.golang))
        .arg("--build-arg")
        .arg(format!("RUNTIME_IMAGE={}", stack.busybox))
        .timeout(Duration::from_secs(1800))
        .output()
}

/// With podman (no bake) the three images are built one after another,
/// each its own podman build and temporary list, pushed as two-platform
/// indexes that run; no temporary list is left.
#[test]
fn with_podman_three_images_are_built_one_after_another_and_run() {
    let stack = stack();
    let (p, tag) = multi_named("podgaps-");
    let before = podman_lists();
    let out = podman_push(&p);
    assert!(out.success(), "{out}");
    let log = out.combined();
    for (n, (name, _)) in IMAGES.iter().enumerate() {
        assert!(
            log.contains(&format!("xbuild: image {name} ({} of 3)", n + 1)),
            "{out}"
        );
    }
    assert_eq!(log.matches("] build\n").count(), 3, "{out}");
    assert_eq!(
        log.matches("==> cleanup: remove the temporary manifest list")
            .count(),
        3,
        "{out}"
    );
    for (name, binary) in IMAGES {
        let r = format!("{}/podgaps-{name}:{tag}", stack.registry);
        let line = format!("  {name:<10}  {r}@sha256:");
        assert!(
            out.stderr.contains(&line),
            "no summary line {line:?}\n{out}"
        );
        assert_index_runs(&r, binary, false);
    }
    assert_eq!(podman_lists(), before, "a temporary list was left\n{out}");
    for f in ["Dockerfile.cross", "Dockerfile.webhook.cross"] {
        assert!(!p.exists(f), "{f} left in the repo");
    }
}

/// With podman, a failing image fails the run (exit 1): the images before
/// it are pushed, it is not, and no temporary list is left.
#[test]
fn with_podman_a_failing_image_fails_the_run() {
    let stack = stack();
    let (p, tag) = multi_named("podgaps-");
    let webhook = p.read("Dockerfile.webhook").replace(
        "WORKDIR /\n",
        "WORKDIR /\nRUN echo the webhook image fails here && false\n",
    );
    p.write("Dockerfile.webhook", webhook);
    let before = podman_lists();
    let out = podman_push(&p);
    assert_eq!(out.status.and_then(|s| s.code()), Some(1), "{out}");
    assert!(
        out.combined().contains("the webhook image fails here"),
        "{out}"
    );
    let pushed = |name: &str| {
        Cmd::new("skopeo")
            .args(["inspect", "--raw"])
            .arg(format!("docker://{}/podgaps-{name}:{tag}", stack.registry))
            .timeout(Duration::from_secs(60))
            .output()
            .success()
    };
    assert!(pushed("controller") && pushed("agent"), "{out}");
    assert!(!pushed("webhook"), "the failed image was pushed\n{out}");
    assert_eq!(podman_lists(), before, "a temporary list was left\n{out}");
    for f in ["Dockerfile.cross", "Dockerfile.webhook.cross"] {
        assert!(!p.exists(f), "{f} left in the repo");
    }
}
