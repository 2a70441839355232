//! BuildKit's per-command line parsers (`line_parsers.go`): how the
//! arguments of each instruction become the values of its AST node.

use super::split::parse_words;
use regex::Regex;
use std::sync::LazyLock;

static JSON_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$").expect("number regex")
});

/// What a line parser returns: the node values and whether they came from a
/// JSON array.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub values: Vec<String>,
    pub json: bool,
}

/// A line parser error, worded like BuildKit's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArgsError(pub String);

const NOT_STRING_ARRAY: &str =
    "when using JSON array syntax, arrays must be comprised of strings only";

/// Parses `rest` (the arguments after the flags) for command `cmd`
/// (lowercase). ONBUILD is handled by the caller, which recurses.
pub(crate) fn parse_args(cmd: &str, rest: &str, escape: char) -> Result<Parsed, ArgsError> {
    match cmd {
        "add" | "copy" | "volume" => maybe_json_to_list(rest),
        "arg" => Ok(plain(parse_words(rest, escape))),
        "cmd" | "entrypoint" | "run" | "shell" => maybe_json(rest),
        "env" => name_val(rest, "ENV", escape),
        "label" => name_val(rest, "LABEL", escape),
        "expose" | "from" => Ok(plain(whitespace_delimited(rest))),
        "healthcheck" => health(rest),
        "maintainer" | "stopsignal" | "user" | "workdir" => Ok(plain(if rest.is_empty() {
            vec![]
        } else {
            vec![rest.to_string()]
        })),
        // Unknown instructions: BuildKit keeps the node with one empty value.
        _ => Ok(plain(vec![String::new()])),
    }
}

fn plain(values: Vec<String>) -> Parsed {
    Parsed {
        values,
        json: false,
    }
}

/// `[\t\v\f\r ]+`-separated words.
pub(crate) fn whitespace_delimited(rest: &str) -> Vec<String> {
    if rest.is_empty() {
        return vec![];
    }
    rest.split(['\t', '\u{b}', '\u{c}', '\r', ' '])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

enum JsonOutcome {
    Array(Vec<String>),
    NotJson,
    NotStrings,
}

fn json(rest: &str) -> JsonOutcome {
    let rest = rest.trim_start();
    if !rest.starts_with('[') {
        return JsonOutcome::NotJson;
    }
    let text = replace_lone_surrogates(rest);
    match serde_json::from_str::<Vec<serde_json::Value>>(&text) {
        // Go decodes up to 10,000 levels; a nested array is not a string.
        Err(e)
            if e.to_string().starts_with("recursion limit exceeded") && well_formed_json(&text) =>
        {
            JsonOutcome::NotStrings
        }
        Err(_) => JsonOutcome::NotJson,
        Ok(values) => {
            let mut out = Vec::with_capacity(values.len());
            for v in values {
                match v {
                    serde_json::Value::String(s) => out.push(s),
                    _ => return JsonOutcome::NotStrings,
                }
            }
            JsonOutcome::Array(out)
        }
    }
}

/// Go's JSON decoder turns a `\uD800`-`\uDFFF` escape that is not half of a
/// valid pair into U+FFFD; serde_json rejects it.
fn replace_lone_surrogates(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("\\u") {
        return text.into();
    }
    let unit = |s: &str, at: usize| -> Option<u16> {
        let hex = s.get(at + 2..at + 6)?;
        (s.get(at..at + 2)? == "\\u")
            .then(|| u16::from_str_radix(hex, 16).ok())
            .flatten()
    };
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if rest.starts_with("\\\\") {
            out.push_str("\\\\");
            i += 2;
            continue;
        }
        if let Some(u) = unit(text, i) {
            if (0xD800..0xDC00).contains(&u)
                && unit(text, i + 6).is_some_and(|v| (0xDC00..0xE000).contains(&v))
            {
                out.push_str(&text[i..i + 12]);
                i += 12;
                continue;
            }
            if (0xD800..0xE000).contains(&u) {
                out.push_str("\\ufffd");
                i += 6;
                continue;
            }
        }
        let c = rest.chars().next().expect("not at the end");
        out.push(c);
        i += c.len_utf8();
    }
    out.into()
}

/// Whether `text` is one well-formed JSON value (and only blanks after it)
/// nested at most 10,000 deep, as Go's decoder requires. Iterative, so depth
/// costs no stack.
fn well_formed_json(text: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum Frame {
        Array,
        Object,
    }
    let b = text.as_bytes();
    let mut i = 0;
    let mut stack: Vec<Frame> = Vec::new();
    let ws = |i: &mut usize| {
        while *i < b.len() && matches!(b[*i], b' ' | b'\t' | b'\n' | b'\r') {
            *i += 1;
        }
    };
    // Expect a value at i; returns false when there is none.
    loop {
        ws(&mut i);
        // A value.
        match b.get(i) {
            Some(b'[') | Some(b'{') => {
                let frame = if b[i] == b'[' {
                    Frame::Array
                } else {
                    Frame::Object
                };
                stack.push(frame);
                if stack.len() > 10_000 {
                    return false;
                }
                i += 1;
                ws(&mut i);
                let close = if frame == Frame::Array { b']' } else { b'}' };
                if b.get(i) == Some(&close) {
                    stack.pop();
                    i += 1;
                } else {
                    if frame == Frame::Object && !(string(b, &mut i) && colon(b, &mut i)) {
                        return false;
                    }
                    continue;
                }
            }
            Some(b'"') => {
                if !string(b, &mut i) {
                    return false;
                }
            }
            Some(_) => {
                let start = i;
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'-' | b'+' | b'.'))
                {
                    i += 1;
                }
                let lit = &text[start..i];
                let number = JSON_NUMBER.is_match(lit);
                if !(number || matches!(lit, "true" | "false" | "null")) {
                    return false;
                }
            }
            None => return false,
        }
        // After a value: close containers or move to the next element.
        loop {
            ws(&mut i);
            let Some(&top) = stack.last() else {
                return i == b.len();
            };
            let close = if top == Frame::Array { b']' } else { b'}' };
            match b.get(i) {
                Some(&c) if c == close => {
                    stack.pop();
                    i += 1;
                }
                Some(b',') => {
                    i += 1;
                    if top == Frame::Object {
                        ws(&mut i);
                        if !(string(b, &mut i) && colon(b, &mut i)) {
                            return false;
                        }
                    }
                    break;
                }
                _ => return false,
            }
        }
    }
}

/// A JSON string at `i` (moves past it).
fn string(b: &[u8], i: &mut usize) -> bool {
    if b.get(*i) != Some(&b'"') {
        return false;
    }
    *i += 1;
    while let Some(&c) = b.get(*i) {
        *i += 1;
        match c {
            b'"' => return true,
            b'\\' => *i += 1,
            c if c < 0x20 => return false,
            _ => {}
        }
    }
    false
}

/// Blanks, a `:`, blanks.
fn colon(b: &[u8], i: &mut usize) -> bool {
    while matches!(b.get(*i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        *i += 1;
    }
    if b.get(*i) != Some(&b':') {
        return false;
    }
    *i += 1;
    true
}

fn maybe_json(rest: &str) -> Result<Parsed, ArgsError> {
    if rest.is_empty() {
        return Ok(Parsed::default());
    }
    match json(rest) {
        JsonOutcome::Array(values) => Ok(Parsed { values, json: true }),
        JsonOutcome::NotStrings => Err(ArgsError(NOT_STRING_ARRAY.into())),
        JsonOutcome::NotJson => Ok(plain(vec![rest.to_string()])),
    }
}

fn maybe_json_to_list(rest: &str) -> Result<Parsed, ArgsError> {
    match json(rest) {
        JsonOutcome::Array(values) => Ok(Parsed { values, json: true }),
        JsonOutcome::NotStrings => Err(ArgsError(NOT_STRING_ARRAY.into())),
        JsonOutcome::NotJson => Ok(plain(whitespace_delimited(rest))),
    }
}

fn name_val(rest: &str, key: &str, escape: char) -> Result<Parsed, ArgsError> {
    let words = parse_words(rest, escape);
    if words.is_empty() {
        return Ok(Parsed::default());
    }
    if !words[0].contains('=') {
        let mut parts = rest.splitn(2, ['\t', '\u{b}', '\u{c}', '\r', ' ']);
        let name = parts.next().unwrap_or_default();
        let value = parts
            .next()
            .map(|v| v.trim_start_matches(['\t', '\u{b}', '\u{c}', '\r', ' ']));
        return match value {
            Some(value) => Ok(plain(vec![
                name.to_string(),
                value.to_string(),
                String::new(),
            ])),
            None => Err(ArgsError(format!("{key} must have two arguments"))),
        };
    }
    let mut values = Vec::new();
    for word in words {
        let Some((k, v)) = word.split_once('=') else {
            return Err(ArgsError(format!(
                "Syntax error - can't find = in {}. Must be of the form: name=value",
                super::dump::go_quote(&word)
            )));
        };
        values.extend([k.to_string(), v.to_string(), "=".to_string()]);
    }
    Ok(plain(values))
}

fn health(rest: &str) -> Result<Parsed, ArgsError> {
    // Byte-wise ASCII blanks, as BuildKit's loop over `rest[i]` sees them.
    let blank = |c: char| matches!(c, '\t'..='\r' | ' ');
    let sep = rest.find(blank).unwrap_or(rest.len());
    if sep == 0 {
        return Ok(Parsed::default());
    }
    let after = rest[sep..].trim_start_matches(blank);
    let cmd = maybe_json(after)?;
    let mut values = vec![rest[..sep].to_string()];
    values.extend(cmd.values);
    Ok(Parsed {
        values,
        json: cmd.json,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_forms() {
        assert_eq!(
            parse_args("env", "A 1 2", '\\').unwrap().values,
            vec!["A", "1 2", ""]
        );
        assert_eq!(
            parse_args("env", "A=1 B=\"2 3\"", '\\').unwrap().values,
            vec!["A", "1", "=", "B", "\"2 3\"", "="]
        );
        assert!(parse_args("env", "PATH", '\\').is_err());
        assert!(parse_args("env", "A=1 B", '\\').is_err());
    }

    #[test]
    fn json_forms() {
        let p = parse_args("cmd", "[\"a\", \"b\"]", '\\').unwrap();
        assert_eq!(
            (p.values, p.json),
            (vec!["a".to_string(), "b".to_string()], true)
        );
        assert_eq!(
            parse_args("cmd", "['a']", '\\').unwrap().values,
            vec!["['a']"]
        );
        assert!(parse_args("cmd", "[\"a\", [\"b\"]]", '\\').is_err());
        assert_eq!(
            parse_args("copy", "a  b", '\\').unwrap().values,
            vec!["a", "b"]
        );
        assert_eq!(
            parse_args("cmd", "[]", '\\').unwrap().values,
            Vec::<String>::new()
        );
    }

    #[test]
    fn healthcheck() {
        let p = parse_args("healthcheck", "CMD [\"a\"]", '\\').unwrap();
        assert_eq!(p.values, vec!["CMD", "a"]);
        assert_eq!(
            parse_args("healthcheck", "NONE", '\\').unwrap().values,
            vec!["NONE"]
        );
    }
}
