//! Several images with podman: there is no bake, so the images are built one
//! after another, each from its own single-image podman plan (its own
//! temporary manifest list and guard, its pushes, load or outputs), in the
//! order of xbuild.toml. What the images share is done once: the `before`
//! commands run with the first image, and each host `go build` (one per Go
//! stage and platform, the same binary path) with the first image that
//! copies it. A failing image stops the run; the images before it stay
//! built.

use super::plan::{self, ImagePlan, Part};
use crate::cli::{BuildArgs, OutputFormat};
use crate::commands::build::{BuildError, Env};
use crate::config::Project;
use crate::pipeline::{self, Report};
use crate::plan::{Plan, Role};
use crate::{Error, ExitStatus, fsutil};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The images' plans, in build order.
#[derive(Debug, Clone, Serialize)]
pub struct Sequence {
    pub images: Vec<Stage>,
}

/// One image of the sequence.
#[derive(Debug, Clone, Serialize)]
pub struct Stage {
    pub image: ImagePlan,
    pub plan: Plan,
    #[serde(skip)]
    docker: String,
}

/// Plans the selected images for podman.
pub fn make(project: &Project, args: &BuildArgs, env: Env, tmp: &Path) -> Result<Sequence, Error> {
    let parts = plan::parts(project, args, env, tmp, true)?;
    if !args.dry_run {
        // Each image's files (digest files, buildah's ignore file) go in
        // its own directory, as `bake::plan` names it.
        for part in &parts {
            let dir = tmp.join(&part.entry.key);
            std::fs::create_dir_all(&dir)
                .map_err(|source| fsutil::FsError::Write { path: dir, source })?;
        }
    }
    Ok(sequence(project, parts))
}

fn sequence(project: &Project, parts: Vec<Part>) -> Sequence {
    let several = parts.len() > 1;
    let mut built: Vec<PathBuf> = Vec::new();
    let mut images = Vec::new();
    for (n, part) in parts.iter().enumerate() {
        let mut plan = part.plan.clone();
        plan.steps.retain_mut(|s| match s.role {
            Role::Before => n == 0,
            Role::GoBuild => {
                let Some(path) = s.artifact.as_ref().map(|a| a.path.clone()) else {
                    return true;
                };
                if built.contains(&path) {
                    return false;
                }
                built.push(path);
                if several {
                    s.name = format!("{} ({})", s.name, part.entry.key);
                }
                true
            }
            _ => true,
        });
        images.push(Stage {
            image: ImagePlan::of(project, part),
            plan,
            docker: part.req.docker.clone(),
        });
    }
    Sequence { images }
}

impl Sequence {
    /// The dry-run output: each image's plan, in build order.
    pub fn render(&self) -> String {
        let n = self.images.len();
        let mut out = format!(
            "podman: {n} image(s) built one after another ({}); `before` runs with the first, each host go build with the first image that copies it\n",
            self.names().join(", ")
        );
        for (i, s) in self.images.iter().enumerate() {
            let target = s
                .image
                .target
                .as_deref()
                .map(|t| format!(" --target {t}"))
                .unwrap_or_default();
            out.push_str(&format!(
                "\n== image {} ({} of {n}): {}{target}\n",
                s.image.name,
                i + 1,
                s.image.dockerfile
            ));
            out.push_str(&s.plan.render());
        }
        out
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a plan serializes")
    }

    fn names(&self) -> Vec<&str> {
        self.images.iter().map(|s| s.image.name.as_str()).collect()
    }
}

/// Builds the images one after another.
pub fn build(
    project: &Project,
    args: &BuildArgs,
    env: Env,
    tmp: &Path,
) -> Result<ExitStatus, Error> {
    let seq = make(project, args, env, tmp)?;
    if args.dry_run {
        match args.format {
            OutputFormat::Human => print!("{}", seq.render()),
            OutputFormat::Json => println!("{}", seq.to_json()),
        }
        return Ok(ExitStatus::Success);
    }
    for s in &seq.images {
        if let Some(p) = &s.plan.podman {
            crate::podman::preflight::check(p).map_err(BuildError::from)?;
        }
    }
    let interrupt = super::install_interrupt()?;
    let mut total = Report::default();
    let mut built = Vec::new();
    let n = seq.images.len();
    for (i, s) in seq.images.iter().enumerate() {
        eprintln!("xbuild: image {} ({} of {n})", s.image.name, i + 1);
        for line in &s.plan.cross {
            eprintln!("xbuild: cross: {line}");
        }
        for note in &s.plan.notes {
            eprintln!("xbuild: note: {note}");
        }
        let report = pipeline::execute(&s.plan, &s.docker, &interrupt)?;
        total.steps.extend(
            report
                .steps
                .iter()
                .map(|(step, d)| (format!("{step} [{}]", s.image.name), *d)),
        );
        total.total += report.total;
        built.push((s.image.name.clone(), report.metadata));
    }
    let images: Vec<ImagePlan> = seq.images.iter().map(|s| s.image.clone()).collect();
    let mut union = seq.images[0].plan.clone();
    for s in &seq.images[1..] {
        for p in &s.plan.platforms {
            if !union.platforms.contains(p) {
                union.platforms.push(p.clone());
            }
        }
        for o in &s.plan.outputs {
            if !union.outputs.contains(o) {
                union.outputs.push(o.clone());
            }
        }
    }
    plan::summarize(&images, &union, &total, &built, args.format);
    Ok(ExitStatus::Success)
}
