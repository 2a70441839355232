//! [`RawConfig`] -> [`Config`]: every value checked, relative paths joined to
//! the directory holding xbuild.toml, defaults filled in. Problems are
//! collected, not returned at the first one, so the user sees them all.

use super::error::{Choices, ConfigError};
use super::model::*;
pub use super::paths::join;
use super::raw::*;
use super::source::ConfigSource;
use super::suggest;
use super::words;
use crate::platform::Platform;
use miette::SourceSpan;
use std::ops::Range;
use std::path::{Path, PathBuf};

mod build;
mod builder;
mod go;
mod image;
mod images;

/// How a key reads a single string where it also accepts an array.
#[derive(Clone, Copy)]
enum Split {
    /// The string is one item.
    Whole,
    /// The string is a comma-separated list (`"linux/amd64,linux/arm64"`).
    Commas,
    /// The string is shell words (`"-trimpath -v"`).
    Words,
}

/// Resolves `raw` over the defaults for `root`; relative paths in the file
/// are joined to `base` (the directory that holds it).
pub fn resolve(
    raw: &RawConfig,
    source: &ConfigSource,
    root: &Path,
    base: &Path,
) -> (Config, Vec<ConfigError>) {
    let mut r = Resolver {
        src: source,
        base,
        problems: Vec::new(),
    };
    let mut config = Config::defaults(root);
    r.image(&raw.image, &mut config.image);
    r.dockerfile(&raw.dockerfile, &mut config.dockerfile);
    r.builder(&raw.builder, &mut config.builder);
    r.build(&raw.build, &mut config.build);
    r.go(&raw.go, &mut config.go);
    r.lint(&raw.lint, &mut config.lint);
    r.images(&raw.images, &mut config);
    config.source = Some(source.clone());
    (config, r.problems)
}

struct Resolver<'a> {
    src: &'a ConfigSource,
    base: &'a Path,
    problems: Vec<ConfigError>,
}

fn span(r: &Range<usize>) -> SourceSpan {
    r.clone().into()
}

impl Resolver<'_> {
    fn invalid(
        &mut self,
        key: &str,
        at: &Range<usize>,
        message: &str,
        label: &'static str,
        help: &str,
    ) {
        self.problems.push(ConfigError::Invalid {
            key: key.to_string(),
            message: message.to_string(),
            label,
            help: help.to_string(),
            src: self.src.shared(),
            span: span(at),
        });
    }

    // ---- shapes shared by several keys ----

    /// A string that must not be empty.
    fn text(&mut self, v: &Option<S<String>>, key: &str) -> Option<String> {
        let v = v.as_ref()?;
        if v.get_ref().trim().is_empty() {
            self.invalid(
                key,
                &v.span(),
                "the value is empty",
                "empty",
                &format!("give `{key}` a value, or remove the line for the default"),
            );
            return None;
        }
        Some(v.get_ref().clone())
    }

    fn path(&mut self, v: &Option<S<String>>, key: &str) -> Option<PathBuf> {
        self.text(v, key).map(|p| join(self.base, &p))
    }

    fn flag(v: &Option<S<bool>>) -> Option<bool> {
        v.as_ref().map(|b| *b.get_ref())
    }

    /// Items with their spans; a single string split as `split` says.
    fn strings(&mut self, v: &S<Strings>, key: &str, split: Split) -> Vec<(String, Range<usize>)> {
        match v.get_ref() {
            Strings::Many(items) => items
                .iter()
                .map(|i| (i.get_ref().clone(), i.span()))
                .collect(),
            Strings::One(s) => match split {
                Split::Whole => vec![(s.clone(), v.span())],
                Split::Commas => self.comma_items(s, &v.span()),
                Split::Words => match words::split(s) {
                    Ok(w) => w.into_iter().map(|w| (w, v.span())).collect(),
                    Err(e) => {
                        self.invalid(
                            key,
                            &v.span(),
                            &format!("cannot split it into arguments: {e}"),
                            "here",
                            "write it as an array of strings, one per argument",
                        );
                        Vec::new()
                    }
                },
            },
        }
    }

    /// Comma-separated items of a string, each with its own span when the
    /// string is written without escapes (so offsets map 1:1).
    fn comma_items(&self, s: &str, whole: &Range<usize>) -> Vec<(String, Range<usize>)> {
        let written = self.src.text().get(whole.clone()).unwrap_or("");
        let verbatim = written.len() == s.len() + 2
            && (written.starts_with('"') || written.starts_with('\''))
            && &written[1..written.len() - 1] == s;
        let mut out = Vec::new();
        let mut offset = 0;
        for part in s.split(',') {
            let trimmed = part.trim();
            if !trimmed.is_empty() {
                let at = if verbatim {
                    let start = whole.start + 1 + offset + (part.len() - part.trim_start().len());
                    start..start + trimmed.len()
                } else {
                    whole.clone()
                };
                out.push((trimmed.to_string(), at));
            }
            offset += part.len() + 1;
        }
        out
    }

    /// A platform list; duplicates (after normalisation) dropped.
    fn platforms(&mut self, v: &S<Strings>, key: &str) -> Vec<Platform> {
        let indexed = matches!(v.get_ref(), Strings::Many(_));
        let mut out: Vec<Platform> = Vec::new();
        for (i, (item, at)) in self.strings(v, key, Split::Commas).into_iter().enumerate() {
            match item.parse::<Platform>() {
                Ok(p) if !out.contains(&p) => out.push(p),
                Ok(_) => {}
                Err(e) => self.problems.push(ConfigError::Platform {
                    key: if indexed {
                        format!("{key}[{i}]")
                    } else {
                        key.to_string()
                    },
                    message: e.to_string(),
                    help: e.help_text(),
                    src: self.src.shared(),
                    span: span(&at),
                }),
            }
        }
        out
    }

    /// One of a fixed set of words, with a suggestion for a near miss.
    fn choice(
        &mut self,
        v: &Option<S<String>>,
        key: &str,
        names: &'static [&'static str],
    ) -> Option<&'static str> {
        let v = v.as_ref()?;
        let value = v.get_ref();
        if let Some(name) = names.iter().find(|n| *n == value) {
            return Some(name);
        }
        let allowed = suggest::list(names);
        let help = match suggest::closest(value, names) {
            Some(close) => format!("did you mean `{close}`? `{key}` is one of {allowed}"),
            None => format!("`{key}` is one of {allowed}"),
        };
        self.problems.push(ConfigError::UnknownValue {
            key: key.to_string(),
            value: value.clone(),
            help,
            src: self.src.shared(),
            span: span(&v.span()),
            allowed: Choices(names),
        });
        None
    }

    /// `KEY = value` pairs from a table or `"KEY=VALUE"` strings, in order.
    fn key_values(&mut self, v: &S<KeyValues>, key: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        match v.get_ref() {
            KeyValues::Table(pairs) => {
                for (k, value) in pairs {
                    out.push((k.clone(), value.get_ref().0.clone()));
                }
            }
            KeyValues::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    match item.get_ref().split_once('=') {
                        Some((k, value)) if !k.trim().is_empty() => {
                            out.push((k.trim().to_string(), value.to_string()));
                        }
                        _ => self.invalid(
                            &format!("{key}[{i}]"),
                            &item.span(),
                            &format!("{:?} is not KEY=VALUE", item.get_ref()),
                            "expected KEY=VALUE",
                            &format!(
                                "write each entry of `{key}` as \"KEY=VALUE\", or use a table: {key} = {{ KEY = \"VALUE\" }}"
                            ),
                        ),
                    }
                }
            }
        }
        out
    }
}
