//! Byte-preserving edits: insert or replace exact byte ranges of the source,
//! leaving every other byte (BOM, CRLF, comments, case, heredocs) untouched.

use super::Span;

/// Replace `span` (empty for an insertion) with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub text: String,
}

impl Edit {
    pub fn insert(at: usize, text: impl Into<String>) -> Edit {
        Edit {
            span: at..at,
            text: text.into(),
        }
    }

    pub fn delete(span: Span) -> Edit {
        Edit {
            span,
            text: String::new(),
        }
    }
}

/// Applies edits to `source`. Edits are applied in order of position;
/// an edit that overlaps an earlier one is skipped (the first wins), so
/// applying fixes from several rules can never corrupt the text.
pub fn apply(source: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(source.len() + 64);
    let mut pos = 0;
    for e in sorted {
        if e.span.start < pos || e.span.end > source.len() {
            continue;
        }
        out.push_str(&source[pos..e.span.start]);
        out.push_str(&e.text);
        pos = e.span.end;
    }
    out.push_str(&source[pos..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_in_order_and_skips_overlaps() {
        let s = "FROM a\r\nFROM b\r\n";
        let out = apply(
            s,
            &[
                Edit::insert(12, " x"),
                Edit::insert(4, " y"),
                Edit::delete(0..1),
            ],
        );
        assert_eq!(out, "ROM y a\r\nFROM x b\r\n");
        // The delete of 3..6 overlaps nothing before it; the insert at 4 does.
        let out = apply(s, &[Edit::delete(3..6), Edit::insert(4, " y")]);
        assert_eq!(out, "FRO\r\nFROM b\r\n");
    }
}
