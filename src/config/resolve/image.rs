//! `[image]` and `[dockerfile]`.

use super::{Resolver, Split, join};
use crate::config::check;
use crate::config::model::*;
use crate::config::raw::*;
use std::path::PathBuf;

impl Resolver<'_> {
    pub(super) fn image(&mut self, raw: &RawImage, out: &mut ImageConfig) {
        self.image_keys(raw, out, "image");
    }

    /// `name`, `tags` and `platforms` of `table` (`image`, or
    /// `images.NAME`) over `out`.
    pub(super) fn image_keys(&mut self, raw: &RawImage, out: &mut ImageConfig, table: &str) {
        let key = |k: &str| format!("{table}.{k}");
        if let Some(name) = &raw.name {
            if let Err((message, help)) = check::image_name(name.get_ref()) {
                self.invalid(
                    &key("name"),
                    &name.span(),
                    &message,
                    "not an image name",
                    &help,
                );
            } else {
                out.name = Some(name.get_ref().clone());
            }
        }
        if let Some(tags) = &raw.tags {
            let items = self.strings(tags, &key("tags"), Split::Whole);
            if items.is_empty() {
                self.invalid(
                    &key("tags"),
                    &tags.span(),
                    "there are no tags",
                    "empty",
                    "give at least one tag, e.g. tags = [\"latest\"], or remove the key for the default",
                );
            }
            let mut resolved = Vec::new();
            for (i, (tag, at)) in items.into_iter().enumerate() {
                match check::tag(&tag) {
                    Ok(()) if !resolved.contains(&tag) => resolved.push(tag),
                    Ok(()) => {}
                    Err((message, help)) => self.invalid(
                        &format!("{table}.tags[{i}]"),
                        &at,
                        &message,
                        "not a tag or image reference",
                        &help,
                    ),
                }
            }
            out.tags = resolved;
        }
        if let Some(platforms) = &raw.platforms {
            let before = self.problems.len();
            let list = self.platforms(platforms, &key("platforms"));
            if list.is_empty() && self.problems.len() == before {
                self.invalid(
                    &key("platforms"),
                    &platforms.span(),
                    "there are no platforms",
                    "empty",
                    "list at least one, e.g. [\"linux/amd64\", \"linux/arm64\"], or remove the key for the default",
                );
            }
            if !list.is_empty() {
                out.platforms = list;
            }
        }
    }

    pub(super) fn dockerfile(&mut self, raw: &RawDockerfile, out: &mut DockerfileConfig) {
        if let Some(path) = self.path(&raw.path, "dockerfile.path") {
            out.cross = cross_next_to(&path);
            out.path = path;
        }
        if let Some(cross) = self.path(&raw.cross, "dockerfile.cross") {
            out.cross = cross;
        }
        if let Some(s) = self.choice(&raw.strategy, "dockerfile.strategy", Strategy::NAMES) {
            out.strategy = Strategy::from_name(s).unwrap_or_default();
        }
        out.target = self.text(&raw.target, "dockerfile.target");
        if let Some(context) = self.text(&raw.context, "dockerfile.context") {
            // A remote context (git or https URL) is passed to buildx as is.
            out.context = if context.contains("://") || context.starts_with("git@") {
                PathBuf::from(context)
            } else {
                join(self.base, &context)
            };
        }
    }
}
