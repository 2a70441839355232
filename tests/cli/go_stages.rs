//! How host Go mode reads a Go stage, compared with BuildKit's and lint's
//! reading of the same file: ARG values inherited from base stages, and the
//! RUN forms a `go build` may be written in (fixtures/goversion).

use crate::go_build::{copy_tree, require_go};
use crate::support::{Output, Test};
use std::path::Path;

/// A copy of fixtures/goversion, with `dockerfile` as its Dockerfile.
fn goversion(dockerfile: &str) -> Test {
    require_go();
    let t = Test::new();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/goversion");
    copy_tree(&fixture, t.path());
    let text = std::fs::read(fixture.join(dockerfile)).unwrap();
    t.file("Dockerfile", text)
}

/// The `go build` command line `go-build --dry-run` prints, the project
/// directory replaced by `<dir>` and the go binary's path by `go`.
fn go_line(out: &Output) -> String {
    let dir = out.dir.path().display().to_string();
    let line = out
        .stdout
        .lines()
        .find(|l| l.contains(" build "))
        .unwrap_or_else(|| panic!("no go build in: {}\n{}", out.stdout, out.stderr));
    let (before, after) = line.split_once(" build ").unwrap();
    let (env, _go) = before.rsplit_once(' ').unwrap();
    format!("{env} go build {after}").replace(&dir, "<dir>")
}

#[test]
fn args_of_base_stages_reach_the_go_build() {
    for (dockerfile, version) in [("Dockerfile", "1.2.3"), ("Dockerfile.two-levels", "4.5.6")] {
        let out = goversion(dockerfile)
            .args(["go-build", "--dry-run", "--platform", "linux/arm64"])
            .run()
            .status(0);
        assert_eq!(
            go_line(&out),
            format!(
                "(in <dir>) $ CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -v -ldflags '-X main.version={version}' -o <dir>/bin/xbuild/linux_arm64/goversion ."
            ),
            "{dockerfile}"
        );
    }
}
