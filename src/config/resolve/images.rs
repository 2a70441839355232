//! `[images.NAME]` over what `[image]`, `[dockerfile]` and `[build]`
//! resolved to; then no two images may share a reference.

use super::{Resolver, Split, join};
use crate::config::check;
use crate::config::images::{ImageEntry, RawImageEntry};
use crate::config::model::Config;
use crate::config::raw::{RawImage, S};
use crate::config::source::join_key;
use std::path::PathBuf;

impl Resolver<'_> {
    pub(super) fn images(&mut self, raw: &[(String, S<RawImageEntry>)], config: &mut Config) {
        for (key, entry) in raw {
            let resolved = self.image_entry(key, entry.get_ref(), config);
            config.images.push(resolved);
        }
        self.duplicate_references(raw, &config.images);
    }

    fn image_entry(&mut self, key: &str, raw: &RawImageEntry, config: &Config) -> ImageEntry {
        let table = join_key("images", key);
        let k = |name: &str| join_key(&table, name);
        if !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && let Some(at) = self.src.key_span_of(&table)
        {
            self.invalid(
                &table,
                &(at.offset()..at.offset() + at.len()),
                &format!("{key:?} cannot name a bake target"),
                "invalid image name",
                "name the table with letters, digits, '-' and '_' only, e.g. [images.controller]",
            );
        }
        let mut out = ImageEntry {
            key: key.to_string(),
            image: config.image.clone(),
            dockerfile: config.dockerfile.path.clone(),
            target: config.dockerfile.target.clone(),
            context: config.dockerfile.context.clone(),
            args: config.build.args.clone(),
            output: config.build.output.clone(),
        };
        let image = RawImage {
            name: raw.name.clone(),
            tags: raw.tags.clone(),
            platforms: raw.platforms.clone(),
        };
        self.image_keys(&image, &mut out.image, &table);
        if let Some(path) = self.path(&raw.dockerfile, &k("dockerfile")) {
            out.dockerfile = path;
        }
        if let Some(target) = self.text(&raw.target, &k("target")) {
            out.target = Some(target);
        }
        if let Some(context) = self.text(&raw.context, &k("context")) {
            out.context = if context.contains("://") || context.starts_with("git@") {
                PathBuf::from(context)
            } else {
                join(self.base, &context)
            };
        }
        if let Some(args) = &raw.args {
            for (name, value) in self.key_values(args, &k("args")) {
                if !check::build_arg_name(&name) {
                    self.invalid(
                        &k("args"),
                        &args.span(),
                        &format!("{name:?} is not a build argument name"),
                        "invalid name",
                        "a build argument's name is not empty and has no spaces, like the ARG it sets",
                    );
                    continue;
                }
                out.args.retain(|(n, _)| *n != name);
                out.args.push((name, value));
            }
        }
        if let Some(outputs) = &raw.output {
            out.output.clear();
            for (spec, at) in self.strings(outputs, &k("output"), Split::Whole) {
                match check::output(&spec, self.base) {
                    Ok(resolved) => out.output.push(resolved),
                    Err((message, label, help)) => {
                        self.invalid(&k("output"), &at, &message, label, &help)
                    }
                }
            }
        }
        out
    }

    /// Two images pushed under one reference would overwrite each other.
    fn duplicate_references(&mut self, raw: &[(String, S<RawImageEntry>)], images: &[ImageEntry]) {
        for (i, image) in images.iter().enumerate() {
            let refs = image.image.references();
            let Some((earlier, shared)) = images[..i].iter().find_map(|e| {
                let theirs = e.image.references();
                refs.iter()
                    .find(|r| theirs.contains(r))
                    .map(|r| (e.key.clone(), r.clone()))
            }) else {
                continue;
            };
            let entry = raw[i].1.get_ref();
            let at = entry
                .name
                .as_ref()
                .map(|n| n.span())
                .or_else(|| entry.tags.as_ref().map(|t| t.span()))
                .unwrap_or_else(|| raw[i].1.span());
            let help = if entry.name.is_none() {
                format!(
                    "give [images.{}] its own `name` (it inherits [image] name)",
                    image.key
                )
            } else {
                "give each image its own `name` (or distinct full references in `tags`)".to_string()
            };
            self.invalid(
                &join_key(&join_key("images", &image.key), "name"),
                &at,
                &format!("[images.{earlier}] is pushed as {shared} too"),
                "same reference as another image",
                &help,
            );
        }
    }
}
