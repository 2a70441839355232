//! Splitting a `before` command line into argv with POSIX shell quoting
//! rules (single quotes, double quotes, backslashes), without a shell: no
//! expansion, no pipes, no globbing. Characters a shell would treat
//! specially are reported so the user can ask for `shell = true` instead of
//! getting them passed literally.

/// Why a line could not be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// A quote opened at this byte offset is never closed.
    Unterminated { quote: char, at: usize },
    /// A backslash is the last character.
    TrailingBackslash,
    /// An unquoted shell operator or expansion (`|`, `&`, `;`, `<`, `>`,
    /// `$`, a backtick) at this byte offset.
    ShellSyntax { what: char, at: usize },
}

impl std::fmt::Display for SplitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SplitError::Unterminated { quote, .. } => write!(f, "the {quote} quote is not closed"),
            SplitError::TrailingBackslash => write!(f, "the command ends with a backslash"),
            SplitError::ShellSyntax { what, .. } => write!(
                f,
                "`{what}` means something only to a shell, and this command does not run in one"
            ),
        }
    }
}

/// Splits `line` into words.
pub fn split(line: &str) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut word = String::new();
    // A word exists once anything, even an empty quoted string, is seen.
    let mut in_word = false;
    let mut chars = line.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\\' => match chars.next() {
                // A backslash-newline is a line continuation.
                Some((_, '\n')) => {}
                Some((_, next)) => {
                    word.push(next);
                    in_word = true;
                }
                None => return Err(SplitError::TrailingBackslash),
            },
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some((_, '\'')) => break,
                        Some((_, ch)) => word.push(ch),
                        None => return Err(SplitError::Unterminated { quote: '\'', at }),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some((_, '"')) => break,
                        // Inside double quotes a backslash escapes only these.
                        Some((_, '\\')) => match chars.peek() {
                            Some((_, '\n')) => {
                                chars.next();
                            }
                            Some(&(_, next @ ('"' | '\\' | '$' | '`'))) => {
                                word.push(next);
                                chars.next();
                            }
                            _ => word.push('\\'),
                        },
                        Some((at, what @ ('$' | '`'))) => {
                            return Err(SplitError::ShellSyntax { what, at });
                        }
                        Some((_, ch)) => word.push(ch),
                        None => return Err(SplitError::Unterminated { quote: '"', at }),
                    }
                }
            }
            '|' | '&' | ';' | '<' | '>' | '$' | '`' => {
                return Err(SplitError::ShellSyntax { what: c, at });
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// Joins argv back into a line that [`split`] turns into the same argv,
/// quoting only words that need it.
pub fn join(argv: &[String]) -> String {
    argv.iter()
        .map(|w| {
            let plain = !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%^".contains(c));
            if plain {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(line: &str) -> Vec<String> {
        split(line).unwrap_or_else(|e| panic!("{line}: {e}"))
    }

    #[test]
    fn plain_words() {
        assert_eq!(s("make test"), ["make", "test"]);
        assert_eq!(s("  go   vet\t./...  "), ["go", "vet", "./..."]);
        assert!(s("").is_empty());
        assert!(s("   ").is_empty());
    }

    #[test]
    fn quotes() {
        assert_eq!(s("echo 'a b' \"c d\""), ["echo", "a b", "c d"]);
        assert_eq!(s("a'b'\"c\"d"), ["abcd"]);
        assert_eq!(s("x '' \"\""), ["x", "", ""]);
        assert_eq!(s(r#"'it'\''s'"#), ["it's"]);
        assert_eq!(s("'$HOME | x'"), ["$HOME | x"]);
        assert_eq!(s(r#""a \"q\" \\ \x""#), [r#"a "q" \ \x"#]);
        assert_eq!(s(r#""\$x""#), ["$x"]);
    }

    #[test]
    fn backslashes() {
        assert_eq!(s(r"a\ b c"), ["a b", "c"]);
        assert_eq!(s("a \\\nb"), ["a", "b"]);
        assert_eq!(s(r"\'x"), ["'x"]);
        assert_eq!(split("x\\"), Err(SplitError::TrailingBackslash));
    }

    #[test]
    fn unterminated() {
        assert_eq!(
            split("echo 'abc"),
            Err(SplitError::Unterminated { quote: '\'', at: 5 })
        );
        assert_eq!(
            split("echo \"abc"),
            Err(SplitError::Unterminated { quote: '"', at: 5 })
        );
    }

    #[test]
    fn shell_syntax_is_refused() {
        for (line, what) in [
            ("make test && make lint", '&'),
            ("go list ./... | grep x", '|'),
            ("a; b", ';'),
            ("a > out", '>'),
            ("echo $HOME", '$'),
            ("echo \"$HOME\"", '$'),
            ("echo `date`", '`'),
        ] {
            match split(line) {
                Err(SplitError::ShellSyntax { what: w, .. }) => assert_eq!(w, what, "{line}"),
                other => panic!("{line}: {other:?}"),
            }
        }
    }

    #[test]
    fn join_round_trips() {
        for argv in [
            vec!["make", "test"],
            vec!["sh", "-c", "echo 'hi' && exit 1"],
            vec!["x", "", "a b", "it's", "$HOME"],
        ] {
            let argv: Vec<String> = argv.into_iter().map(String::from).collect();
            assert_eq!(split(&join(&argv)).unwrap(), argv);
        }
        assert_eq!(
            join(&["go".into(), "test".into(), "./...".into()]),
            "go test ./..."
        );
    }

    proptest::proptest! {
        #[test]
        fn join_then_split_is_identity(argv in proptest::collection::vec(".*", 1..6)) {
            proptest::prop_assert_eq!(split(&join(&argv)).unwrap(), argv);
        }

        #[test]
        fn split_never_panics(line in ".*") {
            let _ = split(&line);
        }
    }
}
