//! xbuild.toml as written: serde structs of `toml::Spanned` values, so that
//! validation (in `resolve`) can point at the value it rejects. Nothing here
//! checks meaning, only shape; every key is optional (defaults are decided
//! in `Config::defaults`).
//!
//! Keys that accept more than one shape (a string or an array, a table or
//! an array of `k=v`, a string, an argv or a table) have small hand-written
//! `Deserialize` impls: serde's `untagged` enums buffer their input, which
//! loses the spans.

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;
use toml::Spanned;

/// The sections of xbuild.toml, in the order the documentation lists them.
pub const SECTIONS: &[&str] = &[
    "image",
    "dockerfile",
    "builder",
    "build",
    "go",
    "lint",
    "images",
];

/// The whole file, one section at a time (each is deserialized on its own
/// so that a problem in one does not hide problems in another).
#[derive(Debug, Default)]
pub struct RawConfig {
    pub image: RawImage,
    pub dockerfile: RawDockerfile,
    pub builder: RawBuilder,
    pub build: RawBuild,
    pub go: RawGo,
    pub lint: RawLint,
    /// `[images.NAME]` tables, in file order.
    pub images: Vec<(String, S<super::images::RawImageEntry>)>,
}

pub type S<T> = Spanned<T>;

#[derive(Debug, Default, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    default,
    expecting = "a table"
)]
pub struct RawImage {
    pub name: Option<S<String>>,
    pub tags: Option<S<Strings>>,
    pub platforms: Option<S<Strings>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    default,
    expecting = "a table"
)]
pub struct RawDockerfile {
    pub path: Option<S<String>>,
    pub cross: Option<S<String>>,
    pub strategy: Option<S<String>>,
    pub target: Option<S<String>>,
    pub context: Option<S<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    default,
    expecting = "a table"
)]
pub struct RawBuilder {
    pub tool: Option<S<String>>,
    pub name: Option<S<String>>,
    pub driver: Option<S<String>>,
    pub driver_opts: Option<S<KeyValues>>,
    pub buildkitd_flags: Option<S<String>>,
    pub config: Option<S<String>>,
    pub ephemeral: Option<S<bool>>,
    pub platforms: Option<S<Strings>>,
    pub endpoint: Option<S<String>>,
    pub nodes: Option<S<Vec<S<RawNode>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", expecting = "a table")]
pub struct RawNode {
    pub endpoint: S<String>,
    #[serde(default)]
    pub name: Option<S<String>>,
    #[serde(default)]
    pub platforms: Option<S<Strings>>,
    #[serde(default)]
    pub driver_opts: Option<S<KeyValues>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    default,
    expecting = "a table"
)]
pub struct RawBuild {
    pub args: Option<S<KeyValues>>,
    pub output: Option<S<Strings>>,
    pub push: Option<S<bool>>,
    pub load: Option<S<bool>>,
    pub cache_from: Option<S<Strings>>,
    pub cache_to: Option<S<Strings>>,
    pub provenance: Option<S<BoolOrString>>,
    pub sbom: Option<S<BoolOrString>>,
    pub progress: Option<S<String>>,
    pub no_cache: Option<S<bool>>,
    pub before: Option<S<Befores>>,
    pub kustomize: Option<S<String>>,
    pub kustomize_image: Option<S<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    default,
    expecting = "a table"
)]
pub struct RawGo {
    pub mode: Option<S<String>>,
    pub main: Option<S<String>>,
    pub output: Option<S<String>>,
    pub ldflags: Option<S<String>>,
    pub tags: Option<S<Strings>>,
    pub env: Option<S<KeyValues>>,
    pub out_dir: Option<S<String>>,
    pub flags: Option<S<Strings>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    default,
    expecting = "a table"
)]
pub struct RawLint {
    pub ignore: Option<S<Strings>>,
}

/// A string or an array of strings. What a single string means (one item,
/// a comma-separated list, words) is up to the key.
#[derive(Debug, Clone, PartialEq)]
pub enum Strings {
    One(String),
    Many(Vec<S<String>>),
}

impl<'de> Deserialize<'de> for Strings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Strings;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Strings, E> {
                Ok(Strings::One(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strings, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Strings::Many(items))
            }
        }
        d.deserialize_any(V)
    }
}

/// A scalar written where xbuild wants a string: strings as they are,
/// integers and booleans as TOML prints them (`replicas = 2` means "2").
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar(pub String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, an integer or a boolean")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `KEY = value` pairs: a table of scalars, or an array of `"k=v"` strings.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyValues {
    /// In file order (TOML tables are unordered maps; the spans give the
    /// order back).
    Table(Vec<(String, S<Scalar>)>),
    List(Vec<S<String>>),
}

impl<'de> Deserialize<'de> for KeyValues {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyValues;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of strings or an array of \"KEY=VALUE\" strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeyValues, A::Error> {
                let mut pairs: Vec<(String, S<Scalar>)> = Vec::new();
                while let Some((k, v)) = map.next_entry()? {
                    pairs.push((k, v));
                }
                pairs.sort_by_key(|(_, v)| v.span().start);
                Ok(KeyValues::Table(pairs))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<KeyValues, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(KeyValues::List(items))
            }
        }
        d.deserialize_any(V)
    }
}

/// `true`, `false` or a string of attributes (`provenance`, `sbom`).
#[derive(Debug, Clone, PartialEq)]
pub struct BoolOrString(pub String);

impl<'de> Deserialize<'de> for BoolOrString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = BoolOrString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a boolean or a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<BoolOrString, E> {
                Ok(BoolOrString(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<BoolOrString, E> {
                Ok(BoolOrString(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `before`: one command line, or an array of commands.
#[derive(Debug, Clone, PartialEq)]
pub enum Befores {
    One(String),
    Many(Vec<S<RawBefore>>),
}

impl<'de> Deserialize<'de> for Befores {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Befores;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a command or an array of commands")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Befores, E> {
                Ok(Befores::One(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Befores, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Befores::Many(items))
            }
        }
        d.deserialize_any(V)
    }
}

/// One `before` command: a command line, an argv, or a table.
#[derive(Debug, Clone, PartialEq)]
pub enum RawBefore {
    Line(String),
    Argv(Vec<S<String>>),
    Table(RawBeforeTable),
}

/// `{ run = "..." | [...], shell = bool, name = "..." }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawBeforeTable {
    pub run: S<Strings>,
    #[serde(default)]
    pub shell: Option<S<bool>>,
    #[serde(default)]
    pub name: Option<S<String>>,
}

impl<'de> Deserialize<'de> for RawBefore {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawBefore;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a command line, an array of arguments or a table with `run`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawBefore, E> {
                Ok(RawBefore::Line(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawBefore, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(RawBefore::Argv(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawBefore, A::Error> {
                RawBeforeTable::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawBefore::Table)
            }
        }
        d.deserialize_any(V)
    }
}
