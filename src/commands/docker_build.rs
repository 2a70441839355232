//! `xbuild docker-build`: the Makefile's `docker build -t ${IMG} .`, as a
//! one-platform run of the `build` pipeline that loads the image into the
//! local image store (`--load`).
//!
//! The platform is the engine's own unless `--platform` names one: a local
//! image is for this engine, and `$PLATFORMS` (the docker-buildx list) is not
//! read. The driver defaults to `docker`, the engine's built-in builder that
//! `docker build` uses, so no builder container is created.

use super::build::{self, BuildError};
use crate::buildx::preflight::{self, PreflightError};
use crate::cli::{BuildArgs, DockerBuildArgs};
use crate::config;
use crate::exec::{self, Cmd};
use crate::platform::{self, Platform};
use crate::{Error, ExitStatus};
use miette::Diagnostic;
use std::path::Path;
use thiserror::Error;

#[derive(Debug, Error, Diagnostic)]
pub enum DockerBuildError {
    #[error("docker-build builds one platform, --platform has {count}: {list}")]
    #[diagnostic(
        code(xbuild::docker_build::platforms),
        help(
            "a local image is for one platform: give one (e.g. --platform linux/arm64), or use `xbuild docker-buildx --push` for several"
        )
    )]
    OnePlatform { count: usize, list: String },
}

pub fn run(
    dir: Option<&Path>,
    config: Option<&Path>,
    args: &DockerBuildArgs,
) -> Result<ExitStatus, Error> {
    let project = config::load(dir, config)?;
    let env = |k: &str| std::env::var(k).ok();
    let chosen = match &args.platform {
        Some(list) => {
            let platforms = build::platforms(Some(list), &[], &env)?;
            if platforms.len() != 1 {
                return Err(DockerBuildError::OnePlatform {
                    count: platforms.len(),
                    list: list.clone(),
                }
                .into());
            }
            Some(platforms[0].to_string())
        }
        None => None,
    };
    let build_args = BuildArgs {
        // Replaced by the engine's platform below when not given.
        platform: Some(
            chosen
                .clone()
                .unwrap_or_else(|| Platform::host().to_string()),
        ),
        tag: args.tag.clone(),
        push: false,
        load: true,
        output: Vec::new(),
        driver: Some(args.driver.clone().unwrap_or_else(|| "docker".to_string())),
        builder_name: None,
        build_arg: args.build_arg.clone(),
        target: args.target.clone(),
        no_cache: args.no_cache,
        progress: args.progress.clone(),
        keep_builder: false,
        keep_cross: false,
        go: args.go,
        dry_run: args.dry_run,
        format: args.format,
        kustomize: None,
        push_by_digest: false,
        tool: None,
        no_before: false,
        names: Vec::new(),
        file: None,
    };
    let probe = build::engine_probe(args.dry_run);
    let mut req = build::resolve(&project, &build_args, &env, &probe)?;
    if chosen.is_none() {
        req.platforms = vec![engine_platform(&req.docker, args.dry_run)?];
    }
    build::run_request(&project, &req, &build_args)?;
    Ok(ExitStatus::Success)
}

/// The engine's platform (`docker version`); for a dry run without an
/// engine, this machine's.
fn engine_platform(docker: &str, dry_run: bool) -> Result<Platform, Error> {
    let cmd = Cmd::new(docker).args(["version", "--format", "{{.Server.Os}}/{{.Server.Arch}}"]);
    let answer = exec::capture(&cmd)
        .ok()
        .filter(|o| o.success)
        .and_then(|o| platform::parse_list(o.stdout.trim()).ok())
        .and_then(|mut p| (p.len() == 1).then(|| p.remove(0)));
    match answer {
        Some(p) => Ok(p),
        None if dry_run => {
            let host = Platform::host();
            eprintln!(
                "xbuild: note: the docker engine did not say its platform; planning for this machine's, {host}"
            );
            Ok(host)
        }
        None => {
            // The daemon check says why (unreachable, permission denied).
            preflight::check_daemon(docker).map_err(BuildError::from)?;
            Err(BuildError::from(PreflightError::DaemonUnreachable {
                detail: format!("`{}` did not print the engine's platform", cmd.display()),
            })
            .into())
        }
    }
}
