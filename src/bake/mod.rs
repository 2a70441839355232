//! Several images from one repository in one build: the `[images.NAME]`
//! tables of xbuild.toml become one `docker buildx bake`.
//!
//! Each image is planned as `xbuild build` would plan it alone (the same
//! resolution of flags, environment and configuration, the same cross
//! rewrite and host Go mapping, see [`plan`]); the per-image plans are then
//! merged into one pipeline: the `before` commands once, one builder, each
//! host `go build` once even when several images copy the same binary, and
//! a single `docker buildx bake -f -` with the generated [`definition`] on
//! stdin instead of one `docker buildx build` per image. The pipeline
//! executor runs it as it runs a single build (guards, signals, cleanup).
//! With podman, which has no bake, the images are built one after another
//! (see [`podman`]).

pub mod definition;
pub mod metadata;
pub mod plan;
pub mod podman;
pub mod propose;

use crate::cli::{BuildArgs, OutputFormat};
use crate::commands::build::{self as single};
use crate::config::Project;
use crate::interrupt::Interrupt;
use crate::pipeline;
use crate::{Error, ExitStatus, fsutil};
use std::path::PathBuf;

/// Runs (or, with `print`, prints the definition of) the bake of the
/// configured images, or of the ones `args.names` selects.
pub fn build(project: &Project, args: &BuildArgs, print: bool) -> Result<ExitStatus, Error> {
    let env = |k: &str| std::env::var(k).ok();
    let tmp = tempfile::Builder::new()
        .prefix("xbuild-")
        .tempdir()
        .map_err(|source| fsutil::FsError::Write {
            path: std::env::temp_dir(),
            source,
        })?;
    let (tool, _) =
        single::container_tool(args.tool.as_deref(), &env, project.config.builder.tool)?;
    if tool == crate::config::Tool::Podman && !print {
        return podman::build(project, args, &env, tmp.path());
    }
    let bake = plan::make(project, args, &env, tmp.path())?;
    if print {
        print!("{}", bake.definition.to_text());
        if !bake.plan.steps.iter().all(|s| s.artifact.is_none()) {
            eprintln!(
                "xbuild: note: the definition copies host Go binaries from {}; run `xbuild go-build` before `docker buildx bake`",
                bake.go_contexts().join(", ")
            );
        }
        return Ok(ExitStatus::Success);
    }
    if args.dry_run {
        match args.format {
            OutputFormat::Human => print!("{}", bake.render()),
            OutputFormat::Json => println!("{}", bake.to_json()),
        }
        return Ok(ExitStatus::Success);
    }
    for req in &bake.requests {
        single::preflight(req)?;
    }
    let interrupt = install_interrupt()?;
    for line in &bake.plan.cross {
        eprintln!("xbuild: cross: {line}");
    }
    for note in &bake.plan.notes {
        eprintln!("xbuild: note: {note}");
    }
    let docker = &bake.requests[0].docker;
    let report = pipeline::execute(&bake.plan, docker, &interrupt)?;
    let built = metadata::read(&bake.plan.metadata_file);
    bake.summarize(&report, &built, args.format);
    Ok(ExitStatus::Success)
}

/// The SIGINT/SIGTERM handlers for the run.
pub(crate) fn install_interrupt() -> Result<Interrupt, Error> {
    Interrupt::install().map_err(|source| {
        fsutil::FsError::Write {
            path: PathBuf::from("<signal handlers>"),
            source,
        }
        .into()
    })
}
