//! XB009 cgo-cross: `go build` in a stage pinned to `$BUILDPLATFORM`
//! without `CGO_ENABLED=0`. Go turns cgo off by itself when cross-compiling
//! but not for the native platform, so the images differ (one links libc
//! dynamically), and cgo across architectures needs a C cross toolchain.
//! Quiet when CGO_ENABLED is a variable, or CC names a compiler, or the
//! build goes through tonistiigi/xx's `xx-go`, which sets up cgo.

use crate::lint::env;
use crate::lint::{Context, Finding, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "XB009",
    name: "cgo-cross",
    severity: Severity::Warning,
    fixable: false,
    summary: "go build in a pinned stage without CGO_ENABLED=0 needs a C cross toolchain",
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for s in (0..cx.graph.stages.len()).filter(|&s| cx.pinned(s)) {
        for (i, _) in cx.body(s) {
            for cmd in cx.commands(i).iter().filter(|c| c.is_go_build()) {
                let cgo = match cmd.var("CGO_ENABLED") {
                    Some(a) => Some((a.value.clone(), a.literal)),
                    None => env::lookup(cx, s, i, "CGO_ENABLED").map(|b| (b.value, b.literal)),
                };
                let off_or_variable = cgo.is_some_and(|(v, literal)| {
                    !literal || v.trim_matches(|c| c == '"' || c == '\'') == "0"
                });
                let has_cc = cmd.var("CC").is_some() || env::lookup(cx, s, i, "CC").is_some();
                if off_or_variable || has_cc {
                    continue;
                }
                out.push(Finding {
                    rule: &RULE,
                    span: cmd.span(),
                    message: format!(
                        "go build in stage {}, pinned to the build platform, runs without CGO_ENABLED=0",
                        cx.label(s)
                    ),
                    label: "cross-compiling with cgo needs a C cross toolchain".into(),
                    help: "set CGO_ENABLED=0 for a static binary, or set CC to a cross compiler (tonistiigi/xx's xx-go does)".into(),
                    fix: None,
                });
            }
        }
    }
}
