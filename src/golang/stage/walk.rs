//! The walk of a stage chain, root first: ARG/ENV/WORKDIR/COPY through the
//! scope, and every RUN read with the one RUN reader
//! (`dockerfile::script`, as lint reads it) down to its `go build`, the
//! commands before and after it, and what cannot be read.

use super::policy::before_notes;
use super::{Detect, Found, LaterRun, ShellCommand, Walk};
use crate::dockerfile::Instruction;
use crate::dockerfile::script::{self, Command};
use crate::golang::GoError;
use crate::golang::command::{self, Simple};
use crate::golang::error::{HELP_CONTAINER, HELP_KEYS};
use crate::golang::flags::BuildArgs;
use crate::golang::scope::{Scope, absolute};
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

static GO_BUILD_TEXT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bgo\s+build\b").expect("regex"));

impl Detect<'_> {
    /// Walks a stage chain (root first), following ARG/ENV/WORKDIR/COPY and
    /// the shell of every RUN.
    pub(super) fn walk(&self, chain: &[usize]) -> Result<Walk, GoError> {
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

    pub(super) fn walk_run(
        &self,
        scope: &Scope,
        si: usize,
        ii: usize,
        ins: &Instruction,
        walk: &mut Walk,
    ) {
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
    pub(super) fn described_by_config(
        &self,
        walks: &[(usize, Walk)],
    ) -> Result<(usize, Found), GoError> {
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
}
