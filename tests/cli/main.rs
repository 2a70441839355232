//! Integration tests that run the xbuild binary: exit code, stdout, stderr
//! and the files it writes. None of them needs Docker.

mod auto_driver;
mod bake;
mod build;
mod ci;
mod config;
mod cross;
mod cross_outputs;
mod docker_targets;
mod extreme;
mod fuzz_regressions;
mod go_build;
mod go_stages;
mod init;
mod kustomize;
mod lint;
mod lint_props;
mod makefile;
mod merge;
mod parse;
mod podman;
mod props;
mod shell;
mod support;
mod validity;
