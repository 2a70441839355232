//! Where the value a variable has when a RUN starts is written: the `ENV`
//! or `ARG` word (in the stage or in the stages it is built FROM) that the
//! one ARG/ENV evaluator (`dockerfile::vars`) took it from, with its span,
//! so rules can tell a literal from a variable and point at it.

use super::Context;
use crate::dockerfile::vars::{Origin, Vars};
use crate::dockerfile::{Instruction, Span};
use std::cell::OnceCell;
use std::collections::HashMap;

/// Where a variable got its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The value as written (quotes kept).
    pub value: String,
    /// A fixed value: not empty and no `$`.
    pub literal: bool,
    /// The `NAME=value` word in the ENV or ARG instruction.
    pub span: Span,
    from_env: bool,
}

/// Per stage, built on first use: for each variable, the bindings along
/// the stage's chain with the instruction after which each holds, so a
/// lookup is a binary search (lint stays linear in the file's size).
#[derive(Default)]
pub struct Index {
    stages: Vec<OnceCell<Table>>,
}

/// Per variable: (instruction index, the binding from there on).
type Table = HashMap<String, Vec<(usize, Binding)>>;

impl Index {
    pub fn new(stages: usize) -> Self {
        Index {
            stages: (0..stages).map(|_| OnceCell::new()).collect(),
        }
    }
}

/// The binding of `name` for instruction `upto` of `stage` (instructions
/// of the stage before `upto`, and all of its ancestors').
pub fn lookup(cx: &Context, stage: usize, upto: usize, name: &str) -> Option<Binding> {
    let table = cx.env_index().stages[stage].get_or_init(|| bindings(cx, stage));
    let events = table.get(name)?;
    let k = events.partition_point(|(i, _)| *i < upto);
    k.checked_sub(1).map(|k| events[k].1.clone())
}

/// Every binding along `stage`'s chain, in instruction order, as the one
/// ARG/ENV evaluator (`dockerfile::vars`) sets the values: an ENV always
/// wins; an ARG only over another ARG; a bare `ARG NAME` takes the global
/// default or keeps the inherited value. Build arguments and automatic
/// platform values are not written in the file: they bind nothing here.
fn bindings(cx: &Context, stage: usize) -> Table {
    let mut out: Table = HashMap::new();
    let host = crate::platform::Platform::host();
    let mut vars = Vars::new(cx.df, &host, &[]);
    for s in cx.graph.chain(stage).into_iter().rev() {
        for i in cx.graph.stages[s].body.clone() {
            let ins = &cx.df.instructions[i];
            let Ok(sets) = vars.apply_traced(ins) else {
                continue;
            };
            for set in sets {
                let name = set.name.as_str();
                let b = match set.origin {
                    Origin::Env { pair } => Some(binding(ins, name, &ins.args[pair * 3 + 1], true)),
                    _ if vars.has_env(name) => None,
                    Origin::Arg { word } => ins.args[word]
                        .split_once('=')
                        .map(|(_, v)| binding(ins, name, v, false)),
                    Origin::GlobalArg => global_default(cx, name),
                    Origin::BuildArg | Origin::Automatic | Origin::Kept => None,
                };
                if let Some(b) = b {
                    out.entry(set.name).or_default().push((i, b));
                }
            }
        }
    }
    out
}

/// The global `ARG NAME=value` (before the first FROM) that a stage's bare
/// `ARG NAME` imports: the last one, as BuildKit keeps the last default.
fn global_default(cx: &Context, name: &str) -> Option<Binding> {
    let first_from = cx.graph.stages.first()?.from;
    cx.df.instructions[..first_from]
        .iter()
        .rev()
        .filter(|ins| ins.command == "arg")
        .find_map(|ins| {
            ins.args.iter().rev().find_map(|w| {
                let (k, v) = w.split_once('=')?;
                (k == name).then(|| binding(ins, name, v, false))
            })
        })
}

fn binding(ins: &Instruction, name: &str, value: &str, from_env: bool) -> Binding {
    let unquoted = value.trim_matches(|c| c == '"' || c == '\'');
    Binding {
        value: value.to_string(),
        literal: !unquoted.is_empty() && !value.contains('$'),
        span: key_span(ins, name),
        from_env,
    }
}

/// The span of the `NAME=value` (or `NAME value`) word in an ENV or ARG.
fn key_span(ins: &Instruction, name: &str) -> Span {
    let text = &ins.line.text;
    let bytes = text.as_bytes();
    let mut from = ins.args_offset;
    while let Some(pos) = text[from..].find(name) {
        let start = from + pos;
        let end = start + name.len();
        let before_ok = start == 0 || bytes[start - 1].is_ascii_whitespace();
        let after_ok = end == text.len() || bytes[end] == b'=' || bytes[end].is_ascii_whitespace();
        if before_ok && after_ok {
            let word_end = text[end..]
                .find(|c: char| c.is_ascii_whitespace())
                .map_or(text.len(), |e| end + e);
            let word_end = if word_end == end {
                text.len()
            } else {
                word_end
            };
            return ins.line.span(start..word_end);
        }
        from = end;
    }
    ins.span.clone()
}
