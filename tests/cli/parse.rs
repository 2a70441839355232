//! `xbuild debug parse`: BuildKit conformance (the parser test files of
//! moby/buildkit, read from ../shared/corpus when present) and our own
//! fixtures for each parser rule (fixtures/parse/<case>/{Dockerfile,result};
//! a case without `result` must be rejected).

use crate::support::Test;
use std::path::{Path, PathBuf};

pub(crate) fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("XBUILD_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/buildkit-parser")
        });
    if dir.is_dir() {
        return Some(dir);
    }
    let msg = format!(
        "BuildKit parser corpus not found at {} (set XBUILD_CORPUS); conformance not checked",
        dir.display()
    );
    // CI sets XBUILD_REQUIRE_CORPUS=1 so that a missing corpus fails there.
    if std::env::var_os("XBUILD_REQUIRE_CORPUS").is_some() {
        panic!("{msg}");
    }
    eprintln!("note: {msg}");
    None
}

fn cases(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Dockerfile").is_file())
        .collect();
    out.sort();
    out
}

/// Runs `debug parse` on each case; returns the names that did not match.
fn check_dumps(dir: &Path) -> (usize, Vec<String>) {
    let mut failures = Vec::new();
    let all = cases(dir);
    for case in &all {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let out = Test::new()
            .file(
                "Dockerfile",
                std::fs::read(case.join("Dockerfile")).unwrap(),
            )
            .args(["debug", "parse", "Dockerfile"])
            .run();
        match std::fs::read(case.join("result")) {
            Ok(expected) => {
                if out.code != Some(0) || out.stdout.as_bytes() != expected.as_slice() {
                    failures.push(format!(
                        "{name}: exit {:?}\n--- expected\n{}--- got\n{}{}",
                        out.code,
                        String::from_utf8_lossy(&expected),
                        out.stdout,
                        out.stderr
                    ));
                }
            }
            Err(_) => {
                if out.code != Some(2) || out.stderr.trim().is_empty() {
                    failures.push(format!(
                        "{name}: expected rejection, got exit {:?}\n{}",
                        out.code, out.stdout
                    ));
                }
            }
        }
    }
    (all.len(), failures)
}

#[test]
fn buildkit_testfiles_dump_identically() {
    let Some(corpus) = corpus() else { return };
    let (n, failures) = check_dumps(&corpus.join("testfiles"));
    assert_eq!(n, 33, "the corpus should hold 33 cases");
    assert!(
        failures.is_empty(),
        "{} of {n} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn buildkit_negative_testfiles_are_rejected() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("testfiles-negative");
    let all = cases(&dir);
    assert_eq!(all.len(), 4);
    for case in all {
        Test::new()
            .file(
                "Dockerfile",
                std::fs::read(case.join("Dockerfile")).unwrap(),
            )
            .args(["debug", "parse", "Dockerfile"])
            .run()
            .status(2)
            .stderr_contains("Dockerfile");
    }
}

#[test]
fn own_fixtures_for_each_parser_rule() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/parse");
    let (n, failures) = check_dumps(&dir);
    assert!(n >= 20, "expected the parser fixtures, found {n}");
    assert!(
        failures.is_empty(),
        "{} of {n} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn errors_point_into_the_file() {
    let out = Test::new()
        .file("Dockerfile", "FROM alpine\nRUN cat <<EOF\nhello\n")
        .args(["debug", "parse", "Dockerfile"])
        .run()
        .status(2)
        .stderr_contains("unterminated heredoc")
        .stderr_contains("Dockerfile:2:1")
        .stderr_contains("never closed");
    assert!(out.stdout.is_empty());

    Test::new()
        .file("Dockerfile", "# escape=x\nFROM a\n")
        .args(["debug", "parse", "Dockerfile"])
        .run()
        .status(2)
        .stderr_contains("invalid escape token 'x'")
        .stderr_contains("Dockerfile:1:1");

    Test::new()
        .file("Dockerfile", "# syntax=a\n# syntax=b\nFROM a\n")
        .args(["debug", "parse", "Dockerfile"])
        .run()
        .status(2)
        .stderr_contains("only one syntax parser directive can be used")
        .stderr_contains("Dockerfile:2:1");
}

#[test]
fn non_utf8_is_a_clear_error() {
    Test::new()
        .file("Dockerfile", b"FROM alpine\nRUN echo \xff\xfe\n".as_slice())
        .args(["debug", "parse", "Dockerfile"])
        .run()
        .status(2)
        .stderr_contains("not valid UTF-8 (line 2, column 10)");
}

#[test]
fn missing_file_is_exit_2() {
    Test::new()
        .args(["debug", "parse", "nope/Dockerfile"])
        .run()
        .status(2)
        .stderr_contains("nope/Dockerfile does not exist");
}
