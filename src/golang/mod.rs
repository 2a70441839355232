//! Host Go builds: instead of compiling the manager binary inside the
//! Dockerfile's Go stage (a golang image, an empty cache, `go build -a`,
//! maybe under QEMU), xbuild cross-compiles it with the host's `go` and
//! its warm build cache, then builds the image from a Dockerfile.cross whose
//! Go stage only copies the host binaries in.
//!
//! - [`stage`] finds the Go stage and reads how it builds (one platform at
//!   a time); [`script`], [`scope`] and [`flags`] read its shell, its
//!   ARG/ENV/WORKDIR/COPY state and the `go build` arguments;
//! - [`toolchain`] finds `go` and checks it against go.mod;
//! - [`build`] makes each platform's command; [`run`] runs them in parallel
//!   with a [`progress`] display and checks each binary's [`header`];
//! - [`rewrite`] replaces the Go stage in Dockerfile.cross.
//!
//! [`HostPlan::new`] ties detection, toolchain and commands together for
//! both `xbuild go-build` and `xbuild build --go host`.

pub mod build;
mod command;
mod error;
pub mod flags;
pub mod header;
pub mod progress;
pub mod rewrite;
pub mod run;
pub mod scope;
pub mod stage;
pub mod toolchain;

pub use error::{GoError, HELP_CONTAINER, HELP_KEYS};

use crate::config::Config;
use crate::dockerfile::{Dockerfile, StageGraph};
use crate::platform::Platform;
use build::HostBuild;
use stage::{Detect, GoStage};
use std::path::{Path, PathBuf};
use toolchain::{GoMod, Toolchain};

/// What [`HostPlan::new`] reads.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub df: &'a Dockerfile,
    pub graph: &'a StageGraph,
    pub config: &'a Config,
    pub platforms: &'a [Platform],
    pub build_args: &'a [(String, String)],
    /// The build context on the host.
    pub context: &'a Path,
    /// Keep or add `-a`.
    pub rebuild_all: bool,
}

/// The host builds of the Go stage for every platform.
#[derive(Debug, Clone)]
pub struct HostPlan {
    /// The Go stage as read for the first platform.
    pub stage: GoStage,
    pub toolchain: Toolchain,
    pub module: GoMod,
    /// `[go] out-dir`: the `xbuild-go` build context.
    pub out_dir: PathBuf,
    pub builds: Vec<HostBuild>,
    /// Choices worth telling the user, each once.
    pub notes: Vec<String>,
    /// Why the host binary may differ from the container's (see
    /// [`GoStage::risks`]), each once.
    pub risks: Vec<String>,
}

impl HostPlan {
    /// Finds the Go stage, checks the toolchain, and makes each platform's
    /// command. Fails with the reason host builds are not possible.
    pub fn new(inp: &Inputs) -> Result<HostPlan, GoError> {
        // Configuration and flags never give an empty list; be safe anyway.
        let host = [Platform::host()];
        let platforms = if inp.platforms.is_empty() {
            &host[..]
        } else {
            inp.platforms
        };
        let first = &platforms[0];
        let mut stages = Vec::new();
        for p in platforms {
            let stage = Detect {
                df: inp.df,
                graph: inp.graph,
                platform: p,
                build_args: inp.build_args,
                context: inp.context,
                config: inp.config,
            }
            .run()?;
            stages.push((p.clone(), stage));
        }
        let stage = stages[0].1.clone();
        if let Some((p, other)) = stages
            .iter()
            .find(|(_, s)| s.stage != stage.stage || s.output != stage.output || s.dir != stage.dir)
        {
            return Err(GoError::NoStage {
                message: format!(
                    "the Go stage differs between platforms: for {first} it writes {} in stage {}, for {p} {} in stage {}",
                    stage.output, stage.label, other.output, other.label
                ),
                help: error::HELP_CONTAINER.to_string(),
            });
        }
        if let Some(s) = inp.graph.find(rewrite::CONTEXT) {
            return Err(GoError::NoStage {
                message: format!(
                    "stage {} is named {}, the name xbuild gives the build context of the host binaries",
                    inp.graph.stages[s].label(),
                    rewrite::CONTEXT
                ),
                help: format!("rename the stage, or {}", error::HELP_CONTAINER),
            });
        }

        // Absolute, so that `go build -o` (run in the stage's directory)
        // and the build context name the same place.
        let go = &inp.config.go;
        let absolute = |p: &Path| -> PathBuf {
            std::path::absolute(p)
                .unwrap_or_else(|_| p.to_path_buf())
                .components()
                .collect()
        };
        let out_dir = absolute(&go.out_dir);
        let context = absolute(inp.context);

        let host_dir = context.join(&stage.dir);
        let module = GoMod::find(&host_dir).ok_or_else(|| GoError::NoModule {
            dir: host_dir.components().collect(),
        })?;
        let toolchain = Toolchain::find()?;
        toolchain.check(&module)?;
        let opts = build::Options {
            go: &toolchain.path,
            out_dir: &out_dir,
            context: &context,
            rebuild_all: inp.rebuild_all,
            config: go,
        };
        let mut notes: Vec<String> = Vec::new();
        let mut add = |n: String| {
            if !notes.contains(&n) {
                notes.push(n);
            }
        };
        for n in &stage.notes {
            add(n.clone());
        }
        let mut risks = stage.risks.clone();
        risks.extend(uncopied_sources(&stage, &context, &module));
        let mut builds = Vec::new();
        for (p, s) in &stages {
            let (b, ns) = build::host_build(s, p, &opts);
            ns.into_iter().for_each(&mut add);
            builds.push(b);
        }
        Ok(HostPlan {
            stage,
            toolchain,
            module,
            out_dir,
            builds,
            notes,
            risks,
        })
    }

    /// One line saying what was found, for the plan and `go-build`.
    pub fn summary(&self) -> String {
        let how = if self.stage.from_config {
            "[go] main and output".to_string()
        } else {
            format!("go build at line {}", self.stage.line)
        };
        format!(
            "stage {} ({how}) → {}; {} ({})",
            self.stage.label,
            self.stage.output,
            self.toolchain.banner,
            self.toolchain.path.display()
        )
    }
}

/// Sources the host build would read that the stage never copies: other
/// `.go` files next to a single file it copies (`COPY main.go main.go` with
/// an `extra.go` beside it), and a `vendor/` directory (go uses it
/// automatically) the stage does not copy.
fn uncopied_sources(stage: &GoStage, context: &Path, module: &GoMod) -> Vec<String> {
    let copied = &stage.copied;
    let covered = |rel: &str| {
        copied.iter().any(|c| {
            c.is_empty()
                || rel == c
                || rel
                    .strip_prefix(c.as_str())
                    .is_some_and(|r| r.starts_with('/'))
        })
    };
    let mut out = Vec::new();
    let mut dirs: Vec<&str> = copied
        .iter()
        .filter(|c| c.ends_with(".go"))
        .map(|c| c.rsplit_once('/').map_or("", |(d, _)| d))
        .collect();
    dirs.sort_unstable();
    dirs.dedup();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(context.join(dir)) else {
            continue;
        };
        let mut extra: Vec<String> = entries
            .flatten()
            .filter(|e| e.path().is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".go") && !n.ends_with("_test.go"))
            .map(|n| {
                if dir.is_empty() {
                    n
                } else {
                    format!("{dir}/{n}")
                }
            })
            .filter(|rel| !covered(rel) && !never_built(&context.join(rel)))
            .collect();
        extra.sort();
        if !extra.is_empty() {
            out.push(format!(
                "the host build would also compile {}, which the Dockerfile does not copy into stage {}",
                extra.join(", "),
                stage.label
            ));
        }
    }
    let vendor_dir = module
        .path
        .parent()
        .unwrap_or(Path::new("."))
        .join("vendor");
    if let Ok(vendor) = vendor_dir.strip_prefix(context)
        && vendor_dir.is_dir()
    {
        let rel = vendor.to_string_lossy().replace('\\', "/");
        if !covered(&rel) {
            out.push(format!(
                "{rel}/ exists here but the Dockerfile does not copy it: go would build from it on the host only"
            ));
        }
    }
    out
}

/// A Go file whose build constraint keeps it out of every normal build
/// (`//go:build tools`, `//go:build ignore`).
fn never_built(file: &Path) -> bool {
    let Some(text) = crate::fsutil::read_optional(file) else {
        return false;
    };
    text.lines()
        .take_while(|l| !l.starts_with("package "))
        .filter_map(|l| {
            l.strip_prefix("//go:build ")
                .or_else(|| l.strip_prefix("// +build "))
        })
        .any(|expr| {
            let expr = expr.trim();
            expr == "tools" || expr == "ignore"
        })
}
