//! What each command of a stage produces, for which platform, and whether
//! it reaches the image: the judgement `cross` and lint (XB001, XB006,
//! XB008) share. Commands come from the one RUN reader
//! ([`crate::dockerfile::script`]), values from the one ARG/ENV evaluator
//! ([`crate::dockerfile::vars`]).
//!
//! An output *ships* when a stage copies it (`COPY --from`, `RUN
//! --mount=from=`) or is built FROM the stage holding it, and that stage
//! ships or passes the path on the same way, followed through chains.

mod classify;
mod ships;

use super::script::{Command, run_commands};
use super::vars::Vars;
use super::{Dockerfile, StageGraph};
use crate::platform::Platform;
use classify::{Env, classify};
use std::path::{Path, PathBuf};

/// For which platform a command's output is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    /// Follows the target platform (`GOARCH=$TARGETARCH`, xx tools).
    Target,
    /// One fixed platform whatever the target (`GOARCH=amd64`).
    Fixed,
    /// No architecture (text, sources, a plain download).
    Independent,
    /// The machine the stage runs on (`go build` without GOARCH, packages).
    Native,
    /// Cannot tell (`make`, a program or script not read).
    Unknown,
}

impl Arch {
    /// Running the command on the build machine changes nothing for the image.
    pub fn pin_safe(self) -> bool {
        matches!(self, Arch::Target | Arch::Fixed | Arch::Independent)
    }
}

/// What one command writes, and for which platform.
#[derive(Debug, Clone)]
pub struct Output {
    pub arch: Arch,
    /// Why, for messages: `GOARCH=$TARGETARCH follows the target`.
    pub why: String,
    /// Absolute paths it writes.
    pub paths: Vec<String>,
    /// The command writes exactly these paths (`-o`, `--installroot`);
    /// otherwise somewhere below them (packages into /usr, `make` in WORKDIR).
    pub exact: bool,
}

/// One producing command of a stage.
#[derive(Debug, Clone)]
pub struct Product {
    pub stage: usize,
    /// Index of the RUN instruction.
    pub instruction: usize,
    /// 1-based line of the command.
    pub line: usize,
    /// The command as written.
    pub command: String,
    pub span: super::Span,
    /// The program and its subcommand (`go build`), for labels.
    pub label_span: super::Span,
    pub output: Output,
}

impl Product {
    /// `line 12: \`go build -o x\` (go build without GOARCH ...)`.
    pub fn describe(&self) -> String {
        format!(
            "line {}: `{}` ({})",
            self.line, self.command, self.output.why
        )
    }
}

/// Every stage's producing commands.
pub struct Products {
    pub stages: Vec<Vec<Product>>,
    /// The copies between stages, which stages ship, and each stage's tree
    /// (itself and the stages built FROM it), computed once.
    copies: Vec<ships::Copy>,
    ships: Vec<bool>,
    trees: Vec<Vec<usize>>,
}

/// The directory scripts run from the build context are read from: the
/// Dockerfile's own.
fn context_dir(df: &Dockerfile) -> Option<PathBuf> {
    let p = Path::new(&df.name);
    p.is_file()
        .then(|| p.parent().unwrap_or(Path::new(".")).to_path_buf())
}

impl Products {
    pub fn new(df: &Dockerfile, graph: &StageGraph) -> Products {
        Self::judge(df, graph, false)
    }

    /// As [`Products::new`], every TARGET* use read as declared (what the
    /// file means once XB007's missing ARGs are added).
    pub fn intended(df: &Dockerfile, graph: &StageGraph) -> Products {
        Self::judge(df, graph, true)
    }

    fn judge(df: &Dockerfile, graph: &StageGraph, assume_declared: bool) -> Products {
        let context = context_dir(df);
        let amd = Platform::new("linux", "amd64", None);
        let arm = Platform::new("linux", "arm64", None);
        let stages = graph
            .stages
            .iter()
            .map(|s| {
                let chain: Vec<std::ops::Range<usize>> = graph
                    .chain(s.index)
                    .iter()
                    .rev()
                    .map(|&c| graph.stages[c].body.clone())
                    .collect();
                let mut vamd = Vars::at(df, &chain[..chain.len() - 1], usize::MAX, &amd, &[]);
                let mut varm = Vars::at(df, &chain[..chain.len() - 1], usize::MAX, &arm, &[]);
                let mut wd = workdir(df, &chain[..chain.len() - 1]);
                let mut out = Vec::new();
                for i in s.body.clone() {
                    let ins = &df.instructions[i];
                    match ins.command.as_str() {
                        "workdir" => {
                            let w = vamd.expand(ins.args.first().map_or("", |a| a.as_str()));
                            wd = join(&wd, &w.unwrap_or_default());
                        }
                        "run" => {
                            let env = Env {
                                amd: &vamd,
                                arm: &varm,
                                wd: &wd,
                                assume_declared,
                            };
                            for cmd in run_commands(&df.source, ins) {
                                for output in judge(&cmd, &env, context.as_deref(), 0) {
                                    let span = cmd.whole_span();
                                    out.push(Product {
                                        stage: s.index,
                                        instruction: i,
                                        line: df.line_in(ins, span.start),
                                        command: cmd.text(),
                                        span,
                                        label_span: cmd.span(),
                                        output,
                                    });
                                }
                            }
                        }
                        _ => {}
                    }
                    let _ = vamd.apply(ins);
                    let _ = varm.apply(ins);
                }
                out
            })
            .collect();
        Products {
            stages,
            copies: ships::copies(df, graph),
            ships: graph.ships(),
            trees: (0..graph.stages.len()).map(|i| graph.tree(i)).collect(),
        }
    }
}

/// A command's outputs; a script from the build context is read and its
/// commands judged one by one (each keeps its own paths).
fn judge(cmd: &Command, env: &Env, context: Option<&Path>, depth: usize) -> Vec<Output> {
    if let Some(script) = script_path(cmd)
        && depth < 3
    {
        let text = context.and_then(|c| std::fs::read_to_string(c.join(&script)).ok());
        let Some(text) = text else {
            return vec![Output {
                arch: Arch::Unknown,
                why: format!(
                    "{script} is not in the build context here, so what it builds is unknown"
                ),
                paths: vec![env.wd.to_string()],
                exact: false,
            }];
        };
        return super::script::commands(&text, &|_| 0..0)
            .iter()
            .flat_map(|c| judge(c, env, context, depth + 1))
            .map(|o| Output {
                why: format!("{script}: {}", o.why),
                ..o
            })
            .collect();
    }
    classify(cmd, env).into_iter().collect()
}

/// `./hack/build.sh`, `sh hack/build.sh`, `bash -e build.sh`: the script's
/// path relative to the build context (WORKDIR assumed to hold it).
fn script_path(cmd: &Command) -> Option<String> {
    let prog = cmd.argv.first()?.text.as_str();
    let name = if matches!(cmd.program(), "sh" | "bash" | "ash" | "dash") {
        cmd.argv
            .iter()
            .skip(1)
            .map(|w| w.text.as_str())
            .find(|t| !t.starts_with('-'))?
    } else {
        prog
    };
    // Inside the build context only.
    (!name.split('/').any(|part| part == "..")
        && !name.starts_with('/')
        && (name.ends_with(".sh") || (name.starts_with("./") && name.len() > 2)))
        .then(|| name.trim_start_matches("./").to_string())
}

/// The WORKDIR at the end of the given stage bodies.
fn workdir(df: &Dockerfile, chain: &[std::ops::Range<usize>]) -> String {
    let mut wd = "/".to_string();
    for body in chain {
        for ins in &df.instructions[body.clone()] {
            if ins.command == "workdir" {
                wd = join(&wd, ins.args.first().map_or("", |a| a.as_str()));
            }
        }
    }
    wd
}

/// `p` relative to `base` (absolute stays), without a trailing slash.
pub(crate) fn join(base: &str, p: &str) -> String {
    let p = p.trim_matches(|c| c == '"' || c == '\'');
    let joined = if p.starts_with('/') {
        p.to_string()
    } else if p.is_empty() || p == "." {
        base.to_string()
    } else {
        format!(
            "{}/{}",
            base.trim_end_matches('/'),
            p.trim_start_matches("./")
        )
    };
    let t = joined.trim_end_matches('/');
    if t.is_empty() {
        "/".into()
    } else {
        t.to_string()
    }
}

pub use ships::{Delivery, deliveries};

#[cfg(test)]
mod tests;
