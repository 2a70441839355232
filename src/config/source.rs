//! xbuild.toml's text and where each key is in it, kept after loading so
//! that later stages (the build plan, lint) can point their errors into the
//! file the user wrote.
//!
//! Keys are addressed by dotted paths built from the TOML structure:
//! `image.platforms`, `image.platforms[1]`, `builder.nodes[0].endpoint`,
//! `build.args.GOPROXY`. A key that is not a bare TOML key is written quoted,
//! as TOML would: `build.args."a.b"`.

use super::error::SharedSource;
use miette::{NamedSource, SourceSpan};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The loaded file: its name as the user gave it, its path, its text, and
/// the spans of every key and value in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigSource {
    named: SharedSource,
    path: PathBuf,
    values: BTreeMap<String, Range<usize>>,
    keys: BTreeMap<String, Range<usize>>,
}

impl ConfigSource {
    /// Indexes `doc`, the parsed form of `text`.
    pub(crate) fn new(name: String, path: PathBuf, text: String, doc: &DeTable<'_>) -> Self {
        let mut src = ConfigSource {
            named: Arc::new(NamedSource::new(name, text).with_language("TOML")),
            path,
            values: BTreeMap::new(),
            keys: BTreeMap::new(),
        };
        src.index_table("", doc);
        src
    }

    fn index_table(&mut self, prefix: &str, table: &DeTable<'_>) {
        for (key, value) in table {
            let path = join_key(prefix, key.get_ref());
            self.keys.insert(path.clone(), key.span());
            self.index_value(path, value);
        }
    }

    fn index_value(&mut self, path: String, value: &Spanned<DeValue<'_>>) {
        match value.get_ref() {
            DeValue::Table(t) => self.index_table(&path, t),
            DeValue::Array(a) => {
                for (i, item) in a.iter().enumerate() {
                    self.index_value(format!("{path}[{i}]"), item);
                }
            }
            _ => {}
        }
        self.values.insert(path, value.span());
    }

    /// The name errors show in their header, e.g. `xbuild.toml`.
    pub fn name(&self) -> &str {
        self.named.name()
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's text.
    pub fn text(&self) -> &str {
        self.named.inner()
    }

    /// The text as a miette source, for a diagnostic's `#[source_code]`.
    pub fn named_source(&self) -> NamedSource<String> {
        (*self.named).clone()
    }

    /// The same, shared: what this module's own errors hold.
    pub(crate) fn shared(&self) -> SharedSource {
        Arc::clone(&self.named)
    }

    /// The span of the value at `key` (for a table from a `[header]`, the
    /// header), or `None` when the file does not set it.
    pub fn span_of(&self, key: &str) -> Option<SourceSpan> {
        self.values.get(key).map(|r| r.clone().into())
    }

    /// The span of the key itself (`platforms` in `platforms = [...]`).
    pub fn key_span_of(&self, key: &str) -> Option<SourceSpan> {
        self.keys.get(key).map(|r| r.clone().into())
    }

    /// The dotted path of the value that starts at `span` (innermost first).
    pub(crate) fn value_at(&self, span: &Range<usize>) -> Option<&str> {
        self.values
            .iter()
            .filter(|(_, r)| *r == span)
            .map(|(k, _)| k.as_str())
            .max_by_key(|k| k.len())
    }

    /// The dotted path of the key whose name is at `span`.
    pub(crate) fn key_at(&self, span: &Range<usize>) -> Option<&str> {
        self.keys
            .iter()
            .find(|(_, r)| *r == span)
            .map(|(k, _)| k.as_str())
    }

    /// The innermost value whose span contains `span`.
    pub(crate) fn value_containing(&self, span: &Range<usize>) -> Option<&str> {
        self.values
            .iter()
            .filter(|(_, r)| r.start <= span.start && span.end <= r.end)
            .min_by_key(|(_, r)| r.end - r.start)
            .map(|(k, _)| k.as_str())
    }
}

/// `prefix.key`, quoting `key` when it is not a bare TOML key.
pub(crate) fn join_key(prefix: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let key = if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    };
    if prefix.is_empty() {
        key
    } else {
        format!("{prefix}.{key}")
    }
}

/// The table that holds the key at `path` (`image.tags` -> `image`,
/// `builder.nodes[0].x` -> `builder.nodes[0]`), `""` for the top level.
pub(crate) fn parent_of(path: &str) -> &str {
    // Quoted keys may contain dots; they never occur in our schema's tables,
    // so the last unquoted dot is the right split for the paths we look up.
    let mut in_quotes = false;
    let mut split = None;
    for (i, c) in path.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            '.' if !in_quotes => split = Some(i),
            _ => {}
        }
    }
    split.map_or("", |i| &path[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> ConfigSource {
        let doc = DeTable::parse(text).unwrap();
        ConfigSource::new(
            "xbuild.toml".into(),
            PathBuf::from("/p/xbuild.toml"),
            text.into(),
            doc.get_ref(),
        )
    }

    fn at(src: &ConfigSource, key: &str) -> String {
        let span = src.span_of(key).unwrap_or_else(|| panic!("no {key}"));
        src.text()[span.offset()..span.offset() + span.len()].to_string()
    }

    #[test]
    fn spans_by_dotted_path() {
        let src = source(
            "[image]\nplatforms = [\"linux/amd64\", \"linux/arm64\"]\n\n[build.args]\n\"a.b\" = \"1\"\n\n[[builder.nodes]]\nendpoint = \"tcp://x\"\n",
        );
        assert_eq!(at(&src, "image.platforms[1]"), "\"linux/arm64\"");
        assert_eq!(at(&src, "builder.nodes[0].endpoint"), "\"tcp://x\"");
        assert_eq!(at(&src, "build.args.\"a.b\""), "\"1\"");
        assert_eq!(at(&src, "image"), "[image]");
        let k = src.key_span_of("image.platforms").unwrap();
        assert_eq!(&src.text()[k.offset()..k.offset() + k.len()], "platforms");
        assert!(src.span_of("image.name").is_none());
        assert_eq!(src.named_source().name(), "xbuild.toml");
    }

    #[test]
    fn parents() {
        assert_eq!(parent_of("image.tags"), "image");
        assert_eq!(parent_of("builder.nodes[0].x"), "builder.nodes[0]");
        assert_eq!(parent_of("image"), "");
        assert_eq!(parent_of("build.args.\"a.b\""), "build.args");
    }
}
