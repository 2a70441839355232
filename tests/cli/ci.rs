//! `xbuild ci github`: the workflow for the fixture operator, byte-stable,
//! never overwritten without --force, and accepted by actionlint.

use crate::support::Test;
use std::process::Command;

fn operator() -> Test {
    Test::new()
        .fixture("fixtures/operator/xbuild.toml", "xbuild.toml")
        .fixture("fixtures/operator/Dockerfile", "Dockerfile")
        .fixture("fixtures/operator/go.mod", "go.mod")
}

/// A project with `before` commands and a platform without a native runner.
fn with_before() -> Test {
    Test::new()
        .file("Dockerfile", "FROM scratch\n")
        .file("go.mod", "module example.com/op\n\ngo 1.19\n")
        .file(
            "xbuild.toml",
            "[image]\nname = \"ghcr.io/example/op\"\ntags = [\"v1\", \"latest\"]\nplatforms = [\"linux/amd64\", \"linux/arm64\", \"linux/s390x\"]\n\n[build]\nbefore = [\"go vet ./...\", { run = \"make test && echo 'tests passed'\", shell = true }]\n",
        )
}

#[test]
fn writes_the_same_bytes_twice_and_refuses_to_overwrite() {
    let out = operator().args(["ci", "github"]).run().status(0);
    let first = out.read(".github/workflows/xbuild.yml");
    let again = Test::new()
        .fixture("fixtures/operator/xbuild.toml", "xbuild.toml")
        .fixture("fixtures/operator/Dockerfile", "Dockerfile")
        .fixture("fixtures/operator/go.mod", "go.mod")
        .args(["ci", "github", "--stdout"])
        .run()
        .status(0);
    assert_eq!(first, again.stdout);
    // An existing file stays as it is without --force.
    let kept = operator()
        .file(".github/workflows/xbuild.yml", "mine\n")
        .args(["ci", "github"])
        .run()
        .status(2)
        .stderr_contains(".github/workflows/xbuild.yml already exists")
        .stderr_contains("pass --force");
    assert_eq!(kept.read(".github/workflows/xbuild.yml"), "mine\n");
    let forced = operator()
        .file(".github/workflows/xbuild.yml", "mine\n")
        .args(["ci", "github", "--force"])
        .run()
        .status(0);
    assert_eq!(forced.read(".github/workflows/xbuild.yml"), first);
}

#[test]
fn one_runner_per_platform_then_merge() {
    let out = with_before()
        .args(["ci", "github", "--stdout", "--install", "--path ."])
        .run()
        .status(0);
    let wf = &out.stdout;
    for needle in [
        "          - platform: linux/amd64\n            runner: ubuntu-24.04\n            slug: linux-amd64\n            qemu: false\n",
        "          - platform: linux/arm64\n            runner: ubuntu-24.04-arm\n            slug: linux-arm64\n            qemu: false\n",
        "          - platform: linux/s390x\n            runner: ubuntu-24.04\n            slug: linux-s390x\n            qemu: true\n",
        "        run: |\n          go vet ./...\n          make test && echo 'tests passed'\n",
        "    needs: before\n",
        "run: xbuild build --platform \"${{ matrix.platform }}\" --push-by-digest --no-before --format json",
        "run: cargo install --locked --path .\n",
        "          registry: ghcr.io\n          username: ${{ github.actor }}\n          password: ${{ secrets.GITHUB_TOKEN }}\n",
        "run: xbuild merge --tag ghcr.io/example/op:v1 --tag ghcr.io/example/op:latest summaries/*.json\n",
    ] {
        assert!(wf.contains(needle), "missing {needle:?} in:\n{wf}");
    }
    assert_eq!(wf.matches("uses: docker/login-action@v3").count(), 2);
}

/// README's "CI at scale" shows the fixture's workflow as it is written.
#[test]
fn readme_shows_the_current_workflow() {
    let out = operator()
        .args(["ci", "github", "--stdout"])
        .run()
        .status(0);
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(
        readme.contains(&format!("```yaml\n{}```\n", out.stdout)),
        "README.md's workflow differs from `xbuild -C fixtures/operator ci github --stdout`"
    );
}

#[test]
fn needs_an_image_name() {
    Test::new()
        .file("Dockerfile", "FROM scratch\n")
        .args(["ci", "github", "--stdout"])
        .run()
        .status(2)
        .stderr_contains("the workflow needs the image's repository");
}

/// Runs actionlint (with shellcheck for the `run:` scripts) on the
/// generated workflows. Skipped when actionlint is not installed, unless
/// XBUILD_REQUIRE_ACTIONLINT=1 (CI) makes that a failure.
#[test]
fn actionlint_accepts_the_workflows() {
    let found = Command::new("actionlint").arg("--version").output().is_ok();
    if !found {
        assert!(
            std::env::var("XBUILD_REQUIRE_ACTIONLINT").as_deref() != Ok("1"),
            "actionlint is not on PATH (ci/e2e-env.d/40-actionlint.sh installs it)"
        );
        eprintln!("skipped: actionlint is not on PATH");
        return;
    }
    for (name, test) in [("operator", operator()), ("before", with_before())] {
        let out = test.args(["ci", "github"]).run().status(0);
        let lint = Command::new("actionlint")
            .arg(".github/workflows/xbuild.yml")
            .current_dir(out.path())
            .output()
            .unwrap();
        assert!(
            lint.status.success(),
            "{name}: actionlint:\n{}{}",
            String::from_utf8_lossy(&lint.stdout),
            String::from_utf8_lossy(&lint.stderr)
        );
    }
}
