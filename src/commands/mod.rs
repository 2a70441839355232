//! One file per subcommand; [`dispatch`] runs the one the user asked for.

pub mod bake;
pub mod build;
pub mod build_kustomize;
pub mod builder;
pub mod by_digest_summary;
pub mod ci;
pub mod completions;
pub mod config;
pub mod cross;
pub mod debug;
pub mod docker_build;
pub mod docker_push;
pub mod go_build;
pub mod init;
pub mod init_makefile;
pub mod lint;
pub mod merge;

use crate::cli::{CiCommand, Cli, Command, DebugCommand};
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
        Command::DockerBuild(args) => docker_build::run(dir, config, &args),
        Command::DockerPush(args) => docker_push::run(dir, config, &args),
        Command::GoBuild(args) => go_build::run(dir, config, &args),
        Command::Builder(cmd) => builder::run(dir, config, &cmd),
        Command::Lint(args) => lint::run(dir, config, &args),
        Command::Merge(args) => merge::run(dir, config, &args),
        Command::Ci(CiCommand::Github(args)) => ci::github(dir, config, &args),
        Command::Debug(DebugCommand::Parse { file }) => debug::parse(dir, &file),
        Command::Completions { shell } => completions::completions(shell),
        Command::Man { dir: out } => completions::man(dir, out.as_deref()),
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
