//! The bake plan: each selected image planned alone by `build::make_plan`
//! (so resolution, cross rewrite and host Go mapping are the single-image
//! ones), then merged: `before` commands and builder steps from the first
//! image only (they are the same for all), host `go build` steps once per
//! binary path (two images copying one Go stage's binary share its builds),
//! and one `docker buildx bake` step in place of the images' build steps,
//! whose Dockerfiles (passed on stdin in a single plan) go inline into the
//! [`Definition`].
//!
//! Two different Go stages writing the same binary path (two Dockerfiles
//! that both build `manager`) would overwrite each other: the later image
//! is planned again with its own out-dir, `<[go] out-dir>/<NAME>`.

use super::definition::{Definition, Target};
use crate::Error;
use crate::buildx::metadata::Metadata;
use crate::buildx::output::Output;
use crate::cli::{BuildArgs, OutputFormat};
use crate::commands::build::{self as single, Env, Request};
use crate::commands::cross::cross_path_for;
use crate::config::{ConfigError, ImageEntry, Project};
use crate::dockerfile::stages::StageError;
use crate::golang::rewrite;
use crate::pipeline::{self, Report};
use crate::plan::{Plan, Role, Step};
use miette::Diagnostic;
use serde::Serialize;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Requests that make no sense for several images.
#[derive(Debug, Error, Diagnostic)]
pub enum BakeError {
    #[error("{origin} names one image, and {count} images are selected")]
    #[diagnostic(
        code(xbuild::bake::tag),
        help(
            "set `name` and `tags` of each [images.NAME] in xbuild.toml, or build one image: xbuild build NAME {flag}"
        )
    )]
    Tag {
        origin: &'static str,
        flag: &'static str,
        count: usize,
    },

    #[error("{flag} is for one image, and {count} images are selected")]
    #[diagnostic(
        code(xbuild::bake::one_image),
        help(
            "set it per image in xbuild.toml ([images.NAME]), or build one: xbuild build NAME {flag} ..."
        )
    )]
    OneImage { flag: &'static str, count: usize },

    #[error("--keep-cross does not apply to a bake")]
    #[diagnostic(
        code(xbuild::bake::keep_cross),
        help(
            "each image's Dockerfile.cross is inline in the bake definition: see it with xbuild bake --print"
        )
    )]
    KeepCross,

    #[error("{flag} does not apply to a bake (yet)")]
    #[diagnostic(
        code(xbuild::bake::not_in_bake),
        help("build the images one at a time with a config without [images.NAME] tables")
    )]
    NotInBake { flag: &'static str },

    #[error("no image {name:?} in xbuild.toml")]
    #[diagnostic(code(xbuild::bake::unknown_image), help("{help}"))]
    UnknownImage { name: String, help: String },

    #[error(
        "-f/--file and a context argument are for one image; xbuild.toml has [images.NAME] tables"
    )]
    #[diagnostic(
        code(xbuild::bake::file),
        help(
            "set `dockerfile` and `context` in each [images.NAME]; the arguments of xbuild build are then image names"
        )
    )]
    File,
}

/// The merged plan and what it was made from.
#[derive(Debug, Clone, Serialize)]
pub struct BakePlan {
    #[serde(flatten)]
    pub plan: Plan,
    pub images: Vec<ImagePlan>,
    /// The definition fed to the bake step (also in its command's stdin).
    #[serde(rename = "bake", serialize_with = "definition_json")]
    pub definition: Definition,
    /// Each image's resolved request (for the pre-flight checks).
    #[serde(skip)]
    pub requests: Vec<Request>,
}

fn definition_json<S: serde::Serializer>(d: &Definition, s: S) -> Result<S::Ok, S::Error> {
    d.to_json().serialize(s)
}

/// One image, for the plan's reader.
#[derive(Debug, Clone, Serialize)]
pub struct ImagePlan {
    pub name: String,
    pub dockerfile: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    pub platforms: Vec<String>,
    pub tags: Vec<String>,
    pub outputs: Vec<String>,
}

impl ImagePlan {
    pub(super) fn of(project: &Project, part: &Part) -> ImagePlan {
        let describe: fn(&Output) -> String = if part.plan.podman.is_some() {
            crate::podman::describe
        } else {
            Output::describe
        };
        ImagePlan {
            name: part.entry.key.clone(),
            dockerfile: project.display_path(&part.entry.dockerfile),
            target: part.req.target.clone(),
            platforms: part.plan.platforms.clone(),
            tags: part.req.tags.clone(),
            outputs: part.req.outputs.iter().map(describe).collect(),
        }
    }
}

/// The images `args.names` selects (all when it names none); `[image]`
/// alone is one image named `image`.
fn selected(project: &Project, args: &BuildArgs) -> Result<Vec<ImageEntry>, BakeError> {
    let cfg = &project.config;
    if cfg.images.is_empty() {
        return Ok(vec![ImageEntry {
            key: "image".to_string(),
            image: cfg.image.clone(),
            dockerfile: cfg.dockerfile.path.clone(),
            target: cfg.dockerfile.target.clone(),
            context: cfg.dockerfile.context.clone(),
            args: cfg.build.args.clone(),
            output: cfg.build.output.clone(),
        }]);
    }
    if args.file.is_some() {
        return Err(BakeError::File);
    }
    if args.names.is_empty() {
        return Ok(cfg.images.clone());
    }
    let mut out: Vec<ImageEntry> = Vec::new();
    for name in &args.names {
        match cfg.images.iter().find(|e| &e.key == name) {
            Some(e) if !out.iter().any(|o| o.key == e.key) => out.push(e.clone()),
            Some(_) => {}
            None => {
                let names: Vec<&str> = cfg.images.iter().map(|e| e.key.as_str()).collect();
                let help = match crate::config::suggest::closest(name, &names) {
                    Some(close) => {
                        format!("did you mean {close}? The images are: {}", names.join(", "))
                    }
                    None => format!("the images are: {}", names.join(", ")),
                };
                return Err(BakeError::UnknownImage {
                    name: name.clone(),
                    help,
                });
            }
        }
    }
    Ok(out)
}

/// The project as `xbuild build` sees it for one image alone.
fn image_project(project: &Project, e: &ImageEntry) -> Project {
    let mut p = project.clone();
    let c = &mut p.config;
    c.image = e.image.clone();
    c.dockerfile.cross = cross_path_for(&e.dockerfile);
    c.dockerfile.path = e.dockerfile.clone();
    c.dockerfile.target = e.target.clone();
    c.dockerfile.context = e.context.clone();
    c.build.args = e.args.clone();
    c.build.output = e.output.clone();
    c.images.clear();
    p
}

/// A target no stage has, pointed at in xbuild.toml when it came from there.
fn unknown_target(project: &Project, e: &ImageEntry, err: Error, from_flag: bool) -> Error {
    let Error::Stage(StageError::UnknownTarget { target, help, .. }) = &err else {
        return err;
    };
    let cfg = &project.config;
    let key = [e.key_path("target"), "dockerfile.target".to_string()]
        .into_iter()
        .find(|k| cfg.span_of(k).is_some());
    let (Some(key), Some(src), false) = (key, cfg.source.as_ref(), from_flag) else {
        return err;
    };
    let span = cfg.span_of(&key).expect("found above");
    ConfigError::Invalid {
        message: format!(
            "{} has no stage {target:?}",
            project.display_path(&e.dockerfile)
        ),
        label: "no such stage",
        help: help.clone(),
        key,
        src: src.shared(),
        span,
    }
    .into()
}

/// One image's part of the merged plan.
pub(super) struct Part {
    pub(super) entry: ImageEntry,
    pub(super) req: Request,
    pub(super) plan: Plan,
}

impl Part {
    pub(super) fn go_steps(&self) -> impl Iterator<Item = &Step> {
        self.plan.steps.iter().filter(|s| s.role == Role::GoBuild)
    }

    /// The directory of the host binaries (`<out-dir>/<os_arch>/<binary>`).
    fn go_context(&self) -> Option<PathBuf> {
        let a = self.go_steps().next()?.artifact.as_ref()?;
        Some(a.path.parent()?.parent()?.to_path_buf())
    }

    fn dockerfile_text(&self) -> String {
        let build = self.plan.steps.iter().find(|s| s.role == Role::Build);
        let bytes = build
            .and_then(|s| s.command.as_ref())
            .and_then(|c| c.stdin.clone())
            .unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// Makes the merged plan.
pub fn make(project: &Project, args: &BuildArgs, env: Env, tmp: &Path) -> Result<BakePlan, Error> {
    let parts = parts(project, args, env, tmp, false)?;
    Ok(merge(project, parts, tmp))
}

/// Each selected image planned alone (podman ones only when `podman` says
/// the caller builds them one after another, see `super::podman`).
pub(super) fn parts(
    project: &Project,
    args: &BuildArgs,
    env: Env,
    tmp: &Path,
    podman: bool,
) -> Result<Vec<Part>, Error> {
    let images = selected(project, args)?;
    let count = images.len();
    if count > 1 {
        if !args.tag.is_empty() {
            return Err(BakeError::Tag {
                origin: "--tag",
                flag: "--tag REF",
                count,
            }
            .into());
        }
        if env("IMG").is_some_and(|v| !v.trim().is_empty()) {
            return Err(BakeError::Tag {
                origin: "$IMG",
                flag: "--tag $IMG",
                count,
            }
            .into());
        }
        if args.target.is_some() {
            return Err(BakeError::OneImage {
                flag: "--target",
                count,
            }
            .into());
        }
    }
    if args.keep_cross {
        return Err(BakeError::KeepCross.into());
    }
    if args.push_by_digest {
        return Err(BakeError::NotInBake {
            flag: "--push-by-digest",
        }
        .into());
    }

    // One engine probe for all images (`driver = "auto"`), not one each.
    let probe_once = single::engine_probe(args.dry_run);
    let probed: std::cell::RefCell<Option<crate::buildx::engine::Probe>> = Default::default();
    let probe = |docker: &str, context: &str, dry: bool| {
        probed
            .borrow_mut()
            .get_or_insert_with(|| probe_once(docker, context, dry))
            .clone()
    };
    let mut parts: Vec<Part> = Vec::new();
    for e in images {
        let mut p = image_project(project, &e);
        let mut req = single::resolve(&p, args, env, &probe)?;
        if req.tool == crate::config::Tool::Podman && !podman {
            return Err(BakeError::NotInBake {
                flag: "podman (CONTAINER_TOOL, --tool or [builder] tool)",
            }
            .into());
        }
        if req.kustomize.is_some() {
            return Err(BakeError::NotInBake {
                flag: "--kustomize ([build] kustomize)",
            }
            .into());
        }
        if let Some(first) = parts.first() {
            req.builder = first.req.builder.clone();
            req.ephemeral = first.req.ephemeral;
        }
        let dir = tmp.join(&e.key);
        let mut plan = single::make_plan(&p, &req, &dir)
            .map_err(|err| unknown_target(project, &e, err, args.target.is_some()))?;
        let collides = |plan: &Plan| {
            plan.steps
                .iter()
                .filter(|s| s.role == Role::GoBuild)
                .any(|s| {
                    parts.iter().flat_map(Part::go_steps).any(|o| {
                        o.artifact.as_ref().map(|a| &a.path) == s.artifact.as_ref().map(|a| &a.path)
                            && o.command != s.command
                    })
                })
        };
        if collides(&plan) {
            p.config.go.out_dir = p.config.go.out_dir.join(&e.key);
            plan = single::make_plan(&p, &req, &dir)?;
        }
        parts.push(Part {
            entry: e,
            req,
            plan,
        });
    }
    Ok(parts)
}

fn merge(project: &Project, parts: Vec<Part>, tmp: &Path) -> BakePlan {
    let first = &parts[0];
    let mut steps: Vec<Step> = Vec::new();
    let mut cross = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut definition = Definition::default();
    let mut images = Vec::new();
    let union = |list: &mut Vec<String>, items: Vec<String>| {
        for i in items {
            if !list.contains(&i) {
                list.push(i);
            }
        }
    };
    let (mut platforms, mut tags, mut outputs) = (Vec::new(), Vec::new(), Vec::new());

    steps.extend(
        first
            .plan
            .steps
            .iter()
            .filter(|s| s.role == Role::Before)
            .cloned(),
    );
    for part in &parts {
        for s in part.go_steps() {
            let path = s.artifact.as_ref().map(|a| &a.path);
            if !steps
                .iter()
                .any(|o| o.artifact.as_ref().map(|a| &a.path) == path)
            {
                let mut s = s.clone();
                if parts.len() > 1 {
                    s.name = format!("{} ({})", s.name, part.entry.key);
                }
                steps.push(s);
            }
        }
    }
    steps.extend(
        first
            .plan
            .steps
            .iter()
            .filter(|s| {
                matches!(
                    s.role,
                    Role::CreateBuilder | Role::AppendNode | Role::EnsureBuilder
                )
            })
            .cloned(),
    );

    for part in &parts {
        let (key, req, plan) = (&part.entry.key, &part.req, &part.plan);
        cross.extend(plan.cross.iter().map(|c| format!("[{key}] {c}")));
        union(
            &mut notes,
            plan.notes.iter().map(|n| format!("[{key}] {n}")).collect(),
        );
        union(&mut platforms, plan.platforms.clone());
        union(&mut tags, plan.tags.clone());
        union(&mut outputs, plan.outputs.clone());
        definition.targets.push(Target {
            name: key.clone(),
            context: req.context.clone(),
            dockerfile: part.dockerfile_text(),
            target: req.target.clone(),
            contexts: part
                .go_context()
                .map(|d| (rewrite::CONTEXT.to_string(), d))
                .into_iter()
                .collect(),
            platforms: req.platforms.clone(),
            tags: req.tags.clone(),
            args: req.build_args.clone(),
            outputs: req.outputs.clone(),
            cache_from: req.cache_from.clone(),
            cache_to: req.cache_to.clone(),
            provenance: req.provenance.clone(),
            sbom: req.sbom.clone(),
            no_cache: req.no_cache,
        });
        images.push(ImagePlan::of(project, part));
    }

    let metadata_file = tmp.join("metadata.json");
    // buildx 0.13 writes each `dockerfile-inline` to a file in $TMPDIR and
    // never removes it: in xbuild's temporary directory it goes with it.
    let bake = definition
        .command(
            &first.req.docker,
            &first.req.builder.name,
            &metadata_file,
            first.req.progress.as_deref(),
        )
        .env("TMPDIR", tmp.display().to_string());
    let names: Vec<&str> = parts.iter().map(|p| p.entry.key.as_str()).collect();
    steps.push(Step::run(
        format!("bake {}", names.join(", ")),
        Role::Build,
        bake,
    ));

    let plan = Plan {
        project: project.root.clone(),
        dockerfile: PathBuf::from(format!(
            "{} image(s), each Dockerfile rewritten by cross in memory, inline in the bake definition",
            parts.len()
        )),
        context: PathBuf::from("per image (see below)"),
        platforms,
        tags,
        outputs,
        builder: first.plan.builder.clone(),
        cross,
        notes,
        steps,
        cleanup: first.plan.cleanup.clone(),
        metadata_file,
        podman: None,
    };
    BakePlan {
        plan,
        images,
        definition,
        requests: parts.into_iter().map(|p| p.req).collect(),
    }
}

impl BakePlan {
    /// The host Go binaries' directories the definition names.
    pub fn go_contexts(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in &self.definition.targets {
            for (_, d) in &t.contexts {
                let d = d.display().to_string();
                if !out.contains(&d) {
                    out.push(d);
                }
            }
        }
        out
    }

    /// The human-readable dry-run output: the plan, each image, the
    /// definition.
    pub fn render(&self) -> String {
        let mut out = self.plan.render();
        out.push_str("images:\n");
        for i in &self.images {
            let target = i
                .target
                .as_deref()
                .map(|t| format!(" --target {t}"))
                .unwrap_or_default();
            out.push_str(&format!("  {}: {}{target}\n", i.name, i.dockerfile));
            out.push_str(&format!("    platforms  {}\n", i.platforms.join(", ")));
            let tags = if i.tags.is_empty() {
                "(none)".to_string()
            } else {
                i.tags.join(", ")
            };
            out.push_str(&format!("    tags       {tags}\n"));
            let outputs = if i.outputs.is_empty() {
                "build cache only".to_string()
            } else {
                i.outputs.join("; ")
            };
            out.push_str(&format!("    output     {outputs}\n"));
        }
        out.push_str("bake definition (on stdin of the bake step):\n");
        for line in self.definition.to_text().lines() {
            out.push_str("  ");
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a plan serializes")
    }

    /// One line per image: its references with the digest buildx reported.
    pub fn summarize(&self, report: &Report, built: &[(String, Metadata)], format: OutputFormat) {
        summarize(&self.images, &self.plan, report, built, format);
    }
}

/// One line per image (`built`: each image's name and what it pushed).
pub(super) fn summarize(
    images: &[ImagePlan],
    plan: &Plan,
    report: &Report,
    built: &[(String, Metadata)],
    format: OutputFormat,
) {
    {
        let refs = |name: &str| -> Vec<String> {
            built
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, m)| m.references())
                .unwrap_or_default()
        };
        match format {
            OutputFormat::Json => {
                let images: serde_json::Map<String, serde_json::Value> = images
                    .iter()
                    .map(|i| (i.name.clone(), serde_json::json!(refs(&i.name))))
                    .collect();
                let steps: Vec<serde_json::Value> = report
                    .steps
                    .iter()
                    .map(|(name, d)| serde_json::json!({"name": name, "seconds": d.as_secs_f64()}))
                    .collect();
                let v = serde_json::json!({
                    "platforms": plan.platforms,
                    "images": images,
                    "outputs": plan.outputs,
                    "steps": steps,
                    "seconds": report.total.as_secs_f64(),
                });
                println!("{}", serde_json::to_string_pretty(&v).expect("json"));
            }
            OutputFormat::Human => {
                eprintln!(
                    "xbuild: built {} image(s) for {} in {}",
                    images.len(),
                    plan.platforms.join(", "),
                    pipeline::secs(report.total)
                );
                let width = images.iter().map(|i| i.name.len()).max().unwrap_or(0);
                for i in images {
                    let r = refs(&i.name);
                    let shown = if r.is_empty() {
                        i.outputs.join("; ")
                    } else {
                        r.join(", ")
                    };
                    eprintln!("  {:<width$}  {shown}", i.name);
                }
                let times: Vec<String> = report
                    .steps
                    .iter()
                    .map(|(n, d)| format!("{n} {}", pipeline::secs(*d)))
                    .collect();
                eprintln!("  steps    {}", times.join(", "));
            }
        }
    }
}
