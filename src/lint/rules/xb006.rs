//! XB006 hardcoded-goarch: in a stage built for the image, `go build` (or
//! `go install`) runs with GOARCH or GOARM set to a literal, so every
//! platform's image gets the same binary. The value comes from the command's
//! own assignments (`GOARCH=amd64 go build`, `env GOARCH=...`, an earlier
//! `export`), else from ENV or ARG defaults of the stage and its ancestors.
//! A value with `$` is not a literal; `GOOS=linux` is fine. A stage that
//! builds for several literal architectures (`GOARCH=amd64 go build ... &&
//! GOARCH=arm64 go build ...`) builds a matrix on purpose and is left alone,
//! and so are sibling stages that one stage collects (`COPY --from=build-amd64`,
//! `COPY --from=build-arm64`) when their literal GOARCH values differ.

use crate::dockerfile::Span;
use crate::lint::env;
use crate::lint::{Context, Finding, Rule, Severity};
use std::collections::HashSet;

pub static RULE: Rule = Rule {
    id: "XB006",
    name: "hardcoded-goarch",
    severity: Severity::Error,
    fixable: false,
    summary: "go build runs with GOARCH or GOARM set to a literal: every image gets the same binary",
    check,
};

/// A literal GOARCH or GOARM in effect for one go build.
struct Hit {
    name: &'static str,
    value: String,
    span: Span,
}

/// Per go build of stage `s`: its literal GOARCH/GOARM.
fn builds(cx: &Context, s: usize) -> Vec<Vec<Hit>> {
    let mut builds: Vec<Vec<Hit>> = Vec::new();
    for (i, _) in cx.body(s) {
        for cmd in cx.commands(i).iter().filter(|c| c.is_any_go_build()) {
            let hits = ["GOARCH", "GOARM"]
                .into_iter()
                .filter_map(|name| {
                    let (value, literal, span) = match cmd.var(name) {
                        Some(a) => (a.value.clone(), a.literal, a.span.clone()),
                        None => {
                            let b = env::lookup(cx, s, i, name)?;
                            (b.value, b.literal, b.span)
                        }
                    };
                    literal.then_some(Hit { name, value, span })
                })
                .collect();
            builds.push(hits);
        }
    }
    builds
}

/// Stages that a stage collects together with siblings built for other
/// literal architectures: a GOOS/GOARCH matrix on purpose.
fn sibling_matrix(cx: &Context, per_stage: &[Vec<Vec<Hit>>]) -> Vec<bool> {
    let n = cx.graph.stages.len();
    let mut out = vec![false; n];
    for c in &cx.graph.stages {
        let from: HashSet<usize> = c.refs.iter().map(|r| r.stage).collect();
        let values: HashSet<&str> = from
            .iter()
            .flat_map(|&s| cx.graph.chain(s))
            .flat_map(|s| per_stage[s].iter().flatten())
            .filter(|h| h.name == "GOARCH")
            .map(|h| h.value.as_str())
            .collect();
        if from.len() > 1 && values.len() > 1 {
            for s in from {
                for x in cx.graph.chain(s) {
                    out[x] = true;
                }
            }
        }
    }
    out
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    let n = cx.graph.stages.len();
    let per_stage: Vec<Vec<Vec<Hit>>> = (0..n)
        .map(|s| {
            if cx.reachable[s] {
                builds(cx, s)
            } else {
                Vec::new()
            }
        })
        .collect();
    let siblings = sibling_matrix(cx, &per_stage);
    for s in (0..n).filter(|&s| cx.reachable[s] && !siblings[s]) {
        let builds = &per_stage[s];
        // Several literal values for one variable: a matrix, on purpose.
        let matrix = |name: &str| {
            let values: HashSet<&str> = builds
                .iter()
                .flatten()
                .filter(|h| h.name == name)
                .map(|h| h.value.as_str())
                .collect();
            values.len() > 1
        };
        for hits in builds {
            let hits: Vec<&Hit> = hits.iter().filter(|h| !matrix(h.name)).collect();
            let Some(first) = hits.first() else {
                continue;
            };
            if !seen.insert((first.span.start, first.span.end)) {
                continue;
            }
            let settings: Vec<String> = hits
                .iter()
                .map(|h| format!("{}={}", h.name, h.value))
                .collect();
            let settings = settings.join(" ");
            let help = if hits.iter().any(|h| h.name == "GOARCH") {
                "use GOARCH=${TARGETARCH} (and GOARM=${TARGETVARIANT#v}), with ARG TARGETARCH in the stage"
            } else {
                "use GOARM=${TARGETVARIANT#v}, with ARG TARGETVARIANT in the stage"
            };
            out.push(Finding {
                rule: &RULE,
                span: first.span.clone(),
                message: format!(
                    "go build in stage {} runs with {settings} for every platform",
                    cx.label(s)
                ),
                label: format!("every image gets the same {settings} binary"),
                help: help.into(),
                fix: None,
            });
        }
    }
}
