//! A logical line: the physical lines of one instruction joined the way
//! BuildKit joins them (escape characters at line ends removed, comment and
//! empty lines inside the continuation dropped), with a map from every byte
//! of the joined text back to its byte in the source.

use super::Span;
use std::ops::Range;

/// One contiguous piece of source text inside a logical line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    logical: usize,
    source: usize,
    len: usize,
}

/// Joined text plus its source map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogicalLine {
    pub text: String,
    segments: Vec<Segment>,
}

impl LogicalLine {
    /// Appends `piece`, which starts at byte `source` of the file.
    pub(crate) fn push(&mut self, piece: &str, source: usize) {
        if piece.is_empty() {
            return;
        }
        self.segments.push(Segment {
            logical: self.text.len(),
            source,
            len: piece.len(),
        });
        self.text.push_str(piece);
    }

    /// The source offset of logical offset `pos` (`pos == len` maps to the
    /// end of the last piece).
    pub fn to_source(&self, pos: usize) -> usize {
        let idx = self.segments.partition_point(|s| s.logical + s.len <= pos);
        match self.segments.get(idx) {
            Some(s) if s.logical <= pos => s.source + (pos - s.logical),
            Some(s) => s.source,
            None => self.segments.last().map_or(0, |s| s.source + s.len),
        }
    }

    /// The source span of a logical range. A range that crosses a line
    /// continuation covers the continuation too.
    pub fn span(&self, range: Range<usize>) -> Span {
        if range.is_empty() {
            let p = self.to_source(range.start);
            return p..p;
        }
        let start = self.to_source(range.start);
        let last = range.end - 1;
        // `last` is the final byte of the range's last character, and a
        // character never straddles two segments, so this is its end.
        start..self.to_source(last) + 1
    }

    /// The sub-line `range` (used for the instruction inside ONBUILD).
    pub fn slice(&self, range: Range<usize>) -> LogicalLine {
        let mut out = LogicalLine::default();
        for s in &self.segments {
            let a = s.logical.max(range.start);
            let b = (s.logical + s.len).min(range.end);
            if a < b {
                out.push(&self.text[a..b], s.source + (a - s.logical));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_across_continuations() {
        // "FROM \\\n  alpine" -> "FROM   alpine"
        let mut l = LogicalLine::default();
        l.push("FROM ", 0);
        l.push("  alpine", 7);
        assert_eq!(l.text, "FROM   alpine");
        assert_eq!(l.to_source(0), 0);
        assert_eq!(l.to_source(5), 7);
        assert_eq!(l.span(7..13), 9..15);
        assert_eq!(l.span(3..8), 3..10);
        assert_eq!(l.to_source(13), 15);
        let s = l.slice(7..13);
        assert_eq!(s.text, "alpine");
        assert_eq!(s.span(0..6), 9..15);
    }
}
