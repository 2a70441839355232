//! The crate's top-level error: one variant per module error, each shown
//! through miette with its own code, spans and help; and the exit status.

use miette::Diagnostic;
use thiserror::Error;

/// How a command that ran to completion ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything as asked: exit 0.
    Success,
    /// The command worked but found a problem (lint findings, a stale file,
    /// a failed build): exit 1.
    Failure,
    /// A specific exit code (a failing `before` command's, 130 on SIGINT, ...).
    Code(i32),
}

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> i32 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Code(c) => c,
        }
    }
}

/// Every error xbuild reports. Module errors are wrapped transparently so
/// that their codes, labels and help reach the user unchanged.
#[derive(Debug, Error, Diagnostic)]
pub enum Error {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] crate::config::ConfigError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Dockerfile(#[from] crate::dockerfile::ParseError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Stage(#[from] crate::dockerfile::stages::StageError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Cross(#[from] crate::cross::CrossError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Lint(#[from] crate::lint::LintError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Fs(#[from] crate::fsutil::FsError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Build(#[from] crate::commands::build::BuildError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Pipeline(#[from] crate::pipeline::PipelineError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Exec(#[from] crate::exec::ExecError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Init(#[from] crate::commands::init::InitError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Go(#[from] crate::golang::GoError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Bake(#[from] crate::bake::plan::BakeError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    MakefileRewrite(#[from] crate::config::makefile_rewrite::RewriteError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    DockerBuild(#[from] crate::commands::docker_build::DockerBuildError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Digest(#[from] crate::buildx::imagetools::ImagetoolsError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Kustomize(#[from] crate::kustomize::KustomizeError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    ReadBack(#[from] crate::commands::by_digest_summary::ReadBackError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Merge(#[from] crate::commands::merge::MergeError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Ci(#[from] crate::commands::ci::CiError),
}

impl Error {
    /// The exit code: a failed step's (1, or a `before` command's own code),
    /// 130/143 after SIGINT/SIGTERM, 1 for a command that failed, 2 for bad
    /// input, configuration, usage or an unusable docker installation.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Pipeline(e) => e.exit_code(),
            Error::Exec(crate::exec::ExecError::Failed { .. }) => 1,
            Error::Go(e) => e.exit_code(),
            Error::Digest(_) => 1,
            Error::ReadBack(_) => 1,
            Error::Merge(e) => e.exit_code(),
            _ => 2,
        }
    }
}

/// The error's message and help on a few plain lines (for annotations).
pub fn summary(err: &Error) -> String {
    let mut s = err.to_string();
    if let Some(help) = err.help() {
        s.push_str(&format!("\nhelp: {help}"));
    }
    s
}

/// Prints an error to stderr as a miette report, bounded in size (a 1 MB
/// line is not echoed whole); a closed stderr is ignored, not a panic.
pub fn report(err: Error) {
    use std::io::Write;
    let text = format!("{:?}", miette::Report::new(err));
    // `eprintln!` of the report, as before the bound: a blank line ends it.
    let bounded = crate::excerpt::bound_report(&text) + "\n";
    let _ = std::io::stderr().write_all(bounded.as_bytes());
}
