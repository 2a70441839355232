//! `[images.NAME]`: several images from one repository, built together (one
//! `docker buildx bake`). Each table names an image and may set `name`,
//! `tags`, `platforms`, `dockerfile`, `target`, `context`, `args` and
//! `output`; what it does not set comes from `[image]`, `[dockerfile]` and
//! `[build]`, resolved before it. A file without `[images]` has one image,
//! `[image]`, as before.
//!
//! The raw form ([`RawImageEntry`]) is checked here for shape only (unknown
//! keys are errors); `resolve::images` checks values and inheritance and
//! that no two images share a reference. Whether a `target` exists is a
//! question about the Dockerfile, answered when the build is planned
//! (`bake::plan`), pointing back here through [`ImageEntry::key_path`].

use super::model::ImageConfig;
use super::raw::{KeyValues, S, Strings};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use std::path::PathBuf;

/// One `[images.NAME]` table as written.
#[derive(Debug, Default, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    default,
    expecting = "a table"
)]
pub struct RawImageEntry {
    pub name: Option<S<String>>,
    pub tags: Option<S<Strings>>,
    pub platforms: Option<S<Strings>>,
    pub dockerfile: Option<S<String>>,
    pub target: Option<S<String>>,
    pub context: Option<S<String>>,
    pub args: Option<S<KeyValues>>,
    pub output: Option<S<Strings>>,
}

/// One resolved image, everything inherited filled in.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ImageEntry {
    /// NAME in `[images.NAME]`: the bake target's name and what
    /// `xbuild build NAME` selects.
    #[serde(skip)]
    pub key: String,
    #[serde(flatten)]
    pub image: ImageConfig,
    pub dockerfile: PathBuf,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    pub context: PathBuf,
    #[serde(
        serialize_with = "super::model::pairs",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub args: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub output: Vec<String>,
}

impl ImageEntry {
    /// The dotted path of one of this table's keys, for `Config::span_of`.
    pub fn key_path(&self, key: &str) -> String {
        super::source::join_key(&super::source::join_key("images", &self.key), key)
    }
}

/// `[images.*]` serializes as a table of tables, in file order.
pub fn serialize<S: Serializer>(list: &[ImageEntry], s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(list.len()))?;
    for e in list {
        map.serialize_entry(&e.key, e)?;
    }
    map.end()
}
