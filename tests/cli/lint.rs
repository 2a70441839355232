//! `xbuild lint`: the fixture cases (fixtures/lint/<case>/: `Dockerfile`,
//! maybe `Dockerfile.cross`; `expected` lists the findings as `line:col ID
//! name`; `Dockerfile.fixed` and `Dockerfile.cross.fixed` are what `--fix`
//! writes), the fix round trips, the output formats, suppressions, path
//! resolution and exit codes. `XBUILD_BLESS=1` rewrites the expected files.

use crate::support::{Output, Test};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/lint");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Dockerfile").is_file())
        .collect();
    out.sort();
    out
}

fn bless() -> bool {
    std::env::var_os("XBUILD_BLESS").is_some()
}

/// A test project holding the case's Dockerfile and Dockerfile.cross.
fn project(case: &Path) -> Test {
    let mut t = Test::new();
    for name in ["Dockerfile", "Dockerfile.cross"] {
        if let Ok(bytes) = std::fs::read(case.join(name)) {
            t = t.file(name, bytes);
        }
    }
    t
}

fn json(out: &Output) -> Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", out.stdout, out.stderr))
}

fn diagnostics(v: &Value) -> &Vec<Value> {
    v["diagnostics"].as_array().expect("diagnostics array")
}

/// `line:col ID name` for each diagnostic.
fn listing(v: &Value) -> String {
    diagnostics(v)
        .iter()
        .map(|d| {
            format!(
                "{}:{} {} {}\n",
                d["line"],
                d["column"],
                s(&d["rule"]),
                s(&d["name"])
            )
        })
        .collect()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn has_errors(v: &Value) -> bool {
    v["summary"]["errors"].as_u64().unwrap() > 0
}

#[test]
fn every_case_reports_exactly_its_findings() {
    let all = cases();
    assert!(all.len() >= 30, "expected the lint fixtures");
    let mut failures = Vec::new();
    for case in all {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let out = project(&case).args(["lint", "--format", "json"]).run();
        let v = json(&out);
        let got = listing(&v);
        let expected_code = if has_errors(&v) { 1 } else { 0 };
        if out.code != Some(expected_code) {
            failures.push(format!("{name}: exit {:?}, want {expected_code}", out.code));
        }
        if bless() {
            std::fs::write(case.join("expected"), &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(case.join("expected")).unwrap_or_default();
        if got != want {
            failures.push(format!("{name}:\n--- expected\n{want}--- got\n{got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_a_case_that_fires_and_a_near_miss() {
    let mut fired = std::collections::BTreeSet::new();
    let mut near_misses = 0;
    for case in cases() {
        let expected = std::fs::read_to_string(case.join("expected")).unwrap_or_default();
        for line in expected.lines() {
            fired.insert(line.split(' ').nth(1).unwrap().to_string());
        }
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        if name.contains("near-miss") {
            assert_eq!(expected, "", "{name}: a near miss must report nothing");
            near_misses += 1;
        }
    }
    let all: Vec<String> = (0..=10).map(|i| format!("XB{i:03}")).collect();
    assert_eq!(fired.into_iter().collect::<Vec<_>>(), all);
    assert!(near_misses >= 10, "{near_misses} near misses");
}

#[test]
fn fix_round_trips() {
    let mut checked = 0;
    for case in cases() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let input = std::fs::read(case.join("Dockerfile")).unwrap();
        let fixed = project(&case)
            .args(["lint", "--fix", "--format", "json"])
            .run();
        let after = fixed.read_bytes("Dockerfile");
        let after_cross = fixed
            .exists("Dockerfile.cross")
            .then(|| fixed.read_bytes("Dockerfile.cross"));
        let v = json(&fixed);
        for d in diagnostics(&v) {
            assert_eq!(
                d["fixable"], false,
                "{name}: fixable finding left after --fix: {d}"
            );
        }
        if bless() {
            for (file, bytes) in [
                ("Dockerfile", Some(&after)),
                ("Dockerfile.cross", after_cross.as_ref()),
            ] {
                let p = case.join(format!("{file}.fixed"));
                match bytes {
                    Some(b) if std::fs::read(case.join(file)).ok().as_ref() != Some(b) => {
                        std::fs::write(p, b).unwrap()
                    }
                    _ => {
                        let _ = std::fs::remove_file(p);
                    }
                }
            }
            continue;
        }
        let want = std::fs::read(case.join("Dockerfile.fixed")).unwrap_or_else(|_| input.clone());
        assert_eq!(
            String::from_utf8_lossy(&after),
            String::from_utf8_lossy(&want),
            "{name}: --fix output"
        );
        if let Ok(want) = std::fs::read(case.join("Dockerfile.cross.fixed")) {
            assert_eq!(
                after_cross.as_deref(),
                Some(want.as_slice()),
                "{name}: cross"
            );
        }
        if after != input {
            checked += 1;
            assert_eq!(
                fixed.code,
                Some(if has_errors(&v) { 1 } else { 0 }),
                "{name}"
            );
            assert!(
                fixed.stderr.contains("Dockerfile: fixed"),
                "{name}: {}",
                fixed.stderr
            );
        }

        // A second --fix changes nothing and says nothing.
        let mut again = Test::new().file("Dockerfile", &after);
        if let Some(c) = &after_cross {
            again = again.file("Dockerfile.cross", c);
        }
        let again = again.args(["lint", "--fix", "--format", "json"]).run();
        assert_eq!(
            again.read_bytes("Dockerfile"),
            after,
            "{name}: not idempotent"
        );
        if let Some(c) = &after_cross {
            assert_eq!(
                &again.read_bytes("Dockerfile.cross"),
                c,
                "{name}: cross not idempotent"
            );
        }
        assert!(!again.stderr.contains("fixed"), "{name}: {}", again.stderr);
    }
    assert!(
        bless() || checked >= 10,
        "only {checked} cases changed under --fix"
    );
}

#[test]
fn fixes_change_only_their_bytes() {
    // BOM, CRLF, lowercase keywords, the syntax directive: all kept.
    let out = Test::new()
        .fixture(
            "fixtures/lint/bom-crlf-shipped-pinned/Dockerfile",
            "Dockerfile",
        )
        .args(["lint", "--fix"])
        .run()
        .status(0)
        .stderr_contains("Dockerfile: fixed 1 finding (XB002 shipped-stage-pinned)");
    assert_eq!(
        out.read_bytes("Dockerfile"),
        "\u{feff}# syntax=docker/dockerfile:1\r\nfrom --platform=$BUILDPLATFORM golang:1.22 as Builder\r\narg TARGETARCH\r\nrun CGO_ENABLED=0 GOARCH=$TARGETARCH go build -o /m .\r\nfrom alpine:3.20\r\ncopy --from=builder /m /m\r\n".as_bytes()
    );
}

#[test]
fn suppression_comments_are_needed_and_exact() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/lint/suppressions/Dockerfile"),
    )
    .unwrap();
    let without = text.replace("xbuild-ignore", "not-an-ignore");
    let out = Test::new()
        .file("Dockerfile", without)
        .args(["lint", "--format", "json"])
        .run()
        .status(1);
    let rules: Vec<String> = diagnostics(&json(&out))
        .iter()
        .map(|d| s(&d["rule"]).to_string())
        .collect();
    assert_eq!(
        rules,
        [
            "XB001", "XB005", "XB006", "XB004", "XB004", "XB004", "XB007"
        ],
        "each comment in the fixture suppresses something"
    );
}

#[test]
fn human_output_shows_snippets_codes_help_and_a_summary() {
    Test::new()
        .fixture(
            "fixtures/lint/xb002-sed-from-on-line-1/Dockerfile",
            "Dockerfile",
        )
        .args(["lint"])
        .run()
        .status(1)
        .stdout_contains("XB002 shipped-stage-pinned")
        .stdout_contains("[Dockerfile:8:6]")
        .stdout_contains("every image gets the build machine's layers")
        .stdout_contains("help: remove this flag")
        .stdout_contains("1 error, 0 warnings in 1 file (1 fixable with --fix)");
    Test::new()
        .file("Dockerfile", "FROM alpine\n")
        .args(["lint"])
        .run()
        .status(0)
        .stdout_contains("0 errors, 0 warnings in 1 file");
}

#[test]
fn json_schema() {
    let out = Test::new()
        .fixture("fixtures/lint/xb003-different/Dockerfile", "Dockerfile")
        .fixture("fixtures/lint/xb005-constant/Dockerfile", "b.Dockerfile")
        .args(["lint", "--format", "json", "Dockerfile", "b.Dockerfile"])
        .run()
        .status(1);
    let v = json(&out);
    assert_eq!(
        v["summary"],
        serde_json::json!({"files": 2, "errors": 1, "warnings": 1})
    );
    assert_eq!(
        diagnostics(&v)[0],
        serde_json::json!({
            "file": "Dockerfile",
            "rule": "XB003",
            "name": "duplicate-platform",
            "severity": "error",
            "line": 1,
            "column": 29,
            "end_line": 1,
            "end_column": 54,
            "message": "stage builder has more than one --platform flag",
            "fixable": false,
        })
    );
    assert_eq!(diagnostics(&v)[1]["severity"], "warning");
    assert_eq!(diagnostics(&v)[1]["file"], "b.Dockerfile");
    assert_eq!(diagnostics(&v)[1]["fixable"], false);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

#[test]
fn github_format() {
    let out = Test::new()
        .fixture(
            "fixtures/lint/xb002-helm-single-stage/Dockerfile",
            "build/Dockerfile",
        )
        .args(["lint", "--format", "github", "build/Dockerfile"])
        .run()
        .status(1);
    assert_eq!(
        out.stdout,
        "::error file=build/Dockerfile,line=2,col=6,endLine=2,endColumn=31,title=XB002 shipped-stage-pinned::stage #0 ships (it is the image) but is pinned to the build platform\n"
    );
    let out = Test::new()
        .fixture("fixtures/lint/xb005-constant/Dockerfile", "Dockerfile")
        .args(["lint", "--format=github"])
        .run()
        .status(0)
        .stderr_contains("0 errors, 1 warning");
    assert!(
        out.stdout
            .starts_with("::warning file=Dockerfile,line=1,col=6,")
    );
}

#[test]
fn exit_codes() {
    // Warnings only: 0, or 1 with --deny-warnings.
    let warn = "FROM --platform=linux/amd64 alpine\n";
    Test::new()
        .file("Dockerfile", warn)
        .args(["lint"])
        .run()
        .status(0);
    Test::new()
        .file("Dockerfile", warn)
        .args(["lint", "--deny-warnings"])
        .run()
        .status(1);
    // A file that does not parse is an XB000 finding (1); the others are
    // still checked.
    let out = Test::new()
        .fixture(
            "fixtures/lint/xb000-parse-error/Dockerfile",
            "bad.Dockerfile",
        )
        .file("Dockerfile", warn)
        .args(["lint", "--format", "json", "bad.Dockerfile", "Dockerfile"])
        .run()
        .status(1);
    assert_eq!(
        listing(&json(&out)),
        "2:1 XB000 parse-error\n1:6 XB005 constant-platform\n"
    );
    // A missing or non-UTF-8 file: 2, after the findings of the others.
    let out = Test::new()
        .file("Dockerfile", "FROM --platform=$BUILDPLATFORM alpine\n")
        .file("latin1.Dockerfile", b"FROM alpine\nLABEL x=\xe9\n")
        .args([
            "lint",
            "missing/Dockerfile",
            "Dockerfile",
            "latin1.Dockerfile",
        ])
        .run()
        .status(2)
        .stdout_contains("XB002")
        .stdout_contains("1 error, 0 warnings in 1 file")
        .stderr_contains("missing/Dockerfile does not exist")
        .stderr_contains("latin1.Dockerfile is not valid UTF-8");
    assert!(out.stdout.find("XB002") < out.stdout.find("in 1 file"));
    // No Dockerfile at all.
    Test::new()
        .args(["lint"])
        .run()
        .status(2)
        .stderr_contains("Dockerfile does not exist");
    // An unknown rule ID.
    Test::new()
        .file("Dockerfile", warn)
        .args(["lint", "--select", "XB005,XB042"])
        .run()
        .status(2)
        .stderr_contains("unknown rule ID \"XB042\" in --select");
}

#[test]
fn default_path_and_directory() {
    let df = "FROM --platform=$BUILDPLATFORM alpine\n";
    Test::new()
        .file("sub/Dockerfile", df)
        .args(["-C", "sub", "lint", "--format", "github"])
        .run()
        .status(1)
        .stdout_contains("::error file=sub/Dockerfile,line=1,col=6");
    Test::new()
        .file("Dockerfile", df)
        .file("sub/.keep", "")
        .cwd("sub")
        .args(["lint", "../Dockerfile", "--format", "github"])
        .run()
        .status(1)
        .stdout_contains("file=../Dockerfile,");
}

#[test]
fn cross_file_is_path_dot_cross_for_explicit_paths() {
    let df = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cross/kubebuilder/Dockerfile"),
    )
    .unwrap();
    let out = Test::new()
        .file("build/prod.Dockerfile", &df)
        .file("build/prod.Dockerfile.cross", &df)
        .args([
            "lint",
            "--select",
            "XB010",
            "--fix",
            "build/prod.Dockerfile",
        ])
        .run()
        .status(0)
        .stderr_contains(
            "build/prod.Dockerfile: rewrote build/prod.Dockerfile.cross (XB010 stale-cross)",
        );
    assert!(
        out.read("build/prod.Dockerfile.cross")
            .contains("FROM --platform=${BUILDPLATFORM} ${BASE_IMAGE} AS builder")
    );
    assert_eq!(
        out.read("build/prod.Dockerfile"),
        df,
        "--select XB010 fixes nothing else"
    );
}

#[test]
fn select_and_exit_nonzero_on_fix_for_the_cross_hook() {
    let fixture = "fixtures/cross/kubebuilder";
    let hook = [
        "lint",
        "--fix",
        "--select",
        "XB010",
        "--exit-nonzero-on-fix",
        "Dockerfile",
    ];
    // No Dockerfile.cross: nothing to do.
    let out = Test::new()
        .fixture(&format!("{fixture}/Dockerfile"), "Dockerfile")
        .args(hook)
        .run()
        .status(0);
    assert!(!out.exists("Dockerfile.cross"));
    // Stale: rewritten, exit 1; then current: exit 0.
    let out = Test::new()
        .fixture(&format!("{fixture}/Dockerfile"), "Dockerfile")
        .fixture(&format!("{fixture}/Dockerfile"), "Dockerfile.cross")
        .args(hook)
        .run()
        .status(1)
        .stderr_contains("rewrote Dockerfile.cross");
    let want = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("{fixture}/Dockerfile.cross")),
    )
    .unwrap();
    assert_eq!(out.read("Dockerfile.cross"), want);
    Test::new()
        .fixture(&format!("{fixture}/Dockerfile"), "Dockerfile")
        .fixture(&format!("{fixture}/Dockerfile.cross"), "Dockerfile.cross")
        .args(hook)
        .run()
        .status(0);
    // --exit-nonzero-on-fix needs --fix.
    Test::new()
        .file("Dockerfile", "FROM alpine\n")
        .args(["lint", "--exit-nonzero-on-fix"])
        .run()
        .status(2);
}

#[test]
fn help_documents_every_flag_and_rule() {
    let out = Test::new().args(["lint", "--help"]).run().status(0);
    for needle in [
        "--fix",
        "--format",
        "--deny-warnings",
        "--select",
        "--exit-nonzero-on-fix",
        "xbuild-ignore",
        "XB010 stale-cross",
    ] {
        assert!(
            out.stdout.contains(needle),
            "--help lacks {needle}:\n{}",
            out.stdout
        );
    }
}
