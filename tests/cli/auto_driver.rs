//! `[builder] driver = "auto"`, the default, in the dry-run plan: the
//! engine's own builder unless the request needs a BuildKit container, the
//! reason said in the plan, and the engine probe shown (a dry run does not
//! probe; it lists what a run asks). Explicit drivers stay explicit.

use crate::build::{dry, step_lines};
use crate::support::{Output, Test};

const DOCKERFILE: &str = "FROM busybox AS builder\nARG TARGETARCH\nRUN echo $TARGETARCH > /arch\nFROM busybox\nCOPY --from=builder /arch /arch\n";

fn project() -> Test {
    Test::new()
        .file("Dockerfile", DOCKERFILE)
        .env_remove("DOCKER_CONTEXT")
        .env_remove("DOCKER_HOST")
        .env("DOCKER_CONFIG", "/nonexistent")
}

/// The first three words of each step's command (`docker buildx create`).
fn programs(v: &serde_json::Value, key: &str) -> Vec<String> {
    step_lines(v, key)
        .iter()
        .map(|l| l.split(' ').take(3).collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn default_is_the_engines_own_builder_and_creates_nothing() {
    let v = dry(project(), &["--tag", "localhost:5000/x:t", "--push"]);
    assert_eq!(
        v["builder"],
        serde_json::json!({
            "name": "default",
            "driver": "docker",
            "ephemeral": false,
            "chosen_by": "auto (the default)",
            "auto": {
                "driver": "docker",
                "reason": "the engine's own builder, if the probe shows the containerd image store and every platform (dry run: not probed); else an ephemeral docker-container builder",
                "probe": {
                    "state": "not-run",
                    "would_run": [
                        "docker info --format '{{json .DriverStatus}}'",
                        "docker buildx inspect default",
                        "read /proc/sys/fs/binfmt_misc/qemu-*"
                    ]
                }
            }
        })
    );
    assert_eq!(programs(&v, "steps"), ["docker buildx build"]);
    assert!(v["cleanup"].as_array().unwrap().is_empty());
}

#[test]
fn the_plan_says_which_driver_and_why() {
    let out: Output = project()
        .args([
            "docker-buildx",
            "--dry-run",
            "--platform",
            "linux/amd64,linux/arm64,linux/s390x,linux/ppc64le",
        ])
        .args(["--tag", "localhost:5000/x:t", "--push"])
        .run()
        .status(0);
    let lines: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| {
            ["  builder", "  driver", "  engine", "  platforms"]
                .iter()
                .any(|k| l.starts_with(k))
        })
        .collect();
    assert_eq!(
        lines,
        [
            "  platforms  linux/amd64, linux/arm64, linux/s390x, linux/ppc64le",
            "  builder    default (docker driver, the engine's own: keeps its cache)",
            "  driver     auto (the default): the engine's own builder, if the probe shows the containerd image store and every platform (dry run: not probed); else an ephemeral docker-container builder",
            "  engine     not probed (dry run); a run asks: docker info --format '{{json .DriverStatus}}'; docker buildx inspect default; read /proc/sys/fs/binfmt_misc/qemu-*",
        ]
    );
}

#[test]
fn a_cache_export_needs_an_ephemeral_buildkit_container() {
    let toml = "[build]\ncache-to = [\"type=local,dest=cache\"]\n";
    let v = dry(
        project().file("xbuild.toml", toml),
        &["--tag", "localhost:5000/x:t", "--push"],
    );
    let name = v["builder"]["name"].as_str().unwrap().to_string();
    assert!(name.starts_with("xbuild-"), "{name}");
    assert_eq!(v["builder"]["driver"], "docker-container");
    assert_eq!(v["builder"]["ephemeral"], true);
    assert_eq!(
        v["builder"]["auto"]["reason"],
        "an ephemeral docker-container builder: the build needs a BuildKit container for cache-to \"type=local,dest=cache\" (the engine's builder exports inline cache only)"
    );
    // Decided from the request: nothing to probe.
    assert_eq!(
        v["builder"]["auto"]["probe"],
        serde_json::json!({"state": "not-run", "would_run": []})
    );
    assert_eq!(
        programs(&v, "steps"),
        ["docker buildx create", "docker buildx build"]
    );
    assert_eq!(programs(&v, "cleanup"), ["docker buildx rm"]);
}

#[test]
fn builder_settings_and_a_kept_builder_need_a_container() {
    for (toml, args, why) in [
        (
            "[builder]\ndriver-opts = { image = \"moby/buildkit\" }\n",
            &[][..],
            "[builder] driver-opts",
        ),
        (
            "[builder]\nbuildkitd-flags = \"--debug\"\n",
            &[][..],
            "[builder] buildkitd-flags",
        ),
        (
            "[builder]\nplatforms = [\"linux/amd64\"]\n",
            &[][..],
            "[builder] platforms",
        ),
        ("", &["--keep-builder"][..], "a builder kept across runs"),
    ] {
        let v = dry(project().file("xbuild.toml", toml), args);
        assert_eq!(v["builder"]["driver"], "docker-container", "{toml}");
        let reason = v["builder"]["auto"]["reason"].as_str().unwrap();
        assert!(reason.contains(why), "{reason}");
    }
}

#[test]
fn explicit_drivers_are_kept_and_say_who_chose_them() {
    let v = dry(project(), &["--driver", "docker"]);
    assert_eq!(v["builder"]["driver"], "docker");
    assert_eq!(v["builder"]["chosen_by"], "--driver");
    assert!(v["builder"].get("auto").is_none());
    let toml = "[builder]\ndriver = \"docker-container\"\n";
    let v = dry(project().file("xbuild.toml", toml), &[]);
    assert_eq!(v["builder"]["driver"], "docker-container");
    assert_eq!(v["builder"]["chosen_by"], "[builder] driver");
    let toml = "[builder]\ndriver = \"auto\"\n";
    let v = dry(project().file("xbuild.toml", toml), &[]);
    assert_eq!(v["builder"]["chosen_by"], "auto ([builder] driver)");
    let v = dry(
        project(),
        &["--driver", "auto", "--platform", "linux/s390x"],
    );
    assert_eq!(v["builder"]["chosen_by"], "auto (--driver)");
    assert_eq!(v["builder"]["driver"], "docker");
}

#[test]
fn an_unknown_driver_lists_auto_and_the_drivers() {
    let out = project()
        .args(["build", "--dry-run", "--driver", "dockr"])
        .run()
        .status(2);
    assert_eq!(
        out.stderr,
        "xbuild::build::driver\n\n  × unknown driver \"dockr\"\n  help: the drivers are: auto (for a build; it picks one of the others),\n        docker, docker-container, kubernetes, remote\n\n"
    );
    assert!(out.stdout.is_empty());
}
