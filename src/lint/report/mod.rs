//! Reporters: the findings of all files as miette reports (human), one JSON
//! object, or GitHub workflow commands; and the counts they end with.
//! Lines and columns are 1-based; columns count characters, and a BOM does
//! not count.

mod github;
mod human;
mod json;

use super::{FileReport, Severity};

/// How findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Github,
}

/// Counts over all files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    /// Findings that `--fix` would repair.
    pub fixable: usize,
}

impl Summary {
    pub fn of(reports: &[FileReport]) -> Summary {
        let mut s = Summary {
            files: reports.len(),
            ..Summary::default()
        };
        for f in reports.iter().flat_map(|r| &r.findings) {
            match f.rule.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
            }
            if f.fix.is_some() {
                s.fixable += 1;
            }
        }
        s
    }

    /// `2 errors, 1 warning in 3 files (1 fixable with --fix)`.
    pub fn line(&self) -> String {
        let n = |count: usize, what: &str| {
            format!("{count} {what}{}", if count == 1 { "" } else { "s" })
        };
        let mut out = format!(
            "{}, {} in {}",
            n(self.errors, "error"),
            n(self.warnings, "warning"),
            n(self.files, "file")
        );
        if self.fixable > 0 {
            out.push_str(&format!(" ({} fixable with --fix)", self.fixable));
        }
        out
    }
}

/// Renders all reports in `format` (for stdout).
pub fn render(format: Format, reports: &[FileReport]) -> String {
    match format {
        Format::Human => human::render(reports),
        Format::Json => json::render(reports),
        Format::Github => github::render(reports),
    }
}

/// 1-based line and column (characters) of a byte offset, not counting a BOM.
pub(crate) fn position(source: &str, offset: usize) -> (usize, usize) {
    let (line, col) = crate::dockerfile::line_col(source, offset);
    if line == 1 && col > 1 && source.starts_with('\u{feff}') {
        (line, col - 1)
    } else {
        (line, col)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_line() {
        let s = Summary {
            files: 3,
            errors: 2,
            warnings: 1,
            fixable: 1,
        };
        assert_eq!(
            s.line(),
            "2 errors, 1 warning in 3 files (1 fixable with --fix)"
        );
        let s = Summary {
            files: 1,
            ..Summary::default()
        };
        assert_eq!(s.line(), "0 errors, 0 warnings in 1 file");
        assert_eq!(position("\u{feff}FROM a", 3), (1, 1));
        assert_eq!(position("FROM a\nRUN é x", 14), (2, 7));
    }
}
