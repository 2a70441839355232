//! Inputs the fuzz targets (fuzz/) found, kept as files in fixtures/fuzz/:
//! every command that reads a Dockerfile ends with exit 0, 1 or 2 on each,
//! never a panic (101) or a signal. Plus the specific outcomes that were
//! wrong: the Windows `# escape=` example lints cleanly, and `xbuild config`
//! output loads back as the same configuration, for an empty xbuild.toml too.

use crate::support::Test;
use std::path::Path;

fn fuzz_fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fuzz");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// Exit 0, 1 or 2 and no panic message.
fn clean(name: &str, args: &[&str], out: &crate::support::Output) {
    assert!(
        matches!(out.code, Some(0..=2)),
        "{name}: xbuild {args:?} exited {:?}\n{}",
        out.code,
        out.stderr
    );
    assert!(!out.stderr.contains("panicked"), "{name}: {}", out.stderr);
}

#[test]
fn every_fuzz_fixture_ends_cleanly_in_every_command() {
    let cases = fuzz_fixtures();
    assert!(cases.len() >= 2, "expected the fuzz fixtures");
    let commands: [&[&str]; 6] = [
        &["lint", "Dockerfile"],
        &["lint", "--fix", "Dockerfile"],
        &["cross", "-f", "Dockerfile", "-o", "-"],
        &["debug", "parse", "Dockerfile"],
        &[
            "build",
            "--dry-run",
            "--platform",
            "linux/amd64,linux/arm64",
        ],
        &["go-build", "--dry-run"],
    ];
    for (name, bytes) in &cases {
        for args in commands {
            let out = Test::new()
                .file("Dockerfile", bytes)
                .args(args.iter().copied())
                .run();
            clean(name, args, &out);
        }
    }
}

#[test]
fn the_windows_escape_example_lints_cleanly() {
    for args in [vec!["lint"], vec!["lint", "--fix"]] {
        let out = Test::new()
            .fixture("fixtures/fuzz/lint-windows-escape.Dockerfile", "Dockerfile")
            .args(args)
            .run()
            .status(0);
        assert_eq!(out.stdout, "0 errors, 0 warnings in 1 file\n");
    }
    Test::new()
        .fixture(
            "fixtures/fuzz/lint-run-ends-escaped-backslash.Dockerfile",
            "Dockerfile",
        )
        .args(["lint"])
        .run()
        .status(0);
}

/// `xbuild config` with the "Read from" line (which names the file) left out.
fn config_body(stdout: &str) -> String {
    stdout
        .lines()
        .filter(|l| !l.starts_with("# Read from") && !l.starts_with("# No xbuild.toml"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn config_output_loads_back_the_same_including_an_empty_file() {
    for original in [
        "",
        "[image]\nname = \"r.example/op\"\nplatforms = [\"arm64\", \"linux/arm/v7\"]\n[build]\nargs = { A = \"1\" }\n",
    ] {
        let first = Test::new()
            .file("xbuild.toml", original)
            .args(["config"])
            .run()
            .status(0);
        let second = Test::new()
            .file("xbuild.toml", &first.stdout)
            .args(["config"])
            .run()
            .status(0);
        assert_eq!(
            config_body(&second.stdout),
            config_body(&first.stdout),
            "{original:?}"
        );
    }
}
