//! xbuild.toml: the project configuration. Every key has a default, so a
//! repository with a Dockerfile and no xbuild.toml works.
//!
//! (Minimal version: to be replaced by the full spanned loader.)

use miette::Diagnostic;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Errors loading xbuild.toml.
#[derive(Debug, Error, Diagnostic)]
pub enum ConfigError {
    #[error("cannot read {}: {source}", path.display())]
    #[diagnostic(code(xbuild::config::read))]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// How `xbuild cross` chooses the stages to pin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    #[default]
    Auto,
    FirstFrom,
}

/// `[dockerfile]`: paths are resolved against the project root.
#[derive(Debug, Clone)]
pub struct DockerfileConfig {
    pub path: PathBuf,
    pub cross: PathBuf,
    pub strategy: Strategy,
    pub target: Option<String>,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub dockerfile: DockerfileConfig,
}

/// A project: its directory and its resolved configuration.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub config_file: Option<PathBuf>,
    pub config: Config,
}

/// Loads the project at `dir` (default: the current directory).
pub fn load(dir: Option<&Path>, _config: Option<&Path>) -> Result<Project, ConfigError> {
    let root = dir
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    Ok(Project {
        config: Config {
            dockerfile: DockerfileConfig {
                path: root.join("Dockerfile"),
                cross: root.join("Dockerfile.cross"),
                strategy: Strategy::Auto,
                target: None,
            },
        },
        root,
        config_file: None,
    })
}
