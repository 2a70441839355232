//! `xbuild debug` (in progress).
use crate::{Error, ExitStatus};
use std::path::Path;

pub fn parse(_dir: Option<&Path>, _file: &Path) -> Result<ExitStatus, Error> {
    Ok(ExitStatus::Failure)
}
