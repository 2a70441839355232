//! `[go]` and `[lint]`.

use super::{Resolver, Split};
use crate::config::check;
use crate::config::model::*;
use crate::config::raw::*;

impl Resolver<'_> {
    pub(super) fn go(&mut self, raw: &RawGo, out: &mut GoConfig) {
        if let Some(m) = self.choice(&raw.mode, "go.mode", GoMode::NAMES) {
            out.mode = GoMode::from_name(m).unwrap_or_default();
        }
        out.main = self.text(&raw.main, "go.main");
        out.output = self.text(&raw.output, "go.output");
        out.ldflags = raw.ldflags.as_ref().map(|l| l.get_ref().clone());
        if let Some(tags) = &raw.tags {
            out.tags = self
                .strings(tags, "go.tags", Split::Commas)
                .into_iter()
                .map(|(t, _)| t)
                .collect();
        }
        if let Some(env) = &raw.env {
            for (k, v) in self.key_values(env, "go.env") {
                let at = self
                    .src
                    .key_span_of(&crate::config::source::join_key("go.env", &k))
                    .map(|s| s.offset()..s.offset() + s.len())
                    .unwrap_or_else(|| env.span());
                if k == "GOOS" || k == "GOARCH" {
                    self.invalid(
                        "go.env",
                        &at,
                        &format!("{k} is set by xbuild for each platform"),
                        "set per platform",
                        "remove it; list the platforms in [image] platforms instead",
                    );
                } else if !check::env_name(&k) {
                    self.invalid(
                        "go.env",
                        &at,
                        &format!("{k:?} is not an environment variable name"),
                        "invalid name",
                        "names are letters, digits and '_', not starting with a digit",
                    );
                } else {
                    out.env.push((k, v));
                }
            }
        }
        if let Some(dir) = self.path(&raw.out_dir, "go.out-dir") {
            out.out_dir = dir;
        }
        if let Some(flags) = &raw.flags {
            out.flags = self
                .strings(flags, "go.flags", Split::Words)
                .into_iter()
                .map(|(f, _)| f)
                .collect();
        }
    }

    pub(super) fn lint(&mut self, raw: &RawLint, out: &mut LintConfig) {
        let Some(ignore) = &raw.ignore else { return };
        let indexed = matches!(ignore.get_ref(), Strings::Many(_));
        for (i, (id, at)) in self
            .strings(ignore, "lint.ignore", Split::Commas)
            .into_iter()
            .enumerate()
        {
            if check::rule_id(&id) {
                if !out.ignore.contains(&id) {
                    out.ignore.push(id);
                }
                continue;
            }
            let upper = id.to_ascii_uppercase();
            let help = if check::rule_id(&upper) {
                format!("rule IDs are upper case: write \"{upper}\"")
            } else {
                "rule IDs are XB followed by three digits, e.g. \"XB001\"".to_string()
            };
            let key = if indexed {
                format!("lint.ignore[{i}]")
            } else {
                "lint.ignore".to_string()
            };
            self.invalid(
                &key,
                &at,
                &format!("{id:?} is not a rule ID"),
                "not a rule ID",
                &help,
            );
        }
    }
}
