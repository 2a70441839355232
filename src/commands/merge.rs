//! `xbuild merge --tag REF... SOURCE...`: the images each runner pushed by
//! digest become one index under the tags.
//!
//! Nothing is trusted: every source is read from the registry first (a
//! missing digest, or one whose platforms are not what its summary says,
//! stops the merge before anything is pushed), two sources may not bring
//! the same platform, and the index is read back after
//! `docker buildx imagetools create` to check that each source platform is
//! in it exactly once. Attestation entries are kept (the sources' indexes
//! are merged) unless `[build] provenance` and `sbom` are both off, in which
//! case only the image manifests are merged and the result must have none.
//!
//! With podman (`CONTAINER_TOOL`, `[builder] tool`) the same checks run on
//! what `skopeo inspect --raw` reads, and the index is written by
//! `podman manifest` commands on a temporary list (see `podman::merge`).

use crate::buildx::imagetools::{self, Image, ImagetoolsError};
use crate::cli::{MergeArgs, OutputFormat};
use crate::config;
use crate::exec;
use crate::github;
use crate::interrupt::Interrupt;
use crate::podman::merge::{self as podman_merge, Tools};
use crate::podman::{self, ListGuard};
use crate::{Error, ExitStatus};
use miette::Diagnostic;
use serde_json::{Value, json};
use std::path::Path;
use thiserror::Error;

#[derive(Debug, Error, Diagnostic)]
pub enum MergeError {
    #[error("{source_arg:?} is not a merge source")]
    #[diagnostic(
        code(xbuild::merge::source),
        help(
            "a source is NAME@sha256:<64 hex>, sha256:<64 hex> (in the tag's repository) or the path of a JSON summary from `xbuild build --push-by-digest --format json`"
        )
    )]
    Source { source_arg: String },

    #[error("{path} is not a summary of `xbuild build --push-by-digest --format json`: {message}")]
    #[diagnostic(code(xbuild::merge::summary_file))]
    SummaryFile { path: String, message: String },

    #[error("invalid --tag: {message}")]
    #[diagnostic(code(xbuild::merge::tag), help("{help}"))]
    Tag { message: String, help: String },

    #[error("source {source_arg} is not in the registry; nothing was pushed")]
    #[diagnostic(code(xbuild::merge::missing), help("{help}"))]
    Missing { source_arg: String, help: String },

    #[error(
        "source {source_arg} holds {found:?}, but its summary says {claimed:?}; nothing was pushed"
    )]
    #[diagnostic(
        code(xbuild::merge::foreign),
        help("the digest is not the image that build pushed: use the summary of the same run")
    )]
    Foreign {
        source_arg: String,
        claimed: Vec<String>,
        found: Vec<String>,
    },

    #[error("platform {platform} comes from two sources, {first} and {second}; nothing was pushed")]
    #[diagnostic(
        code(xbuild::merge::duplicate),
        help("pass one image per platform (each runner's summary once)")
    )]
    Duplicate {
        platform: String,
        first: String,
        second: String,
    },

    #[error("the index written to {tag} is not the merge of the sources: {problem}")]
    #[diagnostic(code(xbuild::merge::read_back))]
    ReadBack { tag: String, problem: String },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Imagetools(#[from] ImagetoolsError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Exec(#[from] exec::ExecError),
}

impl MergeError {
    pub fn exit_code(&self) -> i32 {
        match self {
            MergeError::Source { .. } | MergeError::SummaryFile { .. } | MergeError::Tag { .. } => {
                2
            }
            MergeError::Exec(exec::ExecError::NotFound { .. }) => 2,
            MergeError::Exec(exec::ExecError::Interrupted { signal, .. }) => {
                Interrupt::exit_code(*signal)
            }
            _ => 1,
        }
    }
}

/// A source as given, resolved to a reference in a registry.
#[derive(Debug, Clone)]
struct Source {
    /// As the user wrote it.
    arg: String,
    /// `NAME@sha256:...`.
    reference: String,
    /// The platforms a summary file says it holds.
    claimed: Option<Vec<String>>,
}

/// Reads one SOURCE argument.
fn source(dir: Option<&Path>, arg: &str, tag_repository: &str) -> Result<Source, MergeError> {
    let path = super::resolve(dir, Path::new(arg));
    if path.is_file() {
        return summary_source(&path, arg);
    }
    let bad = || MergeError::Source {
        source_arg: arg.to_string(),
    };
    let reference = if imagetools::is_digest(arg) {
        format!("{tag_repository}@{arg}")
    } else {
        let (name, digest) = arg.split_once('@').ok_or_else(bad)?;
        if !imagetools::is_digest(digest) || config::check::reference(name).is_err() {
            return Err(bad());
        }
        arg.to_string()
    };
    Ok(Source {
        arg: arg.to_string(),
        reference,
        claimed: None,
    })
}

fn summary_source(path: &Path, arg: &str) -> Result<Source, MergeError> {
    let bad = |message: &str| MergeError::SummaryFile {
        path: arg.to_string(),
        message: message.to_string(),
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(&e.to_string()))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| bad(&format!("not JSON ({e})")))?;
    let field = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    if v.get("push_by_digest") != Some(&Value::Bool(true)) {
        return Err(bad("it was not written by a --push-by-digest build"));
    }
    let repository = field("repository").ok_or_else(|| bad("no \"repository\""))?;
    let digest = field("digest")
        .filter(|d| imagetools::is_digest(d))
        .ok_or_else(|| bad("no sha256 \"digest\""))?;
    let claimed = v
        .get("platforms")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|a| !a.is_empty())
        .ok_or_else(|| bad("no \"platforms\""))?;
    Ok(Source {
        arg: arg.to_string(),
        reference: format!("{repository}@{digest}"),
        claimed: Some(claimed),
    })
}

/// What reads the registry and writes the index.
enum Backend {
    /// `docker buildx imagetools`.
    Docker(String),
    /// `skopeo inspect`, `podman manifest`.
    Podman(Tools),
}

impl Backend {
    fn inspect_cmd(&self, reference: &str) -> exec::Cmd {
        match self {
            Backend::Docker(d) => imagetools::inspect_raw_cmd(d, reference),
            Backend::Podman(t) => podman_merge::inspect_raw_cmd(&t.skopeo, reference),
        }
    }

    /// Reads a source (`NAME@sha256:...`) from its registry.
    fn inspect(&self, reference: &str) -> Result<Image, ImagetoolsError> {
        match self {
            Backend::Docker(d) => imagetools::inspect(d, reference),
            Backend::Podman(t) => {
                let digest = reference.rsplit_once('@').map_or("", |(_, d)| d);
                podman_merge::inspect(&t.skopeo, reference, digest)
            }
        }
    }
}

/// Drop attestation entries? Only when both attestations are switched off.
fn drop_attestations(build: &config::BuildConfig) -> bool {
    let off = |v: &Option<String>| {
        v.as_deref()
            .is_some_and(|v| matches!(v, "0" | "f" | "F" | "false" | "FALSE" | "False"))
    };
    off(&build.provenance) && (build.sbom.is_none() || off(&build.sbom))
}

pub fn run(
    dir: Option<&Path>,
    config: Option<&Path>,
    args: &MergeArgs,
) -> Result<ExitStatus, Error> {
    let project = config::load(dir, config)?;
    let env = |k: &str| std::env::var(k).ok();
    let backend = match super::build::container_tool(None, &env, project.config.builder.tool)? {
        (config::Tool::Docker, docker) => Backend::Docker(docker),
        (config::Tool::Podman, podman) => Backend::Podman(Tools {
            podman,
            skopeo: "skopeo".to_string(),
        }),
    };
    for t in &args.tag {
        config::check::reference(t).map_err(|(message, help)| MergeError::Tag { message, help })?;
        if t.contains('@') {
            return Err(MergeError::Tag {
                message: format!("{t:?} has a digest"),
                help: "a tag is NAME[:TAG]".into(),
            }
            .into());
        }
    }
    let tag_repository = imagetools::repository(&args.tag[0]).to_string();
    let sources = args
        .sources
        .iter()
        .map(|a| source(dir, a, &tag_repository))
        .collect::<Result<Vec<_>, _>>()?;
    let drop = drop_attestations(&project.config.build);

    if args.dry_run {
        println!("xbuild merge plan (dry run: nothing was run)");
        for s in &sources {
            println!("   $ {}", backend.inspect_cmd(&s.reference).display());
        }
        let what = if drop {
            "(each source's image manifests, attestations dropped: [build] provenance and sbom are off)"
        } else {
            "(the sources' indexes, attestation entries kept)"
        };
        println!("   {what}");
        match &backend {
            Backend::Docker(docker) => {
                let refs: Vec<String> = sources.iter().map(|s| s.reference.clone()).collect();
                println!(
                    "   $ {}",
                    imagetools::create_cmd(docker, &args.tag, &refs).display()
                );
            }
            Backend::Podman(t) => {
                let list = podman::unique_list();
                println!(
                    "   $ {}",
                    podman_merge::create_cmd(&t.podman, &list).display()
                );
                for s in &sources {
                    println!(
                        "   $ {} manifest add {list} docker://<each manifest of {}>",
                        t.podman, s.reference
                    );
                }
                for tag in &args.tag {
                    let file = Path::new("<tmp>/digest");
                    println!(
                        "   $ {}",
                        podman_merge::push_cmd(&t.podman, &list, tag, file).display()
                    );
                }
                println!(
                    "   cleanup (always): $ {}",
                    podman::guard::describe(&t.podman, &list).display()
                );
            }
        }
        for t in &args.tag {
            println!("   $ {}", backend.inspect_cmd(t).display());
        }
        return Ok(ExitStatus::Success);
    }

    // 1. Every source is in the registry and is what it claims.
    let mut images: Vec<(Source, Image)> = Vec::new();
    for s in sources {
        let image = match backend.inspect(&s.reference) {
            Ok(i) => i,
            Err(ImagetoolsError::NotFound { help, .. }) => {
                return Err(MergeError::Missing {
                    source_arg: s.arg.clone(),
                    help,
                }
                .into());
            }
            Err(e) => return Err(MergeError::from(e).into()),
        };
        if let Some(claimed) = &s.claimed {
            let (mut c, mut f) = (claimed.clone(), image.platforms());
            c.sort();
            f.sort();
            if c != f {
                return Err(MergeError::Foreign {
                    source_arg: s.arg.clone(),
                    claimed: c,
                    found: f,
                }
                .into());
            }
        }
        for p in image.platforms() {
            if let Some((first, _)) = images.iter().find(|(_, i)| i.platforms().contains(&p)) {
                return Err(MergeError::Duplicate {
                    platform: p,
                    first: first.arg.clone(),
                    second: s.arg.clone(),
                }
                .into());
            }
        }
        images.push((s, image));
    }

    // 2. The index, 3. read back.
    let expected_attestations = if drop {
        0
    } else {
        images.iter().map(|(_, i)| i.attestations()).sum()
    };
    let merged = match &backend {
        Backend::Docker(docker) => write_with_docker(docker, &args.tag, &images, drop)?,
        Backend::Podman(t) => write_with_podman(t, &args.tag, &images, drop)?,
    };
    for (t, _, index) in &merged {
        check_index(t, index, &images, expected_attestations)?;
    }
    summarize(&merged, &images, args.format);
    Ok(ExitStatus::Success)
}

/// Merged `(tag, digest, index read back)`.
type Merged = Vec<(String, String, Image)>;

fn write_with_docker(
    docker: &str,
    tags: &[String],
    images: &[(Source, Image)],
    drop: bool,
) -> Result<Merged, MergeError> {
    let refs: Vec<String> = images
        .iter()
        .flat_map(|(s, i)| {
            if drop || !i.index {
                let repo = imagetools::repository(&s.reference).to_string();
                i.images().map(|e| format!("{repo}@{}", e.digest)).collect()
            } else {
                vec![s.reference.clone()]
            }
        })
        .collect();
    let create = imagetools::create_cmd(docker, tags, &refs);
    eprintln!("==> {}", create.display());
    exec::capture(&create)?.check(&create)?;
    let mut merged = Vec::new();
    for t in tags {
        let index = imagetools::inspect(docker, t)?;
        let digest = imagetools::digest(docker, t)?;
        merged.push((t.clone(), digest, index));
    }
    Ok(merged)
}

/// A temporary list with each source's manifests (its attestations too
/// unless dropped), pushed to every tag, removed in every outcome.
fn write_with_podman(
    t: &Tools,
    tags: &[String],
    images: &[(Source, Image)],
    drop: bool,
) -> Result<Merged, MergeError> {
    let interrupt = Interrupt::install().map_err(|e| exec::ExecError::Spawn {
        command: "<signal handlers>".into(),
        source: e,
    })?;
    let list = podman::unique_list();
    let guard = ListGuard::arm(&t.podman, &list);
    let tmp = tempfile::Builder::new()
        .prefix("xbuild-merge-")
        .tempdir()
        .map_err(|e| exec::ExecError::Spawn {
            command: "<temporary directory>".into(),
            source: e,
        })?;
    let mut cmds = vec![podman_merge::create_cmd(&t.podman, &list)];
    for (s, i) in images {
        let repo = imagetools::repository(&s.reference);
        for e in i.entries.iter().filter(|e| !(drop && e.attestation)) {
            cmds.extend(podman_merge::add_cmds(&t.podman, &list, repo, e));
        }
    }
    let files: Vec<_> = (0..tags.len())
        .map(|n| tmp.path().join(format!("digest-{n}")))
        .collect();
    for (tag, file) in tags.iter().zip(&files) {
        cmds.push(podman_merge::push_cmd(&t.podman, &list, tag, file));
    }
    for cmd in &cmds {
        eprintln!("==> {}", cmd.display());
        // SIGINT/SIGTERM stop the command and the merge; the guard
        // removes the list.
        exec::capture_interruptible(cmd, &interrupt)?.check(cmd)?;
    }
    guard.remove()?;
    let mut merged = Vec::new();
    for (tag, file) in tags.iter().zip(&files) {
        let digest = std::fs::read_to_string(file)
            .ok()
            .map(|d| d.trim().to_string())
            .filter(|d| imagetools::is_digest(d))
            .ok_or_else(|| MergeError::ReadBack {
                tag: tag.clone(),
                problem: "podman manifest push wrote no digest".into(),
            })?;
        let index = podman_merge::inspect(&t.skopeo, tag, &digest)?;
        // The tag is what was pushed: the same index by its digest.
        let by_digest = podman_merge::inspect(
            &t.skopeo,
            &format!("{}@{digest}", imagetools::repository(tag)),
            &digest,
        )?;
        if by_digest.entries != index.entries {
            return Err(MergeError::ReadBack {
                tag: tag.clone(),
                problem: format!("the tag does not resolve to the pushed digest {digest}"),
            });
        }
        merged.push((tag.clone(), digest, index));
    }
    Ok(merged)
}

/// Each source platform exactly once, nothing else, the expected number of
/// attestation entries.
fn check_index(
    tag: &str,
    index: &Image,
    images: &[(Source, Image)],
    attestations: usize,
) -> Result<(), MergeError> {
    let problem = |problem: String| MergeError::ReadBack {
        tag: tag.to_string(),
        problem,
    };
    let found = index.platforms();
    for (s, i) in images {
        for p in i.platforms() {
            let n = found.iter().filter(|f| **f == p).count();
            if n != 1 {
                return Err(problem(format!("{p} (from {}) is in it {n} times", s.arg)));
            }
        }
    }
    let wanted: usize = images.iter().map(|(_, i)| i.platforms().len()).sum();
    if found.len() != wanted {
        return Err(problem(format!("it has {found:?}, more than the sources")));
    }
    if index.attestations() != attestations {
        return Err(problem(format!(
            "{} attestation entries, expected {attestations}",
            index.attestations()
        )));
    }
    Ok(())
}

fn summarize(merged: &[(String, String, Image)], images: &[(Source, Image)], format: OutputFormat) {
    let source_of = |platform: &str| {
        images
            .iter()
            .find(|(_, i)| i.platforms().iter().any(|p| p == platform))
            .map(|(s, _)| s.arg.clone())
            .unwrap_or_default()
    };
    let (_, digest, index) = &merged[0];
    let tags: Vec<String> = merged.iter().map(|(t, _, _)| t.clone()).collect();
    let refs: Vec<String> = merged.iter().map(|(t, d, _)| format!("{t}@{d}")).collect();
    github::set_outputs(&[
        ("digest", digest.clone()),
        ("tags", tags.join("\n")),
        ("images", refs.join("\n")),
    ]);
    let rows: Vec<Vec<String>> = index
        .images()
        .map(|e| {
            vec![
                e.platform.clone(),
                format!("`{}`", e.digest),
                source_of(&e.platform),
            ]
        })
        .collect();
    github::step_summary(&format!(
        "### xbuild: merged\n\n{}\n\n{}\n",
        refs.iter()
            .map(|r| format!("- `{r}`"))
            .collect::<Vec<_>>()
            .join("\n"),
        github::table(&["platform", "manifest digest", "source"], &rows)
    ));
    match format {
        OutputFormat::Json => {
            let manifests: Vec<Value> = index
                .images()
                .map(|e| json!({"platform": e.platform, "digest": e.digest, "source": source_of(&e.platform)}))
                .collect();
            let v = json!({
                "tags": tags,
                "digest": digest,
                "images": refs,
                "platforms": index.platforms(),
                "manifests": manifests,
                "attestations": index.attestations(),
            });
            println!("{}", serde_json::to_string_pretty(&v).expect("json"));
        }
        OutputFormat::Human => {
            eprintln!(
                "xbuild: merged {} source(s) into {}",
                images.len(),
                tags.join(", ")
            );
            for r in &refs {
                eprintln!("  image    {r}");
            }
            for e in index.images() {
                eprintln!(
                    "  platform {} {} (from {})",
                    e.platform,
                    e.digest,
                    source_of(&e.platform)
                );
            }
            eprintln!("  attestations {}", index.attestations());
        }
    }
}
