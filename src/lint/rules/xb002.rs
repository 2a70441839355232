//! XB002 shipped-stage-pinned: a stage whose filesystem is the image (the
//! target, or a stage it is built FROM) pinned to `$BUILDPLATFORM` gives
//! every platform's image the build machine's layers. This is what the
//! Makefile's sed does when FROM is on line 1.

use crate::dockerfile::PlatformKind;
use crate::lint::fix::remove_flag;
use crate::lint::{Context, Finding, Fix, Rule, Severity, platform_kind};

pub static RULE: Rule = Rule {
    id: "XB002",
    name: "shipped-stage-pinned",
    severity: Severity::Error,
    fixable: true,
    summary: "a stage that ships in the image is pinned to $BUILDPLATFORM",
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for s in &cx.graph.stages {
        // The first `--platform=$BUILDPLATFORM` (a repeat is XB003's, and
        // the two fixes together remove both).
        let Some(flag) = s
            .platforms
            .iter()
            .find(|f| platform_kind(f) == PlatformKind::Build)
        else {
            continue;
        };
        if !cx.ships[s.index] {
            continue;
        }
        let why = if s.index == cx.graph.target {
            "it is the image"
        } else {
            "the image is built FROM it"
        };
        out.push(Finding {
            rule: &RULE,
            span: flag.span.clone(),
            message: format!(
                "stage {} ships ({why}) but is pinned to the build platform",
                s.label()
            ),
            label: "every image gets the build machine's layers".into(),
            help: "remove this flag (xbuild lint --fix does); pin only stages that build and do not ship".into(),
            fix: Some(Fix::Edits(vec![remove_flag(cx.df, flag)])),
        });
    }
}
