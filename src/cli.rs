//! The command line, as clap definitions only. Nothing here has behaviour:
//! `commands::dispatch` resolves these raw arguments once and runs them.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Multi-arch container images for operator projects, without the Makefile's
/// fragile `docker-buildx` target.
#[derive(Debug, Parser)]
#[command(name = "xbuild", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Run as if xbuild was started in DIR (where xbuild.toml and the
    /// Dockerfile are looked up).
    #[arg(short = 'C', long = "directory", global = true, value_name = "DIR")]
    pub directory: Option<PathBuf>,

    /// Read this configuration file instead of DIR/xbuild.toml (a relative
    /// PATH is taken from DIR). Relative paths inside it are resolved
    /// against the directory that holds it.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented xbuild.toml for this project, filled in from its
    /// Dockerfile, go.mod and Makefile.
    Init(InitArgs),

    /// Print the configuration xbuild uses: xbuild.toml with every default
    /// filled in and every path resolved.
    Config(ConfigArgs),

    /// Write Dockerfile.cross: the Dockerfile with its build stages pinned to
    /// the build platform (`--platform=${BUILDPLATFORM}`).
    Cross(CrossArgs),

    /// Tools for looking inside xbuild.
    #[command(subcommand)]
    Debug(DebugCommand),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Overwrite an existing xbuild.toml.
    #[arg(long)]
    pub force: bool,

    /// Print the file to stdout instead of writing it.
    #[arg(long)]
    pub stdout: bool,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// How to print it.
    #[arg(long, value_enum, default_value_t = ConfigFormat::Toml)]
    pub format: ConfigFormat,
}

/// Output formats of `xbuild config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConfigFormat {
    /// TOML that loads back as the same configuration.
    Toml,
    /// JSON, for scripts.
    Json,
}

/// How `cross` chooses the stages to pin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StrategyArg {
    /// Pin every stage chain that builds for the target platform and does not
    /// ship in the final image.
    Auto,
    /// Pin only the first FROM (what the Makefile's sed line meant to do).
    FirstFrom,
}

#[derive(Debug, Args)]
pub struct CrossArgs {
    /// The Dockerfile to read [default: from xbuild.toml, else ./Dockerfile].
    #[arg(long, short = 'f', value_name = "PATH")]
    pub dockerfile: Option<PathBuf>,

    /// Where to write the result; `-` for stdout [default: from xbuild.toml,
    /// else Dockerfile.cross next to the Dockerfile].
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Which stages to pin [default: from xbuild.toml, else auto].
    #[arg(long, value_enum)]
    pub strategy: Option<StrategyArg>,

    /// The stage the image is built from [default: from xbuild.toml, else the
    /// last stage].
    #[arg(long, value_name = "STAGE")]
    pub target: Option<String>,

    /// Write nothing; exit 1 when the output file is missing or differs from
    /// what would be written, 0 when it is current.
    #[arg(long)]
    pub check: bool,

    /// Do not print the per-stage summary on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum DebugCommand {
    /// Print a Dockerfile's syntax tree in BuildKit's parser dump format.
    Parse {
        /// The Dockerfile to parse.
        file: PathBuf,
    },
}
