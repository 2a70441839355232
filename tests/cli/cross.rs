//! `xbuild cross`: the fixture pairs, idempotence, --check, stdout output,
//! strategies, targets, errors, and equality with the Makefile's sed line
//! where that line is right.

use crate::support::Test;
use std::path::{Path, PathBuf};

fn fixture_cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cross");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    out.sort();
    out
}

#[test]
fn every_fixture_pair_matches_and_is_idempotent() {
    let cases = fixture_cases();
    assert!(cases.len() >= 14, "expected the cross fixtures");
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let input = std::fs::read(case.join("Dockerfile")).unwrap();
        let expected = std::fs::read(case.join("Dockerfile.cross")).unwrap();
        let out = Test::new()
            .file("Dockerfile", &input)
            .args(["cross"])
            .run()
            .status(0);
        assert_eq!(
            String::from_utf8_lossy(&out.read_bytes("Dockerfile.cross")),
            String::from_utf8_lossy(&expected),
            "{name}"
        );
        assert_eq!(
            out.read_bytes("Dockerfile"),
            input,
            "{name}: the Dockerfile itself must not change"
        );

        // cross on its own output changes nothing.
        let again = Test::new()
            .file("Dockerfile", &expected)
            .args(["cross", "-o", "-", "-q"])
            .run()
            .status(0);
        assert_eq!(
            again.stdout.as_bytes(),
            expected.as_slice(),
            "{name}: not idempotent"
        );
        assert!(
            again.stderr.is_empty(),
            "{name}: --quiet printed {}",
            again.stderr
        );

        // The output differs from the input only by inserted pins.
        let pin = " --platform=${BUILDPLATFORM}";
        assert_eq!(
            String::from_utf8_lossy(&expected).replace(pin, ""),
            String::from_utf8_lossy(&input).replace(pin, ""),
            "{name}: more than insertions changed"
        );
    }
}

#[test]
fn works_without_xbuild_toml_in_a_kubebuilder_repo() {
    let out = Test::new()
        .fixture("fixtures/cross/kubebuilder/Dockerfile", "Dockerfile")
        .file("go.mod", "module example.com/op\n\ngo 1.22\n")
        .args(["cross"])
        .run()
        .status(0)
        .stderr_contains("Dockerfile -> Dockerfile.cross")
        .stderr_contains("stage builder")
        .stderr_contains("pinned");
    assert!(
        out.read("Dockerfile.cross")
            .contains("FROM --platform=${BUILDPLATFORM} ${BASE_IMAGE} AS builder\n")
    );
}

/// The sed line of the kubebuilder Makefile, after make's `$$` unescaping.
const SED: [&str; 4] = [
    "-e",
    r"1 s/\(^FROM\)/FROM --platform=\$\{BUILDPLATFORM\}/; t",
    "-e",
    r" 1,// s//FROM --platform=\$\{BUILDPLATFORM\}/",
];

fn sed(input: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut child = std::process::Command::new("sed")
        .args(SED)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take().unwrap().write_all(input).unwrap();
    Some(child.wait_with_output().unwrap().stdout)
}

#[test]
fn byte_identical_to_sed_when_the_first_line_is_a_comment() {
    for case in ["kubebuilder", "syntax-and-comments"] {
        let input = std::fs::read(format!(
            "{}/fixtures/cross/{case}/Dockerfile",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let Some(expected) = sed(&input) else {
            panic!("GNU sed is needed for this test");
        };
        let out = Test::new()
            .file("Dockerfile", &input)
            .args(["cross", "-o", "-", "-q"])
            .run()
            .status(0);
        assert_eq!(out.stdout.as_bytes(), expected.as_slice(), "{case}");
    }
}

#[test]
fn sed_pins_the_runtime_stage_when_from_is_on_line_1_but_cross_does_not() {
    let input = std::fs::read(format!(
        "{}/fixtures/cross/seed/Dockerfile",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let by_sed = String::from_utf8(sed(&input).expect("GNU sed")).unwrap();
    assert_eq!(
        by_sed.matches("--platform=${BUILDPLATFORM}").count(),
        2,
        "GNU sed's known defect"
    );
    let out = Test::new()
        .file("Dockerfile", &input)
        .args(["cross", "-o", "-", "-q"])
        .run()
        .status(0);
    assert_eq!(out.stdout.matches("--platform=${BUILDPLATFORM}").count(), 1);
}

#[test]
fn check_reports_missing_stale_and_current() {
    let df = "FROM golang AS b\nARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build -o /m\nFROM alpine\nCOPY --from=b /m /m\n";
    Test::new()
        .file("Dockerfile", df)
        .args(["cross", "--check"])
        .run()
        .status(1)
        .stderr_contains("Dockerfile.cross is missing");
    Test::new()
        .file("Dockerfile", df)
        .file("Dockerfile.cross", df)
        .args(["cross", "--check"])
        .run()
        .status(1)
        .stderr_contains("out of date");
    let out = Test::new()
        .file("Dockerfile", df)
        .args(["cross", "-q"])
        .run()
        .status(0);
    let current = out.read("Dockerfile.cross");
    Test::new()
        .file("Dockerfile", df)
        .file("Dockerfile.cross", &current)
        .args(["cross", "--check"])
        .run()
        .status(0)
        .stderr_contains("up to date");
}

#[test]
fn check_writes_nothing() {
    let out = Test::new()
        .file(
            "Dockerfile",
            "FROM a AS b\nARG TARGETOS\nFROM c\nCOPY --from=b / /\n",
        )
        .args(["cross", "--check"])
        .run()
        .status(1);
    assert!(!out.exists("Dockerfile.cross"));
}

#[test]
fn strategy_first_from_and_target() {
    let df = "FROM alpine AS base\nRUN true\nFROM golang AS b\nARG TARGETARCH\nRUN go build\nFROM base\nCOPY --from=b /m /m\n";
    let out = Test::new()
        .file("Dockerfile", df)
        .args(["cross", "-o", "-", "-q"])
        .run()
        .status(0);
    assert_eq!(
        out.stdout,
        df.replace("FROM golang", "FROM --platform=${BUILDPLATFORM} golang")
    );

    let out = Test::new()
        .file("Dockerfile", df)
        .args(["cross", "-o", "-", "--strategy", "first-from"])
        .run()
        .status(0)
        .stderr_contains("warning: this stage ships");
    assert_eq!(
        out.stdout,
        df.replacen("FROM alpine", "FROM --platform=${BUILDPLATFORM} alpine", 1)
    );

    // With --target b, stage b is the image: nothing may be pinned.
    let out = Test::new()
        .file("Dockerfile", df)
        .args(["cross", "-o", "-", "--target", "b"])
        .run()
        .status(0)
        .stderr_contains("ships: it is the image");
    assert_eq!(out.stdout, df);
}

#[test]
fn single_stage_helm_dockerfile_is_unchanged() {
    let out = Test::new()
        .fixture("fixtures/cross/helm-single-stage/Dockerfile", "Dockerfile")
        .args(["cross"])
        .run()
        .status(0)
        .stderr_contains("left: ships");
    assert_eq!(out.read("Dockerfile.cross"), out.read("Dockerfile"));
}

#[test]
fn dockerfile_and_output_paths() {
    let df = "FROM golang AS b\nARG TARGETARCH\nFROM alpine\nCOPY --from=b / /\n";
    let out = Test::new()
        .file("build/prod.Dockerfile", df)
        .args(["cross", "-f", "build/prod.Dockerfile"])
        .run()
        .status(0);
    assert!(out.exists("build/prod.Dockerfile.cross"));
    let out = Test::new()
        .file("sub/Dockerfile", df)
        .args(["-C", "sub", "cross", "-o", "out/x.cross"])
        .run();
    // The output directory does not exist: a clear write error, exit 2.
    let out = out.status(2).stderr_contains("cannot write");
    assert!(!out.exists("sub/out/x.cross"));
    Test::new()
        .file("sub/Dockerfile", df)
        .args(["-C", "sub", "cross"])
        .run()
        .status(0);
}

#[test]
fn keeps_the_file_mode_of_an_existing_output() {
    use std::os::unix::fs::PermissionsExt;
    let t = Test::new()
        .file(
            "Dockerfile",
            "FROM golang AS b\nARG TARGETARCH\nFROM alpine\nCOPY --from=b / /\n",
        )
        .file("Dockerfile.cross", "old");
    std::fs::set_permissions(
        t.path().join("Dockerfile.cross"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    let out = t.args(["cross"]).run().status(0);
    let mode = std::fs::metadata(out.path().join("Dockerfile.cross"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
}

#[test]
fn errors_are_diagnostics_with_exit_2() {
    Test::new()
        .args(["cross"])
        .run()
        .status(2)
        .stderr_contains("Dockerfile does not exist");
    Test::new()
        .file("Dockerfile", "FROM alpine\nRUN <<EOF\nnever closed\n")
        .args(["cross"])
        .run()
        .status(2)
        .stderr_contains("unterminated heredoc")
        .stderr_contains("Dockerfile:2:1");
    Test::new()
        .file("Dockerfile", "FROM alpine AS a\nFROM busybox AS b\n")
        .args(["cross", "--target", "nope"])
        .run()
        .status(2)
        .stderr_contains("target stage \"nope\" could not be found")
        .stderr_contains("the stages are: a, b");
    Test::new()
        .file("Dockerfile", "FROM alpine AS 9lives\n")
        .args(["cross"])
        .run()
        .status(2)
        .stderr_contains("invalid name for build stage");
}
