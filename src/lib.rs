//! xbuild replaces the `docker-buildx` target of kubebuilder-style operator
//! Makefiles: it reads `xbuild.toml`, rewrites the Dockerfile for cross builds
//! (`xbuild cross`), and drives `docker buildx`.
//!
//! The crate is a library plus a thin binary; [`run`] is the whole program.

// Errors carry their source text for miette reports; they are built once, on
// the way out of a failing command, so their size does not matter.
#![allow(clippy::result_large_err)]

pub mod bake;
pub mod buildx;
pub mod cli;
pub mod commands;
pub mod config;
pub mod cross;
pub mod dockerfile;
pub mod dockerignore;
pub mod error;
pub mod excerpt;
pub mod exec;
pub mod fsutil;
pub mod github;
pub mod golang;
pub mod interrupt;
pub mod kustomize;
pub mod lint;
pub mod pipeline;
pub mod plan;
pub mod platform;
pub mod podman;
pub mod stdout;

pub use error::{Error, ExitStatus};

use clap::Parser;
use std::ffi::OsString;

/// Runs xbuild with the given arguments (the first one is the program name)
/// and returns the process exit code.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help/version on stdout (exit 0) and usage errors on stderr (exit 2).
            let _ = err.print();
            return err.exit_code();
        }
    };
    match commands::dispatch(cli) {
        Ok(status) => status.code(),
        Err(err) => {
            let code = err.exit_code();
            github::error("xbuild", &error::summary(&err));
            error::report(err);
            code
        }
    }
}
