//! One file per subcommand; [`dispatch`] runs the one the user asked for.

pub mod config;
pub mod cross;
pub mod debug;
pub mod init;

use crate::cli::{Cli, Command, DebugCommand};
use crate::{Error, ExitStatus};

/// Runs the parsed command line.
pub fn dispatch(cli: Cli) -> Result<ExitStatus, Error> {
    let dir = cli.directory.as_deref();
    let config = cli.config.as_deref();
    match cli.command {
        Command::Init(args) => init::run(dir, config, &args),
        Command::Config(args) => config::run(dir, config, &args),
        Command::Cross(args) => cross::run(dir, config, &args),
        Command::Debug(DebugCommand::Parse { file }) => debug::parse(dir, &file),
    }
}
