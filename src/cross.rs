//! Dockerfile -> Dockerfile.cross: pin the stages that should run on the
//! build platform with ` --platform=${BUILDPLATFORM}`, inserted right after
//! the FROM keyword. Nothing else in the file changes.
//!
//! Strategy `auto` pins, at its root, every stage chain that (a) does not
//! ship in the image and (b) builds for the target (declares or uses a
//! TARGET* variable), so that what it builds is still for the target while
//! its tools run natively. Strategy `first-from` does what the Makefile's sed
//! line meant: the first FROM only. Both leave any FROM that already has a
//! `--platform` as it is, which makes the rewrite idempotent.

use crate::config::Strategy;
use crate::dockerfile::edit::{Edit, apply};
use crate::dockerfile::produce::{Arch, Products, deliveries};
use crate::dockerfile::{Dockerfile, StageGraph};
use miette::Diagnostic;
use thiserror::Error;

/// The text inserted after the FROM keyword of a pinned stage.
pub const PIN: &str = " --platform=${BUILDPLATFORM}";

/// Errors of the cross rewrite (reading and parsing are reported by their
/// own modules).
#[derive(Debug, Error, Diagnostic)]
pub enum CrossError {
    #[error("{path} is missing")]
    #[diagnostic(code(xbuild::cross::missing), help("run `xbuild cross` to write it"))]
    Missing { path: String },

    #[error("{path} is out of date with {dockerfile}")]
    #[diagnostic(code(xbuild::cross::stale), help("run `xbuild cross` to rewrite it"))]
    Stale { path: String, dockerfile: String },

    #[error(
        "pinning this stage makes line {line} {len} bytes long, over BuildKit's limit of 65535"
    )]
    #[diagnostic(
        code(xbuild::cross::line_too_long),
        help("split the FROM line with a line continuation, so that the inserted --platform fits")
    )]
    LineTooLong {
        line: usize,
        len: usize,
        #[source_code]
        src: miette::NamedSource<String>,
        #[label("pinned here")]
        span: miette::SourceSpan,
    },
}

/// The longest line BuildKit reads, in bytes (without the newline).
pub const MAX_LINE: usize = 65535;

/// What `cross` does with one stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `--platform=${BUILDPLATFORM}` is inserted.
    Pin,
    /// Runs on the build platform because the stage it is built FROM is pinned.
    Inherit,
    /// Left as it is.
    Leave,
}

/// The decision for one stage and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageOutcome {
    pub stage: usize,
    pub label: String,
    /// 1-based line of the stage's FROM.
    pub line: usize,
    pub action: Action,
    pub reason: String,
    /// A warning to show with the decision (first-from pinning a shipped stage).
    pub warning: Option<String>,
}

/// The rewrite: per-stage decisions and the edits that implement them.
#[derive(Debug, Clone)]
pub struct CrossPlan {
    pub outcomes: Vec<StageOutcome>,
    pub edits: Vec<Edit>,
}

impl CrossPlan {
    /// Decides which stages to pin.
    pub fn new(df: &Dockerfile, graph: &StageGraph, strategy: Strategy) -> CrossPlan {
        let decisions = match strategy {
            Strategy::Auto => auto(df, graph, true),
            Strategy::FirstFrom => first_from(graph),
        };
        Self::from_decisions(df, graph, decisions)
    }

    /// What `auto` pins once every TARGET* variable the file uses is
    /// declared where it is used (lint's XB001: the stage is meant to build
    /// for the target; XB007 reports the missing ARG).
    pub fn intended(df: &Dockerfile, graph: &StageGraph) -> CrossPlan {
        Self::from_decisions(df, graph, auto(df, graph, false))
    }

    fn from_decisions(df: &Dockerfile, graph: &StageGraph, decisions: Vec<Decision>) -> CrossPlan {
        let mut edits = Vec::new();
        let mut outcomes = Vec::new();
        for (s, (action, reason, warning)) in graph.stages.iter().zip(decisions) {
            let from = &df.instructions[s.from];
            if action == Action::Pin {
                edits.push(Edit::insert(from.keyword_span.end, PIN));
            }
            outcomes.push(StageOutcome {
                stage: s.index,
                label: s.label(),
                line: from.start_line,
                action,
                reason,
                warning,
            });
        }
        CrossPlan { outcomes, edits }
    }

    /// The rewritten text.
    pub fn apply(&self, df: &Dockerfile) -> String {
        apply(&df.source, &self.edits)
    }

    /// Refuses a rewrite that BuildKit (and `cross` itself) would reject: an
    /// insertion that takes its line past [`MAX_LINE`] bytes.
    pub fn check(&self, df: &Dockerfile) -> Result<(), CrossError> {
        for e in &self.edits {
            let at = e.span.start;
            let start = df.source[..at].rfind('\n').map_or(0, |i| i + 1);
            let end = df.source[at..]
                .find('\n')
                .map_or(df.source.len(), |i| at + i);
            // As the parser counts: a CR before the newline is part of it.
            let len = end - start + e.text.len();
            if len > MAX_LINE {
                return Err(CrossError::LineTooLong {
                    line: df.line_col(at).0,
                    len,
                    src: df.named_source(),
                    span: (at.saturating_sub(4), 4).into(),
                });
            }
        }
        Ok(())
    }

    /// One line per stage, for stderr.
    pub fn summary(&self) -> String {
        let width = self
            .outcomes
            .iter()
            .map(|o| o.label.len())
            .max()
            .unwrap_or(0);
        let mut out = String::new();
        for o in &self.outcomes {
            let verb = match o.action {
                Action::Pin => "pinned",
                Action::Inherit => "build platform",
                Action::Leave => "left",
            };
            out.push_str(&format!(
                "  stage {:<width$}  line {:<4} {}: {}\n",
                o.label, o.line, verb, o.reason
            ));
            if let Some(w) = &o.warning {
                out.push_str(&format!("    warning: {w}\n"));
            }
        }
        out
    }
}

type Decision = (Action, String, Option<String>);

fn existing_platform(graph: &StageGraph, i: usize) -> Option<String> {
    let s = &graph.stages[i];
    match s.platforms.as_slice() {
        [] => None,
        [f] if f.value.as_deref().unwrap_or("").is_empty() => Some(
            "has an empty --platform= (BuildKit ignores it; remove it to let xbuild pin the stage)"
                .into(),
        ),
        [f] => Some(format!(
            "already has --platform={}",
            f.value.as_deref().unwrap_or("")
        )),
        _ => Some("has several --platform flags (BuildKit rejects this; see `xbuild lint`)".into()),
    }
}

/// Whether a chain builds for the target, and why.
enum Awareness {
    /// "uses TARGETARCH", or "builder uses TARGETARCH" when it is not the
    /// stage asked about.
    Aware(String),
    /// Nothing in the chain declares or uses a TARGET* variable.
    Unaware,
    /// A stage uses a TARGET* variable it does not declare (the label, the
    /// name): it expands empty, which on the build platform means host-arch.
    Undeclared(String, String),
}

/// `strict`: a TARGET* use that no ARG declares makes the chain
/// [`Awareness::Undeclared`]; otherwise it counts as a use.
fn awareness(graph: &StageGraph, chain: &[usize], about: usize, strict: bool) -> Awareness {
    if let Some((label, name)) = chain.iter().filter(|_| strict).find_map(|&i| {
        let s = &graph.stages[i];
        s.undeclared_uses.first().map(|n| (s.label(), n.clone()))
    }) {
        return Awareness::Undeclared(label, name);
    }
    chain
        .iter()
        .find_map(|&i| {
            let s = &graph.stages[i];
            let what = s
                .target_uses
                .first()
                .map(|n| format!("uses {n}"))
                .or_else(|| {
                    s.args
                        .iter()
                        .find(|a| crate::dockerfile::stages::TARGET_ARGS.contains(&a.as_str()))
                        .map(|n| format!("declares {n}"))
                })?;
            Some(Awareness::Aware(if i == about {
                what
            } else {
                format!("{} {what}", s.label())
            }))
        })
        .unwrap_or(Awareness::Unaware)
}

/// `strict`: see [`awareness`].
fn auto(df: &Dockerfile, graph: &StageGraph, strict: bool) -> Vec<Decision> {
    let n = graph.stages.len();
    let products = if strict {
        Products::new(df, graph)
    } else {
        Products::intended(df, graph)
    };
    let ships = graph.ships();
    let reachable = graph.reachable();
    let mut out: Vec<Option<Decision>> = vec![None; n];
    for root in (0..n).filter(|&i| graph.is_root(i)) {
        let tree = graph.tree(root);
        let root_label = graph.stages[root].label();
        let mut set = |i: usize, d: Decision| out[i] = Some(d);
        if let Some(why) = existing_platform(graph, root) {
            for &i in &tree {
                let reason = if i == root {
                    why.clone()
                } else {
                    format!("built FROM {root_label}, which {why}")
                };
                set(i, (Action::Leave, reason, None));
            }
            continue;
        }
        if tree.iter().any(|&i| ships[i]) {
            for &i in &tree {
                let reason = if ships[i] {
                    if i == graph.target {
                        "ships: it is the image".to_string()
                    } else {
                        "ships: the image is built FROM it".to_string()
                    }
                } else {
                    format!(
                        "shares its base with a stage that ships (pinning {root_label} would change the image)"
                    )
                };
                set(i, (Action::Leave, reason, None));
            }
            continue;
        }
        // A chain the target never uses is never built with this target
        // (built with --target, it would ship): pinning it changes nothing.
        if !tree.iter().any(|&i| reachable[i]) {
            for &i in &tree {
                set(i, (Action::Leave, "not built for the target".into(), None));
            }
            continue;
        }
        // What leaves the tree: the stages a built stage outside it copies
        // or mounts. Inside a pinned tree everything runs on the build
        // platform, so what its stages pass one another (a recipe, a
        // generated file, a tool they run) is consistent.
        let mut in_tree = vec![false; n];
        for &i in &tree {
            in_tree[i] = true;
        }
        let outputs: Vec<usize> = tree
            .iter()
            .copied()
            .filter(|&i| {
                graph.stages.iter().any(|s| {
                    reachable[s.index] && !in_tree[s.index] && s.refs.iter().any(|r| r.stage == i)
                })
            })
            .collect();
        let host_arch = outputs.iter().find_map(|&i| {
            match awareness(graph, &graph.chain(i), i, strict) {
                Awareness::Aware(_) => None,
                Awareness::Unaware => Some(format!(
                    "not cross-aware: nothing in {}'s chain uses TARGETOS/TARGETARCH/TARGETPLATFORM/TARGETVARIANT, so on the build platform its output would be host-arch",
                    graph.stages[i].label()
                )),
                Awareness::Undeclared(label, name) => Some(format!(
                    "stage {label} uses {name} without ARG {name}: it expands empty, so on the build platform the output would be host-arch (add ARG {name}; xbuild lint --fix does, XB007)"
                )),
            }
        });
        // Every command whose output reaches the image must build for the
        // target or be arch-independent: anything else would become the
        // build machine's once the tree runs there.
        let host_arch = host_arch.or_else(|| keeps_native(df, graph, &products, &tree));
        match host_arch {
            Some(reason) => {
                for &i in &tree {
                    set(i, (Action::Leave, reason.clone(), None));
                }
            }
            None => {
                let why = tree
                    .iter()
                    .find_map(|&i| match awareness(graph, &graph.chain(i), root, strict) {
                        Awareness::Aware(why) => Some(why),
                        _ => None,
                    })
                    .unwrap_or_else(|| "builds for the target".into());
                // Name the command whose target-built output ships, when one does.
                let why = tree
                    .iter()
                    .flat_map(|&i| &products.stages[i])
                    .filter(|p| p.output.arch == Arch::Target)
                    .find(|p| !deliveries(df, graph, &products, p).is_empty())
                    .map_or(why.clone(), |p| format!("{why}; {}", p.describe()));
                for &i in &tree {
                    if i == root {
                        let reason = format!("builds for the target ({why}) and does not ship");
                        set(i, (Action::Pin, reason, None));
                    } else {
                        set(
                            i,
                            (
                                Action::Inherit,
                                format!("built FROM {root_label}, which is pinned"),
                                None,
                            ),
                        );
                    }
                }
            }
        }
    }
    out.into_iter()
        .map(|d| d.expect("every stage is in a tree"))
        .collect()
}

/// The first command of `tree` whose output reaches the image and is not
/// known to build for the target (or to be arch-independent), as a reason.
fn keeps_native(
    df: &Dockerfile,
    graph: &StageGraph,
    products: &Products,
    tree: &[usize],
) -> Option<String> {
    tree.iter()
        .flat_map(|&i| &products.stages[i])
        .filter(|p| !p.output.arch.pin_safe())
        .find_map(|p| {
            let d = deliveries(df, graph, products, p).into_iter().next()?;
            let what = match p.output.arch {
                Arch::Unknown => "may build for the build machine",
                _ => "builds for the build machine",
            };
            Some(format!(
                "stage {} {} {what} and its output reaches the image through stage {}: pinned, the image would get the build machine's output",
                graph.stages[p.stage].label(),
                p.describe(),
                graph.stages[d.receiver()].label()
            ))
        })
}

fn first_from(graph: &StageGraph) -> Vec<Decision> {
    let ships = graph.ships();
    let mut out: Vec<Decision> = Vec::new();
    for s in &graph.stages {
        let d = if s.index != 0 {
            (
                Action::Leave,
                "first-from pins only the first FROM".to_string(),
                None,
            )
        } else if let Some(why) = existing_platform(graph, 0) {
            (Action::Leave, why, None)
        } else {
            let warning = ships[0].then(|| {
                "this stage ships in the image: every platform's image gets build-platform layers (use --strategy auto)"
                    .to_string()
            });
            (
                Action::Pin,
                "the first FROM (first-from strategy)".to_string(),
                warning,
            )
        };
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::parse;

    fn cross(src: &str, strategy: Strategy) -> String {
        let df = parse("Dockerfile", src).unwrap();
        let g = StageGraph::new(&df, None, &[]).unwrap();
        CrossPlan::new(&df, &g, strategy).apply(&df)
    }

    #[test]
    fn pins_the_builder_only() {
        let src = "FROM golang AS builder\nARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build\nFROM alpine\nCOPY --from=builder /m /m\n";
        let out = cross(src, Strategy::Auto);
        assert_eq!(
            out,
            src.replacen("FROM golang", "FROM --platform=${BUILDPLATFORM} golang", 1)
        );
        assert_eq!(cross(&out, Strategy::Auto), out);
    }

    #[test]
    fn single_stage_is_left_alone() {
        let src = "FROM quay.io/operator-framework/helm-operator\nCOPY . .\n";
        assert_eq!(cross(src, Strategy::Auto), src);
    }

    #[test]
    fn chain_pinned_at_root_and_non_cross_aware_left() {
        let src = "FROM golang AS deps\nRUN go mod download\nFROM deps AS builder\nARG TARGETOS\nRUN GOOS=$TARGETOS go build\nFROM alpine AS tools\nRUN make\nFROM alpine\nCOPY --from=builder /m /m\nCOPY --from=tools /t /t\n";
        let out = cross(src, Strategy::Auto);
        assert!(out.starts_with("FROM --platform=${BUILDPLATFORM} golang AS deps\n"));
        assert!(out.contains("\nFROM deps AS builder\n"));
        assert!(out.contains("\nFROM alpine AS tools\n"));
    }

    #[test]
    fn first_from_never_duplicates() {
        let src = "FROM --platform=$BUILDPLATFORM golang AS b\nFROM alpine\n";
        assert_eq!(cross(src, Strategy::FirstFrom), src);
        let src = "FROM golang AS b\nFROM alpine\n";
        assert!(
            cross(src, Strategy::FirstFrom).starts_with("FROM --platform=${BUILDPLATFORM} golang")
        );
    }
}
