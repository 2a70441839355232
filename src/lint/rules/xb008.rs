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
//!
//! And, from the per-command model ([`crate::dockerfile::produce`]), on
//! each command of a stage on the build platform that builds for the build
//! machine (`go build` without GOARCH, packages, native wheels) and whose
//! output reaches the image, whatever ARGs the stage declares. Neither fires
//! when the stage that puts the output in the image runs on the build
//! platform too (a CI-only chain: the architectures match).

use crate::dockerfile::produce::{Arch, Products, deliveries};
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
        if cx.pinned(into) {
            continue;
        }
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
    per_command(cx, out);
}

/// Each shipped native output of a stage on the build platform.
fn per_command(cx: &Context, out: &mut Vec<Finding>) {
    // A TARGET* use without its ARG is XB007's: judged as meant.
    let products = Products::intended(cx.df, cx.graph);
    for s in (0..cx.graph.stages.len()).filter(|&s| cx.pinned(s) && !cx.ships[s]) {
        for p in products.stages[s]
            .iter()
            .filter(|p| p.output.arch == Arch::Native)
        {
            if out
                .iter()
                .any(|f| f.rule.id == RULE.id && f.span == p.label_span)
            {
                continue;
            }
            let Some(into) = deliveries(cx.df, cx.graph, &products, p)
                .into_iter()
                .map(|d| d.receiver())
                .find(|&r| !cx.pinned(r))
            else {
                continue;
            };
            out.push(Finding {
                rule: &RULE,
                span: p.label_span.clone(),
                message: format!(
                    "stage {} runs on the build platform and `{}` builds for it; stage {} puts its output in the image",
                    cx.label(s),
                    p.command,
                    cx.label(into)
                ),
                label: "builds for the build machine's architecture".into(),
                help: format!(
                    "line {}: {}. Build this output for the target (GOARCH=${{TARGETARCH}}, cargo --target, xx-apk/xx-apt-get, a download named by ${{TARGETARCH}}), or move the command to a stage that is not pinned",
                    p.line, p.output.why
                ),
                fix: None,
            });
        }
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
