//! XB007 undeclared-target-arg: a stage uses `$TARGETARCH` (or TARGETOS,
//! TARGETPLATFORM, TARGETVARIANT) without an `ARG` for it, so it expands
//! empty and Go builds for the host.
//!
//! BuildKit's scoping: the automatic platform ARGs are in scope for FROM
//! lines only; inside a stage a variable exists once `ARG NAME` (or `ENV
//! NAME=...`) declares it, in the stage before the use or in a stage it is
//! built FROM (`dispatchState.init` copies the parent's ARGs; the reference
//! says "automatically inherited by other stages based on that stage"). A
//! global `ARG` before the first FROM does not declare it in a stage.
//! Uses are what `dockerfile::stages::target_references` finds (the same
//! references that make a stage cross-aware for `cross`): `$NAME` and
//! `${NAME...}` in the instruction's text, flags included. Not uses: the
//! stage's own FROM line, heredoc bodies, exec-form RUN, single-quoted text
//! of a shell-form RUN, an escaped `$`, ONBUILD.
//!
//! The fix inserts one `ARG NAME` line per missing name right after the
//! stage's FROM, in order of first use.

use crate::dockerfile::stages::target_references;
use crate::lint::fix::insert_lines_after;
use crate::lint::{Context, Finding, Fix, Rule, Severity};
use std::collections::HashSet;

pub static RULE: Rule = Rule {
    id: "XB007",
    name: "undeclared-target-arg",
    severity: Severity::Error,
    fixable: true,
    summary: "a stage uses $TARGETARCH (or another TARGET* ARG) without declaring it: it expands empty",
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for s in 0..cx.graph.stages.len() {
        let mut declared: HashSet<String> = HashSet::new();
        for a in cx.graph.chain(s).into_iter().skip(1) {
            for (_, ins) in cx.body(a) {
                declare(ins, &mut declared);
            }
        }
        let mut reported: HashSet<String> = HashSet::new();
        for (_, ins) in cx.body(s) {
            for (name, span) in uses(cx, ins) {
                if declared.contains(&name) || !reported.insert(name.clone()) {
                    continue;
                }
                out.push(finding(cx, s, &name, span));
            }
            declare(ins, &mut declared);
        }
    }
}

/// The TARGET* uses of one instruction, with their source spans.
fn uses(
    cx: &Context,
    ins: &crate::dockerfile::Instruction,
) -> Vec<(String, crate::dockerfile::Span)> {
    target_references(ins, cx.df.escape)
        .into_iter()
        .map(|(name, range)| (name, ins.line.span(range)))
        .collect()
}

fn declare(ins: &crate::dockerfile::Instruction, declared: &mut HashSet<String>) {
    match ins.command.as_str() {
        "arg" => {
            for w in &ins.args {
                declared.insert(w.split_once('=').map_or(w.as_str(), |(k, _)| k).to_string());
            }
        }
        "env" => {
            for kv in ins.args.chunks(3) {
                declared.insert(kv[0].clone());
            }
        }
        _ => {}
    }
}

fn finding(cx: &Context, s: usize, name: &str, span: crate::dockerfile::Span) -> Finding {
    let from = cx.from(s);
    Finding {
        rule: &RULE,
        span,
        message: format!(
            "${name} is used in stage {} without ARG {name}",
            cx.label(s)
        ),
        label: "not declared here: expands empty (or to its default)".into(),
        help: format!(
            "declare it in the stage: add `ARG {name}` after its FROM (xbuild lint --fix does); ARGs are per stage, and a global ARG before the first FROM does not reach inside a stage"
        ),
        fix: Some(Fix::Edits(vec![insert_lines_after(
            cx.df,
            from,
            &[format!("ARG {name}")],
        )])),
    }
}
