//! Integration tests that run the xbuild binary: exit code, stdout, stderr
//! and the files it writes. None of them needs Docker.

mod build;
mod config;
mod cross;
mod extreme;
mod fuzz_regressions;
mod go_build;
mod init;
mod lint;
mod lint_props;
mod parse;
mod props;
mod support;
