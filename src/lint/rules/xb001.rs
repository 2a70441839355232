//! XB001 build-stage-not-pinned: a stage chain that builds for the target
//! and does not ship, without `--platform`, runs under QEMU for every
//! foreign platform. It fires where `xbuild cross --strategy auto` pins
//! (once every TARGET* use has its ARG: cross leaves a stage whose
//! `$TARGETARCH` would expand empty), and its fix is the same insertion.

use crate::cross::{Action, CrossPlan, PIN};
use crate::dockerfile::edit::Edit;
use crate::lint::{Context, Finding, Fix, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "XB001",
    name: "build-stage-not-pinned",
    severity: Severity::Warning,
    fixable: true,
    summary: "a build stage that does not ship has no --platform: foreign platforms run it under QEMU",
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    // Where cross pins once XB007's missing ARGs are added: a stage that
    // uses $TARGETARCH undeclared is meant to build for the target.
    let plan = CrossPlan::intended(cx.df, cx.graph);
    for o in plan.outcomes.iter().filter(|o| o.action == Action::Pin) {
        let from = cx.from(o.stage);
        out.push(Finding {
            rule: &RULE,
            span: from.span.clone(),
            message: format!("stage {} {}, but has no --platform", o.label, o.reason),
            label: "every foreign platform runs this stage under QEMU".into(),
            help: "insert --platform=${BUILDPLATFORM} after FROM, as `xbuild cross` does (xbuild lint --fix does): the stage's tools then run natively and still build for the target".into(),
            fix: Some(Fix::Edits(vec![Edit::insert(from.keyword_span.end, PIN)])),
        });
    }
}
