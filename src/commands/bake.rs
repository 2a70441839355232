//! `xbuild bake`: the `[images.NAME]` tables (or `[image]` alone) built in
//! one `docker buildx bake`, or `--print` its definition.

use crate::cli::BakeArgs;
use crate::commands::build::file_and_context;
use crate::config;
use crate::{Error, ExitStatus};
use std::path::Path;

pub fn run(
    dir: Option<&Path>,
    config: Option<&Path>,
    args: &BakeArgs,
) -> Result<ExitStatus, Error> {
    let mut project = config::load(dir, config)?;
    if project.config.images.is_empty() {
        file_and_context(&mut project, &args.build)?;
    }
    crate::bake::build(&project, &args.build, args.print)
}
