//! The podman backend: the same plan as buildx's (before commands, host Go
//! builds, the build, the outputs), built with `podman build --platform LIST
//! --manifest <temporary list>` (buildah) instead of a buildx builder, then
//! pushed with `podman manifest push --all` to each tag. There is no builder
//! to create; the temporary manifest list is the ephemeral resource (see
//! `guard`). What podman cannot do is refused before anything runs.

pub mod guard;
pub mod image;
pub mod merge;
pub mod plan;
pub mod preflight;

use crate::buildx::command::DockerfileInput;
use crate::buildx::output::Output;
use crate::config::check::csv_fields;
use crate::exec::Cmd;
use crate::plan::{Role, Step};
use crate::platform::Platform;
use miette::Diagnostic;
use serde::Serialize;
use std::path::{Path, PathBuf};
use thiserror::Error;

pub use guard::ListGuard;

/// What the podman backend cannot do, or a machine it cannot run on.
#[derive(Debug, Error, Diagnostic)]
pub enum PodmanError {
    #[error("podman cannot {what}")]
    #[diagnostic(code(xbuild::podman::unsupported), help("{help}"))]
    Unsupported { what: String, help: String },

    #[error("{program} was not found")]
    #[diagnostic(
        code(xbuild::podman::missing),
        help(
            "install podman (Debian/Ubuntu: apt-get install podman buildah; Fedora: dnf install podman), or set CONTAINER_TOOL/--tool to its path"
        )
    )]
    Missing { program: String },

    #[error("podman {found} is too old: {why} needs podman {needed} or newer")]
    #[diagnostic(
        code(xbuild::podman::version),
        help("upgrade podman, or build with docker (--tool docker)")
    )]
    TooOld {
        found: String,
        needed: &'static str,
        why: &'static str,
    },

    #[error("podman's storage is not usable")]
    #[diagnostic(code(xbuild::podman::storage), help("`podman info` failed:\n{stderr}"))]
    Storage { stderr: String },

    #[error("no emulator for {platform}: binfmt_misc has no {handler} handler")]
    #[diagnostic(
        code(xbuild::podman::binfmt),
        help(
            "the Dockerfile runs commands in a stage built for {platform}; install QEMU user emulation (Debian: apt-get install qemu-user-static binfmt-support) so /proc/sys/fs/binfmt_misc/{handler} exists and is enabled, or drop {platform} from the platforms"
        )
    )]
    Binfmt { platform: String, handler: String },

    #[error("base image {} is a short name podman may not resolve", names.join(", "))]
    #[diagnostic(
        code(xbuild::podman::short_name),
        help(
            "podman resolves short names only through registries.conf (unqualified-search-registries) or images it already has. Write the full name in the Dockerfile ({}), add `unqualified-search-registries = [\"docker.io\"]` to /etc/containers/registries.conf, or `podman pull` them first",
            names.iter().map(|n| format!("FROM {}", image::qualified(n))).collect::<Vec<_>>().join(", ")
        )
    )]
    ShortNames { names: Vec<String> },

    #[error("{path}: invalid pattern {pattern:?}")]
    #[diagnostic(
        code(xbuild::podman::dockerignore),
        help("BuildKit rejects this .dockerignore too; a lone `!` is not a pattern")
    )]
    DockerIgnore { path: String, pattern: String },

    #[error("could not read the build context {path}: {source}")]
    #[diagnostic(code(xbuild::podman::context))]
    Context {
        path: String,
        source: std::io::Error,
    },
}

/// What the podman pipeline needs besides its steps (the guard, the summary).
#[derive(Debug, Clone, Serialize)]
pub struct PodmanRun {
    /// The podman program.
    pub program: String,
    /// The temporary manifest list, unique per run.
    pub list: String,
    /// `--load`: the list and its images stay under the tags.
    pub loaded: bool,
    /// Each pushed tag and the file `--digestfile` writes its digest to.
    pub pushed: Vec<(String, PathBuf)>,
    /// Foreign platforms whose stages run commands (emulation checked).
    pub emulated: Vec<String>,
    /// Base images given by short name (checked before the build).
    pub short_names: Vec<String>,
    /// Uses `--build-context` (podman 4.2 or newer).
    pub build_contexts: bool,
}

impl PodmanRun {
    /// `tag@digest` for each pushed tag whose digest was written.
    pub fn references(&self) -> Vec<String> {
        self.pushed
            .iter()
            .map(|(tag, file)| match std::fs::read_to_string(file) {
                Ok(d) if !d.trim().is_empty() => format!("{tag}@{}", d.trim()),
                _ => tag.clone(),
            })
            .collect()
    }

    /// The digest of the pushed index (the same for every tag).
    pub fn digest(&self) -> Option<String> {
        self.references()
            .first()
            .and_then(|r| r.split_once('@').map(|(_, d)| d.to_string()))
    }
}

/// Everything on the podman side of the plan.
pub struct Inputs<'a> {
    pub program: &'a str,
    pub platforms: &'a [Platform],
    pub tags: &'a [String],
    pub build_args: &'a [(String, String)],
    pub build_contexts: Vec<(String, PathBuf)>,
    pub target: Option<&'a str>,
    pub outputs: &'a [Output],
    pub cache_from: &'a [String],
    pub cache_to: &'a [String],
    pub provenance: Option<&'a str>,
    pub sbom: Option<&'a str>,
    pub no_cache: bool,
    pub dockerfile: DockerfileInput,
    pub context: &'a Path,
    /// The ignore file for buildah, when the context has a `.dockerignore`.
    pub ignore_file: Option<PathBuf>,
    pub tmp: &'a Path,
}

/// A manifest list name no other run uses.
pub fn unique_list() -> String {
    format!(
        "localhost/{}",
        crate::buildx::builder::unique_name("xbuild-list")
    )
}

/// The value of `key=` in a CSV spec such as `type=oci,dest=x`.
fn csv_field(spec: &str, key: &str) -> Option<String> {
    csv_fields(spec)?.iter().find_map(|f| {
        let (k, v) = f.split_once('=')?;
        k.trim().eq_ignore_ascii_case(key).then(|| v.to_string())
    })
}

/// The build and output steps, and the run's facts.
pub fn steps(inputs: &Inputs, list: String) -> Result<(Vec<Step>, PodmanRun), PodmanError> {
    refuse_unsupported(inputs)?;
    let mut steps = Vec::new();
    steps.push(Step::run(
        "build",
        Role::Build,
        build_command(inputs, &list)?,
    ));

    let mut pushed = Vec::new();
    let mut loaded = false;
    for o in inputs.outputs {
        match o.kind.as_str() {
            _ if o.push => {
                let names: Vec<String> = match &o.name {
                    Some(n) if !n.trim().is_empty() => {
                        n.split(',').map(|s| s.trim().to_string()).collect()
                    }
                    _ => inputs.tags.to_vec(),
                };
                for tag in names {
                    let file = inputs.tmp.join(format!("digest-{}", pushed.len()));
                    let cmd = Cmd::new(inputs.program).args([
                        "manifest".to_string(),
                        "push".to_string(),
                        "--all".to_string(),
                        "--digestfile".to_string(),
                        file.display().to_string(),
                        list.clone(),
                        format!("docker://{tag}"),
                    ]);
                    steps.push(Step::run(format!("push {tag}"), Role::Build, cmd));
                    pushed.push((tag, file));
                }
            }
            "docker" if o.dest.is_none() => {
                loaded = true;
                if !inputs.tags.is_empty() {
                    let cmd = Cmd::new(inputs.program)
                        .arg("tag")
                        .arg(&list)
                        .args(inputs.tags.iter().cloned());
                    steps.push(Step::run("load: tag the manifest list", Role::Build, cmd));
                }
            }
            "oci" => {
                let dest = o.dest.clone().unwrap_or_default();
                let tar = csv_field(&o.spec, "tar").is_none_or(|v| v != "false");
                let transport = if tar { "oci-archive" } else { "oci" };
                let cmd = Cmd::new(inputs.program).args([
                    "manifest".to_string(),
                    "push".to_string(),
                    "--all".to_string(),
                    list.clone(),
                    format!("{transport}:{dest}"),
                ]);
                steps.push(Step::run(format!("write {dest}"), Role::Build, cmd));
            }
            _ => unreachable!("refused by refuse_unsupported"),
        }
    }
    Ok((
        steps,
        PodmanRun {
            program: inputs.program.to_string(),
            list,
            loaded,
            pushed,
            emulated: Vec::new(),
            short_names: Vec::new(),
            build_contexts: !inputs.build_contexts.is_empty(),
        },
    ))
}

fn build_command(inputs: &Inputs, list: &str) -> Result<Cmd, PodmanError> {
    let platforms = inputs
        .platforms
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let mut c =
        Cmd::new(inputs.program).args(["build", "--platform", &platforms, "--manifest", list]);
    // Podman 4 sets TARGET* for each platform but leaves $BUILDPLATFORM in
    // `FROM --platform=$BUILDPLATFORM` empty, so a pinned stage would run
    // under emulation: pass the build machine's values as BuildKit sets them.
    let host = Platform::host();
    let automatic = [
        ("BUILDPLATFORM", host.to_string()),
        ("BUILDOS", host.os.clone()),
        ("BUILDARCH", host.arch.clone()),
    ];
    for (k, v) in automatic {
        if !inputs.build_args.iter().any(|(n, _)| n == k) {
            c = c.arg("--build-arg").arg(format!("{k}={v}"));
        }
    }
    for (k, v) in inputs.build_args {
        c = c.arg("--build-arg").arg(format!("{k}={v}"));
    }
    c = match &inputs.dockerfile {
        DockerfileInput::Stdin { .. } => c.args(["-f", "-"]),
        DockerfileInput::File(p) => c.arg("-f").arg(p.display().to_string()),
    };
    if let Some(f) = &inputs.ignore_file {
        c = c.arg("--ignorefile").arg(f.display().to_string());
    }
    for (name, path) in &inputs.build_contexts {
        c = c
            .arg("--build-context")
            .arg(format!("{name}={}", path.display()));
    }
    if let Some(t) = inputs.target {
        c = c.arg("--target").arg(t);
    }
    for v in inputs.cache_from {
        c = c.arg("--cache-from").arg(registry_cache(v, "cache-from")?);
    }
    for v in inputs.cache_to {
        c = c.arg("--cache-to").arg(registry_cache(v, "cache-to")?);
    }
    if inputs.no_cache {
        c = c.arg("--no-cache");
    }
    c = c.arg(inputs.context.display().to_string());
    if let DockerfileInput::Stdin { text, label } = &inputs.dockerfile {
        c = c.stdin(text.clone(), label.clone());
    }
    Ok(c)
}

/// buildx's `type=registry,ref=REPO` cache is podman's `--cache-from REPO`;
/// podman has no other cache type.
fn registry_cache(spec: &str, key: &str) -> Result<String, PodmanError> {
    let kind = csv_field(spec, "type");
    let reference = csv_field(spec, "ref");
    match (kind.as_deref(), reference) {
        (Some("registry"), Some(r)) => Ok(r),
        (None, _) if !spec.contains('=') => Ok(spec.to_string()),
        _ => Err(PodmanError::Unsupported {
            what: format!("use the {key} cache {spec:?}"),
            help: format!(
                "podman caches layers in a registry repository only: write {key} = [\"type=registry,ref=REPO\"], or build with docker (--tool docker)"
            ),
        }),
    }
}

fn refuse_unsupported(inputs: &Inputs) -> Result<(), PodmanError> {
    let off = |v: Option<&str>| v.is_none_or(|v| matches!(v.trim(), "false" | "0" | ""));
    if !off(inputs.provenance) {
        return Err(PodmanError::Unsupported {
            what: "attach provenance attestations".into(),
            help: "remove [build] provenance (or set it to \"false\"), or build with docker (--tool docker)".into(),
        });
    }
    if !off(inputs.sbom) {
        return Err(PodmanError::Unsupported {
            what: "attach an SBOM attestation".into(),
            help:
                "remove [build] sbom (or set it to \"false\"), or build with docker (--tool docker)"
                    .into(),
        });
    }
    if inputs.tags.is_empty()
        && inputs
            .outputs
            .iter()
            .any(|o| o.kind == "docker" && o.dest.is_none())
    {
        return Err(PodmanError::Unsupported {
            what: "load an image without a name".into(),
            help: "pass --tag REF (or set IMG, or [image] name in xbuild.toml): podman keeps the loaded manifest list under its tags".into(),
        });
    }
    for o in inputs.outputs {
        let ok = o.push
            || (o.kind == "docker" && o.dest.is_none())
            || (o.kind == "oci" && o.dest.is_some());
        if !ok {
            return Err(PodmanError::Unsupported {
                what: format!("write the output {:?} of a multi-platform build", o.spec),
                help: "with podman use --push, --load, or --output type=oci,dest=FILE (tar=false for a directory); or build with docker (--tool docker)".into(),
            });
        }
    }
    Ok(())
}

/// What happens to the result with podman, for the plan and the summary.
pub fn describe(o: &Output) -> String {
    match o.kind.as_str() {
        "docker" if o.dest.is_none() => {
            "loaded into podman's image store (the manifest list under the tags)".to_string()
        }
        "oci" if csv_field(&o.spec, "tar").is_some_and(|v| v == "false") => {
            format!("OCI image layout {}", o.dest.as_deref().unwrap_or(""))
        }
        _ => o.describe(),
    }
}

/// Refuses builder settings that only buildx has.
pub fn refuse_builder(driver: crate::config::Driver, nodes: usize) -> Result<(), PodmanError> {
    use crate::config::Driver;
    if nodes > 0 || matches!(driver, Driver::Remote | Driver::Kubernetes) {
        return Err(PodmanError::Unsupported {
            what: "build on remote or Kubernetes buildx nodes".into(),
            help: "podman builds on this machine (emulating foreign platforms); remove [[builder.nodes]] and the remote/kubernetes driver, or build with docker (--tool docker)".into(),
        });
    }
    Ok(())
}
