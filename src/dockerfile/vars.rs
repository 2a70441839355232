//! The one ARG/ENV evaluator: the values a stage's instructions see, for one
//! target platform, instruction by instruction, as the BuildKit of the e2e
//! stack (dockerd 26) computes them. The probe in fixtures/vars/probe
//! records that behaviour (tests/e2e/vars.rs runs it there; the unit test
//! below checks this evaluator against the recorded output):
//!
//! - Global ARGs (before the first FROM) and their defaults are visible to a
//!   stage only once it declares them with `ARG NAME`.
//! - `ARG NAME[=default]` in a stage takes, first found: the `--build-arg`
//!   value, the written default, the global ARG's default, the automatic
//!   platform ARG (`TARGETARCH`, `BUILDPLATFORM`, ...). So a written
//!   `ARG TARGETVARIANT=tv` beats the automatic value.
//! - A stage built FROM another stage inherits its ARGs and ENV (`FROM base
//!   AS child` sees `base`'s `ARG V=1`, also after a bare `ARG V`); a stage
//!   FROM an image starts empty.
//! - ENV wins over an ARG of the same name; both reach RUN as environment.
//!
//! Newer BuildKit (dockerfile frontend 1.x of 2024 and later) behaves the
//! same for these rules on the stack's probe; it only adds lint warnings.

use super::shell::Lexer;
use super::stages::automatic_arg;
use super::{Dockerfile, Instruction};
use crate::platform::Platform;
use std::collections::BTreeMap;

/// ARG and ENV values of a stage chain at one point, for one platform.
#[derive(Debug, Clone)]
pub struct Vars<'a> {
    escape: char,
    target: Platform,
    build: Platform,
    build_args: &'a [(String, String)],
    /// Global ARGs with their defaults (expanded for this platform).
    globals: BTreeMap<String, Option<String>>,
    /// ARGs declared in the chain so far; None: declared without a value.
    args: BTreeMap<String, Option<String>>,
    envs: BTreeMap<String, String>,
}

impl<'a> Vars<'a> {
    /// The values before the first stage's first instruction: the global
    /// ARGs read (with `build_args` overriding their defaults), nothing
    /// declared yet.
    pub fn new(df: &Dockerfile, target: &Platform, build_args: &'a [(String, String)]) -> Self {
        let globals = globals(df, Some(target), build_args);
        Vars::with_globals(df.escape, target, globals, build_args)
    }

    /// Starts from global ARGs already read (see [`globals`]).
    pub fn with_globals(
        escape: char,
        target: &Platform,
        globals: BTreeMap<String, Option<String>>,
        build_args: &'a [(String, String)],
    ) -> Self {
        Vars {
            escape,
            target: target.clone(),
            build: Platform::host(),
            build_args,
            globals,
            args: BTreeMap::new(),
            envs: BTreeMap::new(),
        }
    }

    /// The values at instruction `upto` (an index into the Dockerfile's
    /// instructions) of a stage whose chain, root first, is `chain`.
    pub fn at(
        df: &Dockerfile,
        chain: &[std::ops::Range<usize>],
        upto: usize,
        target: &Platform,
        build_args: &'a [(String, String)],
    ) -> Self {
        let mut vars = Vars::new(df, target, build_args);
        for body in chain {
            for ins in &df.instructions[body.start..body.end.min(upto).max(body.start)] {
                let _ = vars.apply(ins);
            }
        }
        vars
    }

    fn global(&self, name: &str) -> Option<String> {
        self.globals.get(name).cloned().flatten()
    }

    fn build_arg(&self, name: &str) -> Option<String> {
        self.build_args
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    /// The target platform the values are for.
    pub fn target(&self) -> &Platform {
        &self.target
    }

    /// A variable as a RUN command sees it: ENV, else a declared ARG's value.
    pub fn get(&self, name: &str) -> Option<String> {
        self.envs
            .get(name)
            .cloned()
            .or_else(|| self.args.get(name).cloned().flatten())
    }

    /// `name` was declared with ARG in the chain so far.
    pub fn declares(&self, name: &str) -> bool {
        self.args.contains_key(name)
    }

    /// Every variable a RUN command gets in its environment.
    pub fn environment(&self) -> BTreeMap<String, String> {
        let mut out: BTreeMap<String, String> = self
            .args
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.clone()?)))
            .collect();
        out.extend(self.envs.clone());
        out
    }

    /// Expands a word with the values, as BuildKit expands instructions.
    pub fn expand(&self, word: &str) -> Result<String, String> {
        Lexer::new(self.escape)
            .process_word(word, &|k| self.get(k))
            .map_err(|e| e.0)
    }

    /// Applies an ARG or ENV (other instructions change no value). Errors
    /// are expansion errors.
    pub fn apply(&mut self, ins: &Instruction) -> Result<(), String> {
        self.apply_traced(ins).map(drop)
    }

    /// A variable has an ENV value (which wins over any ARG).
    pub fn has_env(&self, name: &str) -> bool {
        self.envs.contains_key(name)
    }

    /// [`Vars::apply`], saying where each value it set comes from (lint
    /// points at the word that wrote it).
    pub fn apply_traced(&mut self, ins: &Instruction) -> Result<Vec<Set>, String> {
        let mut sets = Vec::new();
        let mut error = None;
        match ins.command.as_str() {
            "arg" => {
                for (word_index, word) in ins.args.iter().enumerate() {
                    let (name, default) = split_arg(word);
                    // A default that cannot be expanded still declares the
                    // name; the error is returned once all are declared.
                    let default = match default.map(|d| self.expand(d)).transpose() {
                        Ok(d) => d,
                        Err(e) => {
                            error.get_or_insert(e);
                            None
                        }
                    };
                    let (value, origin) = if let Some(v) = self.build_arg(name) {
                        (Some(v), Origin::BuildArg)
                    } else if let Some(v) = default {
                        (Some(v), Origin::Arg { word: word_index })
                    } else if let Some(v) = self.global(name) {
                        (Some(v), Origin::GlobalArg)
                    } else if let Some(v) = automatic_arg(name, &self.target, &self.build) {
                        (Some(v), Origin::Automatic)
                    } else {
                        (None, Origin::Kept)
                    };
                    match value {
                        Some(v) => {
                            self.args.insert(name.to_string(), Some(v));
                        }
                        // Declared again without a value: an inherited
                        // value stays (the probe's `ARG V` in `child`).
                        None => {
                            self.args.entry(name.to_string()).or_insert(None);
                        }
                    }
                    sets.push(Set {
                        name: name.to_string(),
                        origin,
                    });
                }
            }
            "env" => {
                let mut set = Vec::new();
                for (pair, triple) in ins.args.chunks(3).enumerate() {
                    if let [k, v, ..] = triple {
                        set.push((k.clone(), self.expand(v)?));
                        sets.push(Set {
                            name: k.clone(),
                            origin: Origin::Env { pair },
                        });
                    }
                }
                self.envs.extend(set);
            }
            _ => {}
        }
        match error {
            Some(e) => Err(e),
            None => Ok(sets),
        }
    }

    /// Keeps only the declared ARGs `keep` accepts (a stage whose base
    /// depends on the platform inherits what every possible base declares).
    pub fn retain_args(&mut self, keep: impl Fn(&str) -> bool) {
        self.args.retain(|k, _| keep(k));
    }
}

/// A variable an ARG or ENV set, and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Set {
    pub name: String,
    pub origin: Origin,
}

/// Where the value an instruction gave a variable comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The `pair`-th `NAME=value` of an ENV.
    Env { pair: usize },
    /// The `word`-th `NAME=default` of an ARG.
    Arg { word: usize },
    /// The default of the global ARG of that name.
    GlobalArg,
    /// A `--build-arg`.
    BuildArg,
    /// An automatic platform ARG.
    Automatic,
    /// A bare ARG with nothing to give: the value it had stays.
    Kept,
}

/// The global ARGs (before the first FROM) and their values: the
/// `--build-arg` value, else the default expanded with the globals before it
/// and, for a `target` platform, the automatic platform ARGs
/// (`ARG BASE=img-${TARGETARCH}`).
pub fn globals(
    df: &Dockerfile,
    target: Option<&Platform>,
    build_args: &[(String, String)],
) -> BTreeMap<String, Option<String>> {
    let host = Platform::host();
    let lexer = Lexer::new(df.escape);
    let mut globals: BTreeMap<String, Option<String>> = BTreeMap::new();
    let args = df
        .instructions
        .iter()
        .take_while(|i| i.command != "from")
        .filter(|i| i.command == "arg");
    for word in args.flat_map(|i| &i.args) {
        let (name, default) = split_arg(word);
        let given = build_args.iter().rev().find(|(k, _)| k == name);
        let value = match given {
            Some((_, v)) => Some(v.clone()),
            None => default.map(|d| {
                let env = |k: &str| {
                    globals
                        .get(k)
                        .cloned()
                        .flatten()
                        .or_else(|| target.and_then(|p| automatic_arg(k, p, &host)))
                };
                lexer
                    .process_word(d, &env)
                    .unwrap_or_else(|_| d.to_string())
            }),
        };
        globals.insert(name.to_string(), value);
    }
    globals
}

/// `NAME=default` or `NAME`.
fn split_arg(word: &str) -> (&str, Option<&str>) {
    match word.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (word, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::{StageGraph, parse};

    /// The probe's RUN lines, expanded with the evaluator, are what the
    /// stack's BuildKit printed (fixtures/vars/probe/expected).
    #[test]
    fn matches_the_recorded_probe() {
        let text = include_str!("../../fixtures/vars/probe/Dockerfile");
        let expected = include_str!("../../fixtures/vars/probe/expected");
        let df = parse("Dockerfile", text).unwrap();
        let build_args = vec![
            ("BUSYBOX".to_string(), "busybox".to_string()),
            ("OVER".to_string(), "from-build-arg".to_string()),
        ];
        let amd64 = Platform::new("linux", "amd64", None);
        let graph = StageGraph::for_platforms(&df, None, &build_args, std::slice::from_ref(&amd64))
            .unwrap();
        let mut got = Vec::new();
        for stage in &graph.stages {
            let chain: Vec<_> = graph
                .chain(stage.index)
                .into_iter()
                .rev()
                .map(|s| graph.stages[s].body.clone())
                .collect();
            for ii in stage.body.clone() {
                let ins = &df.instructions[ii];
                if ins.command != "run" {
                    continue;
                }
                let vars = Vars::at(&df, &chain, ii, &amd64, &build_args);
                let echo = ins.args_text.strip_prefix("echo ").unwrap();
                let line = Lexer::new('\\')
                    .process_word(echo, &|k| vars.get(k))
                    .unwrap();
                got.push(line);
            }
        }
        let mut want: Vec<&str> = expected.lines().collect();
        want.sort_unstable();
        got.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn a_stage_from_a_stage_inherits_its_args() {
        let df = parse(
            "Dockerfile",
            "FROM busybox AS gobase\nARG VERSION=1.2.3\nFROM gobase AS mid\nFROM mid AS builder\nRUN go build\n",
        )
        .unwrap();
        let p = Platform::new("linux", "arm64", None);
        let vars = Vars::at(&df, &[1..2, 3..3, 4..5], 4, &p, &[]);
        assert_eq!(vars.get("VERSION").as_deref(), Some("1.2.3"));
        assert!(vars.declares("VERSION"));
        assert_eq!(vars.get("TARGETARCH"), None);
    }
}
