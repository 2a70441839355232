//! Splitting a logical line into command, flags and arguments, and BuildKit's
//! `parseWords`: the same state machines as `split_command.go` and
//! `line_parsers.go`, with byte positions kept.

use std::ops::Range;

/// A logical line split into its parts (ranges into the line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Split {
    pub cmd: Range<usize>,
    /// Each flag's unquoted text and its range (quotes included).
    pub flags: Vec<(String, Range<usize>)>,
    /// The arguments after the flags, trimmed.
    pub args: Range<usize>,
}

/// BuildKit's `splitCommand`: trim, split off the first word, then extract
/// the leading `--flags`.
pub(crate) fn split_command(line: &str, escape: char) -> Split {
    let start = line.len() - line.trim_start().len();
    let end = line.trim_end().len().max(start);
    let t = &line[start..end];
    match t.find(['\t', '\u{b}', '\u{c}', '\r', ' ']) {
        None => Split {
            cmd: start..end,
            flags: Vec::new(),
            args: end..end,
        },
        Some(i) => {
            let mut j = i;
            while j < t.len() && super::is_split_blank(t.as_bytes()[j]) {
                j += 1;
            }
            let rest_start = start + j;
            let (rest_off, flags) = extract_builder_flags(&line[rest_start..end], escape);
            // BuildKit splits flags on bytes (a UTF-8 continuation byte 0xA0
            // reads as U+00A0, a blank), so a flag can end inside a
            // character; its span is widened to whole characters.
            let flags = flags
                .into_iter()
                .map(|(w, r)| {
                    let start = floor_boundary(line, rest_start + r.start);
                    (w, start..boundary(line, rest_start + r.end))
                })
                .collect();
            let args_raw = &line[rest_start + rest_off..end];
            let a = rest_start + rest_off + (args_raw.len() - args_raw.trim_start().len());
            let b = (rest_start + rest_off + args_raw.trim_end().len()).max(a);
            Split {
                cmd: start..start + i,
                flags,
                args: a..b,
            }
        }
    }
}

/// BuildKit's `extractBuilderFlags`: returns where the arguments start and
/// the flags found before them.
fn extract_builder_flags(line: &str, escape: char) -> (usize, Vec<(String, Range<usize>)>) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let bytes = line.as_bytes();
    let esc = if escape.is_ascii() {
        escape as u8
    } else {
        b'\\'
    };
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    // BuildKit writes each byte as the character of that code point
    // (`WriteRune(rune(byte))`): flag text is read as Latin-1.
    let mut buf = String::new();
    let mut quote = 0u8;
    let mut blank_ok = false;
    let mut word_start = 0;
    let mut ch = 0u8;
    let mut pos = 0;
    let take = |buf: &mut String| std::mem::take(buf);
    while pos <= bytes.len() {
        if pos != bytes.len() {
            ch = bytes[pos];
        }
        if phase == Phase::Spaces {
            if pos == bytes.len() {
                break;
            }
            if super::gostr::is_space_byte(ch) {
                pos += 1;
                continue;
            }
            if ch != b'-' || pos + 1 == bytes.len() || bytes[pos + 1] != b'-' {
                return (boundary(line, pos), words);
            }
            phase = Phase::Word;
            word_start = pos;
        }
        if pos == bytes.len() {
            let word = take(&mut buf);
            if word != "--" && (blank_ok || !word.is_empty()) {
                words.push((word, word_start..pos));
            }
            break;
        }
        if phase == Phase::Word {
            if super::gostr::is_space_byte(ch) {
                phase = Phase::Spaces;
                let word = take(&mut buf);
                if word == "--" {
                    return (boundary(line, pos), words);
                }
                if blank_ok || !word.is_empty() {
                    words.push((word, word_start..pos));
                }
                blank_ok = false;
                pos += 1;
                continue;
            }
            if ch == b'\'' || ch == b'"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
                pos += 1;
                continue;
            }
            if ch == esc {
                if pos + 1 == bytes.len() {
                    pos += 1;
                    continue;
                }
                pos += 1;
                ch = bytes[pos];
            }
            buf.push(char::from(ch));
            pos += 1;
            continue;
        }
        // Phase::Quote
        if ch == quote {
            phase = Phase::Word;
            pos += 1;
            continue;
        }
        if ch == esc {
            if pos + 1 == bytes.len() {
                phase = Phase::Word;
                pos += 1;
                continue;
            }
            pos += 1;
            ch = bytes[pos];
        }
        buf.push(char::from(ch));
        pos += 1;
    }
    (bytes.len(), words)
}

/// `pos`, or the next character boundary when a Latin-1 blank byte (0x85,
/// 0xA0) ended a word inside a multi-byte character: BuildKit would go on
/// from the middle of the character, which a `str` cannot.
fn floor_boundary(line: &str, mut pos: usize) -> usize {
    while !line.is_char_boundary(pos) {
        pos -= 1;
    }
    pos
}

fn boundary(line: &str, mut pos: usize) -> usize {
    while !line.is_char_boundary(pos) {
        pos += 1;
    }
    pos
}

/// BuildKit's `parseWords`: words split on blanks, quotes kept, an escape
/// character kept with the character it escapes.
pub(crate) fn parse_words(rest: &str, escape: char) -> Vec<String> {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let chars: Vec<char> = rest.chars().collect();
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut buf = String::new();
    let mut pos = 0;
    let mut ch = '\0';
    while pos <= chars.len() {
        if pos != chars.len() {
            ch = chars[pos];
        }
        if phase == Phase::Spaces {
            if pos == chars.len() {
                break;
            }
            if ch.is_whitespace() {
                pos += 1;
                continue;
            }
            phase = Phase::Word;
        }
        if pos == chars.len() {
            if blank_ok || !buf.is_empty() {
                words.push(std::mem::take(&mut buf));
            }
            break;
        }
        if phase == Phase::Word {
            if ch.is_whitespace() {
                phase = Phase::Spaces;
                if blank_ok || !buf.is_empty() {
                    words.push(std::mem::take(&mut buf));
                }
                buf.clear();
                blank_ok = false;
                pos += 1;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
            }
            if ch == escape {
                if pos + 1 == chars.len() {
                    pos += 1;
                    continue;
                }
                buf.push(ch);
                pos += 1;
                ch = chars[pos];
            }
            buf.push(ch);
            pos += 1;
            continue;
        }
        // Phase::Quote
        if ch == quote {
            phase = Phase::Word;
        }
        if ch == escape && quote != '\'' {
            if pos + 1 == chars.len() {
                phase = Phase::Word;
                pos += 1;
                continue;
            }
            pos += 1;
            buf.push(ch);
            ch = chars[pos];
        }
        buf.push(ch);
        pos += 1;
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_cut_inside_a_character_spans_whole_characters() {
        // U+0460 is D1 A0: BuildKit reads the A0 byte as a blank and ends
        // the flag there (found by fuzz/dockerfile_cross).
        let line = "FROM --platform=linux\u{460}mb x";
        let s = split_command(line, '\\');
        let (_, r) = &s.flags[0];
        assert!(line.is_char_boundary(r.start) && line.is_char_boundary(r.end));
        assert_eq!(&line[r.clone()], "--platform=linux\u{460}");
    }

    #[test]
    fn splits_command_flags_and_args() {
        let line = "  COPY --from=builder \"--chown=a b\" -- src dst  ";
        let s = split_command(line, '\\');
        assert_eq!(&line[s.cmd.clone()], "COPY");
        let flags: Vec<_> = s
            .flags
            .iter()
            .map(|(w, r)| (w.as_str(), &line[r.clone()]))
            .collect();
        assert_eq!(flags, vec![("--from=builder", "--from=builder")]);
        assert_eq!(&line[s.args], "\"--chown=a b\" -- src dst");

        let line = "COPY --chown=\"a b\" --link -- src dst";
        let s = split_command(line, '\\');
        let flags: Vec<_> = s.flags.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(flags, vec!["--chown=a b", "--link"]);
        assert_eq!(&line[s.args], "src dst");

        // Flag bytes are read as Latin-1, like BuildKit does.
        let s = split_command("RUN --mount=target=/café true", '\\');
        assert_eq!(s.flags[0].0, "--mount=target=/cafÃ©");
        let s = split_command("FROM", '\\');
        assert_eq!(s.args, 4..4);
        let s = split_command("CMD --doit -- [ ]", '\\');
        assert_eq!(s.flags.len(), 1);
        assert_eq!(s.args, 14..17);
    }

    #[test]
    fn words_like_buildkit() {
        assert_eq!(
            parse_words("foo bar 'abc xyz'", '\\'),
            vec!["foo", "bar", "'abc xyz'"]
        );
        assert_eq!(parse_words("foo\\ bar", '\\'), vec!["foo\\ bar"]);
        assert_eq!(
            parse_words(r#"föo bàr "âbc xÿz""#, '\\'),
            vec!["föo", "bàr", "\"âbc xÿz\""]
        );
        assert_eq!(parse_words("a=\"\" b", '\\'), vec!["a=\"\"", "b"]);
    }
}
