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

use super::GoError;
use super::command::{self, Simple};
use super::error::{HELP_CONTAINER, HELP_KEYS};
use super::flags::{BuildArgs, exec_name};
use super::scope::{Foreign, Placement, Scope, absolute, under};
use super::toolchain::GoMod;
use crate::config::Config;
use crate::dockerfile::script::{self, Command};
use crate::dockerfile::{Dockerfile, Instruction, Span, StageGraph};
use crate::platform::Platform;
use regex::Regex;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::LazyLock;

static GO_BUILD_TEXT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bgo\s+build\b").expect("regex"));

/// Programs that may run before `go build` without changing what it builds
/// (package managers, users, directories, messages).
const HARMLESS_BEFORE: &[&str] = &[
    "apk",
    "apt-get",
    "apt",
    "yum",
    "dnf",
    "microdnf",
    "mkdir",
    "echo",
    "true",
    "ls",
    "set",
    "update-ca-certificates",
    "useradd",
    "adduser",
    "addgroup",
    "groupadd",
    "printf",
    ":",
    "pwd",
];

/// `go` subcommands that may run before `go build` without changing it
/// (`go mod` only with the subcommands in `HARMLESS_GO_MOD`).
const HARMLESS_GO: &[&str] = &["mod", "version", "env", "vet", "test", "list"];

/// `go mod` subcommands that change no source (`vendor` and `tidy` do).
const HARMLESS_GO_MOD: &[&str] = &["download", "verify", "graph", "why"];

/// Programs that may run after `go build` without changing the binary.
const HARMLESS_AFTER: &[&str] = &[
    "echo",
    "true",
    "ls",
    "file",
    "du",
    "printf",
    ":",
    "sha256sum",
    "md5sum",
    "stat",
    "pwd",
];

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

    /// Walks a stage chain (root first), following ARG/ENV/WORKDIR/COPY and
    /// the shell of every RUN.
    fn walk(&self, chain: &[usize]) -> Result<Walk, GoError> {
        let globals = &self.graph.global_args;
        let mut scope = Scope::new(
            self.platform,
            globals,
            self.build_args,
            self.context,
            self.df.escape,
        );
        let mut walk = Walk::default();
        for &si in chain {
            let stage = &self.graph.stages[si];
            for ii in stage.body.clone() {
                let ins = &self.df.instructions[ii];
                if ins.command == "run" {
                    self.walk_run(&scope, si, ii, ins, &mut walk);
                } else {
                    scope.apply(ins).map_err(|e| {
                        self.stage_error(
                            &ins.span,
                            format!("cannot expand this {}: {e}", ins.keyword.to_uppercase()),
                            "here",
                            HELP_CONTAINER,
                        )
                    })?;
                }
            }
        }
        walk.end_env = scope.environment();
        walk.end_dir = scope.workdir.clone();
        walk.end_placements = scope.placements.clone();
        walk.end_foreign = scope.foreign.clone();
        Ok(walk)
    }

    fn walk_run(&self, scope: &Scope, si: usize, ii: usize, ins: &Instruction, walk: &mut Walk) {
        // Bind mounts of this RUN add to what the stage sees.
        let mut local = scope.clone();
        for f in ins.flags_named("mount") {
            if let Some(v) = &f.value {
                local.mount(v, f.span.clone());
            }
        }
        let mut shell: BTreeMap<String, String> = BTreeMap::new();
        let mut dir = scope.workdir.clone();
        let mut programs: Vec<ShellCommand> = Vec::new();
        let mut found_here: Option<usize> = None;
        for cmd in script::run_script(&self.df.source, ins) {
            let span = match cmd.whole_span() {
                s if s.is_empty() => ins.span.clone(),
                s => s,
            };
            let text = cmd.text();
            let env = |k: &str| shell.get(k).cloned().or_else(|| scope.get(k));
            let exported = command::exported(&cmd, &env);
            let simple = command::read(&cmd, &|k: &str| {
                exported
                    .iter()
                    .rev()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.clone())
                    .or_else(|| env(k))
            });
            if let Some(at) = found_here {
                // After the go build in the same RUN.
                let program = match &simple {
                    Simple::Other { program, .. } => program.clone(),
                    Simple::GoBuild { .. } => "go".into(),
                    Simple::Cd(_) => "cd".into(),
                    Simple::Assign(_) => "true".into(),
                };
                walk.builds[at].after.push(ShellCommand {
                    program,
                    text: text.clone(),
                    span,
                });
                continue;
            }
            match simple {
                Simple::Assign(vars) => shell.extend(vars),
                Simple::Cd(d) => dir = absolute(&dir, &d),
                Simple::GoBuild { env, args } => {
                    let args = match BuildArgs::parse(&args) {
                        Ok(a) => a,
                        Err(e) => {
                            walk.unreadable.push((span, e));
                            continue;
                        }
                    };
                    // `go build -C dir` (Go 1.20) changes directory first.
                    if let Some(c) = args.get("C").and_then(|f| f.value.as_deref()) {
                        dir = absolute(&dir, c);
                    }
                    let mut all = local.environment();
                    all.extend(exported);
                    all.extend(env);
                    let mut notes = std::mem::take(&mut walk.notes);
                    notes.extend(before_notes(&programs, self.df, "in the same RUN"));
                    walk.builds.push(Found {
                        stage: si,
                        ins: Some(ii),
                        span,
                        env: all,
                        dir: dir.clone(),
                        args,
                        placements: local.placements.clone(),
                        foreign: local.foreign.clone(),
                        after: Vec::new(),
                        notes,
                    });
                    walk.later_runs.clear();
                    found_here = Some(walk.builds.len() - 1);
                }
                Simple::Other { program, complex } => {
                    if GO_BUILD_TEXT.is_match(&text) {
                        let why = if complex {
                            "it uses shell features (command substitution, redirection, subshells or control flow) that xbuild does not follow".to_string()
                        } else {
                            format!("it runs through `{program}`")
                        };
                        walk.unreadable.push((span, why));
                    } else {
                        programs.push(ShellCommand {
                            program,
                            text: text.clone(),
                            span,
                        });
                    }
                }
            }
        }
        if found_here.is_none() {
            if walk.builds.is_empty() {
                walk.notes
                    .extend(before_notes(&programs, self.df, "in an earlier RUN"));
            } else {
                walk.later_runs.push(LaterRun {
                    ins: ii,
                    commands: programs,
                });
            }
        }
    }

    /// The build described by `[go] main` and `[go] output` alone.
    fn described_by_config(&self, walks: &[(usize, Walk)]) -> Result<(usize, Found), GoError> {
        let go = &self.config.go;
        let last_run = |x: usize| {
            self.graph.stages[x]
                .body
                .clone()
                .rev()
                .map(|i| &self.df.instructions[i])
                .find(|i| i.command == "run")
        };
        // The stage the image copies `[go] output` from; else the first
        // copied-from stage that runs anything.
        let copies_output = |x: usize, w: &Walk| {
            go.output.as_ref().is_some_and(|o| {
                let o = absolute(&w.end_dir, o);
                self.copied_from(x)
                    .is_ok_and(|c| c.iter().any(|c| c.path == o))
            })
        };
        let (x, walk) = walks
            .iter()
            .find(|(x, w)| copies_output(*x, w))
            .or_else(|| walks.iter().find(|(x, _)| last_run(*x).is_some()))
            .unwrap_or(&walks[0]);
        let ins = last_run(*x);
        let span = ins.map(|i| i.span.clone()).unwrap_or_else(|| {
            self.df.instructions[self.graph.stages[*x].from]
                .span
                .clone()
        });
        match (&go.main, &go.output) {
            (Some(main), Some(_)) => {
                let mut found = Found {
                    stage: *x,
                    ins: None,
                    span: self.df.instructions[self.graph.stages[*x].from]
                        .span
                        .clone(),
                    env: walk.end_env.clone(),
                    dir: walk.end_dir.clone(),
                    args: BuildArgs::default(),
                    placements: walk.end_placements.clone(),
                    foreign: walk.end_foreign.clone(),
                    after: Vec::new(),
                    notes: Vec::new(),
                };
                found.args.packages = vec![main.clone()];
                Ok((*x, found))
            }
            (main, output) => {
                let what = match ins {
                    Some(i) => {
                        let first = script::run_commands(&self.df.source, i)
                            .first()
                            .map(Command::text)
                            .unwrap_or_else(|| i.args_text.clone());
                        format!("its last RUN runs `{first}`")
                    }
                    None => "it has no RUN".to_string(),
                };
                if main.is_some() != output.is_some() {
                    let (set, unset) = if main.is_some() {
                        ("main", "output")
                    } else {
                        ("output", "main")
                    };
                    return Err(GoError::Config {
                        key: set.to_string(),
                        message: format!(
                            "stage {} runs no go build ({what}), so xbuild needs [go] {unset} too",
                            self.label(*x)
                        ),
                        src: self.config.source(),
                        span: self.config.span_of(&format!("go.{set}")),
                        help: HELP_KEYS.to_string(),
                    });
                }
                Err(self.stage_error(
                    &span,
                    format!(
                        "stage {} is copied into the image but runs no go build: {what}",
                        self.label(*x)
                    ),
                    "not a go build",
                    HELP_KEYS,
                ))
            }
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

    /// Where the build context's root is in the stage, from where its
    /// COPY instructions put context paths.
    fn context_root(&self, found: &Found) -> Result<String, GoError> {
        let anchors = found
            .placements
            .iter()
            .filter(|p| p.context.is_empty() || p.context == "go.mod")
            .chain(found.placements.iter());
        let root = anchors.clone().find_map(root_of).ok_or_else(|| {
            match found.placements.first() {
                Some(p) => self.stage_error(
                    &p.span,
                    format!(
                        "this COPY puts {} at {}, so the stage's sources are not laid out as in the build context",
                        show_context(&p.context),
                        p.container
                    ),
                    "moved here",
                    HELP_CONTAINER,
                ),
                None => self.stage_error(
                    &found.span,
                    format!(
                        "stage {} copies nothing from the build context before go build",
                        self.label(found.stage)
                    ),
                    "builds nothing xbuild can find on the host",
                    HELP_CONTAINER,
                ),
            }
        })?;
        for p in &found.placements {
            let expected = absolute(&root, &p.context);
            if p.container != expected && under(&p.container, &root).is_some() {
                return Err(self.stage_error(
                    &p.span,
                    format!(
                        "this COPY puts {} at {}, but the build context's root is at {root} (so it would be at {expected})",
                        show_context(&p.context),
                        p.container
                    ),
                    "laid out differently",
                    HELP_CONTAINER,
                ));
            }
        }
        if let Some(f) = found
            .foreign
            .iter()
            .find(|f| under(&f.container, &root).is_some() || under(&root, &f.container).is_some())
        {
            return Err(self.stage_error(
                &f.span,
                format!(
                    "files from outside the build context land in {}, next to the sources go build reads",
                    f.container
                ),
                "not from the build context",
                HELP_CONTAINER,
            ));
        }
        Ok(root)
    }

    /// Every path the built stages take from stage `x`.
    fn copied_from(&self, x: usize) -> Result<Vec<Copied>, GoError> {
        let graph = self.graph;
        let reachable = graph.reachable();
        let mut out = Vec::new();
        for s in graph.stages.iter().filter(|s| reachable[s.index]) {
            if graph.chain(s.index).contains(&x) && s.index != x {
                let from = &self.df.instructions[s.from];
                return Err(self.stage_error(
                    &from.span,
                    format!(
                        "stage {} is built FROM {}, so it needs the whole stage, not only its binary",
                        s.label(),
                        self.label(x)
                    ),
                    "built FROM the Go stage",
                    HELP_CONTAINER,
                ));
            }
            if !s.refs.iter().any(|r| r.stage == x) {
                continue;
            }
            // The consumer's own ARGs expand its COPY sources.
            let mut chain = graph.chain(s.index);
            chain.reverse();
            let mut scope = Scope::new(
                self.platform,
                &graph.global_args,
                self.build_args,
                self.context,
                self.df.escape,
            );
            for &ci in &chain {
                for ii in graph.stages[ci].body.clone() {
                    let ins = &self.df.instructions[ii];
                    let refs_x =
                        ci == s.index && s.refs.iter().any(|r| r.instruction == ii && r.stage == x);
                    if refs_x {
                        if ins.command == "run" {
                            out.push(Copied {
                                path: "a RUN --mount".into(),
                                span: ins.span.clone(),
                                opaque: true,
                            });
                        } else {
                            let words: Vec<String> = ins
                                .args
                                .iter()
                                .map(|a| {
                                    if ins.json {
                                        a.clone()
                                    } else {
                                        scope.expand(a).unwrap_or_else(|_| a.clone())
                                    }
                                })
                                .collect();
                            let span = ins.span.clone();
                            for src in words.split_last().map(|(_, s)| s).unwrap_or_default() {
                                out.push(Copied {
                                    path: absolute("/", src),
                                    span: span.clone(),
                                    opaque: src.contains(['*', '?', '[']),
                                });
                            }
                        }
                    }
                    if ins.command != "run" {
                        let _ = scope.apply(ins);
                    }
                }
            }
        }
        Ok(out)
    }

    /// GOOS/GOARCH must follow the target; cgo needs a C cross compiler.
    fn check_env(&self, found: &Found) -> Result<(), GoError> {
        let p = self.platform;
        for (var, want) in [("GOOS", &p.os), ("GOARCH", &p.arch)] {
            if let Some(v) = found.env.get(var)
                && !v.is_empty()
                && v != want
            {
                return Err(self.stage_error(
                    &found.span,
                    format!("the stage sets {var}={v} when building for {p}"),
                    &format!("{var}={v}"),
                    &format!(
                        "derive it from the target platform, e.g. {var}=${{TARGET{}}}, or {HELP_CONTAINER}",
                        &var[2..]
                    ),
                ));
            }
        }
        let cfg_env = |k: &str| {
            self.config
                .go
                .env
                .iter()
                .rev()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
        };
        let cgo = cfg_env("CGO_ENABLED").or_else(|| found.env.get("CGO_ENABLED").cloned());
        if cgo.as_deref() == Some("1") && *p != Platform::host() && cfg_env("CC").is_none() {
            return Err(self.stage_error(
                &found.span,
                format!("the stage builds with cgo (CGO_ENABLED=1), which needs a C cross compiler for {p}"),
                "CGO_ENABLED=1",
                &format!(
                    "set [go] env = {{ CC = \"<cross compiler for {p}>\" }} (or CGO_ENABLED = \"0\") in xbuild.toml, or {HELP_CONTAINER}"
                ),
            ));
        }
        Ok(())
    }
}

/// The context root implied by one placement: `Q` minus the suffix `P`.
fn root_of(p: &Placement) -> Option<String> {
    if p.context.is_empty() {
        return Some(p.container.clone());
    }
    let suffix = format!("/{}", p.context);
    let root = p.container.strip_suffix(&suffix)?;
    Some(if root.is_empty() {
        "/".into()
    } else {
        root.to_string()
    })
}

fn show_context(p: &str) -> String {
    if p.is_empty() {
        "the build context".into()
    } else {
        p.to_string()
    }
}

/// A command after `go build` that leaves the binary as the host build
/// makes it: a listing, a checksum, `chmod +x` (go already writes it
/// executable), `go vet` / `go test`.
fn harmless_after(c: &ShellCommand) -> bool {
    let words: Vec<&str> = c.text.split_whitespace().collect();
    match c.program.as_str() {
        p if HARMLESS_AFTER.contains(&p) => true,
        "chmod" => words
            .iter()
            .skip(1)
            .any(|w| matches!(*w, "+x" | "a+x" | "u+x" | "ugo+x" | "755" | "0755")),
        "go" => words
            .iter()
            .skip_while(|w| !w.ends_with("go"))
            .nth(1)
            .is_some_and(|sub| matches!(*sub, "vet" | "test" | "version")),
        _ => false,
    }
}

/// Notes for commands before `go build` that may change what it builds.
fn before_notes(programs: &[ShellCommand], df: &Dockerfile, place: &str) -> Vec<String> {
    programs
        .iter()
        .filter(|c| !harmless_before(&c.program, &c.text))
        .map(|c| {
            format!(
                "`{}` (line {}, {place}) runs before go build in the container and may change what it builds; the host build uses your working tree as it is",
                c.text,
                df.line_col(c.span.start).0
            )
        })
        .collect()
}

fn harmless_before(program: &str, text: &str) -> bool {
    if program == "go" {
        let mut words = text
            .split_whitespace()
            .skip_while(|w| !w.ends_with("go"))
            .skip(1)
            .filter(|w| !w.starts_with('-'));
        return match words.next() {
            Some("mod") => words.next().is_some_and(|s| HARMLESS_GO_MOD.contains(&s)),
            Some(sub) => HARMLESS_GO.contains(&sub),
            None => false,
        };
    }
    HARMLESS_BEFORE.contains(&program)
}

/// The binary name the go command picks when there is no `-o`.
fn default_name(args: &BuildArgs, dir: &Path, gomod: Option<&GoMod>) -> String {
    if args.are_files() {
        let first = &args.packages[0];
        let base = first.rsplit('/').next().unwrap_or(first);
        return base.trim_end_matches(".go").to_string();
    }
    let pkg = args.packages.first().map(String::as_str).unwrap_or(".");
    if !pkg.starts_with('.') {
        return exec_name(pkg);
    }
    let pkg_dir = lexical_join(dir, pkg);
    let import = match gomod {
        Some(m) => {
            let root = lexical_join(m.dir(), ".");
            let module = m.module.clone().unwrap_or_default();
            match pkg_dir.strip_prefix(&root) {
                Ok(rel) if rel.as_os_str().is_empty() => module,
                Ok(rel) => format!("{module}/{}", rel.display()),
                Err(_) => pkg_dir.display().to_string(),
            }
        }
        None => pkg_dir.display().to_string(),
    };
    exec_name(&import)
}

/// `dir/rel` made absolute and cleaned without touching the filesystem.
fn lexical_join(dir: &Path, rel: &str) -> PathBuf {
    let abs = std::path::absolute(dir.join(rel)).unwrap_or_else(|_| dir.join(rel));
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[path = "stage_tests.rs"]
mod tests;
