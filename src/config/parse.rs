//! Text -> [`RawConfig`]: TOML syntax, then each section through serde on
//! its own, turning toml's errors (unknown keys, wrong types, missing keys)
//! into spanned [`ConfigError`]s that name the key and suggest a fix.

use super::error::ConfigError;
use super::raw::{RawConfig, SECTIONS};
use super::source::{ConfigSource, parent_of};
use super::suggest;
use miette::NamedSource;
use regex::Regex;
use serde::Deserialize;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, LazyLock};
use toml::de::{DeTable, ValueDeserializer};

/// What parsing produced: the raw sections (a section that failed is left
/// at its defaults), the indexed source, and the problems found so far.
pub struct Parsed {
    pub raw: RawConfig,
    pub source: ConfigSource,
    pub problems: Vec<ConfigError>,
}

/// Parses `text`; `Err` only for TOML syntax errors, which leave nothing to
/// validate.
pub fn parse(text: &str, name: &str, file: &Path) -> Result<Parsed, ConfigError> {
    let (doc, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        let src = Arc::new(NamedSource::new(name, text.to_string()).with_language("TOML"));
        let problems = syntax
            .iter()
            .map(|e| ConfigError::Syntax {
                message: e.message().trim().to_string(),
                src: src.clone(),
                span: e.span().unwrap_or(0..0).into(),
            })
            .collect();
        return Err(ConfigError::from_problems(name, problems));
    }
    let source = ConfigSource::new(
        name.to_string(),
        file.to_path_buf(),
        text.to_string(),
        doc.get_ref(),
    );
    let mut raw = RawConfig::default();
    let mut problems = Vec::new();
    for (key, value) in doc.into_inner() {
        let section = key.get_ref().as_ref();
        // serde would read a struct from an array, by position.
        if SECTIONS.contains(&section) && !matches!(value.get_ref(), toml::de::DeValue::Table(_)) {
            let found = match value.get_ref() {
                toml::de::DeValue::Array(_) => "an array",
                toml::de::DeValue::String(_) => "a string",
                toml::de::DeValue::Boolean(_) => "a boolean",
                toml::de::DeValue::Integer(_) | toml::de::DeValue::Float(_) => "a number",
                _ => "a value",
            };
            problems.push(ConfigError::WrongType {
                key: section.to_string(),
                found: found.to_string(),
                expected: "a table".to_string(),
                src: source.shared(),
                span: value.span().into(),
            });
            continue;
        }
        if section == "images" {
            images(&source, value, &mut raw, &mut problems);
            continue;
        }
        let value = ValueDeserializer::from(value);
        let result = match section {
            "image" => Deserialize::deserialize(value).map(|v| raw.image = v),
            "dockerfile" => Deserialize::deserialize(value).map(|v| raw.dockerfile = v),
            "builder" => Deserialize::deserialize(value).map(|v| raw.builder = v),
            "build" => Deserialize::deserialize(value).map(|v| raw.build = v),
            "go" => Deserialize::deserialize(value).map(|v| raw.go = v),
            "lint" => Deserialize::deserialize(value).map(|v| raw.lint = v),
            other => {
                problems.push(unknown_key(&source, other, "", key.span()));
                continue;
            }
        };
        if let Err(err) = result {
            problems.push(from_toml(&source, section, &err));
        }
    }
    Ok(Parsed {
        raw,
        source,
        problems,
    })
}

/// `[images.NAME]`, one table at a time (a problem in one does not hide
/// the others), in file order (TOML tables are unordered maps; the spans
/// give the order back).
fn images(
    src: &ConfigSource,
    value: toml::Spanned<toml::de::DeValue<'_>>,
    raw: &mut RawConfig,
    problems: &mut Vec<ConfigError>,
) {
    let toml::de::DeValue::Table(table) = value.into_inner() else {
        return;
    };
    for (key, entry) in table {
        match Deserialize::deserialize(ValueDeserializer::from(entry)) {
            Ok(v) => raw.images.push((key.get_ref().to_string(), v)),
            Err(err) => problems.push(from_toml(src, "images", &err)),
        }
    }
    raw.images.sort_by_key(|(_, v)| v.span().start);
}

/// `[image]`, `[[builder.nodes]]`, or "the top level", for messages.
pub fn table_name(path: &str) -> String {
    if path.is_empty() {
        "the top level".to_string()
    } else if let Some(array) = path.strip_suffix(']') {
        let array = array.rsplit_once('[').map_or(array, |(a, _)| a);
        format!("[[{array}]]")
    } else {
        format!("[{path}]")
    }
}

fn unknown_key(src: &ConfigSource, key: &str, table: &str, span: Range<usize>) -> ConfigError {
    unknown_key_of(src, key, table, SECTIONS, span)
}

fn unknown_key_of(
    src: &ConfigSource,
    key: &str,
    table: &str,
    allowed: &[&str],
    span: Range<usize>,
) -> ConfigError {
    let table = table_name(table);
    let allows = if allowed.is_empty() {
        format!("{table} has no keys")
    } else {
        format!("{table} allows {}", suggest::list(allowed))
    };
    let help = match suggest::closest(key, allowed) {
        Some(close) => format!("did you mean `{close}`? {allows}"),
        None => allows,
    };
    ConfigError::UnknownKey {
        key: key.to_string(),
        table,
        help,
        src: src.shared(),
        span: span.into(),
    }
}

static BACKTICKED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"`([^`]*)`").unwrap());
static INVALID_TYPE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^invalid type: (.*), expected (.*)$").unwrap());

/// Turns a serde error from section `section` into a diagnostic. toml puts
/// the span of the offending key (unknown field) or value (everything else)
/// on the error; the source index turns that back into a dotted key.
fn from_toml(src: &ConfigSource, section: &str, err: &toml::de::Error) -> ConfigError {
    let message = err.message().trim();
    let span = err
        .span()
        .or_else(|| {
            src.span_of(section)
                .map(|s| s.offset()..s.offset() + s.len())
        })
        .unwrap_or(0..0);
    let key_of_value = || {
        src.value_at(&span)
            .or_else(|| src.value_containing(&span))
            .unwrap_or(section)
            .to_string()
    };
    if message.starts_with("unknown field") {
        let names: Vec<&str> = BACKTICKED
            .captures_iter(message)
            .filter_map(|c| c.get(1).map(|m| m.as_str()))
            .collect();
        let (key, allowed) = names.split_first().unwrap_or((&"?", &[]));
        let table = src
            .key_at(&span)
            .map(parent_of)
            .unwrap_or(section)
            .to_string();
        return unknown_key_of(src, key, &table, allowed, span);
    }
    if let Some(missing) = message.strip_prefix("missing field ") {
        let key = missing.trim_matches('`').to_string();
        let table = table_name(&key_of_value());
        return ConfigError::MissingKey {
            key,
            table,
            src: src.shared(),
            span: span.into(),
        };
    }
    if let Some(caps) = INVALID_TYPE.captures(message) {
        let key = key_of_value();
        return ConfigError::WrongType {
            key,
            found: toml_words(&caps[1]),
            expected: toml_words(&caps[2]),
            src: src.shared(),
            span: span.into(),
        };
    }
    let key = key_of_value();
    ConfigError::Invalid {
        message: message.to_string(),
        label: "here",
        help: format!("see the comments for `{key}` in `xbuild init --stdout`"),
        key,
        src: src.shared(),
        span: span.into(),
    }
}

/// serde's names for TOML's types: "sequence" is an array, "map" a table.
fn toml_words(s: &str) -> String {
    match s {
        "sequence" => "an array".to_string(),
        "map" => "a table".to_string(),
        "a sequence" => "an array".to_string(),
        "a map" => "a table".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names() {
        assert_eq!(table_name(""), "the top level");
        assert_eq!(table_name("image"), "[image]");
        assert_eq!(table_name("builder.nodes[1]"), "[[builder.nodes]]");
    }
}
