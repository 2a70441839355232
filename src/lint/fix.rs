//! `--fix`: the edits that repair findings, and the loop that applies them.
//!
//! Edits change only the bytes of the fix: a removed flag takes the one
//! blank before it with it (or its whole line, when it stood alone on a
//! continuation line); an inserted line copies the indentation and the line
//! ending of the line it follows. The loop re-lints after each round until
//! nothing is left to fix, so a second `--fix` changes nothing; a round
//! whose result does not parse is not applied.

use super::suppress::line_start;
use super::{CrossFile, FileReport, Finding, Fix, Input, Options, findings, model};
use crate::cross::CrossPlan;
use crate::dockerfile::edit::{Edit, apply};
use crate::dockerfile::{Dockerfile, Flag, Instruction};
use std::collections::BTreeMap;

/// Rounds of fixing before giving up (each round fixes everything it can;
/// the second one normally finds nothing).
const MAX_ROUNDS: usize = 8;

/// What `--fix` made of one file.
#[derive(Debug, Clone)]
pub struct Fixed {
    /// The Dockerfile's text after the fixes (the input when none applied).
    pub text: String,
    /// The new Dockerfile.cross, when it is to be rewritten.
    pub cross: Option<String>,
    /// How many findings of each rule the fixes removed.
    pub fixed: BTreeMap<&'static str, usize>,
    /// Why some fixes were not applied: their result would not parse.
    pub refused: Option<String>,
    /// The findings that remain in the fixed text.
    pub report: FileReport,
}

impl Fixed {
    /// Nothing to write.
    pub fn is_noop(&self, input: &Input) -> bool {
        self.text == input.text && self.cross.is_none()
    }
}

/// Applies every fix of the enabled, unsuppressed findings of `input`.
pub fn fix(input: &Input, options: &Options) -> Fixed {
    let target = input.target.as_deref();
    let before = super::check(input, options).findings;
    let mut text = input.text.clone();
    let mut refused = None;
    // Per rule, the findings whose edits were applied, over all rounds (a
    // later round can fix what only the first round's fixes revealed).
    let mut applied: BTreeMap<&'static str, usize> = BTreeMap::new();
    for _ in 0..MAX_ROUNDS {
        let Ok((df, graph)) = model(&input.name, &text, target, options) else {
            break;
        };
        let mut round: BTreeMap<&'static str, usize> = BTreeMap::new();
        let edits: Vec<Edit> = findings(&df, &graph, None, options)
            .into_iter()
            .filter_map(|f| match f.fix {
                Some(Fix::Edits(e)) => {
                    *round.entry(f.rule.id).or_default() += 1;
                    Some(e)
                }
                _ => None,
            })
            .flatten()
            .collect();
        let next = apply(&text, &edits);
        if next == text {
            break;
        }
        if let Err(f) = model(&input.name, &next, target, options) {
            refused = Some(format!(
                "the fixed text would not parse ({}); fixes left unapplied",
                f.message
            ));
            break;
        }
        text = next;
        for (id, n) in round {
            *applied.entry(id).or_default() += n;
        }
    }

    let mut cross = None;
    if let (Some(current), Ok((df, graph))) =
        (&input.cross, model(&input.name, &text, target, options))
    {
        let stale = findings(&df, &graph, Some(current), options)
            .iter()
            .any(|f| f.fix == Some(Fix::RewriteCross));
        if stale {
            cross = Some(CrossPlan::new(&df, &graph, options.strategy).apply(&df));
        }
    }

    let after_input = Input {
        text: text.clone(),
        cross: match (&cross, &input.cross) {
            (Some(t), Some(c)) => Some(CrossFile {
                name: c.name.clone(),
                text: t.clone(),
            }),
            _ => input.cross.clone(),
        },
        ..input.clone()
    };
    let report = super::check(&after_input, options);
    let mut fixed = removed(&before, &report.findings);
    for (id, n) in applied {
        let count = fixed.entry(id).or_default();
        *count = (*count).max(n);
    }
    Fixed {
        fixed,
        text,
        cross,
        refused,
        report,
    }
}

/// Per rule: how many more findings there were before than after.
fn removed(before: &[Finding], after: &[Finding]) -> BTreeMap<&'static str, usize> {
    let count = |fs: &[Finding]| {
        let mut m: BTreeMap<&'static str, usize> = BTreeMap::new();
        for f in fs.iter().filter(|f| f.rule.fixable) {
            *m.entry(f.rule.id).or_default() += 1;
        }
        m
    };
    let after = count(after);
    count(before)
        .into_iter()
        .filter_map(|(id, n)| {
            let left = after.get(id).copied().unwrap_or(0);
            (n > left).then_some((id, n - left))
        })
        .collect()
}

/// Removes a flag and the blank before it; a flag alone on a continuation
/// line goes with its whole line, so the text stays valid either way.
pub fn remove_flag(df: &Dockerfile, flag: &Flag) -> Edit {
    let src = &df.source;
    let b = src.as_bytes();
    let (s, e) = (flag.span.start, flag.span.end);
    let ls = line_start(src, s);
    let nl = src[e..].find('\n').map(|i| e + i);
    let before = &src[ls..s];
    let after = &src[e..nl.unwrap_or(src.len())];
    let alone = before.trim().is_empty()
        && after.trim_end_matches('\r').trim() == df.escape.to_string()
        && nl.is_some();
    if alone {
        Edit::delete(ls..nl.map_or(src.len(), |n| n + 1))
    } else if s > ls && matches!(b[s - 1], b' ' | b'\t') {
        Edit::delete(s - 1..e)
    } else if e < b.len() && matches!(b[e], b' ' | b'\t') {
        Edit::delete(s..e + 1)
    } else {
        Edit::delete(s..e)
    }
}

/// Inserts `lines` after the last line of `ins`, each with the indentation
/// of the instruction's first line and the line ending of its last line
/// (a missing final newline is added first).
pub fn insert_lines_after(df: &Dockerfile, ins: &Instruction, lines: &[String]) -> Edit {
    let src = &df.source;
    let ls = line_start(src, ins.span.start);
    let indent = &src[ls..ins.span.start];
    let indent = if indent.trim().is_empty() { indent } else { "" };
    match src[ins.span.end..].find('\n').map(|i| ins.span.end + i) {
        Some(nl) => {
            let eol = if src[..nl].ends_with('\r') {
                "\r\n"
            } else {
                "\n"
            };
            let text: String = lines.iter().map(|l| format!("{indent}{l}{eol}")).collect();
            Edit::insert(nl + 1, text)
        }
        None => {
            let eol = if src.contains("\r\n") { "\r\n" } else { "\n" };
            let text: String = lines.iter().map(|l| format!("{eol}{indent}{l}")).collect();
            Edit::insert(src.len(), format!("{text}{eol}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::parse;

    fn without_first_flag(src: &str) -> String {
        let df = parse("Dockerfile", src).unwrap();
        let from = df
            .instructions
            .iter()
            .find(|i| i.command == "from")
            .unwrap();
        apply(src, &[remove_flag(&df, &from.flags[0])])
    }

    #[test]
    fn removing_a_flag_keeps_the_rest() {
        assert_eq!(
            without_first_flag("FROM --platform=$BUILDPLATFORM alpine\r\n"),
            "FROM alpine\r\n"
        );
        assert_eq!(
            without_first_flag("from\t--platform=\"$BUILDPLATFORM\"\talpine AS x"),
            "from\talpine AS x"
        );
        assert_eq!(
            without_first_flag("FROM \\\n    --platform=$BUILDPLATFORM \\\n    alpine\n"),
            "FROM \\\n    alpine\n"
        );
        assert_eq!(
            without_first_flag("FROM --platform=$BUILDPLATFORM \\\n  alpine\n"),
            "FROM \\\n  alpine\n"
        );
        assert_eq!(
            without_first_flag("# escape=`\nFROM `\n  --platform=$BUILDPLATFORM `\n  alpine\n"),
            "# escape=`\nFROM `\n  alpine\n"
        );
    }

    #[test]
    fn inserted_lines_follow_indentation_and_line_endings() {
        let ins = |src: &str| {
            let df = parse("Dockerfile", src).unwrap();
            let from = df
                .instructions
                .iter()
                .find(|i| i.command == "from")
                .unwrap();
            apply(
                src,
                &[insert_lines_after(
                    &df,
                    from,
                    &["ARG TARGETOS".into(), "ARG TARGETARCH".into()],
                )],
            )
        };
        assert_eq!(
            ins("  FROM a \\\r\n   AS b\r\nRUN x\r\n"),
            "  FROM a \\\r\n   AS b\r\n  ARG TARGETOS\r\n  ARG TARGETARCH\r\nRUN x\r\n"
        );
        assert_eq!(ins("FROM a"), "FROM a\nARG TARGETOS\nARG TARGETARCH\n");
        assert_eq!(
            ins("ARG X\r\nFROM a"),
            "ARG X\r\nFROM a\r\nARG TARGETOS\r\nARG TARGETARCH\r\n"
        );
    }
}
