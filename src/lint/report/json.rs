//! JSON output: one object, `{"diagnostics": [...], "summary": {...}}`.

use super::{Summary, position};
use crate::lint::FileReport;
use serde::Serialize;

#[derive(Serialize)]
struct Output<'a> {
    diagnostics: Vec<Diagnostic<'a>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct Diagnostic<'a> {
    file: &'a str,
    rule: &'static str,
    name: &'static str,
    severity: &'static str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
    fixable: bool,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    errors: usize,
    warnings: usize,
}

pub(super) fn render(reports: &[FileReport]) -> String {
    let mut diagnostics = Vec::new();
    for r in reports {
        for f in &r.findings {
            let (line, column) = position(&r.source, f.span.start);
            let (end_line, end_column) = position(&r.source, f.span.end);
            diagnostics.push(Diagnostic {
                file: &r.name,
                rule: f.rule.id,
                name: f.rule.name,
                severity: f.rule.severity.as_str(),
                line,
                column,
                end_line,
                end_column,
                message: &f.message,
                fixable: f.fix.is_some(),
            });
        }
    }
    let s = Summary::of(reports);
    let out = Output {
        diagnostics,
        summary: JsonSummary {
            files: s.files,
            errors: s.errors,
            warnings: s.warnings,
        },
    };
    let mut text = serde_json::to_string_pretty(&out).expect("plain data serializes");
    text.push('\n');
    text
}
