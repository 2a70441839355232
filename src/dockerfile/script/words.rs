//! Shell word splitting for [`super`]: simple commands end at `&&`, `||`,
//! `;`, `|`, `&`, newlines and parentheses; quotes, escapes, `$(...)`,
//! `${...}` and backticks stay inside their word; `#` at a word start is a
//! comment. Only what telling programs and assignments apart needs.
//!
//! Every range is within the text and on character boundaries, whatever
//! the input (an unterminated quote or a trailing backslash included).

use std::ops::Range;

/// One simple command's words (unquoted text, byte range), and whether it
/// runs in a subshell `( ... )`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Split {
    pub words: Vec<(String, Range<usize>)>,
    pub nested: bool,
}

/// The words of each simple command.
pub(super) fn split(s: &str) -> Vec<Split> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut cur = Vec::new();
    let mut depth = 0usize;
    let mut nested = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\r' => i += 1,
            c @ (b'\n' | b';' | b'&' | b'|' | b'(' | b')') => {
                if !cur.is_empty() {
                    out.push(Split {
                        words: std::mem::take(&mut cur),
                        nested,
                    });
                }
                match c {
                    b'(' => depth += 1,
                    b')' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                i += 1;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            _ => {
                if cur.is_empty() {
                    nested = depth > 0;
                }
                let (text, end) = word(s, i);
                cur.push((text, i..end));
                i = end;
            }
        }
    }
    if !cur.is_empty() {
        out.push(Split { words: cur, nested });
    }
    out
}

/// One word starting at `start`: its unquoted text and where it ends.
fn word(s: &str, start: usize) -> (String, usize) {
    let b = s.as_bytes();
    let mut text = String::new();
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\r' | b'\n' | b';' | b'|' | b'(' | b')' => break,
            b'&' if i == start || !matches!(b[i - 1], b'>' | b'<') => break,
            b'\\' => {
                i += 1;
                if i < b.len() && b[i] != b'\n' {
                    let c = next_char(s, i);
                    text.push(c);
                    i += c.len_utf8();
                } else if i < b.len() {
                    // A line continuation; a backslash at the very end of
                    // the script has nothing after it to skip.
                    i += 1;
                }
            }
            b'\'' => {
                let end = s[i + 1..].find('\'').map_or(b.len(), |e| i + 1 + e);
                text.push_str(&s[i + 1..end]);
                i = (end + 1).min(b.len());
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' && i + 1 < b.len() && matches!(b[i + 1], b'"' | b'\\' | b'$') {
                        i += 1;
                    }
                    let c = next_char(s, i);
                    text.push(c);
                    i += c.len_utf8();
                }
                i = (i + 1).min(b.len());
            }
            b'$' if matches!(b.get(i + 1), Some(b'(' | b'{')) => {
                let end = closing(b, i + 1);
                text.push_str(&s[i..end]);
                i = end;
            }
            b'`' => {
                let end = s[i + 1..].find('`').map_or(b.len(), |e| i + 2 + e);
                text.push_str(&s[i..end]);
                i = end;
            }
            _ => {
                let c = next_char(s, i);
                text.push(c);
                i += c.len_utf8();
            }
        }
    }
    (text, i.min(b.len()))
}

fn next_char(s: &str, i: usize) -> char {
    s[i..].chars().next().unwrap_or(' ')
}

/// The end (exclusive) of the bracket group opening at `open`.
fn closing(b: &[u8], open: usize) -> usize {
    let (o, c) = if b[open] == b'(' {
        (b'(', b')')
    } else {
        (b'{', b'}')
    };
    let mut depth = 0;
    for (i, &x) in b.iter().enumerate().skip(open) {
        if x == o {
            depth += 1;
        } else if x == c {
            depth -= 1;
            if depth == 0 {
                return i + 1;
            }
        }
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<Vec<String>> {
        split(s)
            .into_iter()
            .map(|c| c.words.into_iter().map(|(t, _)| t).collect())
            .collect()
    }

    #[test]
    fn words_and_separators() {
        assert_eq!(
            texts(
                r#"a 'b c'\ d "e\"f" $(g h)x;i&&j 2>&1 # k
l"#
            ),
            vec![
                vec!["a", "b c d", "e\"f", "$(g h)x"],
                vec!["i"],
                vec!["j", "2>&1"],
                vec!["l"],
            ]
        );
    }

    #[test]
    fn ranges_stay_inside_the_text() {
        for s in [
            "echo \\",
            "dir c:\\",
            "a 'open",
            "b \"open \\",
            "ü\\",
            "x `y",
            "$(a",
            "é\\ü",
        ] {
            for c in split(s) {
                for (_, r) in c.words {
                    assert!(s.get(r.clone()).is_some(), "{s:?} {r:?}");
                }
            }
        }
        assert!(split("(cd x && go build) && ls")[0].nested);
        assert!(!split("(cd x && go build) && ls")[2].nested);
    }
}
