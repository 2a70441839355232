//! The stage model: stages, their bases, `--platform` flags, the stages they
//! copy from, global ARGs, the target and what ships in it — resolved the way
//! BuildKit's `dockerfile2llb` resolves them.
//!
//! - A FROM base is expanded with the global ARGs (declared before the first
//!   FROM); it names an earlier stage when it equals that stage's
//!   (lowercased) name exactly.
//! - `COPY --from` and `RUN --mount=...,from=` name a stage (any, case
//!   insensitive) or a stage index; anything else is an image.
//! - The stages that *ship* are the target and the stages it is built FROM,
//!   transitively: their filesystems end up in the image.

mod build;
mod uses;

pub use uses::target_references;

use super::gostr;
use super::shell::Lexer;
use super::{Dockerfile, Flag, Span};
use crate::platform::Platform;
use miette::{Diagnostic, NamedSource, SourceSpan};
use std::collections::BTreeMap;
use std::ops::Range;
use thiserror::Error;

/// The four automatic ARGs that describe the target platform.
pub const TARGET_ARGS: [&str; 4] = ["TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT"];

/// Errors building the stage model from a parsed Dockerfile.
#[derive(Debug, Error, Diagnostic)]
pub enum StageError {
    #[error("{message}")]
    #[diagnostic(code(xbuild::dockerfile::stage))]
    Invalid {
        message: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("{label}")]
        span: SourceSpan,
        label: String,
        #[help]
        help: Option<String>,
    },

    #[error("target stage \"{target}\" could not be found in {file}")]
    #[diagnostic(code(xbuild::dockerfile::target), help("{help}"))]
    UnknownTarget {
        target: String,
        file: String,
        help: String,
    },
}

/// What a stage is built FROM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StageBase {
    /// An image reference (ARGs expanded).
    Image(String),
    /// An earlier stage, by index.
    Stage(usize),
    /// Depends on the target platform (`FROM build-${TARGETOS}`): the stages
    /// it may name, for the platforms considered.
    Dynamic(Vec<usize>),
    /// `FROM scratch`.
    Scratch,
}

/// How a `--platform` value relates to the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlatformKind {
    /// `$BUILDPLATFORM` / `${BUILDPLATFORM}`: runs on the build machine.
    Build,
    /// `$TARGETPLATFORM`: the default anyway.
    Target,
    /// A literal such as `linux/amd64`.
    Literal,
    /// Anything else (another variable, an expression).
    Other,
}

impl PlatformKind {
    /// Classifies a `--platform` value as BuildKit's linter does: expanded,
    /// so quotes and `${TARGETPLATFORM:-x}` forms are recognised.
    pub fn of(value: &str) -> PlatformKind {
        const BUILD: &str = "\u{0}build";
        const TARGET: &str = "\u{0}target";
        let env = |k: &str| match k {
            "BUILDPLATFORM" => Some(BUILD.to_string()),
            "TARGETPLATFORM" => Some(TARGET.to_string()),
            _ => None,
        };
        let Ok(p) = Lexer::new('\\').process(value, &env) else {
            return PlatformKind::Other;
        };
        let only =
            |name: &str| p.matched.len() == 1 && p.matched.contains(name) && p.unmatched.is_empty();
        if only("BUILDPLATFORM") && p.result == BUILD {
            PlatformKind::Build
        } else if only("TARGETPLATFORM") && p.result == TARGET {
            PlatformKind::Target
        } else if p.matched.is_empty() && p.unmatched.is_empty() && !value.contains('$') {
            PlatformKind::Literal
        } else {
            PlatformKind::Other
        }
    }
}

/// A reference from one stage to another's files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageRef {
    /// The referenced stage.
    pub stage: usize,
    /// The instruction (index into `Dockerfile::instructions`) holding it.
    pub instruction: usize,
    /// The flag in the source.
    pub span: Span,
}

/// One build stage.
#[derive(Debug, Clone)]
pub struct Stage {
    pub index: usize,
    /// Lowercased `AS` name.
    pub name: Option<String>,
    pub name_span: Option<Span>,
    /// Index of the FROM instruction.
    pub from: usize,
    pub base: StageBase,
    /// The base as written, and its span.
    pub base_text: String,
    pub base_span: Span,
    /// The FROM's `--platform` flags (normally at most one).
    pub platforms: Vec<Flag>,
    /// Instruction indices of the stage body (after FROM).
    pub body: Range<usize>,
    /// `COPY --from` and `RUN --mount from=` references to stages.
    pub refs: Vec<StageRef>,
    /// ARG names declared in the stage body.
    pub args: Vec<String>,
    /// TARGET* variables referenced in the stage body.
    pub target_uses: Vec<String>,
    /// Those of `target_uses` never referenced where an `ARG` (in the stage
    /// before the use, or in a stage it is built FROM) declares them: they
    /// expand empty.
    pub undeclared_uses: Vec<String>,
}

impl Stage {
    /// The stage's label for humans: its name, or `#index`.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None => format!("#{}", self.index),
        }
    }

    /// Declares or uses TARGETOS/TARGETARCH/TARGETPLATFORM/TARGETVARIANT
    /// (a use may still be undeclared: see `undeclared_uses`).
    pub fn is_cross_aware(&self) -> bool {
        !self.target_uses.is_empty() || self.args.iter().any(|a| TARGET_ARGS.contains(&a.as_str()))
    }
}

/// All stages of a Dockerfile and how they relate.
#[derive(Debug, Clone)]
pub struct StageGraph {
    pub stages: Vec<Stage>,
    /// Global ARGs (before the first FROM) with their default values.
    pub global_args: BTreeMap<String, Option<String>>,
    /// The stage the image is built from.
    pub target: usize,
}

impl StageGraph {
    /// Builds the model for the default target platforms (linux/amd64 and
    /// linux/arm64). `target` is a stage name (default: the last stage);
    /// `build_args` override global ARG defaults.
    pub fn new(
        df: &Dockerfile,
        target: Option<&str>,
        build_args: &[(String, String)],
    ) -> Result<Self, StageError> {
        let platforms = [
            Platform::new("linux", "amd64", None),
            Platform::new("linux", "arm64", None),
        ];
        Self::for_platforms(df, target, build_args, &platforms)
    }

    /// The stages `i` may be built FROM (one, or several for a base that
    /// depends on the target platform).
    pub fn parents(&self, i: usize) -> Vec<usize> {
        match &self.stages[i].base {
            StageBase::Stage(p) => vec![*p],
            StageBase::Dynamic(ps) => ps.clone(),
            _ => Vec::new(),
        }
    }

    /// `i` and every stage it may be built FROM, transitively, nearest first.
    pub fn chain(&self, i: usize) -> Vec<usize> {
        let mut seen = vec![false; self.stages.len()];
        seen[i] = true;
        let mut out = vec![i];
        let mut k = 0;
        while k < out.len() {
            for p in self.parents(out[k]) {
                if !std::mem::replace(&mut seen[p], true) {
                    out.push(p);
                }
            }
            k += 1;
        }
        out
    }

    /// Whether `i` is the root of a chain: built FROM an image (or scratch)
    /// on every platform.
    pub fn is_root(&self, i: usize) -> bool {
        matches!(
            self.stages[i].base,
            StageBase::Image(_) | StageBase::Scratch
        )
    }

    /// The first stage of `i`'s chain (the one built FROM an image); for a
    /// platform-dependent chain, the first root found.
    pub fn root(&self, i: usize) -> usize {
        self.roots(i).into_iter().next().unwrap_or(i)
    }

    /// The roots of every chain `i` may belong to.
    pub fn roots(&self, i: usize) -> Vec<usize> {
        self.chain(i)
            .into_iter()
            .filter(|&c| self.is_root(c))
            .collect()
    }

    /// For each stage: does its filesystem ship in the image (the target and
    /// the stages it is built FROM)?
    pub fn ships(&self) -> Vec<bool> {
        let mut out = vec![false; self.stages.len()];
        for i in self.chain(self.target) {
            out[i] = true;
        }
        out
    }

    /// For each stage: is it built when building the target (reachable
    /// through FROM, `COPY --from` or `RUN --mount from=`)?
    pub fn reachable(&self) -> Vec<bool> {
        let mut out = vec![false; self.stages.len()];
        let mut todo = vec![self.target];
        while let Some(i) = todo.pop() {
            if std::mem::replace(&mut out[i], true) {
                continue;
            }
            todo.extend(self.parents(i));
            todo.extend(self.stages[i].refs.iter().map(|r| r.stage));
        }
        out
    }

    /// For each stage: is its output copied or mounted by a built stage?
    pub fn consumed(&self) -> Vec<bool> {
        let reachable = self.reachable();
        let mut out = vec![false; self.stages.len()];
        for s in self.stages.iter().filter(|s| reachable[s.index]) {
            for r in &s.refs {
                out[r.stage] = true;
            }
        }
        out
    }

    /// The stages whose chains may start at `root`.
    pub fn tree(&self, root: usize) -> Vec<usize> {
        // A stage is built FROM earlier stages only, so one pass in order
        // finds every stage whose chain reaches `root`.
        let mut inside = vec![false; self.stages.len()];
        for i in root..self.stages.len() {
            inside[i] = i == root || self.parents(i).iter().any(|&p| inside[p]);
        }
        (0..self.stages.len()).filter(|&i| inside[i]).collect()
    }

    /// The stage named `name` (case-insensitive) or with that index.
    pub fn find(&self, name: &str) -> Option<usize> {
        if let Ok(i) = name.parse::<usize>() {
            return (i < self.stages.len()).then_some(i);
        }
        let lower = gostr::lower(name);
        self.stages
            .iter()
            .position(|s| s.name.as_deref() == Some(lower.as_str()))
    }
}

/// The automatic platform ARGs, in scope for FROM lines: their values for
/// target platform `p` on build platform `host`.
pub(crate) fn automatic_arg(k: &str, p: &Platform, host: &Platform) -> Option<String> {
    let variant = |x: &Platform| x.variant.clone().unwrap_or_default();
    Some(match k {
        "TARGETPLATFORM" => p.to_string(),
        "TARGETOS" => p.os.clone(),
        "TARGETARCH" => p.arch.clone(),
        "TARGETVARIANT" => variant(p),
        "BUILDPLATFORM" => host.to_string(),
        "BUILDOS" => host.os.clone(),
        "BUILDARCH" => host.arch.clone(),
        "BUILDVARIANT" => variant(host),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::parse;

    fn graph(src: &str) -> StageGraph {
        StageGraph::new(&parse("Dockerfile", src).unwrap(), None, &[]).unwrap()
    }

    #[test]
    fn stages_bases_and_refs() {
        let g = graph(
            "ARG BASE=golang:1.22\nFROM ${BASE} AS deps\nRUN go mod download\nFROM deps AS Builder\nARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build\nFROM busybox\nCOPY --from=builder /m /m\nRUN --mount=type=bind,from=deps,target=/d true\n",
        );
        assert_eq!(g.stages.len(), 3);
        assert_eq!(g.stages[0].base, StageBase::Image("golang:1.22".into()));
        assert_eq!(g.stages[1].base, StageBase::Stage(0));
        assert_eq!(g.stages[1].name.as_deref(), Some("builder"));
        assert!(g.stages[1].is_cross_aware());
        assert!(!g.stages[0].is_cross_aware());
        assert_eq!(
            g.stages[2].refs.iter().map(|r| r.stage).collect::<Vec<_>>(),
            vec![1, 0]
        );
        assert_eq!(g.target, 2);
        assert_eq!(g.ships(), vec![false, false, true]);
        assert_eq!(g.root(1), 0);
        assert_eq!(g.consumed(), vec![true, true, false]);
    }

    #[test]
    fn escaped_and_onbuild_target_references_do_not_count() {
        let g = graph(
            "FROM golang AS b\nRUN echo \\$TARGETARCH\nONBUILD RUN echo $TARGETOS\nFROM alpine\nCOPY --from=b / /\n",
        );
        assert!(!g.stages[0].is_cross_aware());
        // The shell reads RUN (backslash escapes); BuildKit reads the others.
        let g = graph(
            "# escape=`\nFROM golang AS b\nRUN echo \\$TARGETARCH $TARGETOS\nWORKDIR /`$TARGETVARIANT\n",
        );
        assert_eq!(g.stages[0].target_uses, vec!["TARGETOS"]);
    }

    #[test]
    fn bases_named_with_platform_args_resolve_per_platform() {
        let g = graph(
            "FROM alpine AS base-amd64\nFROM alpine AS base-arm64\nFROM base-${TARGETARCH}\n",
        );
        assert_eq!(g.stages[2].base, StageBase::Dynamic(vec![0, 1]));
        assert_eq!(g.ships(), vec![true, true, true]);
        let g = graph("FROM alpine AS linux\nFROM ${TARGETOS}\n");
        assert_eq!(g.stages[1].base, StageBase::Stage(0));
        // An ARG without a default comes from --build-arg: an image.
        let g = graph("ARG BASE\nFROM $BASE AS b\nFROM b\n");
        assert_eq!(g.stages[0].base, StageBase::Image("$BASE".into()));
        assert_eq!(g.stages[1].base, StageBase::Stage(0));
    }

    #[test]
    fn base_matching_is_exact_like_buildkit() {
        let g = graph("FROM alpine AS base\nFROM Base\nFROM base\n");
        assert_eq!(g.stages[1].base, StageBase::Image("Base".into()));
        assert_eq!(g.stages[2].base, StageBase::Stage(0));
    }

    #[test]
    fn errors() {
        let df = parse("Dockerfile", "FROM a b\n").unwrap();
        assert!(StageGraph::new(&df, None, &[]).is_err());
        let df = parse("Dockerfile", "FROM a AS 1x\n").unwrap();
        assert!(StageGraph::new(&df, None, &[]).is_err());
        let df = parse("Dockerfile", "FROM a AS x\n").unwrap();
        assert!(matches!(
            StageGraph::new(&df, Some("y"), &[]),
            Err(StageError::UnknownTarget { .. })
        ));
        let df = parse("Dockerfile", "RUN x\nFROM a\n").unwrap();
        assert!(StageGraph::new(&df, None, &[]).is_err());
        let df = parse("Dockerfile", "ARG X\n").unwrap();
        assert!(StageGraph::new(&df, None, &[]).is_err());
    }

    #[test]
    fn platform_kinds() {
        assert_eq!(PlatformKind::of("$BUILDPLATFORM"), PlatformKind::Build);
        assert_eq!(PlatformKind::of("${BUILDPLATFORM}"), PlatformKind::Build);
        assert_eq!(PlatformKind::of("$TARGETPLATFORM"), PlatformKind::Target);
        assert_eq!(PlatformKind::of("linux/amd64"), PlatformKind::Literal);
        assert_eq!(PlatformKind::of("${P:-linux}"), PlatformKind::Other);
        assert_eq!(
            PlatformKind::of("\"${BUILDPLATFORM}\""),
            PlatformKind::Build
        );
        assert_eq!(
            PlatformKind::of("${TARGETPLATFORM:-linux/amd64}"),
            PlatformKind::Target
        );
        assert_eq!(PlatformKind::of("\"linux/arm64\""), PlatformKind::Literal);
        assert_eq!(
            PlatformKind::of("$BUILDOS/$TARGETARCH"),
            PlatformKind::Other
        );
    }
}
