//! Dockerfile.cross for host Go builds: the Go stage's bytes, from its FROM
//! to the end of its last instruction, are replaced by a stage of the same
//! name built `FROM scratch` that copies the host binary for the target
//! platform from the named build context `xbuild-go` to the path the
//! original stage wrote it to. Every other byte of the file is as `cross`
//! leaves it, so later stages (`COPY --from=builder /workspace/manager .`)
//! work unchanged, and stages only the Go stage used are skipped by
//! BuildKit because nothing references them any more.
//!
//! The named context, not the main one, carries the binaries, so the
//! project's `.dockerignore` (which usually ignores `bin/`) cannot hide them.

use super::stage::GoStage;
use crate::cross::CrossPlan;
use crate::dockerfile::edit::{Edit, apply};
use crate::dockerfile::{Dockerfile, StageGraph};

/// The name of the build context that holds the host binaries.
pub const CONTEXT: &str = "xbuild-go";

/// The directory of a platform's binary in the context, as BuildKit expands
/// it for each target: `linux_amd64`, `linux_arm_v7` ([`crate::platform::Platform::dir_name`]).
pub const PLATFORM_DIR: &str = "${TARGETOS}_${TARGETARCH}${TARGETVARIANT:+_}${TARGETVARIANT}";

/// The edit that replaces the Go stage.
pub fn replacement(df: &Dockerfile, graph: &StageGraph, go: &GoStage) -> Edit {
    let stage = &graph.stages[go.stage];
    let start = df.instructions[stage.from].span.start;
    let last = stage.body.end.max(stage.from + 1) - 1;
    let end = df.instructions[last].full_end();
    let nl = if df.source.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let from = match &go.name {
        Some(name) => format!("FROM scratch AS {name}"),
        None => "FROM scratch".to_string(),
    };
    let src = format!("{PLATFORM_DIR}/{}", go.binary_name());
    let copy = if go.output.contains(char::is_whitespace) || src.contains(char::is_whitespace) {
        format!(
            "COPY --from={CONTEXT} {}",
            serde_json::to_string(&[&src, &go.output]).expect("json")
        )
    } else {
        format!("COPY --from={CONTEXT} {src} {}", go.output)
    };
    let lines = [
        format!(
            "# xbuild: stage {} is built on the host (go build, line {}); its binary comes from the {CONTEXT} build context",
            go.label, go.line
        ),
        from,
        "ARG TARGETOS".to_string(),
        "ARG TARGETARCH".to_string(),
        "ARG TARGETVARIANT".to_string(),
        copy,
    ];
    Edit {
        span: start..end,
        text: lines.join(nl),
    }
}

/// The text buildx builds from: the cross rewrite, with the Go stage
/// replaced (cross's edits inside the replaced bytes are dropped).
pub fn apply_with_cross(df: &Dockerfile, cross: &CrossPlan, replace: &Edit) -> String {
    let mut edits: Vec<Edit> = cross
        .edits
        .iter()
        .filter(|e| e.span.end <= replace.span.start || e.span.start >= replace.span.end)
        .cloned()
        .collect();
    edits.push(replace.clone());
    apply(&df.source, &edits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Strategy;
    use crate::dockerfile::parse;
    use crate::dockerfile::shell::Lexer;
    use crate::golang::flags::BuildArgs;
    use crate::platform::Platform;

    fn go_stage(stage: usize, name: Option<&str>) -> GoStage {
        GoStage {
            stage,
            label: name.unwrap_or("#0").to_string(),
            name: name.map(str::to_string),
            build_stage: stage,
            span: 0..1,
            line: 3,
            from_config: false,
            workdir: "/workspace".into(),
            context_root: "/workspace".into(),
            dir: String::new(),
            env: Default::default(),
            args: BuildArgs::default(),
            output: "/workspace/manager".into(),
            notes: vec![],
            risks: vec![],
            copied: vec![String::new()],
        }
    }

    #[test]
    fn replaces_only_the_go_stage_and_keeps_crlf() {
        let src = "ARG GO=golang\r\nFROM ${GO} AS Builder\r\nWORKDIR /workspace\r\nRUN go build -o manager .\r\n\r\n# runtime\r\nFROM busybox\r\nCOPY --from=builder /workspace/manager .\r\n";
        let df = parse("Dockerfile", src).unwrap();
        let g = StageGraph::new(&df, None, &[]).unwrap();
        let cross = CrossPlan::new(&df, &g, Strategy::Auto);
        let e = replacement(&df, &g, &go_stage(0, Some("Builder")));
        let out = apply_with_cross(&df, &cross, &e);
        assert_eq!(
            out,
            "ARG GO=golang\r\n# xbuild: stage Builder is built on the host (go build, line 3); its binary comes from the xbuild-go build context\r\nFROM scratch AS Builder\r\nARG TARGETOS\r\nARG TARGETARCH\r\nARG TARGETVARIANT\r\nCOPY --from=xbuild-go ${TARGETOS}_${TARGETARCH}${TARGETVARIANT:+_}${TARGETVARIANT}/manager /workspace/manager\r\n\r\n# runtime\r\nFROM busybox\r\nCOPY --from=builder /workspace/manager .\r\n"
        );
        // The result parses, and the runtime stage still copies from the replacement.
        let df2 = parse("Dockerfile.cross", &out).unwrap();
        let g2 = StageGraph::new(&df2, None, &[]).unwrap();
        assert_eq!(g2.stages[1].refs[0].stage, 0);
    }

    #[test]
    fn keeps_other_pins_and_unused_stages() {
        let src = "FROM golang AS deps\nRUN go mod download\nFROM deps AS builder\nARG TARGETARCH\nRUN <<EOF\nGOARCH=$TARGETARCH go build -o /out/m .\nEOF\nFROM alpine\nCOPY --from=builder /out/m /m\n";
        let df = parse("Dockerfile", src).unwrap();
        let g = StageGraph::new(&df, None, &[]).unwrap();
        let cross = CrossPlan::new(&df, &g, Strategy::Auto);
        let mut go = go_stage(1, Some("builder"));
        go.output = "/out/m".into();
        let out = apply_with_cross(&df, &cross, &replacement(&df, &g, &go));
        assert!(
            out.starts_with(
                "FROM --platform=${BUILDPLATFORM} golang AS deps\nRUN go mod download\n# xbuild"
            ),
            "{out}"
        );
        assert!(
            out.ends_with("/m /out/m\nFROM alpine\nCOPY --from=builder /out/m /m\n"),
            "{out}"
        );
        assert!(
            !out.contains("EOF"),
            "the heredoc body goes with the stage: {out}"
        );
    }

    #[test]
    fn platform_dir_expands_like_dir_name() {
        for p in [
            "linux/amd64",
            "linux/arm64",
            "linux/arm/v7",
            "linux/amd64/v3",
        ] {
            let p: Platform = p.parse().unwrap();
            let env = |k: &str| match k {
                "TARGETOS" => Some(p.os.clone()),
                "TARGETARCH" => Some(p.arch.clone()),
                "TARGETVARIANT" => Some(p.variant.clone().unwrap_or_default()),
                _ => None,
            };
            let dir = Lexer::new('\\').process_word(PLATFORM_DIR, &env).unwrap();
            assert_eq!(dir, p.dir_name());
        }
    }
}
