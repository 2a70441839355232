//! `xbuild cross --strategy auto` judged per command (issue 15): a chain is
//! pinned only when every command whose output ships builds for the target
//! or is arch-independent; the summary names the command that keeps it.

use crate::support::Test;

const SCRIPT_DF: &str = "FROM golang:1.22 AS build\nARG TARGETARCH\nWORKDIR /src\nCOPY . .\nRUN ./hack/build.sh\nFROM alpine:3.20\nCOPY --from=build /src/bin/app /app\n";

#[test]
fn debug_target_keeps_the_chain_and_release_pins_it() {
    let fixture = "fixtures/cross/debug-dlv/Dockerfile";
    let out = Test::new()
        .fixture(fixture, "Dockerfile")
        .args(["cross", "-o", "-"])
        .run()
        .status(0)
        .stderr_contains("stage base     line 8    left: stage dlv line 17: `CGO_ENABLED=0 go install github.com/go-delve/delve/cmd/dlv@latest` (go install without GOARCH builds for the machine it runs on)");
    assert!(!out.stdout.contains("--platform"));

    // The release image does not build the dlv stage: the root is pinned.
    let out = Test::new()
        .fixture(fixture, "Dockerfile")
        .args(["cross", "-o", "-", "--target", "release"])
        .run()
        .status(0)
        .stderr_contains("pinned");
    assert!(
        out.stdout
            .contains("FROM --platform=${BUILDPLATFORM} golang:1.22 AS base\n")
    );
    assert_eq!(out.stdout.matches("--platform").count(), 1);
}

#[test]
fn first_from_is_unchanged_by_the_per_command_judgement() {
    let out = Test::new()
        .fixture(
            "fixtures/cross/cross-and-native-go-build/Dockerfile",
            "Dockerfile",
        )
        .args(["cross", "-o", "-", "--strategy", "first-from"])
        .run()
        .status(0);
    assert!(
        out.stdout
            .contains("FROM --platform=${BUILDPLATFORM} golang:1.22-alpine AS builder\n")
    );
}

#[test]
fn a_script_in_the_build_context_is_read() {
    // It builds for the target: pinned.
    let out = Test::new()
        .file("Dockerfile", SCRIPT_DF)
        .file(
            "hack/build.sh",
            "#!/bin/sh\nset -e\nCGO_ENABLED=0 GOARCH=$TARGETARCH go build -o bin/app .\n",
        )
        .args(["cross", "-o", "-"])
        .run()
        .status(0)
        .stderr_contains("pinned");
    assert!(
        out.stdout
            .starts_with("FROM --platform=${BUILDPLATFORM} golang")
    );

    // It builds natively: left, and the summary says where.
    let out = Test::new()
        .file("Dockerfile", SCRIPT_DF)
        .file("hack/build.sh", "#!/bin/sh\ngo build -o bin/app .\n")
        .args(["cross", "-o", "-"])
        .run()
        .status(0)
        .stderr_contains("line 5: `./hack/build.sh` (hack/build.sh: go build without GOARCH");
    assert_eq!(out.stdout, SCRIPT_DF);

    // Not in the build context: unknown, left.
    let out = Test::new()
        .file("Dockerfile", SCRIPT_DF)
        .args(["cross", "-o", "-"])
        .run()
        .status(0)
        .stderr_contains("hack/build.sh is not in the build context");
    assert_eq!(out.stdout, SCRIPT_DF);
}

#[test]
fn lint_agrees_with_cross_on_the_new_patterns() {
    for (fixture, pinned) in [
        (
            "fixtures/cross/installroot-unused-targetarch/Dockerfile",
            false,
        ),
        ("fixtures/cross/cross-and-native-go-build/Dockerfile", false),
        ("fixtures/cross/debug-dlv/Dockerfile", false),
        ("fixtures/cross/kubebuilder/Dockerfile", true),
    ] {
        let out = Test::new()
            .fixture(fixture, "Dockerfile")
            .args(["lint", "--format", "json"])
            .run();
        assert_eq!(out.stdout.contains("\"XB001\""), pinned, "{fixture}");
    }
}
