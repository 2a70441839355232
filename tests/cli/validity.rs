//! One validity check for every command: for each Dockerfile of fixtures/,
//! of BuildKit's parser corpus and of a generated set, `lint` reports XB000
//! exactly when `cross`, `build --dry-run` and `go-build --dry-run` refuse
//! the file (exit 2 with lint's message), and nothing panics.

use crate::support::Test;
use std::path::{Path, PathBuf};

/// Files BuildKit refuses (true) or accepts (false), written for the cases
/// the commands used to disagree on or panic with.
const GENERATED: &[(&str, &str, bool)] = &[
    ("unknown-instruction", "FROM busybox\nRUNN echo\n", true),
    (
        "json-run-broken-without-continuation",
        "FROM busybox\nRUN [\"echo\",\n \"x\"]\n",
        true,
    ),
    (
        "empty-continuation-line",
        "FROM busybox\nRUN echo a \\\n\n  b\n",
        false,
    ),
    (
        "unknown-copy-flag",
        "FROM busybox\nCOPY --fromm=a / /\n",
        true,
    ),
    ("from-flag-without-value", "FROM --platform busybox\n", true),
    ("unknown-from-flag", "FROM --plat=x busybox\n", true),
    ("from-two-words", "FROM busybox base\n", true),
    ("bad-stage-name", "FROM busybox AS 1x\n", true),
    ("run-before-from", "RUN true\nFROM busybox\n", true),
    ("no-from", "ARG X=1\n", true),
    ("copy-without-destination", "FROM busybox\nCOPY x\n", true),
    (
        "healthcheck-bad-duration",
        "FROM busybox\nHEALTHCHECK --interval=5 CMD true\n",
        true,
    ),
    ("onbuild-from", "FROM busybox\nONBUILD FROM b\n", true),
    ("workdir-without-path", "FROM busybox\nWORKDIR\n", true),
    ("shell-not-json", "FROM busybox\nSHELL sh -c\n", true),
    (
        "run-mount-cache",
        "FROM busybox\nRUN --mount=type=cache,target=/x true\n",
        false,
    ),
    (
        "escape-backtick-windows",
        "# escape=`\n\nFROM busybox\nCOPY testfile.txt c:\\\nRUN dir c:\\\n",
        false,
    ),
    (
        "run-ends-in-escaped-backslash",
        "FROM busybox\nRUN echo a\\\\\\\\\\\n",
        false,
    ),
    (
        "run-unterminated-quote",
        "FROM busybox\nRUN echo \"open 'and $TARGETARCH\n",
        false,
    ),
    (
        "run-bash-ec-unterminated",
        "FROM golang\nRUN bash -ec \"go build\n",
        false,
    ),
    (
        "heredoc",
        "FROM busybox\nRUN <<EOF\necho $TARGETARCH\nEOF\n",
        false,
    ),
    (
        "stage-from-stage",
        "FROM busybox AS a\nARG V=1\nFROM a AS b\nRUN echo $V\n",
        false,
    ),
    ("bom", "\u{feff}FROM busybox\nRUN echo é\n", false),
    (
        "multibyte-in-run",
        "FROM busybox\nRUN echo \"ü$TARGETARCH\" && echo 'é' \\\n && true\n",
        false,
    ),
];

/// lint's XB000 message for `text`, if it reports one; panics on a crash.
fn lint_xb000(text: &[u8]) -> Option<String> {
    let out = Test::new()
        .file("Dockerfile", text)
        .args(["lint", "--format", "json"])
        .run();
    assert_ne!(out.code, Some(101), "lint panicked: {}", out.stderr);
    assert!(matches!(out.code, Some(0 | 1)), "lint: {}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("lint's json");
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["rule"] == "XB000")
        .map(|d| d["message"].as_str().expect("message").to_string())
}

/// Checks one file; returns a description of each disagreement.
fn check(name: &str, text: &[u8], refused: Option<bool>) -> Vec<String> {
    let mut problems = Vec::new();
    let xb000 = lint_xb000(text);
    if let Some(want) = refused
        && want != xb000.is_some()
    {
        problems.push(format!(
            "{name}: lint XB000 = {xb000:?}, BuildKit refuses: {want}"
        ));
    }
    let commands: [&[&str]; 3] = [
        &["cross", "-o", "Dockerfile.cross"],
        &["build", "--dry-run"],
        &["go-build", "--dry-run"],
    ];
    for args in commands {
        let out = Test::new()
            .file("Dockerfile", text)
            .args(args.iter().copied())
            .run();
        let shown = format!("{name}: {} exit {:?}", args[0], out.code);
        if out.code == Some(101) || out.code.is_none() {
            problems.push(format!("{shown} (crashed): {}", out.stderr));
            continue;
        }
        let refused_here = out.stderr.contains("xbuild::dockerfile::");
        match &xb000 {
            Some(message)
                if out.code != Some(2) || !words(&out.stderr).contains(&words(message)) =>
            {
                problems.push(format!("{shown}, lint XB000 {message:?}: {}", out.stderr));
            }
            None if refused_here => {
                problems.push(format!("{shown}, lint has no XB000: {}", out.stderr));
            }
            // go-build refuses a file without a Go stage for its own reason.
            None if args[0] != "go-build" && out.code != Some(0) => {
                problems.push(format!("{shown} on a valid file: {}", out.stderr));
            }
            _ => {}
        }
    }
    problems
}

/// Text with miette's wrapping undone: the border removed, blanks joined.
fn words(text: &str) -> String {
    text.replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn dockerfiles(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            dockerfiles(&p, out);
        } else if p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.to_lowercase().contains("dockerfile"))
        {
            out.push(p);
        }
    }
}

fn check_files(files: &[PathBuf], refused: impl Fn(&Path) -> Option<bool>) {
    assert!(!files.is_empty());
    let problems: Vec<String> = files
        .iter()
        .flat_map(|p| {
            check(
                &p.display().to_string(),
                &std::fs::read(p).unwrap(),
                refused(p),
            )
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn generated_files() {
    let problems: Vec<String> = GENERATED
        .iter()
        .flat_map(|(name, text, refused)| check(name, text.as_bytes(), Some(*refused)))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn fixture_files() {
    let mut files = Vec::new();
    dockerfiles(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        &mut files,
    );
    // The fixtures named xb000-* are the ones BuildKit refuses.
    check_files(&files, |p| {
        let lint = p.components().any(|c| c.as_os_str() == "lint");
        lint.then(|| p.to_string_lossy().contains("/xb000-"))
    });
}

#[test]
fn buildkit_corpus() {
    let Some(dir) = crate::parse::corpus() else {
        return;
    };
    let mut files = Vec::new();
    dockerfiles(&dir, &mut files);
    // The negative cases are refused by BuildKit's parser; the others parse
    // (some are still refused by its instruction parser).
    check_files(&files, |p| {
        p.to_string_lossy()
            .contains("testfiles-negative")
            .then_some(true)
    });
}
