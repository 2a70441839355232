//! `xbuild go-build`: find the Dockerfile's Go stage and cross-compile its
//! binary on this machine for every target platform, in parallel, into
//! `<[go] out-dir>/<os>_<arch>[_<variant>]/<name>`; then check each binary's
//! header. The binaries' paths go to stdout, one per line; progress and
//! notes go to stderr.

use super::build::{Env, build_args, platforms};
use crate::cli::GoBuildArgs;
use crate::config;
use crate::dockerfile::{self, StageGraph};
use crate::golang::{self, HostPlan};
use crate::interrupt::Interrupt;
use crate::pipeline::secs;
use crate::{Error, ExitStatus, fsutil};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub fn run(
    dir: Option<&Path>,
    config: Option<&Path>,
    args: &GoBuildArgs,
) -> Result<ExitStatus, Error> {
    let project = config::load(dir, config)?;
    let env = |k: &str| std::env::var(k).ok();
    let plan = make_plan(&project, args, &env)?;

    eprintln!("xbuild: go: {}", plan.summary());
    for note in &plan.notes {
        eprintln!("xbuild: note: {note}");
    }
    for risk in &plan.risks {
        eprintln!("xbuild: warning: {risk}");
    }
    if args.dry_run {
        for b in &plan.builds {
            let dir = b
                .cmd
                .cwd
                .as_ref()
                .map(|d| format!("(in {}) ", d.display()))
                .unwrap_or_default();
            crate::stdout::write(&format!("{dir}$ {}\n", b.cmd.display()))?;
        }
        return Ok(ExitStatus::Success);
    }

    let interrupt = Interrupt::install().map_err(|source| fsutil::FsError::Write {
        path: PathBuf::from("<signal handlers>"),
        source,
    })?;
    let jobs = args
        .jobs
        .map_or_else(golang::run::jobs, |n| n.get())
        .min(plan.builds.len().max(1));
    let started = Instant::now();
    eprintln!(
        "==> go build for {} platform{}, {jobs} at a time",
        plan.builds.len(),
        if plan.builds.len() == 1 { "" } else { "s" }
    );
    let outcomes = golang::run::build_all(&plan.builds, jobs, &interrupt, "    ")?;
    for o in &outcomes {
        crate::stdout::write(&format!("{}\n", o.output.display()))?;
    }
    let cached = outcomes.iter().filter(|o| o.compiled == 0).count();
    eprintln!(
        "xbuild: built {} binar{} in {} ({cached} from the build cache)",
        outcomes.len(),
        if outcomes.len() == 1 { "y" } else { "ies" },
        secs(started.elapsed())
    );
    Ok(ExitStatus::Success)
}

/// Reads the project's Dockerfile and plans the host builds.
fn make_plan(project: &config::Project, args: &GoBuildArgs, env: Env) -> Result<HostPlan, Error> {
    let cfg = &project.config;
    let platforms = platforms(args.platform.as_deref(), &cfg.image.platforms, env)?;
    let build_args = build_args(&cfg.build.args, &args.build_arg, env)?;
    let target = args
        .target
        .clone()
        .or_else(|| cfg.dockerfile.target.clone());
    let name = project.display_path(&cfg.dockerfile.path);
    let text = fsutil::read_text(&cfg.dockerfile.path, "the Dockerfile")?;
    let df = dockerfile::load(&name, &text)?;
    let graph = StageGraph::for_platforms(&df, target.as_deref(), &build_args, &platforms)?;
    Ok(HostPlan::new(&golang::Inputs {
        df: &df,
        graph: &graph,
        config: cfg,
        platforms: &platforms,
        build_args: &build_args,
        context: &cfg.dockerfile.context,
        rebuild_all: args.rebuild_all,
    })?)
}
