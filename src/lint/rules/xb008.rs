//! XB008 host-arch-output: a stage pinned to `$BUILDPLATFORM` compiles
//! (`go build`, `cargo build`, `make`, a C compiler, `cmake --build`) while
//! nothing in its chain says what to build for (no TARGET* ARG or use, no
//! GOARCH, no `cargo --target`), and its files reach a stage that ships:
//! the image gets a build-machine binary.
//!
//! "Reach": a shipped stage copies or mounts from the stage, from a stage
//! built FROM it that adds no target awareness, or from a stage that copies
//! it on without compiling anything itself. A stage that compiles its own
//! output from the files (a host code generator feeding a cross-aware
//! build) stops the flow: that is the right way to use host tools.

use crate::lint::{Context, Finding, Rule, Severity};
use regex::Regex;
use std::sync::LazyLock;

static EXPLICIT_ARCH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(GOARCH|CARGO_BUILD_TARGET)\b").expect("regex"));

pub static RULE: Rule = Rule {
    id: "XB008",
    name: "host-arch-output",
    severity: Severity::Error,
    fixable: false,
    summary: "a stage pinned to $BUILDPLATFORM compiles for the build machine and its output ships",
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let n = cx.graph.stages.len();
    let aware: Vec<bool> = (0..n).map(|s| target_aware(cx, s)).collect();
    // Once per stage: the search below asks it for every stage at each step.
    let chain_aware: Vec<bool> = (0..n)
        .map(|s| cx.graph.chain(s).iter().any(|&c| aware[c]))
        .collect();
    let chain_aware = |s: usize| chain_aware[s];
    for s in 0..n {
        if !cx.pinned(s) || cx.ships[s] || chain_aware(s) {
            continue;
        }
        let Some(compile) = cx
            .body(s)
            .flat_map(|(i, _)| cx.commands(i))
            .find(|c| c.compiles())
        else {
            continue;
        };
        let Some(into) = shipped_reader(cx, s, &chain_aware) else {
            continue;
        };
        out.push(Finding {
            rule: &RULE,
            span: compile.span(),
            message: format!(
                "stage {} runs on the build platform and compiles for it; stage {} puts its output in the image",
                cx.label(s),
                cx.label(into)
            ),
            label: "builds for the build machine's architecture".into(),
            help: "build for the target: add ARG TARGETOS and ARG TARGETARCH and pass them on (GOOS=${TARGETOS} GOARCH=${TARGETARCH}, cargo --target, a cross compiler), or remove --platform=${BUILDPLATFORM} from the stage".into(),
            fix: None,
        });
    }
}

/// The stage declares or uses TARGET*, or names an architecture itself
/// (in a RUN: in a command's environment or arguments, not in a shell
/// comment).
fn target_aware(cx: &Context, s: usize) -> bool {
    cx.graph.stages[s].is_cross_aware()
        || cx.body(s).any(|(i, ins)| {
            let named = if ins.command == "run" {
                cx.commands(i).iter().any(|c| {
                    c.names_a_target()
                        || c.env.iter().any(|a| EXPLICIT_ARCH.is_match(&a.name))
                        || c.argv.iter().any(|w| EXPLICIT_ARCH.is_match(&w.raw))
                })
            } else {
                EXPLICIT_ARCH.is_match(&ins.line.text)
            };
            named
                || ins
                    .heredocs
                    .iter()
                    .any(|h| EXPLICIT_ARCH.is_match(&h.content))
        })
}

/// A shipped stage that `s`'s output reaches, if any.
fn shipped_reader(cx: &Context, s: usize, chain_aware: &dyn Fn(usize) -> bool) -> Option<usize> {
    let n = cx.graph.stages.len();
    let mut carries = vec![false; n];
    let mut todo = vec![s];
    while let Some(c) = todo.pop() {
        if std::mem::replace(&mut carries[c], true) {
            continue;
        }
        // Stages built FROM a carrier carry its files unless they become
        // target-aware.
        todo.extend((0..n).filter(|&d| cx.graph.parents(d).contains(&c) && !chain_aware(d)));
        for x in (0..n).filter(|&x| cx.graph.stages[x].refs.iter().any(|r| r.stage == c)) {
            if cx.ships[x] {
                return Some(x);
            }
            let compiles = cx
                .body(x)
                .any(|(i, _)| cx.commands(i).iter().any(|c| c.compiles()));
            if !compiles {
                todo.push(x);
            }
        }
    }
    None
}
