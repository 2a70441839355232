//! `xbuild lint`: the mistakes that give wrong-arch images or slow emulated
//! builds, found before commit, and the fixes that have one right answer.
//!
//! The engine parses a file, builds its stage graph, runs every enabled rule
//! of [`RULES`] over a [`Context`], drops the findings that a comment or the
//! configuration suppresses, and returns them sorted by position. A file that
//! does not parse yields one XB000 finding instead.
//!
//! Invariants:
//! - Every finding's span is a byte range of the file's text.
//! - A fix only inserts or removes the bytes of the fix (see [`fix`]); the
//!   fixed text always parses, or it is not produced.
//! - Nothing here touches the file system: the caller reads the Dockerfile
//!   and its Dockerfile.cross and writes what [`fix::fix`] returns.

mod context;
mod env;
mod error;
pub mod fix;
pub mod report;
pub mod rule;
mod rules;
mod suppress;

pub use context::{Context, platform_kind};
pub use error::LintError;
pub use rule::{PARSE_ERROR, RULES, Rule, Severity};

use crate::config::Strategy;
use crate::dockerfile::edit::Edit;
use crate::dockerfile::{self, Dockerfile, Span, StageGraph, stages::StageError};

/// What to check, resolved from the command line and xbuild.toml.
#[derive(Debug, Clone)]
pub struct Options {
    /// Rule IDs never reported (`[lint] ignore`), uppercase.
    pub ignore: Vec<String>,
    /// When set, only these rule IDs run (`--select`), uppercase.
    pub select: Option<Vec<String>>,
    /// The strategy `xbuild cross` uses, for XB010.
    pub strategy: Strategy,
    /// `[build] args`: they override global ARG defaults, e.g. in
    /// `FROM ${BASE}`, when the stage model is built.
    pub build_args: Vec<(String, String)>,
    /// `[image] platforms`: a FROM named with `${TARGETOS}` & co. is
    /// resolved for each (empty: linux/amd64 and linux/arm64).
    pub platforms: Vec<crate::platform::Platform>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            ignore: Vec::new(),
            select: None,
            strategy: Strategy::Auto,
            build_args: Vec::new(),
            platforms: Vec::new(),
        }
    }
}

impl Options {
    /// Checks that every ID names a rule. `ignore_from` says where the ignore
    /// list came from, for the error message.
    pub fn new(
        ignore: Vec<String>,
        ignore_from: &str,
        select: Option<Vec<String>>,
        strategy: Strategy,
    ) -> Result<Options, LintError> {
        let ids = |list: Vec<String>, from: &str| -> Result<Vec<String>, LintError> {
            list.into_iter()
                .map(|id| match rule::find(&id) {
                    Some(r) => Ok(r.id.to_string()),
                    None => Err(LintError::UnknownRule {
                        id,
                        from: from.to_string(),
                    }),
                })
                .collect()
        };
        Ok(Options {
            ignore: ids(ignore, ignore_from)?,
            select: select.map(|s| ids(s, "--select")).transpose()?,
            strategy,
            build_args: Vec::new(),
            platforms: Vec::new(),
        })
    }

    /// Does this rule run?
    pub fn enabled(&self, rule: &Rule) -> bool {
        let has = |list: &[String]| list.iter().any(|i| i.eq_ignore_ascii_case(rule.id));
        !has(&self.ignore) && self.select.as_deref().is_none_or(has)
    }
}

/// One Dockerfile to check.
#[derive(Debug, Clone)]
pub struct Input {
    /// The name shown in reports (the path as given).
    pub name: String,
    pub text: String,
    /// The stage the image is built from (default: the last one).
    pub target: Option<String>,
    /// The file's Dockerfile.cross, when it exists (XB010).
    pub cross: Option<CrossFile>,
}

/// An existing Dockerfile.cross.
#[derive(Debug, Clone)]
pub struct CrossFile {
    pub name: String,
    pub text: String,
}

/// A problem found in a Dockerfile.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static Rule,
    pub span: Span,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What the span shows.
    pub label: String,
    /// What to do about it.
    pub help: String,
    pub fix: Option<Fix>,
}

/// How `--fix` repairs a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fix {
    /// Byte-exact edits of the Dockerfile.
    Edits(Vec<Edit>),
    /// Rewrite Dockerfile.cross from the (fixed) Dockerfile.
    RewriteCross,
}

/// The findings of one file, with its text for reporting.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub name: String,
    pub source: String,
    pub findings: Vec<Finding>,
}

/// Checks one Dockerfile.
pub fn check(input: &Input, options: &Options) -> FileReport {
    let findings = match model(&input.name, &input.text, input.target.as_deref(), options) {
        Ok((df, graph)) => findings(&df, &graph, input.cross.as_ref(), options),
        Err(f) => vec![f],
    };
    FileReport {
        name: input.name.clone(),
        source: input.text.clone(),
        findings,
    }
}

/// Parses a file and builds its stage graph; a failure is an XB000 finding.
pub(crate) fn model(
    name: &str,
    text: &str,
    target: Option<&str>,
    options: &Options,
) -> Result<(Dockerfile, StageGraph), Finding> {
    let df = dockerfile::load(name, text)
        .map_err(|e| parse_error(e.range(), e.message, e.label, e.help))?;
    let graph = if options.platforms.is_empty() {
        StageGraph::new(&df, target, &options.build_args)
    } else {
        StageGraph::for_platforms(&df, target, &options.build_args, &options.platforms)
    }
    .map_err(|e| match e {
        StageError::Invalid {
            message,
            span,
            label,
            help,
            ..
        } => parse_error(
            span.offset()..span.offset() + span.len(),
            message,
            label,
            help,
        ),
        other @ StageError::UnknownTarget { .. } => {
            let help = miette::Diagnostic::help(&other).map(|h| h.to_string());
            parse_error(0..0, other.to_string(), "here".into(), help)
        }
    })?;
    Ok((df, graph))
}

fn parse_error(span: Span, message: String, label: String, help: Option<String>) -> Finding {
    Finding {
        rule: &PARSE_ERROR,
        span,
        message,
        label,
        help: help.unwrap_or_else(|| "BuildKit rejects this file; fix it so that it parses".into()),
        fix: None,
    }
}

/// Runs the enabled rules over a parsed file and drops suppressed findings.
pub(crate) fn findings(
    df: &Dockerfile,
    graph: &StageGraph,
    cross: Option<&CrossFile>,
    options: &Options,
) -> Vec<Finding> {
    let cx = Context::new(df, graph, cross, options.strategy);
    let suppressions = suppress::Suppressions::new(df);
    let mut out = Vec::new();
    for rule in RULES.iter().filter(|r| options.enabled(r)) {
        let start = out.len();
        (rule.check)(&cx, &mut out);
        debug_assert!(out[start..].iter().all(|f| std::ptr::eq(f.rule, *rule)));
    }
    out.retain(|f| !suppressions.covers(f.rule.id, &f.span));
    out.sort_by(|a, b| {
        (a.span.start, a.rule.id, a.span.end).cmp(&(b.span.start, b.rule.id, b.span.end))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(text: &str) -> Input {
        Input {
            name: "Dockerfile".into(),
            text: text.into(),
            target: None,
            cross: None,
        }
    }

    fn ids(input: &Input, options: &Options) -> Vec<&'static str> {
        check(input, options)
            .findings
            .iter()
            .map(|f| f.rule.id)
            .collect()
    }

    const TWO: &str = "FROM --platform=linux/amd64 alpine\nRUN echo $TARGETARCH\n";

    #[test]
    fn the_config_ignore_list_suppresses_rules_and_their_fixes() {
        let i = input(TWO);
        assert_eq!(ids(&i, &Options::default()), ["XB005", "XB007"]);
        let options =
            Options::new(vec!["xb005".into()], "xbuild.toml", None, Strategy::Auto).unwrap();
        assert_eq!(options.ignore, ["XB005"]);
        assert_eq!(ids(&i, &options), ["XB007"]);
        let options = Options {
            ignore: vec!["XB007".into()],
            ..Options::default()
        };
        assert_eq!(ids(&i, &options), ["XB005"]);
        let fixed = fix::fix(&i, &options);
        assert_eq!(fixed.text, TWO, "an ignored rule is not fixed either");
        assert!(fixed.fixed.is_empty());
    }

    #[test]
    fn select_runs_only_the_selected_rules_but_parse_errors_always_show() {
        let options =
            Options::new(Vec::new(), "", Some(vec!["XB007".into()]), Strategy::Auto).unwrap();
        assert_eq!(ids(&input(TWO), &options), ["XB007"]);
        assert_eq!(ids(&input("FROM a AS 1x\n"), &options), ["XB000"]);
    }

    #[test]
    fn unknown_ids_are_errors() {
        let err = Options::new(
            vec!["XB999".into()],
            "xbuild.toml [lint] ignore",
            None,
            Strategy::Auto,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown rule ID \"XB999\" in xbuild.toml [lint] ignore"
        );
    }

    #[test]
    fn a_file_that_does_not_parse_is_left_alone_by_fix() {
        let i = input("FROM alpine\nRUN <<EOF\nnever closed\n");
        let fixed = fix::fix(&i, &Options::default());
        assert!(fixed.is_noop(&i));
        assert_eq!(fixed.report.findings[0].rule.id, "XB000");
        assert_eq!(fixed.report.findings[0].span, 12..21);
    }
}
