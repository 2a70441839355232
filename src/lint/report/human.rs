//! Human output: each finding as a miette report with the file's snippet,
//! a labelled span, the rule's ID and name as its code, and help.

use crate::lint::{FileReport, Finding, Severity};
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};
use std::fmt;

/// A finding seen through miette.
struct Shown<'a> {
    finding: &'a Finding,
    source: &'a NamedSource<String>,
}

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for Shown<'_> {}

impl Diagnostic for Shown<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let r = self.finding.rule;
        Some(Box::new(format!("{} {}", r.id, r.name)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.rule.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.finding.help))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = &self.finding.span;
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some(self.finding.label.clone()),
            (span.start, span.end - span.start),
        ))))
    }
}

pub(super) fn render(reports: &[FileReport]) -> String {
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::default());
    let mut out = String::new();
    for r in reports.iter().filter(|r| !r.findings.is_empty()) {
        let source = NamedSource::new(&r.name, r.source.clone());
        for finding in &r.findings {
            let shown = Shown {
                finding,
                source: &source,
            };
            let mut one = String::new();
            if handler.render_report(&mut one, &shown).is_err() {
                one = format!("{}: {}\n", r.name, finding.message);
            }
            // A finding on a 1 MB line must not print the whole line.
            out.push_str(&crate::excerpt::bound_report(&one));
            out.push('\n');
        }
    }
    out
}
