//! Property tests of the parser and the cross rewrite over generated
//! Dockerfile-like text: no panic on any input; the rewrite only inserts the
//! pin after FROM keywords; it is idempotent; it never pins a stage that
//! ships in the image.

#![allow(clippy::result_large_err)]

use proptest::prelude::*;
use xbuild::config::Strategy as CrossStrategy;
use xbuild::cross::{CrossPlan, PIN};
use xbuild::dockerfile::{StageGraph, parse};

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("FROM golang:1.22 AS builder".to_string()),
        Just("from alpine as base".to_string()),
        Just("FROM base AS deps".to_string()),
        Just("FROM deps".to_string()),
        Just("FROM builder AS again".to_string()),
        Just("  FROM scratch".to_string()),
        Just("FROM --platform=$BUILDPLATFORM golang AS pinned".to_string()),
        Just("FROM --platform=linux/amd64 alpine AS amd".to_string()),
        Just("FROM \\\n  golang \\\n  AS cont".to_string()),
        Just("FROM ${BASE} AS fromarg".to_string()),
        Just("ARG BASE=alpine".to_string()),
        Just("ARG TARGETARCH".to_string()),
        Just("ARG TARGETOS TARGETPLATFORM".to_string()),
        Just("RUN GOARCH=$TARGETARCH go build -o /m .".to_string()),
        Just("RUN GOOS=${TARGETOS:-linux} make".to_string()),
        Just("RUN make".to_string()),
        Just("COPY --from=builder /m /m".to_string()),
        Just("COPY --from=deps /d /d".to_string()),
        Just("COPY --from=0 / /".to_string()),
        Just("RUN --mount=type=bind,from=base,target=/b true".to_string()),
        Just("RUN <<EOF\nFROM inside-heredoc\nEOF".to_string()),
        Just("COPY <<-X /f\n\t$TARGETARCH\n\tX".to_string()),
        Just("# a comment".to_string()),
        Just("# syntax=docker/dockerfile:1".to_string()),
        Just("# escape=`".to_string()),
        Just("RUN echo a `\n  b".to_string()),
        Just(String::new()),
        Just("RUN echo \\".to_string()),
        "[ -~]{0,30}".prop_map(|s| s),
    ]
}

fn dockerfile() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(line(), 0..16),
        prop_oneof![Just("\n"), Just("\r\n")],
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(lines, nl, bom, final_nl)| {
            let mut s = String::new();
            if bom {
                s.push('\u{feff}');
            }
            s.push_str(&lines.join(nl).replace('\n', nl).replace("\r\r\n", "\r\n"));
            if final_nl {
                s.push_str(nl);
            }
            s
        })
}

fn check_rewrite(src: &str, strategy: CrossStrategy) -> Result<(), TestCaseError> {
    let Ok(df) = parse("Dockerfile", src) else {
        return Ok(());
    };
    let Ok(graph) = StageGraph::new(&df, None, &[]) else {
        return Ok(());
    };
    let plan = CrossPlan::new(&df, &graph, strategy);
    let out = plan.apply(&df);

    // Only insertions of PIN, right after a FROM keyword.
    let mut positions: Vec<usize> = Vec::new();
    for e in &plan.edits {
        prop_assert!(e.span.is_empty());
        prop_assert_eq!(e.text.as_str(), PIN);
        let from = df.froms().find(|(_, i)| i.keyword_span.end == e.span.start);
        prop_assert!(from.is_some(), "insertion not after a FROM keyword");
        positions.push(e.span.start);
    }
    positions.sort();
    let mut rebuilt = String::new();
    let mut at = 0;
    for (k, p) in positions.iter().enumerate() {
        let o = p + k * PIN.len();
        prop_assert_eq!(&out[o..o + PIN.len()], PIN);
        rebuilt.push_str(&out[at..o]);
        at = o + PIN.len();
    }
    rebuilt.push_str(&out[at..]);
    prop_assert_eq!(&rebuilt, src);

    // Auto never pins a stage that ships.
    if strategy == CrossStrategy::Auto {
        let ships = graph.ships();
        for p in &positions {
            let stage = graph
                .stages
                .iter()
                .find(|s| df.instructions[s.from].keyword_span.end == *p)
                .unwrap();
            for i in graph.tree(stage.index) {
                prop_assert!(!ships[i], "pinned a chain whose stage {} ships", i);
            }
        }
    }

    // Idempotent.
    let df2 = parse("Dockerfile", &out).expect("the rewrite parses");
    let graph2 = StageGraph::new(&df2, None, &[]).expect("the rewrite models");
    let out2 = CrossPlan::new(&df2, &graph2, strategy).apply(&df2);
    prop_assert_eq!(out2, out);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn parser_never_panics_on_any_text(s in "\\PC{0,200}") {
        let _ = parse("Dockerfile", &s).map(|df| StageGraph::new(&df, None, &[]).map(|g| g.ships()));
    }

    #[test]
    fn parser_never_panics_on_dockerfile_like_text(s in dockerfile()) {
        let _ = parse("Dockerfile", &s).map(|df| (df.dump(), StageGraph::new(&df, None, &[]).map(|g| g.reachable())));
    }

    #[test]
    fn cross_auto_only_inserts_is_idempotent_and_never_pins_what_ships(s in dockerfile()) {
        check_rewrite(&s, CrossStrategy::Auto)?;
    }

    #[test]
    fn cross_first_from_only_inserts_and_is_idempotent(s in dockerfile()) {
        check_rewrite(&s, CrossStrategy::FirstFrom)?;
    }
}
