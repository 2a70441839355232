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

/// The same Go stage written in the forms a RUN may take: host Go mode maps
/// each to the same `go build` (the same ARG values, the same command), and
/// lint reads each the same way (the same findings).
#[test]
fn go_build_in_every_run_form() {
    let build = "CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -ldflags \"-X main.version=${VERSION}\" -o /out/goversion .";
    let json = build.replace('"', "\\\"");
    let forms = [
        format!("RUN {build}"),
        format!("RUN bash -ec \"{}\"", build.replace('"', "\\\"")),
        format!("RUN sh -c '{build}'"),
        format!("RUN <<EOF\nset -e\n{build}\nEOF"),
        format!("RUN bash <<EOF\n{build}\nEOF"),
        format!("RUN [\"sh\", \"-c\", \"{json}\"]"),
        format!("RUN [\"/bin/bash\", \"-euo\", \"pipefail\", \"-c\", \"{json}\"]"),
        format!("RUN exec env {build}"),
    ];
    let mut lines = Vec::new();
    let mut lints = Vec::new();
    for run in &forms {
        let dockerfile = format!(
            "ARG GOLANG_IMAGE=golang\nFROM ${{GOLANG_IMAGE}} AS gobase\nARG VERSION=1.2.3\nWORKDIR /src\nFROM gobase AS builder\nARG TARGETOS\nARG TARGETARCH\nCOPY go.mod main.go ./\n{run}\nFROM scratch\nCOPY --from=builder /out/goversion /goversion\n"
        );
        let out = goversion("Dockerfile")
            .file("Dockerfile", &dockerfile)
            .args(["go-build", "--dry-run", "--platform", "linux/arm64"])
            .run();
        assert_eq!(out.code, Some(0), "{run}\n{}", out.stderr);
        lines.push(go_line(&out));
        let lint = Test::new()
            .file("Dockerfile", &dockerfile)
            .args(["lint", "--format", "json"])
            .run();
        let report: serde_json::Value = serde_json::from_str(&lint.stdout).unwrap();
        let mut rules: Vec<String> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["rule"].as_str().unwrap().to_string())
            .collect();
        rules.sort();
        lints.push(rules);
    }
    let want = "(in <dir>) $ CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -v -ldflags '-X main.version=1.2.3' -o <dir>/bin/xbuild/linux_arm64/goversion .";
    for ((run, line), rules) in forms.iter().zip(&lines).zip(&lints) {
        assert_eq!(line, want, "{run}");
        assert_eq!(rules, &lints[0], "{run}");
    }
}
