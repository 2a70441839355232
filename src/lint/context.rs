//! What the rules read: the parsed Dockerfile, its stage graph, the facts
//! derived from the graph once (what ships, what is built, what is copied),
//! and the commands of every RUN.

use super::CrossFile;
use crate::config::Strategy;
use crate::dockerfile::script::{Command, run_commands};
use crate::dockerfile::{Dockerfile, Flag, Instruction, PlatformKind, StageGraph};

/// One Dockerfile, ready to be checked.
pub struct Context<'a> {
    pub df: &'a Dockerfile,
    pub graph: &'a StageGraph,
    /// The existing Dockerfile.cross of this Dockerfile, if any.
    pub cross: Option<&'a CrossFile>,
    /// The strategy `xbuild cross` uses for this Dockerfile (XB010).
    pub strategy: Strategy,
    /// Per stage: its filesystem is in the image.
    pub ships: Vec<bool>,
    /// Per stage: it is built when the target is.
    pub reachable: Vec<bool>,
    /// Per instruction: the commands of a RUN (empty otherwise).
    commands: Vec<Vec<Command>>,
    /// ENV/ARG bindings per stage, for `env::lookup`.
    env: super::env::Index,
}

impl<'a> Context<'a> {
    pub fn new(
        df: &'a Dockerfile,
        graph: &'a StageGraph,
        cross: Option<&'a CrossFile>,
        strategy: Strategy,
    ) -> Self {
        Context {
            df,
            graph,
            cross,
            strategy,
            ships: graph.ships(),
            reachable: graph.reachable(),
            commands: df
                .instructions
                .iter()
                .map(|ins| run_commands(&df.source, ins))
                .collect(),
            env: super::env::Index::new(graph.stages.len()),
        }
    }

    pub(super) fn env_index(&self) -> &super::env::Index {
        &self.env
    }

    /// The FROM instruction of a stage.
    pub fn from(&self, stage: usize) -> &'a Instruction {
        &self.df.instructions[self.graph.stages[stage].from]
    }

    /// The instructions after a stage's FROM, with their indices.
    pub fn body(&self, stage: usize) -> impl Iterator<Item = (usize, &'a Instruction)> + 'a {
        let df = self.df;
        self.graph.stages[stage]
            .body
            .clone()
            .map(move |i| (i, &df.instructions[i]))
    }

    /// The commands RUN instruction `index` executes.
    pub fn commands(&self, index: usize) -> &[Command] {
        &self.commands[index]
    }

    /// The stage runs on the build platform: the root of its chain (the
    /// stage built FROM an image) is pinned to `$BUILDPLATFORM` (every flag,
    /// on a FROM with several). BuildKit ignores `--platform` on a FROM that
    /// names a stage, so only the root's counts.
    pub fn pinned(&self, stage: usize) -> bool {
        let roots = self.graph.roots(stage);
        !roots.is_empty()
            && roots.iter().all(|&r| {
                let flags = &self.graph.stages[r].platforms;
                !flags.is_empty()
                    && flags
                        .iter()
                        .all(|f| platform_kind(f) == PlatformKind::Build)
            })
    }

    /// The stage's one `--platform` flag. A FROM with several is XB003's
    /// alone: the other platform rules skip it.
    pub fn platform(&self, stage: usize) -> Option<&'a Flag> {
        match self.graph.stages[stage].platforms.as_slice() {
            [f] => Some(f),
            _ => None,
        }
    }

    /// The stage's label for messages: `builder`, or `#2`.
    pub fn label(&self, stage: usize) -> String {
        self.graph.stages[stage].label()
    }
}

/// What a `--platform` value means, decided the way BuildKit's linter
/// decides it: expand the value; `$BUILDPLATFORM` or `$TARGETPLATFORM` when
/// that variable is the only one expanded and the result is exactly its
/// value (so `${TARGETPLATFORM:-linux/amd64}` counts too); a literal when
/// nothing is expanded.
pub fn platform_kind(flag: &Flag) -> PlatformKind {
    flag.value
        .as_deref()
        .map_or(PlatformKind::Other, PlatformKind::of)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(v: &str) -> PlatformKind {
        platform_kind(&Flag {
            text: format!("--platform={v}"),
            name: "platform".into(),
            value: Some(v.into()),
            span: 0..0,
        })
    }

    #[test]
    fn platform_kinds_like_buildkit() {
        assert_eq!(kind("$BUILDPLATFORM"), PlatformKind::Build);
        assert_eq!(kind("${BUILDPLATFORM}"), PlatformKind::Build);
        assert_eq!(kind("\"${BUILDPLATFORM}\""), PlatformKind::Build);
        assert_eq!(kind("$TARGETPLATFORM"), PlatformKind::Target);
        assert_eq!(kind("${TARGETPLATFORM:-linux/amd64}"), PlatformKind::Target);
        assert_eq!(kind("linux/amd64"), PlatformKind::Literal);
        assert_eq!(kind("\"linux/arm64\""), PlatformKind::Literal);
        assert_eq!(kind("$BUILDOS/$TARGETARCH"), PlatformKind::Other);
        assert_eq!(kind("${P:-linux/amd64}"), PlatformKind::Other);
    }
}
