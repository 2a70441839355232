//! `[build]`, including the `before` commands in their three forms.

use super::{Resolver, Split, span};
use crate::config::check;
use crate::config::error::ConfigError;
use crate::config::model::*;
use crate::config::raw::*;
use crate::config::words;
use std::ops::Range;

impl Resolver<'_> {
    pub(super) fn build(&mut self, raw: &RawBuild, out: &mut BuildConfig) {
        if let Some(args) = &raw.args {
            out.args = self.key_values(args, "build.args");
            let bad: Vec<String> = out
                .args
                .iter()
                .map(|(k, _)| k.clone())
                .filter(|k| !check::build_arg_name(k))
                .collect();
            for k in bad {
                self.invalid(
                    "build.args",
                    &args.span(),
                    &format!("{k:?} is not a build argument name"),
                    "invalid name",
                    "a build argument's name is not empty and has no spaces, like the ARG it sets",
                );
            }
        }
        if let Some(outputs) = &raw.output {
            for (i, (spec, at)) in self
                .strings(outputs, "build.output", Split::Whole)
                .into_iter()
                .enumerate()
            {
                let key = if matches!(outputs.get_ref(), Strings::Many(_)) {
                    format!("build.output[{i}]")
                } else {
                    "build.output".to_string()
                };
                match check::output(&spec, self.base) {
                    Ok(resolved) => out.output.push(resolved),
                    Err((message, label, help)) => self.invalid(&key, &at, &message, label, &help),
                }
            }
        }
        out.push = Self::flag(&raw.push).unwrap_or(out.push);
        out.load = Self::flag(&raw.load).unwrap_or(out.load);
        if out.push
            && out.load
            && let (Some(push), Some(load)) = (&raw.push, &raw.load)
        {
            self.problems.push(ConfigError::Conflict {
                first: "push = true",
                second: "load = true",
                help: "buildx cannot push a multi-platform build and load it into the local image store in one go; keep one (push for a registry, load for a single-platform local image)".to_string(),
                src: self.src.shared(),
                first_span: span(&push.span()),
                second_span: span(&load.span()),
            });
        }
        for (raw_list, key, target) in [
            (&raw.cache_from, "build.cache-from", &mut out.cache_from),
            (&raw.cache_to, "build.cache-to", &mut out.cache_to),
        ] {
            let Some(list) = raw_list else { continue };
            for (spec, at) in self.strings(list, key, Split::Whole) {
                if spec.trim().is_empty() {
                    self.invalid(
                        key,
                        &at,
                        "the cache entry is empty",
                        "empty",
                        "write a buildx cache spec, e.g. \"type=registry,ref=registry.example.com/op:cache\"",
                    );
                } else {
                    target.push(check::cache(&spec, self.base));
                }
            }
        }
        for (v, key, target) in [
            (&raw.provenance, "build.provenance", &mut out.provenance),
            (&raw.sbom, "build.sbom", &mut out.sbom),
        ] {
            let Some(v) = v else { continue };
            if v.get_ref().0.trim().is_empty() {
                self.invalid(
                    key,
                    &v.span(),
                    "the value is empty",
                    "empty",
                    "write true, false, or attributes such as \"mode=max\"",
                );
            } else if !check::attestation(&v.get_ref().0) {
                self.invalid(
                    key,
                    &v.span(),
                    &format!("{:?} is not an attestation setting", v.get_ref().0),
                    "not true, false or key=value",
                    "write true, false, or comma-separated key=value attributes such as \"mode=max\" (what buildx's --provenance / --sbom take)",
                );
            } else {
                *target = Some(v.get_ref().0.clone());
            }
        }
        out.progress = self
            .choice(&raw.progress, "build.progress", PROGRESS_MODES)
            .map(str::to_string);
        out.no_cache = Self::flag(&raw.no_cache).unwrap_or(out.no_cache);
        if let Some(before) = &raw.before {
            out.before = self.befores(before);
        }
        out.kustomize = self.path(&raw.kustomize, "build.kustomize");
        if let Some(image) = self.text(&raw.kustomize_image, "build.kustomize-image") {
            out.kustomize_image = image;
        }
    }

    fn befores(&mut self, v: &S<Befores>) -> Vec<BeforeCommand> {
        match v.get_ref() {
            Befores::One(line) => self
                .line_command(line, "build.before", &v.span(), None)
                .into_iter()
                .collect(),
            Befores::Many(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| self.before(item, &format!("build.before[{i}]")))
                .collect(),
        }
    }

    fn before(&mut self, item: &S<RawBefore>, key: &str) -> Option<BeforeCommand> {
        match item.get_ref() {
            RawBefore::Line(line) => self.line_command(line, key, &item.span(), None),
            RawBefore::Argv(argv) => self.argv_command(argv, key, &item.span(), None),
            RawBefore::Table(t) => {
                let name = self.text(&t.name, &format!("{key}.name"));
                let shell = Self::flag(&t.shell).unwrap_or(false);
                let run_key = format!("{key}.run");
                match (t.run.get_ref(), shell) {
                    (Strings::One(script), true) => {
                        if script.trim().is_empty() {
                            self.empty_command(&run_key, &t.run.span());
                            return None;
                        }
                        Some(BeforeCommand {
                            argv: vec!["sh".into(), "-c".into(), script.clone()],
                            shell: true,
                            display: name.unwrap_or_else(|| script.trim().to_string()),
                        })
                    }
                    (Strings::One(line), false) => {
                        self.line_command(line, &run_key, &t.run.span(), name)
                    }
                    (Strings::Many(argv), false) => {
                        self.argv_command(argv, &run_key, &t.run.span(), name)
                    }
                    (Strings::Many(_), true) => {
                        self.invalid(
                            &run_key,
                            &t.run.span(),
                            "`shell = true` needs `run` to be one string, the script",
                            "an array",
                            "write run = \"...\" with the shell command line, or drop `shell = true` to run this argv directly",
                        );
                        None
                    }
                }
            }
        }
    }

    fn empty_command(&mut self, key: &str, at: &Range<usize>) {
        self.invalid(
            key,
            at,
            "the command is empty",
            "empty command",
            "write the command to run, e.g. \"make test\", or remove the entry",
        );
    }

    fn line_command(
        &mut self,
        line: &str,
        key: &str,
        at: &Range<usize>,
        name: Option<String>,
    ) -> Option<BeforeCommand> {
        match words::split(line) {
            Ok(argv) if argv.first().is_some_and(|a| !a.is_empty()) => Some(BeforeCommand {
                argv: with_env_prefix(argv),
                shell: false,
                display: name.unwrap_or_else(|| line.trim().to_string()),
            }),
            Ok(_) => {
                self.empty_command(key, at);
                None
            }
            Err(e @ words::SplitError::ShellSyntax { .. }) => {
                self.invalid(
                    key,
                    at,
                    &e.to_string(),
                    "needs a shell",
                    &format!(
                        "xbuild runs commands without a shell; to use one write {{ run = {}, shell = true }}",
                        toml::Value::String(line.to_string())
                    ),
                );
                None
            }
            Err(e) => {
                self.invalid(
                    key,
                    at,
                    &format!("cannot split the command into arguments: {e}"),
                    "here",
                    "commands are split like a POSIX shell does: quote arguments with spaces, escape quotes with a backslash",
                );
                None
            }
        }
    }

    fn argv_command(
        &mut self,
        argv: &[S<String>],
        key: &str,
        at: &Range<usize>,
        name: Option<String>,
    ) -> Option<BeforeCommand> {
        let argv: Vec<String> = argv.iter().map(|a| a.get_ref().clone()).collect();
        if argv.first().is_none_or(|a| a.trim().is_empty()) {
            self.empty_command(key, at);
            return None;
        }
        Some(BeforeCommand {
            display: name.unwrap_or_else(|| words::join(&argv)),
            argv,
            shell: false,
        })
    }
}

/// `FOO=1 make test` sets FOO for make, as a shell would: run through
/// `env` (no shell needed).
fn with_env_prefix(argv: Vec<String>) -> Vec<String> {
    let assigns = argv
        .first()
        .and_then(|a| a.split_once('='))
        .is_some_and(|(k, _)| check::env_name(k));
    if assigns {
        std::iter::once("env".to_string()).chain(argv).collect()
    } else {
        argv
    }
}
