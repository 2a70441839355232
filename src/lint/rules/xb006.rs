//! XB006 hardcoded-goarch: in a stage built for the image, `go build` (or
//! `go install`) runs with GOARCH or GOARM set to a literal, so every
//! platform's image gets the same binary. The value comes from the command's
//! own assignments (`GOARCH=amd64 go build`, `env GOARCH=...`, an earlier
//! `export`), else from ENV or ARG defaults of the stage and its ancestors.
//! A value with `$` is not a literal; `GOOS=linux` is fine. A stage that
//! builds for several literal architectures (`GOARCH=amd64 go build ... &&
//! GOARCH=arm64 go build ...`) builds a matrix on purpose and is left alone.

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

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    for s in (0..cx.graph.stages.len()).filter(|&s| cx.reachable[s]) {
        // Per go build: its literal GOARCH/GOARM.
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
        for hits in &builds {
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
