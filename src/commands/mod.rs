//! One file per subcommand; [`dispatch`] runs the one the user asked for.

pub mod bake;
pub mod build;
pub mod builder;
pub mod config;
pub mod cross;
pub mod debug;
pub mod go_build;
pub mod init;
pub mod lint;

use crate::cli::{Cli, Command, DebugCommand};
use crate::{Error, ExitStatus};
use std::path::{Path, PathBuf};

/// Runs the parsed command line.
pub fn dispatch(cli: Cli) -> Result<ExitStatus, Error> {
    let dir = cli.directory.as_deref();
    let config = cli.config.as_deref();
    match cli.command {
        Command::Init(args) => init::run(dir, config, &args),
        Command::Config(args) => config::run(dir, config, &args),
        Command::Cross(args) => cross::run(dir, config, &args),
        Command::Build(args) => build::run(dir, config, &args),
        Command::Bake(args) => bake::run(dir, config, &args),
        Command::GoBuild(args) => go_build::run(dir, config, &args),
        Command::Builder(cmd) => builder::run(dir, config, &cmd),
        Command::Lint(args) => lint::run(dir, config, &args),
        Command::Debug(DebugCommand::Parse { file }) => debug::parse(dir, &file),
    }
}

/// A path from the command line, relative to `-C DIR` when given.
pub(crate) fn resolve(dir: Option<&Path>, path: &Path) -> PathBuf {
    match dir {
        Some(d) => d.join(path),
        None => path.to_path_buf(),
    }
}

/// A path as shown to the user: without a leading `./`.
pub(crate) fn display(path: &Path) -> String {
    let p = path.strip_prefix(".").unwrap_or(path);
    p.display().to_string()
}
