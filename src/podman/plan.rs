//! The podman half of `xbuild build`'s plan: from the request and the
//! Dockerfile.cross text, the steps (the ignore file buildah reads, the
//! build, the pushes and outputs) and the facts the preflight and the guard
//! need.

use super::{Inputs, PodmanError, PodmanRun, image};
use crate::Error;
use crate::buildx::command::DockerfileInput;
use crate::commands::build::{BuildError, Request};
use crate::dockerfile::{self, StageGraph};
use crate::dockerignore;
use crate::plan::{Role, Step};
use std::path::{Path, PathBuf};

/// The podman steps after the host Go builds.
pub fn steps(
    req: &Request,
    cross_text: &[u8],
    dockerfile: DockerfileInput,
    build_contexts: Vec<(String, PathBuf)>,
    tmp: &Path,
) -> Result<(Vec<Step>, PodmanRun), Error> {
    super::refuse_builder(req.builder.driver, req.builder.nodes.len()).map_err(BuildError::from)?;
    let mut steps = Vec::new();
    let named = match &dockerfile {
        DockerfileInput::File(p) => Some(p.as_path()),
        DockerfileInput::Stdin { .. } => None,
    };
    let ignore_file = match context_ignore_file(req, named, tmp).map_err(BuildError::from)? {
        Some((path, text)) => {
            steps.push(Step {
                role: Role::WriteIgnore,
                ..Step::write(
                    "context: write buildah's ignore file (BuildKit's .dockerignore selection)",
                    path.clone(),
                    text.into_bytes(),
                )
            });
            Some(path)
        }
        None => None,
    };
    let inputs = Inputs {
        program: &req.docker,
        platforms: &req.platforms,
        tags: &req.tags,
        build_args: &req.build_args,
        build_contexts,
        target: req.target.as_deref(),
        outputs: &req.outputs,
        cache_from: &req.cache_from,
        cache_to: &req.cache_to,
        provenance: req.provenance.as_deref(),
        sbom: req.sbom.as_deref(),
        no_cache: req.no_cache,
        dockerfile,
        context: &req.context,
        ignore_file,
        tmp,
    };
    let (more, mut run) = super::steps(&inputs, super::unique_list()).map_err(BuildError::from)?;
    steps.extend(more);

    let text = String::from_utf8_lossy(cross_text);
    let df = dockerfile::parse("Dockerfile.cross", &text)?;
    let graph =
        StageGraph::for_platforms(&df, req.target.as_deref(), &req.build_args, &req.platforms)?;
    if image::runs_for_target(&df, &graph) {
        run.emulated = super::preflight::foreign(&req.platforms);
    }
    run.short_names = image::short_names(&graph);
    Ok((steps, run))
}

/// The ignore file for buildah when BuildKit would read one: every path
/// BuildKit leaves out of the context, literally.
fn context_ignore_file(
    req: &Request,
    dockerfile: Option<&Path>,
    tmp: &Path,
) -> Result<Option<(PathBuf, String)>, PodmanError> {
    let Some(source) = dockerignore::ignore_file(dockerfile, &req.context) else {
        return Ok(None);
    };
    let io = |e| PodmanError::Context {
        path: source.display().to_string(),
        source: e,
    };
    let text = std::fs::read_to_string(&source).map_err(io)?;
    let patterns = dockerignore::parse(&text).map_err(|pattern| PodmanError::DockerIgnore {
        path: source.display().to_string(),
        pattern,
    })?;
    let ctx = |e| PodmanError::Context {
        path: req.context.display().to_string(),
        source: e,
    };
    let included = dockerignore::included(&req.context, &patterns).map_err(ctx)?;
    let all = dockerignore::all(&req.context).map_err(ctx)?;
    Ok(Some((
        tmp.join("dockerignore"),
        dockerignore::literal_ignore_file(&all, &included),
    )))
}
