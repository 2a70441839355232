//! Everything that stops a host Go build, as diagnostics that point into
//! the Dockerfile, go.mod or xbuild.toml and name the `[go]` keys to set.

use crate::exec::ExecError;
use miette::{Diagnostic, NamedSource, SourceSpan};
use std::path::PathBuf;
use thiserror::Error;

/// What `[go]` keys help when a stage cannot be mapped by reading it.
pub const HELP_KEYS: &str = "tell xbuild what the stage builds with [go] main (the package, e.g. \"./cmd\" or \"cmd/main.go\") and [go] output (the binary's path in the stage, e.g. \"/workspace/manager\") in xbuild.toml, or build in the container: [go] mode = \"container\" (--go container)";

/// What helps when the stage is readable but cannot be built on the host.
pub const HELP_CONTAINER: &str = "build the Go stage in the container: [go] mode = \"container\" in xbuild.toml, or --go container";

#[derive(Debug, Error, Diagnostic)]
pub enum GoError {
    /// The Dockerfile's Go stage cannot be built on the host, and why.
    #[error("{message}")]
    #[diagnostic(code(xbuild::go::stage), help("{help}"))]
    Stage {
        message: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("{label}")]
        span: SourceSpan,
        label: String,
        help: String,
    },

    /// No stage is a Go stage, and there is nothing in the file to point at.
    #[error("{message}")]
    #[diagnostic(code(xbuild::go::no_stage), help("{help}"))]
    NoStage { message: String, help: String },

    /// A `[go]` key that cannot be used as it is.
    #[error("[go] {key}: {message}")]
    #[diagnostic(code(xbuild::go::config), help("{help}"))]
    Config {
        key: String,
        message: String,
        #[source_code]
        src: Option<NamedSource<String>>,
        #[label("here")]
        span: Option<SourceSpan>,
        help: String,
    },

    #[error("`go` was not found on PATH")]
    #[diagnostic(
        code(xbuild::go::no_toolchain),
        help(
            "install Go (Debian: apt-get install golang-go; or https://go.dev/dl) and put it on PATH, or build in the container: --go container"
        )
    )]
    ToolchainMissing,

    #[error("cannot tell the version of {}: `go version` printed {output:?}", path.display())]
    #[diagnostic(
        code(xbuild::go::version),
        help("check that {} is a working Go toolchain", path.display())
    )]
    Version { path: PathBuf, output: String },

    #[error("go {found} ({}) is older than go {required}, which the module requires", path.display())]
    #[diagnostic(
        code(xbuild::go::toolchain_too_old),
        help(
            "install Go {required} or newer and put it first on PATH, or build in the container: --go container"
        )
    )]
    TooOld {
        found: String,
        path: PathBuf,
        required: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("requires go {required}")]
        span: SourceSpan,
    },

    #[error("no go.mod in {} or any directory above it", dir.display())]
    #[diagnostic(
        code(xbuild::go::no_module),
        help(
            "the host build needs the Go module the Dockerfile copies; check [dockerfile] context, or build in the container: --go container"
        )
    )]
    NoModule { dir: PathBuf },

    #[error("go build for {platform} failed ({status})")]
    #[diagnostic(code(xbuild::go::build_failed), help("{help}"))]
    BuildFailed {
        platform: String,
        status: String,
        help: String,
    },

    #[error("{} was built for {platform} but is {found}", path.display())]
    #[diagnostic(
        code(xbuild::go::wrong_binary),
        help(
            "GOOS/GOARCH did not reach the build: check GOFLAGS and `go env -w` settings (go env GOENV), and [go] env / flags in xbuild.toml"
        )
    )]
    Header {
        path: PathBuf,
        platform: String,
        found: String,
    },

    #[error("go build for {platform} did not write {}", path.display())]
    #[diagnostic(
        code(xbuild::go::no_binary),
        help(
            "go build writes no binary for a package that is not `package main`: check [go] main"
        )
    )]
    NoBinary { path: PathBuf, platform: String },

    #[error("cannot read {}: {source}", path.display())]
    #[diagnostic(code(xbuild::go::read))]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Exec(#[from] ExecError),
}

impl GoError {
    /// The Dockerfile line a stage diagnostic points at.
    pub fn line(&self, df: &crate::dockerfile::Dockerfile) -> Option<usize> {
        match self {
            GoError::Stage { span, .. } => Some(df.line_col(span.offset()).0),
            _ => None,
        }
    }

    /// The exit code: 1 for a build that ran and failed (or made the wrong
    /// binary), 130/143 after a signal, 2 for anything found before building.
    pub fn exit_code(&self) -> i32 {
        match self {
            GoError::BuildFailed { .. } | GoError::Header { .. } | GoError::NoBinary { .. } => 1,
            GoError::Exec(ExecError::Interrupted { signal, .. }) => {
                crate::interrupt::Interrupt::exit_code(*signal)
            }
            GoError::Exec(ExecError::Failed { .. }) => 1,
            _ => 2,
        }
    }
}
