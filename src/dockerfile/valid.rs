//! The one validity check: what BuildKit's instruction parser rejects after
//! its line parser accepted the file. The line parser keeps any keyword,
//! flag and argument count; the instruction parser then rejects an unknown
//! instruction ("unknown instruction: runn"), an unknown or repeated flag, a
//! flag without its value, a missing argument (`COPY x`), a forbidden
//! ONBUILD trigger or a bad HEALTHCHECK, so the file never builds.
//!
//! Every command reads a Dockerfile through [`load`] (parse, then this
//! check), so what `xbuild lint` reports as XB000, `cross`, `build` and
//! `go-build` refuse with the same diagnostic (exit 2). The messages are
//! BuildKit's (frontend/dockerfile/instructions/parse.go and bflag.go); the
//! flags are those of current BuildKit, so a file a newer frontend accepts
//! is not refused here.

use super::{Dockerfile, Instruction, ParseError, Span};

/// Parses `text` and applies the validity check: the Dockerfile every
/// command works on, or BuildKit's reason to refuse it.
pub fn load(name: &str, text: &str) -> Result<Dockerfile, ParseError> {
    let df = super::parse(name, text)?;
    check(&df)?;
    Ok(df)
}

/// The first instruction BuildKit rejects, as a diagnostic into the file.
pub fn check(df: &Dockerfile) -> Result<(), ParseError> {
    match invalid(df) {
        None => Ok(()),
        Some(bad) => Err(ParseError::new(
            &df.name,
            &df.source,
            bad.span,
            bad.message,
            bad.label,
            bad.help,
        )),
    }
}

const INSTRUCTIONS: &[&str] = &[
    "add",
    "arg",
    "cmd",
    "copy",
    "entrypoint",
    "env",
    "expose",
    "from",
    "healthcheck",
    "label",
    "maintainer",
    "onbuild",
    "run",
    "shell",
    "stopsignal",
    "user",
    "volume",
    "workdir",
];

/// An instruction BuildKit's instruction parser rejects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub span: Span,
    pub message: String,
    pub label: &'static str,
    pub help: Option<String>,
}

/// The first instruction BuildKit would reject, in file order (BuildKit
/// stops at the first), then a file without any FROM.
pub fn invalid(df: &Dockerfile) -> Option<Invalid> {
    let mut seen_from = false;
    for ins in &df.instructions {
        if let Some(bad) = unknown(ins).or_else(|| check_instruction(ins)) {
            return Some(bad);
        }
        match ins.command.as_str() {
            "from" => seen_from = true,
            "arg" => {}
            _ if !seen_from => {
                return Some(Invalid {
                    span: ins.span.clone(),
                    message: format!("{} before the first FROM", ins.keyword.to_uppercase()),
                    label: "only ARG may come before the first FROM",
                    help: Some("move this instruction into a stage, after a FROM".into()),
                });
            }
            _ => {}
        }
    }
    (!seen_from).then(|| Invalid {
        span: df.instructions.first().map_or(0..0, |i| i.span.clone()),
        message: "the Dockerfile has no FROM instruction".into(),
        label: "no stage starts before this",
        help: Some("every Dockerfile needs a FROM that starts its first build stage".into()),
    })
}

/// BuildKit's stage name rule, `^[a-z][a-z0-9-_.]*$`.
fn valid_stage_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}

/// `FROM IMAGE [AS NAME]`: one or three words, a valid stage name.
fn from(ins: &Instruction) -> Option<Invalid> {
    let words = ins.words();
    let count = || Invalid {
        span: ins.span.clone(),
        message: "FROM requires either one or three arguments".into(),
        label: "expected IMAGE or IMAGE AS NAME",
        help: Some("write FROM IMAGE [AS NAME]".into()),
    };
    match words.as_slice() {
        [_] => None,
        [_, as_, name] if super::gostr::is_as(&as_.text) => {
            (!valid_stage_name(&super::gostr::lower(&name.text))).then(|| Invalid {
                span: name.span.clone(),
                message: format!(
                    "invalid name for build stage: {}, name can't start with a number or contain symbols",
                    super::dump::go_quote(&name.text)
                ),
                label: "invalid stage name",
                help: Some(
                    "stage names start with a letter and hold only letters, digits, '-', '_' and '.'"
                        .into(),
                ),
            })
        }
        _ => Some(count()),
    }
}

/// The flags an instruction takes: (name, kind).
fn flags_of(command: &str) -> Option<&'static [(&'static str, Kind)]> {
    use Kind::{Bool, Str, Strs};
    Some(match command {
        "add" => &[
            ("chown", Str),
            ("chmod", Str),
            ("link", Bool),
            ("keep-git-dir", Bool),
            ("checksum", Str),
            ("unpack", Bool),
            ("exclude", Strs),
        ],
        "copy" => &[
            ("chown", Str),
            ("from", Str),
            ("chmod", Str),
            ("link", Bool),
            ("exclude", Strs),
            ("parents", Bool),
        ],
        "from" => &[("platform", Str)],
        "run" => &[
            ("mount", Strs),
            ("network", Str),
            ("security", Str),
            ("device", Strs),
        ],
        "healthcheck" => &[
            ("interval", Str),
            ("timeout", Str),
            ("start-period", Str),
            ("start-interval", Str),
            ("retries", Str),
        ],
        // BuildKit never parses the flags of these: it ignores them.
        "arg" | "stopsignal" => return None,
        _ => &[],
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    Str,
    /// May be repeated.
    Strs,
}

fn unknown(ins: &Instruction) -> Option<Invalid> {
    let bad: &Instruction = match &ins.sub {
        Some(sub) if INSTRUCTIONS.contains(&ins.command.as_str()) => sub,
        _ => ins,
    };
    if INSTRUCTIONS.contains(&bad.command.as_str()) {
        return None;
    }
    Some(Invalid {
        span: bad.keyword_span.clone(),
        message: format!("unknown instruction: {}", bad.keyword),
        label: "not an instruction",
        help: closest(INSTRUCTIONS.iter().copied(), &bad.command)
            .map(|name| format!("did you mean {}?", name.to_uppercase())),
    })
}

/// The name within edit distance 2 of `word`, if any.
fn closest<'a>(names: impl Iterator<Item = &'a str>, word: &str) -> Option<&'a str> {
    names
        .map(|name| (distance(name, word), name))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, name)| name)
}

/// BuildKit's checks of one known instruction.
fn check_instruction(ins: &Instruction) -> Option<Invalid> {
    let upper = ins.command.to_uppercase();
    let args = &ins.args;
    let whole = |message: String, help: &str| Invalid {
        span: ins.span.clone(),
        message,
        label: "in this instruction",
        help: Some(help.to_string()),
    };
    let at_least_one = || {
        whole(
            format!("{upper} requires at least one argument"),
            "give the instruction its argument",
        )
    };
    let exactly_one = || {
        whole(
            format!("{upper} requires exactly one argument"),
            "give the instruction one argument (quote it if it has spaces)",
        )
    };
    // Argument counts that BuildKit checks before the flags.
    match ins.command.as_str() {
        "add" | "copy" if args.len() < 2 => {
            return Some(whole(
                format!(
                    "{upper} requires at least two arguments, but only one was provided. Destination could not be determined"
                ),
                "write SOURCE... DESTINATION",
            ));
        }
        "maintainer" | "workdir" | "user" | "stopsignal" if args.len() != 1 => {
            return Some(exactly_one());
        }
        "onbuild" if ins.sub.is_none() => return Some(at_least_one()),
        "healthcheck" if args.is_empty() => return Some(at_least_one()),
        "healthcheck" if args[0].eq_ignore_ascii_case("none") => {
            return (args.len() > 1).then(|| {
                whole(
                    "HEALTHCHECK NONE takes no arguments".into(),
                    "write HEALTHCHECK NONE, or HEALTHCHECK CMD COMMAND",
                )
            });
        }
        "arg" if args.is_empty() => return Some(at_least_one()),
        "arg" if args.iter().any(|a| a.starts_with('=')) => {
            return Some(whole(
                "ARG names can not be blank".into(),
                "write ARG NAME or ARG NAME=DEFAULT",
            ));
        }
        _ => {}
    }
    if let Some(flags) = flags_of(&ins.command)
        && let Some(bad) = check_flags(ins, flags)
    {
        return Some(bad);
    }
    match ins.command.as_str() {
        "env" | "label" if args.is_empty() => Some(at_least_one()),
        "env" | "label" if args.chunks(3).any(|kv| kv[0].is_empty()) => Some(whole(
            format!("{upper} names can not be blank"),
            "write NAME=VALUE",
        )),
        "expose" | "volume" if args.is_empty() => Some(at_least_one()),
        "volume" if args.iter().any(|v| v.trim().is_empty()) => Some(whole(
            "VOLUME specified can not be an empty string".into(),
            "name the volume's path",
        )),
        "shell" if args.is_empty() => Some(at_least_one()),
        "shell" if !ins.json => Some(whole(
            "SHELL requires the arguments to be in JSON form".into(),
            "write SHELL [\"executable\", \"parameters\"]",
        )),
        "onbuild" => onbuild_trigger(ins),
        "from" => from(ins),
        "healthcheck" => healthcheck(ins),
        _ => None,
    }
}

/// `--name[=value]` flags as BuildKit's `BFlags.Parse` checks them.
fn check_flags(ins: &Instruction, known: &[(&str, Kind)]) -> Option<Invalid> {
    let mut used: Vec<&str> = Vec::new();
    for f in &ins.flags {
        if f.text == "--" {
            return None;
        }
        let dashed = format!("--{}", f.name);
        let bad = |message: String, help: Option<String>| Invalid {
            span: f.span.clone(),
            message,
            label: "this flag",
            help,
        };
        let Some(&(name, kind)) = known.iter().find(|(n, _)| *n == f.name) else {
            let names = || known.iter().map(|(n, _)| *n);
            let help = match closest(names(), &f.name) {
                Some(n) => format!("did you mean --{n}?"),
                None if known.is_empty() => {
                    format!("{} takes no flags", ins.command.to_uppercase())
                }
                None => format!(
                    "{} takes {}",
                    ins.command.to_uppercase(),
                    names()
                        .map(|n| format!("--{n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            return Some(bad(format!("unknown flag: {dashed}"), Some(help)));
        };
        // Two --platform on a FROM are XB003's (with a fix when equal).
        let xb003 = ins.command == "from" && name == "platform";
        if used.contains(&name) && kind != Kind::Strs && !xb003 {
            return Some(bad(format!("duplicate flag specified: {dashed}"), None));
        }
        used.push(name);
        match (kind, f.value.as_deref()) {
            (Kind::Bool, Some("")) | (Kind::Str | Kind::Strs, None) => {
                return Some(bad(
                    format!("missing a value on flag: {dashed}"),
                    Some(format!("write {dashed}=VALUE")),
                ));
            }
            (Kind::Bool, Some(v)) if !matches!(v.to_lowercase().as_str(), "true" | "false") => {
                return Some(bad(
                    format!("expecting boolean value for flag {dashed}, not: {v}"),
                    Some(format!("write {dashed}, {dashed}=true or {dashed}=false")),
                ));
            }
            _ => {}
        }
    }
    None
}

fn onbuild_trigger(ins: &Instruction) -> Option<Invalid> {
    let sub = ins.sub.as_ref()?;
    let trigger = sub.command.to_uppercase();
    let message = match trigger.as_str() {
        "ONBUILD" => "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".to_string(),
        "MAINTAINER" | "FROM" => format!("{trigger} isn't allowed as an ONBUILD trigger"),
        _ => return None,
    };
    Some(Invalid {
        span: sub.keyword_span.clone(),
        message,
        label: "not allowed here",
        help: Some("ONBUILD takes any other instruction".into()),
    })
}

/// `HEALTHCHECK [flags] CMD ...`: the type, the command and the flags'
/// values.
fn healthcheck(ins: &Instruction) -> Option<Invalid> {
    let whole = |message: String| Invalid {
        span: ins.span.clone(),
        message,
        label: "in this instruction",
        help: Some("write HEALTHCHECK [--interval=DURATION ...] CMD COMMAND".into()),
    };
    let kind = &ins.args[0];
    if !kind.eq_ignore_ascii_case("cmd") {
        return Some(whole(format!(
            "Unknown type {} in HEALTHCHECK (try CMD)",
            super::dump::go_quote(&kind.to_uppercase())
        )));
    }
    if ins.args.len() < 2 {
        return Some(whole("Missing command after HEALTHCHECK CMD".into()));
    }
    for f in &ins.flags {
        let value = f.value.as_deref().unwrap_or("");
        let bad = |message: String| Invalid {
            span: f.span.clone(),
            message,
            label: "this value",
            help: Some("durations are Go durations: 30s, 1m30s, 500ms".into()),
        };
        if f.name == "retries" {
            match value.parse::<i64>() {
                _ if value.is_empty() => {}
                Ok(n) if n < 0 => return Some(bad(format!("--retries cannot be negative ({n})"))),
                Ok(n) if i32::try_from(n).is_err() => {
                    return Some(bad(format!(
                        "strconv.ParseInt: parsing {}: value out of range",
                        super::dump::go_quote(value)
                    )));
                }
                Ok(_) => {}
                Err(_) => {
                    return Some(bad(format!(
                        "strconv.ParseInt: parsing {}: invalid syntax",
                        super::dump::go_quote(value)
                    )));
                }
            }
        } else if !value.is_empty() {
            match go_duration_nanos(value) {
                None => {
                    return Some(bad(format!(
                        "time: invalid duration {}",
                        super::dump::go_quote(value)
                    )));
                }
                Some(ns) if ns != 0 && ns < 1_000_000 => {
                    return Some(bad(format!(
                        "Interval {} cannot be less than 1ms",
                        super::dump::go_quote(&f.name)
                    )));
                }
                Some(_) => {}
            }
        }
    }
    None
}

/// Go's `time.ParseDuration`, to the nanosecond (signs, fractions and the
/// units ns, us, µs, μs, ms, s, m, h); None when Go rejects the text.
fn go_duration_nanos(text: &str) -> Option<i128> {
    let (negative, mut rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        let number = &rest[..number_len];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return None;
        }
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale: f64 = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number.parse::<f64>().ok()? * scale;
    }
    if total > i64::MAX as f64 {
        return None;
    }
    let ns = total as i128;
    Some(if negative { -ns } else { ns })
}

/// Levenshtein distance (the keywords are short ASCII words).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::parse;

    fn first(src: &str) -> Option<String> {
        invalid(&parse("Dockerfile", src).unwrap()).map(|i| i.message)
    }

    #[test]
    fn unknown_instructions_with_suggestions() {
        let df = parse("Dockerfile", "FROM a\nRUNN echo\n").unwrap();
        let bad = invalid(&df).unwrap();
        assert_eq!(bad.span, 7..11);
        assert_eq!(bad.message, "unknown instruction: RUNN");
        assert_eq!(bad.help.as_deref(), Some("did you mean RUN?"));
        assert_eq!(
            first("FROM a\nONBUILD FOO x\n").as_deref(),
            Some("unknown instruction: FOO")
        );
        assert_eq!(first("from a\nhealthcheck NONE\nonbuild run x\n"), None);
    }

    #[test]
    fn buildkit_instruction_errors() {
        let cases = [
            (
                "COPY x",
                "COPY requires at least two arguments, but only one was provided. Destination could not be determined",
            ),
            ("COPY --fromm=a / /", "unknown flag: --fromm"),
            ("COPY --from a / /", "missing a value on flag: --from"),
            (
                "COPY --link=maybe a b",
                "expecting boolean value for flag --link, not: maybe",
            ),
            (
                "COPY --from=a --from=b x y",
                "duplicate flag specified: --from",
            ),
            (
                "RUN --mont=type=cache,target=/x true",
                "unknown flag: --mont",
            ),
            ("WORKDIR --x=1 /a", "unknown flag: --x"),
            ("EXPOSE", "EXPOSE requires at least one argument"),
            ("USER", "USER requires exactly one argument"),
            ("WORKDIR", "WORKDIR requires exactly one argument"),
            (
                "ONBUILD FROM busybox",
                "FROM isn't allowed as an ONBUILD trigger",
            ),
            (
                "ONBUILD ONBUILD RUN x",
                "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
            ),
            (
                "ONBUILD MAINTAINER me",
                "MAINTAINER isn't allowed as an ONBUILD trigger",
            ),
            ("HEALTHCHECK NONE x", "HEALTHCHECK NONE takes no arguments"),
            (
                "HEALTHCHECK CURL x",
                "Unknown type \"CURL\" in HEALTHCHECK (try CMD)",
            ),
            (
                "HEALTHCHECK --interval=5 CMD true",
                "time: invalid duration \"5\"",
            ),
            (
                "HEALTHCHECK --timeout=1us CMD true",
                "Interval \"timeout\" cannot be less than 1ms",
            ),
            (
                "HEALTHCHECK --retries=-1 CMD true",
                "--retries cannot be negative (-1)",
            ),
            (
                "SHELL sh -c",
                "SHELL requires the arguments to be in JSON form",
            ),
            ("ARG =x", "ARG names can not be blank"),
        ];
        for (line, want) in cases {
            let src = format!("FROM a\n{line}\n");
            assert_eq!(first(&src).as_deref(), Some(want), "{line}");
        }
        for ok in [
            "COPY --from=a --chmod=644 --link x y",
            "COPY --exclude=a --exclude=b x y",
            "ADD --checksum=sha256:00 --keep-git-dir=true x y",
            "RUN --mount=type=cache,target=/x --mount=type=secret,id=a --network=none true",
            "RUN",
            "HEALTHCHECK --interval=1m30s --timeout=0 --retries=3 CMD curl -f x",
            "ARG --ignored=1 A",
            "CMD",
            "ENTRYPOINT []",
            "STOPSIGNAL SIGTERM",
        ] {
            assert_eq!(first(&format!("FROM a\n{ok}\n")), None, "{ok}");
        }
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration_nanos("1m30s"), Some(90_000_000_000));
        assert_eq!(go_duration_nanos("1.5h"), Some(5_400_000_000_000));
        assert_eq!(go_duration_nanos("0"), Some(0));
        assert_eq!(go_duration_nanos("300ms"), Some(300_000_000));
        assert_eq!(go_duration_nanos("5"), None);
        assert_eq!(go_duration_nanos("s"), None);
        assert_eq!(go_duration_nanos(""), None);
    }
}
