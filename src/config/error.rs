//! Errors loading xbuild.toml. Every problem inside the file carries the
//! file as a [`NamedSource`] and a labelled span on the offending key or
//! value, so miette's report header reads `xbuild.toml:LINE:COL`. When a file
//! has several problems they are reported together ([`ConfigError::Many`]).

use crate::fsutil::FsError;
use miette::{Diagnostic, NamedSource, SourceSpan};
use std::path::PathBuf;
use std::sync::Arc;

/// xbuild.toml as a miette source, shared by all the errors found in it.
pub type SharedSource = Arc<NamedSource<String>>;
use thiserror::Error;

/// Errors loading xbuild.toml.
#[derive(Debug, Error, Diagnostic)]
pub enum ConfigError {
    #[error("the configuration file {} {reason}", path.display())]
    #[diagnostic(
        code(xbuild::config::not_found),
        help(
            "--config must name an existing file (relative paths are taken from -C DIR, else the current directory); without --config xbuild reads DIR/xbuild.toml when there is one"
        )
    )]
    NotFound { path: PathBuf, reason: &'static str },

    #[error("the project directory {} {reason}", path.display())]
    #[diagnostic(
        code(xbuild::config::no_directory),
        help("-C DIR must name an existing directory")
    )]
    NoDirectory { path: PathBuf, reason: &'static str },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Fs(#[from] FsError),

    #[error("{} is not valid TOML: {message}", src.name())]
    #[diagnostic(
        code(xbuild::config::syntax),
        help("xbuild.toml is TOML; see https://toml.io/en/v1.0.0 for the syntax")
    )]
    Syntax {
        message: String,
        #[source_code]
        src: SharedSource,
        #[label("{message}")]
        span: SourceSpan,
    },

    #[error("unknown key `{key}` in {table}")]
    #[diagnostic(code(xbuild::config::unknown_key), help("{help}"))]
    UnknownKey {
        key: String,
        /// `[image]`, `[[builder.nodes]]` or "the top level".
        table: String,
        help: String,
        #[source_code]
        src: SharedSource,
        #[label("unknown key")]
        span: SourceSpan,
    },

    #[error("`{key}` has the wrong type: found {found}, expected {expected}")]
    #[diagnostic(
        code(xbuild::config::wrong_type),
        help("`{key}` takes {expected}; `xbuild init --stdout` prints an example of every key")
    )]
    WrongType {
        key: String,
        found: String,
        expected: String,
        #[source_code]
        src: SharedSource,
        #[label("expected {expected}")]
        span: SourceSpan,
    },

    #[error("{table} is missing the required key `{key}`")]
    #[diagnostic(
        code(xbuild::config::missing_key),
        help("add `{key} = ...` to {table}")
    )]
    MissingKey {
        key: String,
        table: String,
        #[source_code]
        src: SharedSource,
        #[label("`{key}` must be set here")]
        span: SourceSpan,
    },

    #[error("`{key}`: {message}")]
    #[diagnostic(code(xbuild::config::platform), help("{help}"))]
    Platform {
        key: String,
        message: String,
        help: String,
        #[source_code]
        src: SharedSource,
        #[label("not a platform")]
        span: SourceSpan,
    },

    #[error("`{key}` cannot be {value:?}")]
    #[diagnostic(code(xbuild::config::unknown_value), help("{help}"))]
    UnknownValue {
        key: String,
        value: String,
        help: String,
        #[source_code]
        src: SharedSource,
        #[label("expected one of {allowed}")]
        span: SourceSpan,
        allowed: Choices,
    },

    #[error("invalid `{key}`: {message}")]
    #[diagnostic(code(xbuild::config::invalid_value), help("{help}"))]
    Invalid {
        key: String,
        message: String,
        label: &'static str,
        help: String,
        #[source_code]
        src: SharedSource,
        #[label("{label}")]
        span: SourceSpan,
    },

    #[error("`{first}` and `{second}` cannot both be set")]
    #[diagnostic(code(xbuild::config::conflict), help("{help}"))]
    Conflict {
        first: &'static str,
        second: &'static str,
        help: String,
        #[source_code]
        src: SharedSource,
        #[label("{first}")]
        first_span: SourceSpan,
        #[label("{second}")]
        second_span: SourceSpan,
    },

    #[error("`{key}` names {}, which does not exist", path.display())]
    #[diagnostic(code(xbuild::config::missing_file), help("{help}"))]
    MissingFile {
        key: String,
        path: PathBuf,
        help: String,
        #[source_code]
        src: SharedSource,
        #[label("no such file")]
        span: SourceSpan,
    },

    #[error("{name} has {} problems", problems.len())]
    #[diagnostic(
        code(xbuild::config::invalid),
        help("fix them and run again; `xbuild init --stdout` prints a commented example")
    )]
    Many {
        name: String,
        #[related]
        problems: Vec<ConfigError>,
    },
}

/// The allowed values of a key, shown comma-separated.
#[derive(Debug, Clone, Copy)]
pub struct Choices(pub &'static [&'static str]);

impl std::fmt::Display for Choices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join(", "))
    }
}

impl ConfigError {
    /// Where in xbuild.toml this error points, for sorting several of them
    /// into file order.
    pub(crate) fn offset(&self) -> usize {
        match self {
            ConfigError::Syntax { span, .. }
            | ConfigError::UnknownKey { span, .. }
            | ConfigError::WrongType { span, .. }
            | ConfigError::MissingKey { span, .. }
            | ConfigError::Platform { span, .. }
            | ConfigError::UnknownValue { span, .. }
            | ConfigError::Invalid { span, .. }
            | ConfigError::MissingFile { span, .. } => span.offset(),
            ConfigError::Conflict { first_span, .. } => first_span.offset(),
            ConfigError::NotFound { .. }
            | ConfigError::NoDirectory { .. }
            | ConfigError::Fs(_)
            | ConfigError::Many { .. } => 0,
        }
    }

    /// One error for a list of problems found in the file named `name`:
    /// the problem itself when there is one, else [`ConfigError::Many`] in
    /// file order. `problems` must not be empty.
    pub(crate) fn from_problems(name: &str, mut problems: Vec<ConfigError>) -> ConfigError {
        problems.sort_by_key(ConfigError::offset);
        if problems.len() == 1 {
            problems.remove(0)
        } else {
            ConfigError::Many {
                name: name.to_string(),
                problems,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn errors_stay_small() {
        // The crate's Error wraps this one; keep both under clippy's
        // result_large_err threshold (128 bytes).
        let size = std::mem::size_of::<super::ConfigError>();
        assert!(size <= 120, "{size}");
    }
}
