//! The shell of a `RUN` line, as far as finding a `go build` needs it: the
//! script split into simple commands at unquoted `&&`, `||`, `;`, `|`, `&`
//! and newlines, each command split into words with variables expanded the
//! way `sh` would expand `$VAR`, `${VAR:-default}` and quotes (BuildKit's
//! lexer does the same for these forms), and its leading `VAR=value`
//! assignments, an `env` prefix, `cd DIR` and `export` recognised.
//!
//! Anything more (command substitution, subshells, control flow) is kept as
//! text: such a command is never taken for the `go build`, and the caller
//! says so.

use crate::dockerfile::shell::Lexer;
use std::ops::Range;

/// What joins a command to the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joint {
    /// The first command, or after `;` or a newline.
    Seq,
    And,
    Or,
    Pipe,
    Background,
}

/// One simple command of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub joint: Joint,
    /// The command's text, trimmed.
    pub text: String,
    /// Its byte range in the script.
    pub range: Range<usize>,
}

/// Splits a script into simple commands. Comments are dropped.
pub fn split(script: &str) -> Vec<Piece> {
    let b = script.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut joint = Joint::Seq;
    let mut i = 0;
    // Nesting of `$(`/`(` and whether we are inside quotes or backticks.
    let mut depth = 0usize;
    let mut single = false;
    let mut double = false;
    let mut backtick = false;
    let mut at_word_start = true;
    let push = |out: &mut Vec<Piece>, from: usize, to: usize, joint: Joint| {
        let raw = &script[from..to];
        let text = raw.trim();
        if !text.is_empty() {
            let lead = raw.len() - raw.trim_start().len();
            out.push(Piece {
                joint,
                text: text.to_string(),
                range: from + lead..from + lead + text.len(),
            });
        }
    };
    while i < b.len() {
        let c = b[i];
        if single {
            single = c != b'\'';
            i += 1;
            continue;
        }
        if c == b'\\' {
            i += 2;
            at_word_start = false;
            continue;
        }
        if double {
            match c {
                b'"' => double = false,
                b'`' => backtick = !backtick,
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b'\'' => single = true,
            b'"' => double = true,
            b'`' => backtick = !backtick,
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b'#' if at_word_start && depth == 0 && !backtick => {
                // A comment: up to the end of the line.
                let end = script[i..].find('\n').map_or(b.len(), |n| i + n);
                push(&mut out, start, i, joint);
                start = end;
                i = end;
                continue;
            }
            _ => {}
        }
        if depth == 0 && !backtick {
            let two = &b[i..(i + 2).min(b.len())];
            let op = match (c, two) {
                (_, b"&&") => Some((Joint::And, 2)),
                (_, b"||") => Some((Joint::Or, 2)),
                (b';', _) | (b'\n', _) => Some((Joint::Seq, 1)),
                (b'|', _) => Some((Joint::Pipe, 1)),
                // `&` alone; not `>&`, `&>` or `<&` redirections.
                (b'&', _)
                    if i == 0
                        || !matches!(b[i - 1], b'>' | b'<')
                            && b.get(i + 1).is_none_or(|n| *n != b'>') =>
                {
                    Some((Joint::Background, 1))
                }
                _ => None,
            };
            if let Some((next, len)) = op {
                push(&mut out, start, i, joint);
                joint = next;
                i += len;
                start = i;
                at_word_start = true;
                continue;
            }
        }
        at_word_start = matches!(c, b' ' | b'\t' | b'\r' | b'\n');
        i += 1;
    }
    push(&mut out, start, b.len(), joint);
    out
}

/// A simple command, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Simple {
    /// `A=1 B=2` alone: shell variables (not exported).
    Assign(Vec<(String, String)>),
    /// `export A=1 B`: exported variables (a bare name exports its value).
    Export(Vec<(String, Option<String>)>),
    /// `cd DIR`.
    Cd(String),
    /// `[A=1] [env [B=2]] go build ARGS`: the assignments and the words
    /// after `build`.
    GoBuild {
        env: Vec<(String, String)>,
        args: Vec<String>,
    },
    /// Anything else: its program (after assignments) and whether the text
    /// holds shell features this module does not follow.
    Other { program: String, complex: bool },
}

/// Shell features that make a command's words unknowable here.
pub fn is_complex(text: &str) -> bool {
    text.contains("$(")
        || text.contains('`')
        || text.starts_with('(')
        || text.starts_with('{')
        || text.contains('>')
        || text.contains('<')
        || ["if", "for", "while", "until", "case", "then", "do"]
            .iter()
            .any(|k| text.split_whitespace().next() == Some(k))
}

/// Splits and expands one command's words, as `sh` would with `env`:
/// words split at unquoted blanks, then each expanded; an unquoted
/// expansion outside an assignment is split again into fields.
///
/// (BuildKit's `ProcessWords` is not used: its nested `${VAR:-x}` resets the
/// word being built, so `GOOS=${TARGETOS:-linux}` would lose `GOOS=`.)
pub fn words(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Vec<String>, String> {
    let lexer = Lexer::new('\\');
    let mut out = Vec::new();
    for raw in raw_words(text)? {
        let value = lexer.process_word(&raw, env).map_err(|e| e.0)?;
        if has_unquoted_dollar(&raw) && assignment(&raw).is_none() {
            out.extend(value.split_whitespace().map(str::to_string));
        } else {
            out.push(value);
        }
    }
    Ok(out)
}

/// Splits at unquoted blanks, keeping quotes, escapes and `${...}` intact.
fn raw_words(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    let mut quote: Option<char> = None;
    let mut braces = 0usize;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                cur.push(c);
            }
            (Some('\''), c) => cur.push(c),
            (_, '\\') => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                cur.push(c);
            }
            (_, '$') if chars.peek() == Some(&'{') => {
                braces += 1;
                cur.push(c);
                cur.push(chars.next().expect("peeked"));
            }
            (_, '}') if braces > 0 => {
                braces -= 1;
                cur.push(c);
            }
            (None, c) if c.is_whitespace() && braces == 0 => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            (_, c) => cur.push(c),
        }
    }
    if quote.is_some() {
        return Err("unterminated quote".into());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

/// Whether a raw word has a `$` outside quotes (its value is field-split).
fn has_unquoted_dollar(raw: &str) -> bool {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in raw.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('\''), _) => {}
            (_, '\\') => escaped = true,
            (None, '\'' | '"') => quote = Some(c),
            (None, '$') => return true,
            _ => {}
        }
    }
    false
}

/// Reads a simple command. `env` expands variables; it should see the
/// command's own assignments only for words after them, which `sh` does
/// not either (`A=1 echo $A` prints the old value), so one environment for
/// the whole command is right.
pub fn read(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Simple {
    let complex = is_complex(text);
    let Ok(words) = words(text, env) else {
        return Simple::Other {
            program: String::new(),
            complex: true,
        };
    };
    let mut rest = words.as_slice();
    let mut assigns = Vec::new();
    while let Some((k, v)) = rest.first().and_then(|w| assignment(w)) {
        assigns.push((k, v));
        rest = &rest[1..];
    }
    if rest.first().map(String::as_str) == Some("env") {
        rest = &rest[1..];
        while let Some((k, v)) = rest.first().and_then(|w| assignment(w)) {
            assigns.push((k, v));
            rest = &rest[1..];
        }
    }
    let Some(program) = rest.first() else {
        return Simple::Assign(assigns);
    };
    let base = program.rsplit('/').next().unwrap_or(program);
    if !complex {
        if base == "go" && rest.get(1).map(String::as_str) == Some("build") {
            return Simple::GoBuild {
                env: assigns,
                args: rest[2..].to_vec(),
            };
        }
        if program == "cd" && rest.len() == 2 && assigns.is_empty() {
            return Simple::Cd(rest[1].clone());
        }
        if program == "export" && assigns.is_empty() {
            let vars = rest[1..]
                .iter()
                .filter(|w| !w.starts_with('-'))
                .map(|w| match assignment(w) {
                    Some((k, v)) => (k, Some(v)),
                    None => (w.clone(), None),
                })
                .collect();
            return Simple::Export(vars);
        }
    }
    Simple::Other {
        program: base.to_string(),
        complex,
    }
}

/// `NAME=value` with a valid shell name.
pub fn assignment(word: &str) -> Option<(String, String)> {
    let (k, v) = word.split_once('=')?;
    let mut chars = k.chars();
    let first = chars.next()?;
    ((first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then(|| (k.to_string(), v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<(Joint, String)> {
        split(s).into_iter().map(|p| (p.joint, p.text)).collect()
    }

    fn env(k: &str) -> Option<String> {
        match k {
            "TARGETOS" => Some("linux".into()),
            "TARGETARCH" => Some("arm64".into()),
            "VERSION" => Some("1.2.3".into()),
            _ => None,
        }
    }

    #[test]
    fn splits_on_operators_outside_quotes() {
        assert_eq!(
            texts("go mod download && cd cmd; go build -o m . || echo 'a && b' | cat &"),
            vec![
                (Joint::Seq, "go mod download".into()),
                (Joint::And, "cd cmd".into()),
                (Joint::Seq, "go build -o m .".into()),
                (Joint::Or, "echo 'a && b'".into()),
                (Joint::Pipe, "cat".into()),
            ]
        );
        assert_eq!(
            texts("set -e\n# build it\ngo build -ldflags \"-X a=b;c\" .\n"),
            vec![
                (Joint::Seq, "set -e".into()),
                (Joint::Seq, "go build -ldflags \"-X a=b;c\" .".into()),
            ]
        );
        assert_eq!(
            texts("x=$(a && b) y"),
            vec![(Joint::Seq, "x=$(a && b) y".into())]
        );
        assert_eq!(
            texts("go build . 2>&1"),
            vec![(Joint::Seq, "go build . 2>&1".into())]
        );
        let p = &split("a &&  go build")[1];
        assert_eq!(&"a &&  go build"[p.range.clone()], "go build");
    }

    #[test]
    fn reads_go_build_with_assignments_and_env() {
        assert_eq!(
            read(
                "CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} go build -a -o manager main.go",
                &env
            ),
            Simple::GoBuild {
                env: vec![
                    ("CGO_ENABLED".into(), "0".into()),
                    ("GOOS".into(), "linux".into()),
                    ("GOARCH".into(), "arm64".into()),
                ],
                args: vec!["-a".into(), "-o".into(), "manager".into(), "main.go".into()],
            }
        );
        assert_eq!(
            read(
                "env CGO_ENABLED=0 /usr/local/go/bin/go build -ldflags \"-s -w -X main.version=${VERSION}\" ./cmd/manager",
                &env
            ),
            Simple::GoBuild {
                env: vec![("CGO_ENABLED".into(), "0".into())],
                args: vec![
                    "-ldflags".into(),
                    "-s -w -X main.version=1.2.3".into(),
                    "./cmd/manager".into()
                ],
            }
        );
        assert_eq!(
            read(
                "GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH:-amd64} go build",
                &|_| None
            ),
            Simple::GoBuild {
                env: vec![
                    ("GOOS".into(), "linux".into()),
                    ("GOARCH".into(), "amd64".into())
                ],
                args: vec![],
            }
        );
    }

    #[test]
    fn words_like_sh() {
        let env = |k: &str| match k {
            "FLAGS" => Some("-a -v".to_string()),
            "T" => Some("linux".to_string()),
            _ => None,
        };
        assert_eq!(
            words(
                "GOOS=${T:-x} go build $FLAGS \"-X a=${T}\" 'no $T' \\$T X=$FLAGS",
                &env
            )
            .unwrap(),
            vec![
                "GOOS=linux",
                "go",
                "build",
                "-a",
                "-v",
                "-X a=linux",
                "no $T",
                "$T",
                "X=-a -v"
            ]
        );
        assert!(words("echo 'open", &env).is_err());
    }

    #[test]
    fn reads_other_commands() {
        assert_eq!(
            read("cd cmd/manager", &env),
            Simple::Cd("cmd/manager".into())
        );
        assert_eq!(
            read("export CGO_ENABLED=0 GOARCH", &env),
            Simple::Export(vec![
                ("CGO_ENABLED".into(), Some("0".into())),
                ("GOARCH".into(), None)
            ])
        );
        assert_eq!(
            read("A=1", &env),
            Simple::Assign(vec![("A".into(), "1".into())])
        );
        assert_eq!(
            read("make build", &env),
            Simple::Other {
                program: "make".into(),
                complex: false
            }
        );
        assert!(matches!(
            read("GOARCH=$(go env GOARCH) go build .", &env),
            Simple::Other { complex: true, .. }
        ));
        assert!(matches!(
            read("go build . > log", &env),
            Simple::Other { complex: true, .. }
        ));
    }
}
