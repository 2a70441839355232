//! XB004 redundant-target-platform: `--platform=$TARGETPLATFORM` is what
//! BuildKit does anyway (its RedundantTargetPlatform check, decided the same
//! way: the value expands exactly to TARGETPLATFORM).

use crate::dockerfile::PlatformKind;
use crate::lint::fix::remove_flag;
use crate::lint::{Context, Finding, Fix, Rule, Severity, platform_kind};

pub static RULE: Rule = Rule {
    id: "XB004",
    name: "redundant-target-platform",
    severity: Severity::Warning,
    fixable: true,
    summary: "--platform=$TARGETPLATFORM is the default anyway",
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for s in &cx.graph.stages {
        let Some(flag) = cx.platform(s.index) else {
            continue;
        };
        if platform_kind(flag) != PlatformKind::Target {
            continue;
        }
        out.push(Finding {
            rule: &RULE,
            span: flag.span.clone(),
            message: format!(
                "stage {}: --platform={} is redundant",
                s.label(),
                flag.value.as_deref().unwrap_or("")
            ),
            label: "the default anyway".into(),
            help: "remove the flag (xbuild lint --fix does)".into(),
            fix: Some(Fix::Edits(vec![remove_flag(cx.df, flag)])),
        });
    }
}
