//! Suppression comments: `# xbuild-ignore XB005` (or `# xbuild-ignore:
//! XB001, XB007`) on the physical line right before an instruction's first
//! line silences those rules for findings in that instruction (its heredoc
//! bodies included). IDs are case-insensitive, separated by commas or blanks.

use crate::dockerfile::{Dockerfile, Span};
use regex::Regex;
use std::sync::LazyLock;

static IGNORE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^[ \t]*#[ \t]*xbuild-ignore\b[ \t]*:?(.*)$").expect("regex"));

/// The suppressions of one file.
pub struct Suppressions {
    /// Per instruction: its source range (from its first line's start to the
    /// end of its last heredoc) and the IDs it suppresses (uppercase).
    ranges: Vec<(Span, Vec<String>)>,
}

impl Suppressions {
    pub fn new(df: &Dockerfile) -> Self {
        let src = &df.source;
        let ranges = df
            .instructions
            .iter()
            .filter_map(|ins| {
                let line_start = line_start(src, ins.span.start);
                let ids = previous_line(src, line_start).and_then(ids)?;
                Some((line_start..ins.full_end(), ids))
            })
            .collect();
        Suppressions { ranges }
    }

    /// Is a finding of rule `id` at `span` suppressed?
    pub fn covers(&self, id: &str, span: &Span) -> bool {
        self.ranges.iter().any(|(r, ids)| {
            r.start <= span.start && span.start <= r.end && ids.iter().any(|i| i == id)
        })
    }
}

pub(super) fn line_start(src: &str, pos: usize) -> usize {
    src[..pos].rfind('\n').map_or(0, |i| i + 1)
}

/// The physical line before the line starting at `start`, without its
/// line ending.
fn previous_line(src: &str, start: usize) -> Option<&str> {
    if start == 0 {
        return None;
    }
    let end = start - 1;
    let begin = line_start(src, end);
    Some(src[begin..end].trim_end_matches('\r'))
}

fn ids(line: &str) -> Option<Vec<String>> {
    let caps = IGNORE.captures(line)?;
    let ids: Vec<String> = caps[1]
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_uppercase)
        .collect();
    (!ids.is_empty()).then_some(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::parse;

    #[test]
    fn comment_on_the_line_before_only() {
        let src = "FROM a\r\n# xbuild-ignore: xb005, XB001 XB007\r\nRUN x\r\n# xbuild-ignore XB002\r\n\r\nRUN y\r\n";
        let df = parse("Dockerfile", src).unwrap();
        let s = Suppressions::new(&df);
        let run_x = df.instructions[1].span.clone();
        let run_y = df.instructions[2].span.clone();
        assert!(s.covers("XB005", &run_x));
        assert!(s.covers("XB001", &run_x));
        assert!(s.covers("XB007", &run_x));
        assert!(!s.covers("XB002", &run_x));
        assert!(!s.covers("XB002", &run_y), "a blank line breaks it");
        assert!(!s.covers("XB005", &df.instructions[0].span));
    }

    #[test]
    fn ids_are_lenient() {
        assert_eq!(ids("  #xbuild-ignore:XB005").unwrap(), vec!["XB005"]);
        assert_eq!(
            ids("# XBUILD-IGNORE xb1,  xb2").unwrap(),
            vec!["XB1", "XB2"]
        );
        assert!(ids("# xbuild-ignore").is_none());
        assert!(ids("# xbuild-ignored XB005").is_none());
        assert!(ids("RUN x # xbuild-ignore XB005").is_none());
    }
}
