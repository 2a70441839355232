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
//! Uses are `$NAME` and `${NAME...}` in the instruction's text, flags
//! included; heredoc bodies and the stage's own FROM line are not uses.
//!
//! The fix inserts one `ARG NAME` line per missing name right after the
//! stage's FROM, in order of first use.

use crate::lint::fix::insert_lines_after;
use crate::lint::{Context, Finding, Fix, Rule, Severity};
use regex::Regex;
use std::collections::HashSet;
use std::sync::LazyLock;

static USE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\$\{?(TARGETPLATFORM|TARGETOS|TARGETARCH|TARGETVARIANT)\b").expect("regex")
});

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
            if ins.command != "onbuild" {
                let text = &ins.line.text;
                for caps in USE.captures_iter(text) {
                    let m = caps.get(0).expect("match");
                    let escaped = text[..m.start()]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c == '\\' || c == cx.df.escape);
                    let name = &caps[1];
                    if escaped || declared.contains(name) || !reported.insert(name.to_string()) {
                        continue;
                    }
                    out.push(finding(cx, s, name, ins.line.span(m.range())));
                }
            }
            declare(ins, &mut declared);
        }
    }
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
