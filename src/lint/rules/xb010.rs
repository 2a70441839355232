//! XB010 stale-cross: the Dockerfile.cross next to (or configured for) the
//! Dockerfile exists and differs from what `xbuild cross` writes. Only an
//! existing file is checked: a project that does not keep one is fine.

use crate::cross::CrossPlan;
use crate::lint::{Context, Finding, Fix, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "XB010",
    name: "stale-cross",
    severity: Severity::Error,
    fixable: true,
    summary: "Dockerfile.cross exists and differs from what `xbuild cross` writes",
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let Some(cross) = cx.cross else {
        return;
    };
    if CrossPlan::new(cx.df, cx.graph, cx.strategy).apply(cx.df) == cross.text {
        return;
    }
    let from = cx.from(0);
    out.push(Finding {
        rule: &RULE,
        span: from.span.clone(),
        message: format!("{} is out of date with {}", cross.name, cx.df.name),
        label: format!("`xbuild cross` would write a different {}", cross.name),
        help: format!(
            "rewrite it with `xbuild cross` (or xbuild lint --fix); commit {} with its Dockerfile",
            cross.name
        ),
        fix: Some(Fix::RewriteCross),
    });
}
