//! The hooks of `.pre-commit-hooks.yaml`, run by the real pre-commit
//! (`pip install pre-commit`) through `pre-commit try-repo` on this checkout,
//! in a throwaway git repository: a Dockerfile with XB002 and a stale
//! Dockerfile.cross are refused (and the cross hook rewrites the stale
//! file); after `xbuild lint --fix` the commit passes both hooks.
//!
//! try-repo builds the hooks from this checkout's HEAD plus its staged and
//! modified tracked files (pre-commit makes a shadow commit of them);
//! untracked files are not included, so commit or `git add` new files
//! first. It builds in a fresh store each time (`cargo install`, release);
//! `CARGO_TARGET_DIR=target/pre-commit-cargo` keeps the compiled
//! dependencies between runs, so only xbuild itself is rebuilt.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pre_commit() -> PathBuf {
    which::which("pre-commit").unwrap_or_else(|_| {
        panic!("pre-commit is not installed; this test needs it: pip install pre-commit")
    })
}

fn show(what: &str, out: &Output) -> String {
    format!(
        "{what}: {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs a command in `dir`; panics with its output when it cannot start.
fn run(dir: &Path, program: &Path, args: &[&str]) -> Output {
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR"));
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("PRE_COMMIT_HOME", checkout.join("target/pre-commit-home"))
        .env("CARGO_TARGET_DIR", checkout.join("target/pre-commit-cargo"))
        .env("NO_COLOR", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE")
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", program.display()))
}

fn git(dir: &Path, args: &[&str]) {
    let out = run(dir, Path::new("git"), args);
    assert!(
        out.status.success(),
        "{}",
        show(&format!("git {args:?}"), &out)
    );
}

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[test]
fn hooks_refuse_xb002_and_a_stale_cross_then_pass_after_fix() {
    let pre_commit = pre_commit();
    let checkout = env!("CARGO_MANIFEST_DIR");
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    git(dir, &["init", "-q"]);
    git(dir, &["config", "user.name", "xbuild test"]);
    git(dir, &["config", "user.email", "xbuild-test@example.com"]);
    let bad = fixture("fixtures/lint/xb002-sed-from-on-line-1/Dockerfile");
    std::fs::write(dir.join("Dockerfile"), &bad).unwrap();
    // The sed output committed as Dockerfile.cross: stale for this Dockerfile.
    std::fs::write(
        dir.join("Dockerfile.cross"),
        fixture("fixtures/cross/kubebuilder/Dockerfile"),
    )
    .unwrap();
    git(dir, &["add", "Dockerfile", "Dockerfile.cross"]);
    git(dir, &["commit", "-q", "-m", "operator"]);

    let try_repo = [
        "try-repo",
        checkout,
        "--files",
        "Dockerfile",
        "Dockerfile.cross",
    ];
    let out = run(dir, &pre_commit, &try_repo);
    let text = show("pre-commit try-repo (bad)", &out);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("XB002"), "{text}");
    assert!(
        text.contains("xbuild lint") && text.contains("Failed"),
        "{text}"
    );
    assert!(text.contains("rewrote Dockerfile.cross"), "{text}");
    let rewritten = std::fs::read_to_string(dir.join("Dockerfile.cross")).unwrap();
    assert_eq!(
        rewritten.as_bytes(),
        bad.as_slice(),
        "the cross hook writes what `xbuild cross` writes (the file is already pinned)"
    );

    // The user fixes the Dockerfile and commits again.
    let fix = run(
        dir,
        Path::new(env!("CARGO_BIN_EXE_xbuild")),
        &["lint", "--fix"],
    );
    assert!(fix.status.success(), "{}", show("xbuild lint --fix", &fix));
    assert_eq!(
        std::fs::read(dir.join("Dockerfile")).unwrap(),
        fixture("fixtures/lint/xb002-sed-from-on-line-1/Dockerfile.fixed")
    );
    git(dir, &["add", "Dockerfile", "Dockerfile.cross"]);
    let out = run(dir, &pre_commit, &try_repo);
    let text = show("pre-commit try-repo (fixed)", &out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("xbuild lint") && text.contains("Passed"),
        "{text}"
    );
    assert!(!text.contains("XB0"), "{text}");
}
