//! `xbuild go-build` on a copy of the fixture operator with the host's Go
//! (real builds, no Docker), and `xbuild build --go ...` plans.
//!
//! These tests need `go` on PATH: they fail (never skip) without it, saying
//! how to install it.

use crate::support::{Output, Test};
use std::path::Path;
use std::sync::OnceLock;

/// Fails the test unless the host has a Go toolchain.
pub(crate) fn require_go() {
    static GO: OnceLock<Result<(), String>> = OnceLock::new();
    let found = GO.get_or_init(|| {
        let out = std::process::Command::new("go").arg("version").output();
        match out {
            Ok(o) if o.status.success() => Ok(()),
            Ok(o) => Err(format!(
                "`go version` failed: {}",
                String::from_utf8_lossy(&o.stderr)
            )),
            Err(e) => Err(format!("cannot run `go`: {e}")),
        }
    });
    if let Err(why) = found {
        panic!(
            "these tests need the host Go toolchain: {why}\n\
             Install it (Debian: apt-get install golang-go; ci/e2e-env.sh does this) and put `go` on PATH."
        );
    }
}

/// A project holding a copy of fixtures/operator.
fn operator() -> Test {
    require_go();
    let t = Test::new();
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/operator"),
        t.path(),
    );
    t
}

pub(crate) fn copy_tree(src: &Path, dst: &Path) {
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
            copy_tree(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

/// ELF class, byte order and e_machine of a file.
fn elf(path: &Path) -> (u8, u8, u16) {
    let b = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&b[..4], b"\x7fELF", "{} is not ELF", path.display());
    (b[4], b[5], u16::from_le_bytes([b[18], b[19]]))
}

fn plan(out: &Output) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

const PLATFORMS: &str = "linux/amd64,linux/arm64,linux/arm/v7";

#[test]
fn builds_three_platforms_and_rebuilds_from_the_cache() {
    let t = operator();
    let dir = t.path().to_path_buf();
    let out = t
        .args(["go-build", "--platform", PLATFORMS])
        .run()
        .status(0);
    let bins: Vec<&str> = out.stdout.lines().collect();
    let want = ["linux_amd64", "linux_arm64", "linux_arm_v7"];
    assert_eq!(bins.len(), 3, "{}", out.stdout);
    for (bin, d) in bins.iter().zip(want) {
        assert_eq!(
            Path::new(bin),
            dir.join("bin/xbuild").join(d).join("manager"),
            "{}",
            out.stdout
        );
    }
    // x86-64, aarch64, 32-bit ARM; all little-endian.
    assert_eq!(elf(Path::new(bins[0])), (2, 1, 62));
    assert_eq!(elf(Path::new(bins[1])), (2, 1, 183));
    assert_eq!(elf(Path::new(bins[2])), (1, 1, 40));
    assert!(
        out.stderr
            .contains("stage builder (go build at line 28) → /workspace/manager"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("-a dropped"), "{}", out.stderr);
    for p in PLATFORMS.split(',') {
        assert!(
            out.stderr.contains(&format!("{p}  done ")),
            "{}",
            out.stderr
        );
    }

    // Nothing changed: every platform comes from the build cache.
    let again = Test::new()
        .args([
            "-C",
            dir.to_str().unwrap(),
            "go-build",
            "--platform",
            PLATFORMS,
        ])
        .run()
        .status(0);
    for p in PLATFORMS.split(',') {
        assert!(
            again.stderr.contains(&format!("{p}  done ")) && again.stderr.contains("(cached)"),
            "{}",
            again.stderr
        );
    }
    assert!(
        again.stderr.contains("(3 from the build cache)"),
        "{}",
        again.stderr
    );
    drop(out);
}

#[test]
fn a_one_line_change_recompiles_only_its_package() {
    let first = operator()
        .args(["go-build", "--platform", "linux/arm64"])
        .run()
        .status(0);
    let dir = first.path().to_path_buf();
    let store = dir.join("controllers/store.go");
    let text = std::fs::read_to_string(&store).unwrap();
    std::fs::write(
        &store,
        format!("{text}\nvar xbuildTestEdit = {}\n", std::process::id()),
    )
    .unwrap();
    let out = Test::new()
        .args([
            "-C",
            dir.to_str().unwrap(),
            "go-build",
            "--platform",
            "linux/arm64",
        ])
        .run()
        .status(0);
    // controllers and main: two packages, not the standard library.
    assert!(
        out.stderr.contains("(2 packages compiled)"),
        "{}",
        out.stderr
    );
}

#[test]
fn dry_run_prints_the_commands() {
    let out = operator()
        .args(["go-build", "--dry-run", "--platform", "linux/arm/v7"])
        .run()
        .status(0);
    let line = out.stdout.lines().next().unwrap();
    assert!(line.starts_with("(in /"), "{line}");
    assert!(
        line.contains(") $ CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7 "),
        "{line}"
    );
    assert!(
        line.contains(" build -v -o /")
            && line.ends_with("/bin/xbuild/linux_arm_v7/manager main.go"),
        "{line}"
    );
    assert!(!out.exists("bin/xbuild"), "a dry run builds nothing");

    let out = operator()
        .args([
            "go-build",
            "--dry-run",
            "--rebuild-all",
            "--platform",
            "linux/amd64",
        ])
        .run()
        .status(0);
    assert!(out.stdout.contains(" build -v -a -o "), "{}", out.stdout);
    assert!(!out.stderr.contains("-a dropped"), "{}", out.stderr);
}

#[test]
fn go_keys_override_the_stage() {
    let out = operator()
        .file(
            "xbuild.toml",
            "[go]\nldflags = \"-s -w -X main.version=1.0\"\ntags = [\"netgo\"]\nflags = [\"-trimpath\"]\nenv = { GOFLAGS = \"-mod=mod\" }\nout-dir = \"out\"\n",
        )
        .args(["go-build", "--dry-run", "--platform", "linux/arm64"])
        .run()
        .status(0);
    let line = out.stdout.lines().next().unwrap();
    assert!(
        line.contains("$ CGO_ENABLED=0 GOOS=linux GOARCH=arm64 GOFLAGS=-mod=mod "),
        "{line}"
    );
    assert!(
        line.contains(" build -v -ldflags '-s -w -X main.version=1.0' -tags netgo -trimpath -o /"),
        "{line}"
    );
    assert!(line.ends_with("/out/linux_arm64/manager main.go"), "{line}");
}

#[test]
fn a_compile_error_fails_with_the_platform_and_the_error() {
    let out = operator()
        .file(
            "controllers/broken.go",
            "package controllers\n\nfunc broken() {\n",
        )
        .args(["go-build", "--platform", "linux/amd64,linux/arm64"])
        .run()
        .status(1);
    assert!(
        out.stderr
            .contains("go build for linux/amd64 failed (exit status "),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("controllers/broken.go"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("also failed: linux/arm64"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("the command was:"), "{}", out.stderr);
}

#[test]
fn unmappable_stage_is_a_diagnostic() {
    let out = operator()
        .file(
            "Dockerfile",
            "FROM localhost:5000/xbuild-e2e/golang:1.19 AS builder\nWORKDIR /workspace\nCOPY . .\nRUN make build\nFROM localhost:5000/xbuild-e2e/busybox:1\nCOPY --from=builder /workspace/bin/manager /manager\n",
        )
        .args(["go-build"])
        .run()
        .status(2);
    assert!(
        out.stderr
            .contains("stage builder is copied into the image but runs no go build"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("Dockerfile:4:1"), "{}", out.stderr);
    assert!(out.stderr.contains("[go] main"), "{}", out.stderr);
}

#[test]
fn toolchain_missing_or_too_old() {
    // No go on PATH: an error for go-build and --go host, the container for auto.
    let out = operator()
        .env("PATH", "/nonexistent")
        .args(["go-build", "--dry-run"])
        .run()
        .status(2);
    assert!(
        out.stderr.contains("`go` was not found on PATH"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("apt-get install golang-go"),
        "{}",
        out.stderr
    );
    let out = operator()
        .env("PATH", "/nonexistent")
        .args(["build", "--dry-run"])
        .run()
        .status(0);
    assert!(
        out.stdout
            .contains("Go: built in the container (auto, the default): `go` was not found on PATH"),
        "{}",
        out.stdout
    );

    let out = operator()
        .file("go.mod", "module example.com/operator\n\ngo 1.99\n")
        .args(["build", "--dry-run", "--go", "host"])
        .run()
        .status(2);
    assert!(
        out.stderr.contains("is older than go 1.99"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("go.mod:3:4"), "{}", out.stderr);
}

#[test]
fn build_go_host_plan() {
    let out = operator()
        .args([
            "build",
            "--dry-run",
            "--format",
            "json",
            "--go",
            "host",
            "--tag",
            "localhost:5000/x:1",
            "--push",
        ])
        .run()
        .status(0);
    let v = plan(&out);
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3, "{v:#}");
    for (i, p) in ["linux/amd64", "linux/arm64"].iter().enumerate() {
        assert_eq!(steps[i]["role"], "go-build");
        assert_eq!(steps[i]["name"], format!("go build {p}"));
        assert_eq!(steps[i]["artifact"]["platform"], *p);
        let path = steps[i]["artifact"]["path"].as_str().unwrap();
        assert!(
            path.ends_with(&format!("/bin/xbuild/{}/manager", p.replace('/', "_"))),
            "{path}"
        );
        let env = &steps[i]["command"]["env"];
        assert_eq!(env[0], serde_json::json!(["CGO_ENABLED", "0"]));
        assert_eq!(
            env[2],
            serde_json::json!(["GOARCH", p.split('/').nth(1).unwrap()])
        );
        let args: Vec<&str> = steps[i]["command"]["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(args[..3], ["build", "-v", "-o"]);
        assert_eq!(args[3], path);
        assert_eq!(args[4], "main.go");
    }
    let build: Vec<&str> = steps[2]["command"]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let at = build.iter().position(|a| *a == "--build-context").unwrap();
    assert!(
        build[at + 1].starts_with("xbuild-go=/") && build[at + 1].ends_with("/bin/xbuild"),
        "{build:?}"
    );
    let cross = v["cross"][0].as_str().unwrap();
    assert!(
        cross.starts_with("stage builder (line 6) replaced: FROM scratch"),
        "{cross}"
    );
    let notes = v["notes"].to_string();
    assert!(
        notes.contains("Go: built on the host (--go host)"),
        "{notes}"
    );

    // Human form: the host commands are in the plan.
    let out = operator()
        .args(["docker-buildx", "--dry-run", "--go", "host"])
        .run()
        .status(0);
    assert!(
        out.stdout.contains("1. go build linux/amd64\n   (in /"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("GOARCH=arm64 "), "{}", out.stdout);
}

#[test]
fn build_go_modes() {
    // auto picks the host for the fixture (a Go stage and go on PATH).
    let v = plan(
        &operator()
            .args(["build", "--dry-run", "--format", "json"])
            .run()
            .status(0),
    );
    assert_eq!(v["steps"][0]["role"], "go-build");
    assert!(
        v["notes"][0]
            .as_str()
            .unwrap()
            .starts_with("Go: built on the host (auto, the default): stage builder"),
        "{v:#}"
    );
    // container: the Dockerfile as it is, pinned by cross.
    let v = plan(
        &operator()
            .args([
                "build",
                "--dry-run",
                "--format",
                "json",
                "--go",
                "container",
            ])
            .run()
            .status(0),
    );
    assert!(
        v["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["role"] != "go-build")
    );
    assert!(!v.to_string().contains("--build-context"));
    assert!(v["cross"][0].as_str().unwrap().contains("pinned"), "{v:#}");
    // [go] mode in xbuild.toml, overridden by --go.
    let t = operator();
    let toml = std::fs::read_to_string(t.path().join("xbuild.toml")).unwrap();
    let t = t.file(
        "xbuild.toml",
        format!("{toml}\n[go]\nmode = \"container\"\n"),
    );
    let configured = t
        .args(["build", "--dry-run", "--format", "json"])
        .run()
        .status(0);
    let dir = configured.path().to_path_buf();
    let v = plan(&configured);
    assert!(
        v["notes"][0]
            .as_str()
            .unwrap()
            .contains("([go] mode = \"container\")"),
        "{v:#}"
    );
    let v = plan(
        &Test::new()
            .args([
                "-C",
                dir.to_str().unwrap(),
                "build",
                "--dry-run",
                "--format",
                "json",
                "--go",
                "host",
            ])
            .run()
            .status(0),
    );
    assert_eq!(v["steps"][0]["role"], "go-build");

    // auto falls back to the container and says why.
    let out = operator()
        .file(
            "Dockerfile",
            "FROM golang AS builder\nWORKDIR /workspace\nCOPY . .\nRUN make build\nFROM busybox\nCOPY --from=builder /workspace/bin/manager /manager\n",
        )
        .args(["build", "--dry-run"])
        .run()
        .status(0);
    assert!(
        out.stdout.contains(
            "Go: built in the container (auto, the default): stage builder is copied into the image but runs no go build: its last RUN runs `make build` (Dockerfile:4)"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn auto_builds_in_the_container_when_the_host_build_could_differ() {
    // A Go file next to main.go that the Dockerfile does not copy.
    let t = operator().file("extra.go", "package main\n\nvar extra = 1\n");
    let v = plan(
        &t.args(["build", "--dry-run", "--format", "json"])
            .run()
            .status(0),
    );
    assert!(
        v["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["role"] != "go-build"),
        "{v:#}"
    );
    let note = v["notes"][0].as_str().unwrap();
    assert!(
        note.starts_with("Go: built in the container (auto, the default): the host build would also compile extra.go"),
        "{note}"
    );
    // --go host goes ahead and warns.
    let t = operator().file("extra.go", "package main\n\nvar extra = 1\n");
    let v = plan(
        &t.args(["build", "--dry-run", "--format", "json", "--go", "host"])
            .run()
            .status(0),
    );
    assert_eq!(v["steps"][0]["role"], "go-build");
    assert!(
        v.to_string()
            .contains("Go: warning: the host build would also compile extra.go")
    );
    // A file excluded by a build constraint changes nothing.
    let t = operator().file(
        "tools.go",
        "//go:build tools\n\npackage main\n\nimport _ \"fmt\"\n",
    );
    let v = plan(
        &t.args(["build", "--dry-run", "--format", "json"])
            .run()
            .status(0),
    );
    assert_eq!(v["steps"][0]["role"], "go-build", "{v:#}");
}
