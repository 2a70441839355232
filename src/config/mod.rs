//! xbuild.toml: the project configuration. Every key has a default, so a
//! repository with a Dockerfile and no xbuild.toml works.
//!
//! Loading is parse, then resolve once (later code sees only [`Config`]):
//! - `parse`: TOML syntax, then each section through serde into the spanned
//!   `raw` structs (unknown keys, wrong types);
//! - `resolve`: every value checked and turned into the `model` types,
//!   relative paths resolved (see `paths`), defaults filled in.
//!
//! Problems are [`ConfigError`] diagnostics pointing into the file; all
//! problems found are reported together. The loaded file stays available
//! through [`Config::source`] and [`Config::span_of`] so that later stages
//! can point their own errors at the key that caused them.
//!
//! Where things are looked up (see [`load`]):
//! - the project root is `-C DIR`, else the current directory;
//! - the file is `--config PATH` (a relative PATH is taken from the root,
//!   like every path on a command line run "as if started in DIR"), else
//!   `<root>/xbuild.toml` when it exists, else there is none;
//! - relative paths inside the file are taken from the directory that holds
//!   the file; defaults (`Dockerfile`, the build context, `bin/xbuild`) are
//!   taken from the root.

pub mod check;
mod detect;
mod error;
pub mod images;
pub mod makefile;
pub mod makefile_rewrite;
mod model;
mod parse;
mod paths;
mod raw;
mod resolve;
mod source;
pub(crate) mod suggest;
mod words;

pub use check::split_tag;
pub use detect::{Detection, detect, is_secondary, named_dockerfiles};
pub use error::ConfigError;
pub use images::ImageEntry;
pub use model::{
    BeforeCommand, BuildConfig, BuilderConfig, BuilderNode, Config, DockerfileConfig, Driver,
    DriverSetting, GoConfig, GoMode, ImageConfig, LintConfig, PROGRESS_MODES, Strategy, Tool,
    is_full_reference,
};
pub use paths::join;
pub use source::ConfigSource;
pub use words::{join as join_words, split as split_words};

use crate::fsutil;
use std::path::{Path, PathBuf};

/// The name of the configuration file in the project root.
pub const FILE_NAME: &str = "xbuild.toml";

/// A project: its directory and its resolved configuration.
#[derive(Debug, Clone)]
pub struct Project {
    /// The project root: `-C DIR` as given (normalised), else `.`.
    pub root: PathBuf,
    /// The configuration file read; `None` when there was none.
    pub config_file: Option<PathBuf>,
    pub config: Config,
}

impl Project {
    /// `path` for messages: relative to the root when inside it.
    pub fn display_path(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| path.display().to_string())
    }
}

/// Loads the project. `dir` is `-C DIR` (default: the current directory);
/// `config` is `--config PATH` (relative to the root; must exist).
pub fn load(dir: Option<&Path>, config: Option<&Path>) -> Result<Project, ConfigError> {
    let root = project_root(dir)?;
    let (file, name) = match config {
        Some(given) => {
            let file = join(&root, given);
            // Named as the user can find it from where they are.
            let shown = if dir.is_some() {
                file.clone()
            } else {
                given.to_path_buf()
            };
            if !file.is_file() {
                return Err(ConfigError::NotFound {
                    reason: if file.exists() {
                        "is not a file"
                    } else {
                        "does not exist"
                    },
                    path: shown,
                });
            }
            (Some(file), shown.display().to_string())
        }
        None => {
            let file = join(&root, FILE_NAME);
            let name = match dir {
                Some(d) => d.join(FILE_NAME).display().to_string(),
                None => FILE_NAME.to_string(),
            };
            if file.is_dir() {
                // Silently ignoring it would build with defaults the user
                // did not choose.
                return Err(ConfigError::Fs(fsutil::FsError::IsDirectory {
                    path: PathBuf::from(name),
                    help: format!(
                        "xbuild reads {FILE_NAME} as its configuration file: rename or remove the directory"
                    ),
                }));
            }
            (file.exists().then_some(file), name)
        }
    };
    let config = match &file {
        Some(file) => {
            let text = fsutil::read_text(file, "the configuration file")?;
            parse(&text, &name, file, &root)?
        }
        None => Config::defaults(&root),
    };
    Ok(Project {
        root,
        config_file: file,
        config,
    })
}

/// Parses and resolves the text of a configuration file. `name` is how
/// errors name the file (the path as the user gave it); `file` is its path
/// (relative paths in it are taken from its directory);
/// `root` is the project root (where defaults are taken from).
pub fn parse(text: &str, name: &str, file: &Path, root: &Path) -> Result<Config, ConfigError> {
    let parsed = parse::parse(text, name, file)?;
    let base = file.parent().unwrap_or(root);
    let (config, mut problems) = resolve::resolve(&parsed.raw, &parsed.source, root, base);
    problems.splice(0..0, parsed.problems);
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(ConfigError::from_problems(name, problems))
    }
}

/// The project root for `-C DIR`: `dir` as given (normalised, see
/// [`join`]), else `.`; it must be a directory.
pub fn project_root(dir: Option<&Path>) -> Result<PathBuf, ConfigError> {
    let root = join(dir.unwrap_or(Path::new(".")), "");
    if !root.is_dir() {
        return Err(ConfigError::NoDirectory {
            path: dir.unwrap_or(Path::new(".")).to_path_buf(),
            reason: if root.exists() {
                "is not a directory"
            } else {
                "does not exist"
            },
        });
    }
    Ok(root)
}

#[cfg(test)]
mod tests;
