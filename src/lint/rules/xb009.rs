//! XB009 cgo-cross: `go build` cross-compiling in a stage pinned to
//! `$BUILDPLATFORM` without `CGO_ENABLED=0`. Go turns cgo off by itself when
//! cross-compiling but not for the native platform, so the images differ
//! (one links libc dynamically), and cgo across architectures needs a C
//! cross toolchain.
//!
//! "Cross-compiling": GOARCH is set for the command (in it, or by ENV/ARG
//! in the stage chain). A pinned `go build` without GOARCH builds for the
//! build machine, which is XB008's finding, not this one. Quiet when
//! CGO_ENABLED is a variable, or CC names a compiler, or the build goes
//! through tonistiigi/xx's `xx-go`, which sets up cgo.

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
                let var = |name: &str| {
                    cmd.var(name)
                        .map(|a| (a.value.clone(), a.literal))
                        .or_else(|| env::lookup(cx, s, i, name).map(|b| (b.value, b.literal)))
                };
                if var("GOARCH").is_none() {
                    continue;
                }
                let off_or_variable = var("CGO_ENABLED").is_some_and(|(v, literal)| {
                    !literal || v.trim_matches(|c| c == '"' || c == '\'') == "0"
                });
                if off_or_variable || var("CC").is_some() {
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
