//! `xbuild init` (placeholder until the config loader lands).

use crate::cli::InitArgs;
use crate::{Error, ExitStatus};
use miette::Diagnostic;
use std::path::Path;
use thiserror::Error;

/// Errors of `xbuild init`.
#[derive(Debug, Error, Diagnostic)]
pub enum InitError {
    #[error("xbuild.toml already exists")]
    #[diagnostic(code(xbuild::init::exists), help("pass --force to overwrite it"))]
    Exists,
}

pub fn run(_dir: Option<&Path>, _args: &InitArgs) -> Result<ExitStatus, Error> {
    Err(InitError::Exists.into())
}
