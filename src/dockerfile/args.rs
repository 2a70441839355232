//! BuildKit's per-command line parsers (`line_parsers.go`): how the
//! arguments of each instruction become the values of its AST node.

use super::split::parse_words;

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
    match serde_json::from_str::<Vec<serde_json::Value>>(rest) {
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
    let sep = rest.find(char::is_whitespace).unwrap_or(rest.len());
    if sep == 0 {
        return Ok(Parsed::default());
    }
    let after = rest[sep..].trim_start();
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
