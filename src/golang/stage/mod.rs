//! Finding the Go stage: the stage the image copies its binary from
//! (`COPY --from=builder /workspace/manager .`), or one it is built FROM,
//! whose RUN runs `go build`; and reading from it, for one target platform,
//! everything a host build needs: the environment the `go build` sees, its
//! flags and packages, the directory it runs in and which directory of the
//! build context that is, and the path the binary is written to.
//!
//! Detection is conservative: whatever would make the host binary differ
//! from the one the stage builds (the image copies other files from the
//! stage, a command runs after `go build`, the sources are laid out
//! differently from the context, cgo for another platform) is a
//! diagnostic that points at the instruction and says what to do instead.
//!
//! The module is split by concept: [`walk`] follows a stage chain and its
//! RUN commands (read by the one RUN reader) to the `go build`; [`layout`]
//! places the build context and the binary (context root, copied paths,
//! output names); [`policy`] decides what may run around the build and
//! which environment a host build can reproduce; this file chooses the Go
//! stage and assembles the result.

mod layout;
mod policy;
mod walk;

use super::GoError;
use super::error::{HELP_CONTAINER, HELP_KEYS};
use super::flags::BuildArgs;
use super::scope::{Foreign, Placement, absolute, under};
use super::toolchain::GoMod;
use crate::config::Config;
use crate::dockerfile::{Dockerfile, Span, StageGraph};
use crate::platform::Platform;
use layout::default_name;
use policy::harmless_after;
use std::collections::BTreeMap;
use std::path::Path;

/// The Go stage, read for one target platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoStage {
    /// The stage the image copies the binary from: the one replaced.
    pub stage: usize,
    /// Its label for messages (`builder`, `#0`).
    pub label: String,
    /// Its `AS` name as written in the FROM (case kept).
    pub name: Option<String>,
    /// The stage whose RUN runs `go build` (`stage` or one it is built FROM).
    pub build_stage: usize,
    /// The `go build` command in the Dockerfile (the stage's FROM when
    /// `[go] main` and `output` describe the build).
    pub span: Span,
    /// 1-based line of `span`.
    pub line: usize,
    /// The build is described by `[go] main` and `[go] output`, not read
    /// from a RUN.
    pub from_config: bool,
    /// The directory `go build` runs in, in the stage.
    pub workdir: String,
    /// Where the build context's root is in the stage.
    pub context_root: String,
    /// `workdir` as a directory of the build context (`""` for its root).
    pub dir: String,
    /// Every variable the `go build` sees (ARGs, ENVs, exports, assignments).
    pub env: BTreeMap<String, String>,
    /// The `go build` flags and packages (`[go] main` applied).
    pub args: BuildArgs,
    /// The binary's path in the stage.
    pub output: String,
    /// Things worth telling the user (commands xbuild does not repeat).
    pub notes: Vec<String>,
    /// Why the host binary may differ from the stage's (a command before
    /// `go build` that may change the sources): `--go auto` then builds in
    /// the container, `--go host` goes ahead and says so.
    pub risks: Vec<String>,
    /// The build-context paths the stage copies (`""` for all of it).
    pub copied: Vec<String>,
}

impl GoStage {
    /// The binary's file name.
    pub fn binary_name(&self) -> &str {
        self.output.rsplit('/').next().unwrap_or(&self.output)
    }
}

/// What detection reads.
#[derive(Debug, Clone, Copy)]
pub struct Detect<'a> {
    pub df: &'a Dockerfile,
    pub graph: &'a StageGraph,
    pub platform: &'a Platform,
    pub build_args: &'a [(String, String)],
    /// The build context on the host.
    pub context: &'a Path,
    pub config: &'a Config,
}

/// A shell command of a RUN: its program, its text and where it is.
#[derive(Debug, Clone)]
struct ShellCommand {
    program: String,
    text: String,
    span: Span,
}

/// A RUN after the `go build`, and its commands.
#[derive(Debug, Clone)]
struct LaterRun {
    ins: usize,
    commands: Vec<ShellCommand>,
}

/// A `go build` found in a RUN.
#[derive(Debug, Clone)]
struct Found {
    stage: usize,
    /// The RUN's instruction index; `None` for a build from `[go]` keys.
    ins: Option<usize>,
    span: Span,
    env: BTreeMap<String, String>,
    dir: String,
    args: BuildArgs,
    placements: Vec<Placement>,
    foreign: Vec<Foreign>,
    /// Commands after it in the same RUN.
    after: Vec<ShellCommand>,
    notes: Vec<String>,
}

/// A stage chain walked up to its end.
#[derive(Debug, Clone, Default)]
struct Walk {
    builds: Vec<Found>,
    /// `go build` mentions that could not be read: span and why.
    unreadable: Vec<(Span, String)>,
    /// Notes about RUNs so far (reset at each `go build`).
    notes: Vec<String>,
    /// Instructions after the last `go build`: RUNs (index) and their programs.
    later_runs: Vec<LaterRun>,
    end_env: BTreeMap<String, String>,
    end_dir: String,
    end_placements: Vec<Placement>,
    end_foreign: Vec<Foreign>,
}

/// A file the image copies from a stage.
#[derive(Debug, Clone)]
struct Copied {
    path: String,
    span: Span,
    /// Not a plain path (a wildcard, a mount): cannot be matched.
    opaque: bool,
}

impl Detect<'_> {
    fn stage_error(&self, span: &Span, message: String, label: &str, help: &str) -> GoError {
        GoError::Stage {
            message,
            src: self.df.named_source(),
            span: (span.start, span.end - span.start).into(),
            label: label.to_string(),
            help: help.to_string(),
        }
    }

    fn line(&self, span: &Span) -> usize {
        self.df.line_col(span.start).0
    }

    fn label(&self, i: usize) -> String {
        self.graph.stages[i].label()
    }
    /// Finds and reads the Go stage for this platform.
    pub fn run(&self) -> Result<GoStage, GoError> {
        let graph = self.graph;
        let reachable = graph.reachable();
        let ships = graph.ships();

        let mut candidates: Vec<usize> = Vec::new();
        for s in graph.stages.iter().filter(|s| reachable[s.index]) {
            for r in &s.refs {
                if !ships[r.stage]
                    && !graph.chain(s.index).contains(&r.stage)
                    && !candidates.contains(&r.stage)
                {
                    candidates.push(r.stage);
                }
            }
        }
        if candidates.is_empty() {
            return Err(self.nothing_copied());
        }

        let mut walks = Vec::new();
        for &x in &candidates {
            let mut chain = graph.chain(x);
            chain.reverse();
            walks.push((x, self.walk(&chain)?));
        }
        let with_builds: Vec<&(usize, Walk)> =
            walks.iter().filter(|(_, w)| !w.builds.is_empty()).collect();
        let (x, found, later, before_notes) = match with_builds.as_slice() {
            // The last go build of the chain is the one that makes the binary.
            [(x, w)] => {
                let found = w.builds.last().expect("a build").clone();
                (*x, found, w.later_runs.clone(), Vec::new())
            }
            [] => {
                if let Some((span, why)) = walks.iter().find_map(|(_, w)| w.unreadable.first()) {
                    return Err(self.stage_error(
                        span,
                        format!("xbuild cannot read this go build: {why}"),
                        "go build here",
                        HELP_KEYS,
                    ));
                }
                let (x, found) = self.described_by_config(&walks)?;
                let notes = walks
                    .iter()
                    .find(|(w, _)| *w == x)
                    .map(|(_, w)| w.notes.clone())
                    .unwrap_or_default();
                (x, found, Vec::new(), notes)
            }
            [(a, wa), (b, wb), ..] => {
                let span = &wb.builds[0].span;
                return Err(self.stage_error(
                    span,
                    format!(
                        "two stages copied into the image build Go binaries: {} (line {}) and {} (line {})",
                        self.label(*a),
                        self.line(&wa.builds[0].span),
                        self.label(*b),
                        self.line(span)
                    ),
                    "second go build",
                    &format!(
                        "xbuild builds one Go stage on the host; {HELP_CONTAINER}"
                    ),
                ));
            }
        };
        self.finish(x, found, later, before_notes)
    }

    /// The error when no stage is copied from: a single-stage build.
    fn nothing_copied(&self) -> GoError {
        let target = self.graph.target;
        let mut chain = self.graph.chain(target);
        chain.reverse();
        if let Ok(w) = self.walk(&chain)
            && let Some(f) = w.builds.first()
        {
            return self.stage_error(
                &f.span,
                format!(
                    "the stage that runs go build ships in the image (stage {})",
                    self.label(f.stage)
                ),
                "go build in a shipped stage",
                &format!(
                    "xbuild replaces a build stage whose binary the image copies with COPY --from; build in one stage and copy the binary into a small runtime stage, or {HELP_CONTAINER}"
                ),
            );
        }
        GoError::NoStage {
            message: format!(
                "no stage of {} is copied into the image with COPY --from, so there is no Go stage to build on the host",
                self.df.name
            ),
            help: HELP_CONTAINER.to_string(),
        }
    }

    /// Maps the chosen build onto the host and checks the image gets
    /// exactly what the host build makes.
    fn finish(
        &self,
        x: usize,
        found: Found,
        later: Vec<LaterRun>,
        extra_notes: Vec<String>,
    ) -> Result<GoStage, GoError> {
        let go = &self.config.go;
        let label = self.label(x);

        // The directory: the context root in the stage, and the RUN's dir in it.
        let root = self.context_root(&found)?;
        let Some(dir) = under(&found.dir, &root) else {
            return Err(self.stage_error(
                &found.span,
                format!(
                    "go build runs in {}, outside {root}, where the stage copies the build context",
                    found.dir
                ),
                "runs here",
                HELP_CONTAINER,
            ));
        };
        let host_dir = self.context.join(&dir);

        let mut args = found.args.clone();
        if let Some(main) = &go.main {
            args.packages = vec![main.clone()];
        }
        if args.packages.iter().any(|p| p.contains("..."))
            || (args.packages.len() > 1 && !args.are_files())
        {
            return Err(self.stage_error(
                &found.span,
                format!(
                    "go build builds several packages ({}), so it writes no single binary",
                    args.packages.join(" ")
                ),
                "several packages",
                HELP_KEYS,
            ));
        }

        // The output path, and what the image copies.
        let gomod = GoMod::find(&host_dir);
        let default = default_name(&args, &host_dir, gomod.as_ref());
        let output = match (&go.output, args.get("o").and_then(|f| f.value.clone())) {
            (Some(o), _) => vec![absolute(&found.dir, o)],
            (None, Some(o)) => {
                let abs = absolute(&found.dir, &o);
                if o.ends_with('/') {
                    vec![format!("{abs}/{default}")]
                } else {
                    vec![abs.clone(), format!("{abs}/{default}")]
                }
            }
            (None, None) => vec![absolute(&found.dir, &default)],
        };
        let copied = self.copied_from(x)?;
        let Some(first) = copied.first() else {
            return Err(GoError::NoStage {
                message: format!("nothing is copied from stage {label}"),
                help: HELP_CONTAINER.to_string(),
            });
        };
        let Some(output) = output
            .iter()
            .find(|o| copied.iter().any(|c| &c.path == *o))
            .cloned()
        else {
            let help = if go.output.is_some() {
                "make [go] output the path the image copies, or remove it".to_string()
            } else {
                format!(
                    "set [go] output = \"{}\" if that is the binary, or {HELP_CONTAINER}",
                    first.path
                )
            };
            return Err(self.stage_error(
                &first.span,
                format!(
                    "the image copies {} from stage {label}, but go build (line {}) writes {}",
                    first.path,
                    self.line(&found.span),
                    output[0]
                ),
                "copied here",
                &help,
            ));
        };
        if let Some(other) = copied.iter().find(|c| c.opaque || c.path != output) {
            let what = if other.opaque {
                format!(
                    "files from stage {label} that xbuild cannot match ({})",
                    other.path
                )
            } else {
                format!("{} from stage {label}", other.path)
            };
            return Err(self.stage_error(
                &other.span,
                format!("the image also takes {what}; the host build makes only {output}"),
                "not the Go binary",
                HELP_CONTAINER,
            ));
        }

        // Nothing may change the binary after go build.
        let changes = |c: &&ShellCommand| !harmless_after(c);
        if let Some(c) = found.after.iter().find(changes) {
            return Err(self.stage_error(
                &c.span,
                format!(
                    "`{}` runs after go build in the same RUN, and xbuild would not run it",
                    c.text
                ),
                &format!("{} after go build", c.program),
                HELP_CONTAINER,
            ));
        }
        if let Some((run, c)) = later
            .iter()
            .find_map(|r| r.commands.iter().find(changes).map(|c| (r, c)))
        {
            return Err(self.stage_error(
                &self.df.instructions[run.ins].span,
                format!(
                    "`{}` runs after go build in stage {label}, and xbuild would not run it",
                    c.text
                ),
                "after go build",
                HELP_CONTAINER,
            ));
        }

        self.check_env(&found)?;

        let mut risks = extra_notes;
        risks.extend(found.notes.iter().cloned());
        Ok(GoStage {
            stage: x,
            label,
            name: self.graph.stages[x]
                .name_span
                .clone()
                .map(|s| self.df.source[s].to_string()),
            build_stage: found.stage,
            line: self.line(&found.span),
            span: found.span.clone(),
            from_config: found.ins.is_none(),
            workdir: found.dir.clone(),
            context_root: root,
            dir,
            env: found.env.clone(),
            args,
            output,
            notes: Vec::new(),
            risks,
            copied: found.placements.iter().map(|p| p.context.clone()).collect(),
        })
    }
}

#[cfg(test)]
mod tests;
