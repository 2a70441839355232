//! Runs a [`Plan`]: each step in order, its name and duration on stderr
//! (consecutive host `go build` steps together, in parallel, with a live
//! progress display and each binary's header checked);
//! the ephemeral builder removed in every outcome (success, a failing step,
//! SIGINT, SIGTERM); a failure reported with the step, the command line, its
//! status and the last lines of its stderr.

use crate::buildx::builder::{self, BuilderGuard};
use crate::buildx::metadata::Metadata;
use crate::exec::{self, ExecError};
use crate::fsutil;
use crate::golang::{self, GoError, build::HostBuild};
use crate::interrupt::Interrupt;
use crate::plan::{Plan, Role, Step};
use miette::Diagnostic;
use std::time::{Duration, Instant};
use thiserror::Error;

/// Why the pipeline stopped.
#[derive(Debug, Error, Diagnostic)]
pub enum PipelineError {
    #[error("step \"{step}\" failed: {status}")]
    #[diagnostic(code(xbuild::build::step_failed), help("{help}"))]
    StepFailed {
        step: String,
        status: String,
        /// The exit code xbuild exits with.
        exit: i32,
        help: String,
    },

    #[error("interrupted by {} during \"{step}\"; cleaned up", Interrupt::name(*signal))]
    #[diagnostic(code(xbuild::build::interrupted))]
    Interrupted { step: String, signal: i32 },

    #[error("could not remove builder {name}: {reason}")]
    #[diagnostic(
        code(xbuild::build::cleanup),
        help("remove it by hand: docker buildx rm {name}")
    )]
    Cleanup { name: String, reason: String },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Exec(#[from] ExecError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Fs(#[from] fsutil::FsError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Go(#[from] GoError),
}

impl PipelineError {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            PipelineError::StepFailed { exit, .. } => *exit,
            PipelineError::Interrupted { signal, .. } => Interrupt::exit_code(*signal),
            PipelineError::Go(e) => e.exit_code(),
            _ => 1,
        }
    }
}

/// What ran and how long it took.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub steps: Vec<(String, Duration)>,
    pub total: Duration,
    pub metadata: Metadata,
}

/// Runs the plan. `docker` is the docker CLI used for cleanup.
pub fn execute(plan: &Plan, docker: &str, interrupt: &Interrupt) -> Result<Report, PipelineError> {
    let started = Instant::now();
    let mut report = Report::default();
    let mut guard: Option<BuilderGuard> = None;
    let outcome = run_steps(plan, docker, interrupt, &mut guard, &mut report);
    // Cleanup in every outcome; a cleanup failure is never hidden, but it
    // does not mask the error that stopped the run.
    let cleanup = guard.map(|g| {
        let t = Instant::now();
        eprintln!("==> cleanup: remove builder {}", plan.builder.name);
        let r = g.remove();
        if r.is_ok() {
            eprintln!("    ok ({})", secs(t.elapsed()));
        }
        r
    });
    outcome?;
    if let Some(Err(e)) = cleanup {
        return Err(PipelineError::Cleanup {
            name: plan.builder.name.clone(),
            reason: e.to_string(),
        });
    }
    report.metadata = Metadata::read(&plan.metadata_file);
    report.total = started.elapsed();
    Ok(report)
}

fn run_steps(
    plan: &Plan,
    docker: &str,
    interrupt: &Interrupt,
    guard: &mut Option<BuilderGuard>,
    report: &mut Report,
) -> Result<(), PipelineError> {
    let n = plan.steps.len();
    let mut i = 0;
    while i < n {
        let step = &plan.steps[i];
        if let Some(signal) = interrupt.signal() {
            return Err(PipelineError::Interrupted {
                step: step.name.clone(),
                signal,
            });
        }
        let t = Instant::now();
        if step.role == Role::GoBuild {
            let group: Vec<&Step> = plan.steps[i..]
                .iter()
                .take_while(|s| s.role == Role::GoBuild)
                .collect();
            let numbers = match group.len() {
                1 => format!("{}", i + 1),
                k => format!("{}-{}", i + 1, i + k),
            };
            let jobs = golang::run::jobs().min(group.len());
            eprintln!("==> [{numbers}/{n}] go build on the host, {jobs} at a time");
            let outcomes = go_builds(&group, jobs, interrupt)?;
            eprintln!("    ok ({})", secs(t.elapsed()));
            for (s, o) in group.iter().zip(outcomes) {
                report.steps.push((s.name.clone(), o.duration));
            }
            i += group.len();
            continue;
        }
        eprintln!("==> [{}/{n}] {}", i + 1, step.name);
        run_step(plan, step, docker, interrupt, guard)?;
        eprintln!("    ok ({})", secs(t.elapsed()));
        report.steps.push((step.name.clone(), t.elapsed()));
        i += 1;
    }
    Ok(())
}

/// Runs consecutive host `go build` steps in parallel.
fn go_builds(
    group: &[&Step],
    jobs: usize,
    interrupt: &Interrupt,
) -> Result<Vec<golang::run::Outcome>, PipelineError> {
    let builds: Vec<HostBuild> = group
        .iter()
        .map(|s| {
            let a = s
                .artifact
                .as_ref()
                .expect("go build steps name their binary");
            HostBuild {
                platform: a.platform.clone(),
                cmd: s.command.clone().expect("go build steps have a command"),
                output: a.path.clone(),
            }
        })
        .collect();
    golang::run::build_all(&builds, jobs, interrupt, "    ").map_err(|e| {
        match golang::run::interrupted(&e) {
            Some(signal) => PipelineError::Interrupted {
                step: group[0].name.clone(),
                signal,
            },
            None => PipelineError::Go(e),
        }
    })
}

fn run_step(
    plan: &Plan,
    step: &Step,
    docker: &str,
    interrupt: &Interrupt,
    guard: &mut Option<BuilderGuard>,
) -> Result<(), PipelineError> {
    match step.role {
        Role::WriteCross => {
            let (Some(path), Some(contents)) = (&step.path, &step.contents) else {
                return Ok(());
            };
            fsutil::write_atomic(path, contents)?;
        }
        Role::CreateBuilder => {
            // Armed before the create, so a half-made builder goes too.
            *guard = Some(BuilderGuard::arm(docker, &plan.builder.name));
            captured(step)?;
        }
        Role::AppendNode | Role::UntagLocal => captured(step)?,
        Role::EnsureBuilder => {
            if builder::exists(docker, &plan.builder.name)? {
                eprintln!("    builder {} exists: reusing it", plan.builder.name);
            } else {
                captured(step)?;
            }
        }
        // GoBuild steps are run as a group by run_steps and never get here.
        Role::Before | Role::Build | Role::GoBuild | Role::RemoveBuilder => {
            let cmd = step.command.as_ref().expect("command step");
            exec::stream(cmd, interrupt).map_err(|e| step_error(step, e))?;
        }
    }
    Ok(())
}

/// Runs a short step with its output captured (shown only on failure).
fn captured(step: &Step) -> Result<(), PipelineError> {
    let cmd = step.command.as_ref().expect("command step");
    exec::capture(cmd)
        .and_then(|out| out.check(cmd))
        .map(|_| ())
        .map_err(|e| step_error(step, e))
}

/// Turns a command failure into the step's diagnostic.
fn step_error(step: &Step, err: ExecError) -> PipelineError {
    match err {
        ExecError::Failed {
            command,
            status,
            code,
            stderr_tail,
        } => {
            let exit = match (step.role, code) {
                (Role::Before, Some(c)) if c != 0 => c,
                _ => 1,
            };
            let mut help = format!("the command was:\n  {command}");
            if stderr_tail.is_empty() {
                help.push_str("\n(its output is above)");
            } else {
                help.push_str("\nlast lines of its stderr:\n");
                for l in stderr_tail.lines() {
                    help.push_str("  ");
                    help.push_str(l);
                    help.push('\n');
                }
            }
            PipelineError::StepFailed {
                step: step.name.clone(),
                status,
                exit,
                help: help.trim_end().to_string(),
            }
        }
        ExecError::Interrupted { signal, .. } => PipelineError::Interrupted {
            step: step.name.clone(),
            signal,
        },
        other => PipelineError::Exec(other),
    }
}

/// `1.2s` / `350ms`.
pub fn secs(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}
