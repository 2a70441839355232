//! Go stage detection on real-world Dockerfile shapes.

use super::*;
use crate::dockerfile::parse;
use miette::Diagnostic;

/// A scratch project: a Dockerfile plus files in the build context.
struct Case {
    dir: tempfile::TempDir,
    dockerfile: String,
    config: Config,
    build_args: Vec<(String, String)>,
}

fn case(dockerfile: &str) -> Case {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("go.mod"),
        "module example.com/operator\n\ngo 1.19\n",
    )
    .unwrap();
    for d in ["api", "controllers", "internal", "cmd/manager"] {
        std::fs::create_dir_all(dir.path().join(d)).unwrap();
    }
    let config = Config::defaults(dir.path());
    Case {
        dir,
        dockerfile: dockerfile.to_string(),
        config,
        build_args: Vec::new(),
    }
}

impl Case {
    fn fixture(path: &str) -> Case {
        let text =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
        case(&text)
    }

    fn go_toml(mut self, toml: &str) -> Case {
        let file = self.dir.path().join("xbuild.toml");
        std::fs::write(&file, toml).unwrap();
        self.config = crate::config::parse(toml, "xbuild.toml", &file, self.dir.path()).unwrap();
        self
    }

    fn arg(mut self, k: &str, v: &str) -> Case {
        self.build_args.push((k.into(), v.into()));
        self
    }

    fn detect(&self, platform: &str) -> Result<GoStage, GoError> {
        let df = parse("Dockerfile", &self.dockerfile).unwrap();
        let graph = StageGraph::new(&df, None, &self.build_args).unwrap();
        let platform: Platform = platform.parse().unwrap();
        Detect {
            df: &df,
            graph: &graph,
            platform: &platform,
            build_args: &self.build_args,
            context: self.dir.path(),
            config: &self.config,
        }
        .run()
    }

    fn ok(&self, platform: &str) -> GoStage {
        self.detect(platform).unwrap_or_else(|e| {
            panic!("{:?}", miette::Report::new(e));
        })
    }

    /// The error's message, label text and help.
    fn err(&self) -> (String, String, String) {
        let e = self
            .detect("linux/arm64")
            .expect_err("detection should fail");
        let label = e
            .labels()
            .and_then(|mut l| l.next())
            .and_then(|l| l.label().map(str::to_string))
            .unwrap_or_default();
        let help = e.help().map(|h| h.to_string()).unwrap_or_default();
        (e.to_string(), label, help)
    }

    /// The source text the error points at.
    fn err_at(&self) -> String {
        let e = self
            .detect("linux/arm64")
            .expect_err("detection should fail");
        let span = e.labels().and_then(|mut l| l.next()).expect("a label");
        let text = match &e {
            GoError::Config { .. } => {
                std::fs::read_to_string(self.dir.path().join("xbuild.toml")).unwrap()
            }
            _ => self.dockerfile.clone(),
        };
        text[span.offset()..span.offset() + span.len()].to_string()
    }
}

fn env_of<'a>(s: &'a GoStage, k: &str) -> Option<&'a str> {
    s.env.get(k).map(String::as_str)
}

#[test]
fn kubebuilder_scaffold() {
    let c = Case::fixture("fixtures/cross/kubebuilder/Dockerfile");
    let s = c.ok("linux/arm64");
    assert_eq!((s.stage, s.label.as_str()), (0, "builder"));
    assert_eq!(s.name.as_deref(), Some("builder"));
    assert_eq!(s.workdir, "/workspace");
    assert_eq!(s.context_root, "/workspace");
    assert_eq!(s.dir, "");
    assert_eq!(s.output, "/workspace/manager");
    assert_eq!(s.binary_name(), "manager");
    assert_eq!(s.args.packages, vec!["cmd/main.go"]);
    assert!(s.args.get("a").is_some());
    assert_eq!(env_of(&s, "CGO_ENABLED"), Some("0"));
    assert_eq!(env_of(&s, "GOOS"), Some("linux"));
    assert_eq!(env_of(&s, "GOARCH"), Some("arm64"));
    assert_eq!(s.line, 25);
    assert!(c.dockerfile[s.span.clone()].starts_with("CGO_ENABLED=0 GOOS="));
    assert!(c.dockerfile[s.span.clone()].ends_with("cmd/main.go"));
    // `go mod download` before go build is nothing to warn about.
    assert!(s.notes.is_empty(), "{:?}", s.notes);
    assert!(s.risks.is_empty(), "{:?}", s.risks);
    let amd = c.ok("linux/amd64");
    assert_eq!(env_of(&amd, "GOARCH"), Some("amd64"));
}

#[test]
fn seed_dockerfile_and_the_fixture_operator() {
    let s = Case::fixture("fixtures/cross/seed/Dockerfile").ok("linux/amd64");
    assert_eq!(s.args.packages, vec!["main.go"]);
    assert_eq!(s.output, "/workspace/manager");
    let s = Case::fixture("fixtures/operator/Dockerfile").ok("linux/arm/v7");
    assert_eq!(s.output, "/workspace/manager");
    assert_eq!(env_of(&s, "GOARCH"), Some("arm"));
}

#[test]
fn default_output_name_from_the_package() {
    let c = case(
        "FROM golang:1.22 AS build\nARG TARGETOS TARGETARCH\nWORKDIR /src\nCOPY . .\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build ./cmd/manager\nFROM gcr.io/distroless/static\nCOPY --from=build /src/manager /manager\n",
    );
    let s = c.ok("linux/amd64");
    assert_eq!(s.output, "/src/manager");
    assert_eq!(s.args.packages, vec!["./cmd/manager"]);
    assert_eq!(env_of(&s, "CGO_ENABLED"), None);

    // No package: the module's last element.
    let c = case(
        "FROM golang AS build\nWORKDIR /src\nCOPY . .\nRUN go build\nFROM scratch\nCOPY --from=build /src/operator /operator\n",
    );
    assert_eq!(c.ok("linux/amd64").output, "/src/operator");

    // `-o` naming a directory.
    let c = case(
        "FROM golang AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/ ./cmd/manager\nFROM scratch\nCOPY --from=build /usr/local/bin/manager /manager\n",
    );
    assert_eq!(c.ok("linux/amd64").output, "/usr/local/bin/manager");
}

#[test]
fn ldflags_with_an_arg() {
    let c = case(
        "ARG VERSION=dev\nFROM golang:1.22 AS builder\nARG TARGETOS\nARG TARGETARCH\nARG VERSION\nWORKDIR /workspace\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY cmd/ cmd/\nCOPY internal/ internal/\nRUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} go build -trimpath -ldflags \"-s -w -X main.version=${VERSION}\" -o manager ./cmd/manager\nFROM gcr.io/distroless/static:nonroot\nCOPY --from=builder /workspace/manager .\n",
    );
    let s = c.ok("linux/arm64");
    assert_eq!(
        s.args.get("ldflags").unwrap().value.as_deref(),
        Some("-s -w -X main.version=dev")
    );
    assert!(s.args.get("trimpath").is_some());
    let c = c.arg("VERSION", "1.2.3");
    let s = c.ok("linux/arm64");
    assert_eq!(
        s.args.get("ldflags").unwrap().value.as_deref(),
        Some("-s -w -X main.version=1.2.3")
    );
}

#[test]
fn cache_mounts_cd_env_and_export() {
    let c = case(
        "FROM golang:1.22 AS builder\nARG TARGETARCH\nWORKDIR /workspace\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build \\\n    --mount=type=cache,target=/go/pkg/mod \\\n    go mod download && cd cmd/manager && export CGO_ENABLED=0 && env GOARCH=$TARGETARCH go build -o /workspace/bin/manager .\nFROM busybox\nCOPY --from=builder /workspace/bin/manager /manager\n",
    );
    let s = c.ok("linux/arm64");
    assert_eq!(s.workdir, "/workspace/cmd/manager");
    assert_eq!(s.dir, "cmd/manager");
    assert_eq!(s.output, "/workspace/bin/manager");
    assert_eq!(env_of(&s, "CGO_ENABLED"), Some("0"));
    assert_eq!(env_of(&s, "GOARCH"), Some("arm64"));
    assert_eq!(s.args.packages, vec!["."]);
}

#[test]
fn heredoc_bind_mount_and_exec_form() {
    let c = case(
        "FROM golang AS builder\nARG TARGETARCH\nWORKDIR /src\nRUN --mount=type=bind,target=. <<EOF\nset -e\nGOARCH=$TARGETARCH go build -o /out/manager ./cmd/manager\nEOF\nFROM busybox\nCOPY --from=builder /out/manager /manager\n",
    );
    let s = c.ok("linux/arm64");
    assert_eq!(s.context_root, "/src");
    assert_eq!(s.output, "/out/manager");
    assert_eq!(
        &c.dockerfile[s.span.clone()],
        "GOARCH=$TARGETARCH go build -o /out/manager ./cmd/manager"
    );

    let c = case(
        "FROM golang AS builder\nWORKDIR /src\nCOPY . .\nRUN [\"go\", \"build\", \"-o\", \"/m\", \".\"]\nFROM busybox\nCOPY --from=builder /m /m\n",
    );
    assert_eq!(c.ok("linux/amd64").output, "/m");
}

#[test]
fn deps_stage_chain() {
    let c = case(
        "FROM golang AS deps\nWORKDIR /workspace\nENV CGO_ENABLED=0\nCOPY go.mod go.sum ./\nRUN go mod download\nFROM deps AS builder\nARG TARGETARCH\nCOPY . .\nRUN GOARCH=$TARGETARCH go build -o manager .\nFROM busybox\nCOPY --from=builder /workspace/manager /manager\n",
    );
    let s = c.ok("linux/arm64");
    assert_eq!((s.stage, s.build_stage), (1, 1));
    assert_eq!(env_of(&s, "CGO_ENABLED"), Some("0"));
    assert_eq!(s.output, "/workspace/manager");
}

#[test]
fn makefile_driven_stage_is_a_diagnostic_naming_the_keys() {
    let c = case(
        "FROM golang:1.22 AS builder\nWORKDIR /workspace\nCOPY . .\nRUN make build\nFROM gcr.io/distroless/static\nCOPY --from=builder /workspace/bin/manager /manager\n",
    );
    let (message, label, help) = c.err();
    assert_eq!(
        message,
        "stage builder is copied into the image but runs no go build: its last RUN runs `make build`"
    );
    assert_eq!(label, "not a go build");
    assert!(
        help.contains("[go] main") && help.contains("[go] output"),
        "{help}"
    );
    assert_eq!(c.err_at(), "RUN make build");

    // The keys make it buildable.
    let c = c.go_toml("[go]\nmain = \"./cmd/manager\"\noutput = \"/workspace/bin/manager\"\n");
    let s = c.ok("linux/arm64");
    assert!(s.from_config);
    assert_eq!(s.output, "/workspace/bin/manager");
    assert_eq!(s.args.packages, vec!["./cmd/manager"]);

    // Half of them is an error pointing at xbuild.toml.
    let c = c.go_toml("[go]\nmain = \"./cmd/manager\"\n");
    let (message, _, _) = c.err();
    assert!(
        message.starts_with("[go] main: stage builder runs no go build"),
        "{message}"
    );
    assert_eq!(c.err_at(), "\"./cmd/manager\"");
}

#[test]
fn what_cannot_be_mapped() {
    // The image takes another file from the Go stage.
    let c = case(
        "FROM golang AS builder\nWORKDIR /w\nCOPY . .\nRUN go build -o manager .\nFROM scratch\nCOPY --from=builder /w/manager /manager\nCOPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\n",
    );
    let (message, ..) = c.err();
    assert!(
        message.contains("/etc/ssl/certs/ca-certificates.crt"),
        "{message}"
    );
    assert!(c.err_at().contains("ca-certificates"));

    // A command after go build.
    let c = case(
        "FROM golang AS builder\nWORKDIR /w\nCOPY . .\nRUN go build -o manager . && upx manager\nFROM scratch\nCOPY --from=builder /w/manager /manager\n",
    );
    assert_eq!(c.err_at(), "upx manager");

    // Sources laid out differently from the context.
    let c = case(
        "FROM golang AS builder\nWORKDIR /w\nCOPY go.mod .\nCOPY cmd/manager/main.go .\nRUN go build -o manager .\nFROM scratch\nCOPY --from=builder /w/manager /manager\n",
    );
    assert_eq!(c.err_at(), "COPY cmd/manager/main.go .");

    // A hard-coded GOARCH.
    let c = case(
        "FROM golang AS builder\nWORKDIR /w\nCOPY . .\nRUN GOARCH=amd64 go build -o manager .\nFROM scratch\nCOPY --from=builder /w/manager /manager\n",
    );
    let (message, ..) = c.err();
    assert_eq!(
        message,
        "the stage sets GOARCH=amd64 when building for linux/arm64"
    );

    // cgo for another platform.
    let c = case(
        "FROM golang AS builder\nWORKDIR /w\nCOPY . .\nRUN CGO_ENABLED=1 go build -o manager .\nFROM scratch\nCOPY --from=builder /w/manager /manager\n",
    );
    let (message, _, help) = c.err();
    assert!(message.contains("cgo"), "{message}");
    assert!(help.contains("[go] env"), "{help}");

    // Command substitution in the go build.
    let c = case(
        "FROM golang AS builder\nWORKDIR /w\nCOPY . .\nRUN GOARCH=$(cat /arch) go build -o manager .\nFROM scratch\nCOPY --from=builder /w/manager /manager\n",
    );
    let (message, ..) = c.err();
    assert!(
        message.starts_with("xbuild cannot read this go build"),
        "{message}"
    );

    // The image copies a path go build does not write.
    let c = case(
        "FROM golang AS builder\nWORKDIR /w\nCOPY . .\nRUN go build -o bin/manager .\nFROM scratch\nCOPY --from=builder /w/manager /manager\n",
    );
    let (message, _, help) = c.err();
    assert_eq!(
        message,
        "the image copies /w/manager from stage builder, but go build (line 4) writes /w/bin/manager"
    );
    assert!(help.contains("[go] output = \"/w/manager\""), "{help}");
}

#[test]
fn single_stage_and_no_copy() {
    let c = case(
        "FROM golang\nWORKDIR /w\nCOPY . .\nRUN go build -o /manager .\nENTRYPOINT [\"/manager\"]\n",
    );
    let (message, ..) = c.err();
    assert!(
        message.starts_with("the stage that runs go build ships in the image"),
        "{message}"
    );
    let c = case("FROM busybox\nCOPY manager /manager\n");
    assert!(matches!(
        c.detect("linux/amd64"),
        Err(GoError::NoStage { .. })
    ));
}

#[test]
fn risks_for_commands_before_go_build() {
    let c = case(
        "FROM golang AS builder\nWORKDIR /w\nCOPY . .\nRUN make generate\nRUN go generate ./... && go build -o manager .\nFROM scratch\nCOPY --from=builder /w/manager /manager\n",
    );
    let s = c.ok("linux/amd64");
    assert_eq!(s.risks.len(), 2, "{:?}", s.risks);
    assert!(
        s.risks[0].starts_with("`make generate` (line 4"),
        "{:?}",
        s.risks
    );
    assert!(
        s.risks[1].starts_with("`go generate ./...` (line 5, in the same RUN)"),
        "{:?}",
        s.risks
    );
    // go mod vendor writes sources; go mod download does not.
    let c = case(
        "FROM golang AS builder\nWORKDIR /w\nCOPY . .\nRUN go mod download && go mod vendor\nRUN go build -mod=vendor -o manager .\nFROM scratch\nCOPY --from=builder /w/manager /manager\n",
    );
    let s = c.ok("linux/amd64");
    assert_eq!(s.risks.len(), 1, "{:?}", s.risks);
    assert!(s.risks[0].starts_with("`go mod vendor`"), "{:?}", s.risks);
}

#[test]
fn harmless_commands_after_go_build() {
    let ok = case(
        "FROM golang AS builder\nWORKDIR /w\nCOPY . .\nRUN go build -o manager . && chmod +x manager && go vet ./...\nFROM scratch\nCOPY --from=builder /w/manager /manager\n",
    );
    ok.ok("linux/amd64");
    let refused = case(
        "FROM golang AS builder\nWORKDIR /w\nCOPY . .\nRUN go build -o manager . && chmod 700 manager\nFROM scratch\nCOPY --from=builder /w/manager /manager\n",
    );
    assert!(refused.detect("linux/amd64").is_err());
}
