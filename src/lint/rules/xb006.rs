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

struct Hit {
    name: &'static str,
    value: String,
    span: Span,
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    for s in (0..cx.graph.stages.len()).filter(|&s| cx.reachable[s]) {
        let mut hits: Vec<Hit> = Vec::new();
        for (i, _) in cx.body(s) {
            for cmd in cx.commands(i).iter().filter(|c| c.is_any_go_build()) {
                for name in ["GOARCH", "GOARM"] {
                    let (value, literal, span) = match cmd.var(name) {
                        Some(a) => (a.value.clone(), a.literal, a.span.clone()),
                        None => match env::lookup(cx, s, i, name) {
                            Some(b) => (b.value, b.literal, b.span),
                            None => continue,
                        },
                    };
                    if literal {
                        hits.push(Hit { name, value, span });
                    }
                }
            }
        }
        for hit in &hits {
            let values: HashSet<&str> = hits
                .iter()
                .filter(|h| h.name == hit.name)
                .map(|h| h.value.as_str())
                .collect();
            if values.len() > 1 || !seen.insert((hit.span.start, hit.span.end)) {
                continue;
            }
            let (name, value) = (hit.name, &hit.value);
            let help = if name == "GOARCH" {
                "use GOARCH=${TARGETARCH}, with ARG TARGETARCH in the stage"
            } else {
                "use GOARM=${TARGETVARIANT#v}, with ARG TARGETVARIANT in the stage"
            };
            out.push(Finding {
                rule: &RULE,
                span: hit.span.clone(),
                message: format!(
                    "go build in stage {} runs with {name}={value} for every platform",
                    cx.label(s)
                ),
                label: format!("every image gets the same {name}={value} binary"),
                help: help.into(),
                fix: None,
            });
        }
    }
}
