//! The `docker buildx build` command line, from a resolved request.

use super::output::Output;
use crate::exec::Cmd;
use crate::platform::Platform;
use std::path::PathBuf;

/// Where buildx reads the Dockerfile from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DockerfileInput {
    /// `-f -`: the generated text on stdin, nothing left in the repo.
    Stdin { text: Vec<u8>, label: String },
    /// `-f PATH`.
    File(PathBuf),
}

/// Everything on a `docker buildx build` line.
#[derive(Debug, Clone)]
pub struct BuildInvocation {
    pub docker: String,
    pub builder: String,
    pub platforms: Vec<Platform>,
    pub dockerfile: DockerfileInput,
    pub tags: Vec<String>,
    pub build_args: Vec<(String, String)>,
    /// `--build-context NAME=PATH` (host artifacts for the Go stage).
    pub build_contexts: Vec<(String, PathBuf)>,
    pub target: Option<String>,
    pub outputs: Vec<Output>,
    pub cache_from: Vec<String>,
    pub cache_to: Vec<String>,
    pub provenance: Option<String>,
    pub sbom: Option<String>,
    pub progress: Option<String>,
    pub no_cache: bool,
    pub metadata_file: PathBuf,
    pub context: PathBuf,
}

impl BuildInvocation {
    pub fn to_cmd(&self) -> Cmd {
        let platforms = self
            .platforms
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let mut c = Cmd::new(&self.docker).args([
            "buildx",
            "build",
            "--builder",
            &self.builder,
            "--platform",
            &platforms,
        ]);
        c = match &self.dockerfile {
            DockerfileInput::Stdin { .. } => c.args(["-f", "-"]),
            DockerfileInput::File(p) => c.arg("-f").arg(p.display().to_string()),
        };
        for t in &self.tags {
            c = c.arg("--tag").arg(t);
        }
        for (k, v) in &self.build_args {
            c = c.arg("--build-arg").arg(format!("{k}={v}"));
        }
        for (name, path) in &self.build_contexts {
            c = c
                .arg("--build-context")
                .arg(format!("{name}={}", path.display()));
        }
        if let Some(t) = &self.target {
            c = c.arg("--target").arg(t);
        }
        for o in &self.outputs {
            c = match o.spec.as_str() {
                "--push" | "--load" => c.arg(&o.spec),
                spec => c.arg("--output").arg(spec),
            };
        }
        for v in &self.cache_from {
            c = c.arg("--cache-from").arg(v);
        }
        for v in &self.cache_to {
            c = c.arg("--cache-to").arg(v);
        }
        if let Some(v) = &self.provenance {
            c = c.arg(format!("--provenance={v}"));
        }
        if let Some(v) = &self.sbom {
            c = c.arg(format!("--sbom={v}"));
        }
        if self.no_cache {
            c = c.arg("--no-cache");
        }
        c = c
            .arg("--metadata-file")
            .arg(self.metadata_file.display().to_string());
        if let Some(p) = &self.progress {
            c = c.arg(format!("--progress={p}"));
        }
        c = c.arg(self.context.display().to_string());
        if let DockerfileInput::Stdin { text, label } = &self.dockerfile {
            c = c.stdin(text.clone(), label.clone());
        }
        c
    }
}
