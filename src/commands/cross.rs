//! `xbuild cross` (in progress).
use crate::cli::CrossArgs;
use crate::{Error, ExitStatus};
use std::path::Path;

pub fn run(
    _dir: Option<&Path>,
    _config: Option<&Path>,
    _args: &CrossArgs,
) -> Result<ExitStatus, Error> {
    Ok(ExitStatus::Failure)
}
