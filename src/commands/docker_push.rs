//! `xbuild docker-push`: the Makefile's `docker push ${IMG}`: pushes the
//! image `docker-build` loaded, under the same tags (the same resolution:
//! `--tag`, else `$IMG`, else xbuild.toml), then reads the digest back from
//! the registry and prints `REF@sha256:...` on stdout, one line per tag.
//! With `--kustomize DIR` (or `[build] kustomize`) that digest is set in the
//! kustomization, as `build --push --kustomize` does.

use super::build::{self, BuildError};
use crate::buildx::imagetools;
use crate::cli::DockerPushArgs;
use crate::config;
use crate::exec::{self, Cmd};
use crate::interrupt::Interrupt;
use crate::kustomize::Pin;
use crate::{Error, ExitStatus, fsutil};
use std::path::{Path, PathBuf};

pub fn run(
    dir: Option<&Path>,
    config: Option<&Path>,
    args: &DockerPushArgs,
) -> Result<ExitStatus, Error> {
    let project = config::load(dir, config)?;
    let env = |k: &str| std::env::var(k).ok();
    let docker = build::docker_cli(&env, "docker-push")?;
    let tags = build::tags(&project, &args.tag, &env)?;
    if tags.is_empty() {
        return Err(BuildError::NoTags.into());
    }
    let kustomize = args
        .kustomize
        .as_ref()
        .map(|d| project.root.join(d))
        .or_else(|| project.config.build.kustomize.clone());
    let pin = match &kustomize {
        Some(d) => Some(Pin::prepare(
            d,
            &project.display_path(d),
            &project.config.build.kustomize_image,
            &tags,
            true,
        )?),
        None => None,
    };
    let pushes: Vec<Cmd> = tags
        .iter()
        .map(|t| Cmd::new(&docker).args(["push", t.as_str()]))
        .collect();
    if args.dry_run {
        for (cmd, tag) in pushes.iter().zip(&tags) {
            println!("{}", cmd.display());
            println!("{}", imagetools::digest_cmd(&docker, tag).display());
        }
        if let Some(p) = &pin {
            println!("# {}", p.note());
        }
        return Ok(ExitStatus::Success);
    }
    let interrupt = Interrupt::install().map_err(|source| fsutil::FsError::Write {
        path: PathBuf::from("<signal handlers>"),
        source,
    })?;
    let mut first = None;
    for (cmd, tag) in pushes.iter().zip(&tags) {
        eprintln!("xbuild: {}", cmd.display());
        exec::stream(cmd, &interrupt)?;
        let d = imagetools::digest(&docker, tag)?;
        println!("{tag}@{d}");
        first.get_or_insert(d);
    }
    if let Some(p) = &pin {
        eprintln!("xbuild: kustomize: {}", p.apply(first.as_deref())?);
    }
    Ok(ExitStatus::Success)
}
