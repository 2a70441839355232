//! `xbuild cross`: write Dockerfile.cross (or check that it is current).

use crate::cli::{CrossArgs, StrategyArg};
use crate::config::{self, Strategy};
use crate::cross::{CrossError, CrossPlan};
use crate::dockerfile::{self, StageGraph};
use crate::{Error, ExitStatus, fsutil};
use std::path::{Path, PathBuf};

pub fn run(
    dir: Option<&Path>,
    config: Option<&Path>,
    args: &CrossArgs,
) -> Result<ExitStatus, Error> {
    let project = config::load(dir, config)?;
    let cfg = &project.config.dockerfile;
    let dockerfile = match (&args.dockerfile, &args.context) {
        (Some(p), _) => super::resolve(dir, p),
        (None, Some(context)) => super::resolve(dir, context).join("Dockerfile"),
        (None, None) => cfg.path.clone(),
    };
    let output: Option<PathBuf> = match &args.output {
        Some(p) if p.as_os_str() == "-" => None,
        Some(p) => Some(super::resolve(dir, p)),
        None if args.dockerfile.is_some() || args.context.is_some() => {
            Some(cross_path_for(&dockerfile))
        }
        None => Some(cfg.cross.clone()),
    };
    let strategy = match args.strategy {
        Some(StrategyArg::Auto) => Strategy::Auto,
        Some(StrategyArg::FirstFrom) => Strategy::FirstFrom,
        None => cfg.strategy,
    };
    let target = args.target.as_deref().or(cfg.target.as_deref());

    let name = super::display(&dockerfile);
    let text = fsutil::read_text(&dockerfile, "the Dockerfile")?;
    let df = dockerfile::load(&name, &text)?;
    let graph = StageGraph::for_platforms(
        &df,
        target,
        &project.config.build.args,
        &project.config.image.platforms,
    )?;
    let plan = CrossPlan::new(&df, &graph, strategy);
    plan.check(&df)?;
    let rewritten = plan.apply(&df);

    let Some(output) = output else {
        if !args.quiet {
            eprint!("{name} -> stdout\n{}", plan.summary());
        }
        crate::stdout::write(&rewritten)?;
        return Ok(ExitStatus::Success);
    };
    let out_name = super::display(&output);
    if fsutil::same_file(&output, &dockerfile) {
        return Err(fsutil::FsError::OutputIsInput { path: output }.into());
    }
    // Only a regular file is read back: reading a FIFO, `/dev/stdout` or
    // `/dev/full` would hang or never end.
    let current = std::fs::metadata(&output)
        .is_ok_and(|m| m.is_file())
        .then(|| fsutil::read::read_stamped(&output).ok().map(|(b, _)| b))
        .flatten();

    if args.check {
        return match current {
            None => Err(CrossError::Missing { path: out_name }.into()).or_else(stale_is_failure),
            Some(bytes) if bytes != rewritten.as_bytes() => Err(CrossError::Stale {
                path: out_name,
                dockerfile: name,
            }
            .into())
            .or_else(stale_is_failure),
            Some(_) => {
                if !args.quiet {
                    eprintln!("{out_name} is up to date with {name}");
                }
                Ok(ExitStatus::Success)
            }
        };
    }

    if current.as_deref() != Some(rewritten.as_bytes()) {
        fsutil::write_atomic(&output, rewritten.as_bytes())?;
    }
    if !args.quiet {
        eprint!("{name} -> {out_name}\n{}", plan.summary());
    }
    Ok(ExitStatus::Success)
}

/// `--check` findings are reported like errors but exit 1, not 2.
fn stale_is_failure(err: Error) -> Result<ExitStatus, Error> {
    crate::error::report(err);
    Ok(ExitStatus::Failure)
}

/// `build/Dockerfile` -> `build/Dockerfile.cross`.
pub(crate) fn cross_path_for(dockerfile: &Path) -> PathBuf {
    let mut name = dockerfile
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".cross");
    dockerfile.with_file_name(name)
}
