//! `[builder]` and `[[builder.nodes]]`, with the checks across them
//! (remote needs an endpoint, docker cannot have nodes).

use super::{Resolver, span};
use crate::config::check;
use crate::config::error::ConfigError;
use crate::config::model::*;
use crate::config::raw::*;

impl Resolver<'_> {
    pub(super) fn builder(&mut self, raw: &RawBuilder, out: &mut BuilderConfig) {
        if let Some(name) = self.text(&raw.name, "builder.name") {
            if check::builder_name(&name) {
                out.name = name;
            } else if let Some(v) = &raw.name {
                self.invalid(
                    "builder.name",
                    &v.span(),
                    &format!("{name:?} is not a valid builder name"),
                    "invalid name",
                    "builder names start with a letter or digit and contain only letters, digits, '.', '_' and '-'",
                );
            }
        }
        if let Some(t) = self.choice(&raw.tool, "builder.tool", Tool::NAMES) {
            out.tool = Tool::from_program(t).unwrap_or_default();
        }
        if let Some(d) = self.choice(&raw.driver, "builder.driver", DriverSetting::NAMES) {
            out.driver = DriverSetting::from_name(d).unwrap_or_default();
        }
        if let Some(opts) = &raw.driver_opts {
            out.driver_opts = self.key_values(opts, "builder.driver-opts");
        }
        out.buildkitd_flags = raw.buildkitd_flags.as_ref().map(|f| f.get_ref().clone());
        if let Some(config) = self.path(&raw.config, "builder.config") {
            if config.is_file() {
                out.config = Some(config);
            } else if let Some(v) = &raw.config {
                self.problems.push(ConfigError::MissingFile {
                    key: "builder.config".to_string(),
                    help: format!(
                        "create the buildkitd.toml, or fix the path (relative paths are taken from {}, the directory of the xbuild.toml)",
                        if self.base.as_os_str().is_empty() {
                            ".".to_string()
                        } else {
                            self.base.display().to_string()
                        }
                    ),
                    path: config,
                    src: self.src.shared(),
                    span: span(&v.span()),
                });
            }
        }
        if let Some(e) = Self::flag(&raw.ephemeral) {
            out.ephemeral = e;
        }
        if let Some(p) = &raw.platforms {
            out.platforms = self.platforms(p, "builder.platforms");
        }
        out.endpoint = self.text(&raw.endpoint, "builder.endpoint");
        if let Some(nodes) = &raw.nodes {
            for (i, node) in nodes.get_ref().iter().enumerate() {
                if let Some(n) = self.node(node.get_ref(), &format!("builder.nodes[{i}]")) {
                    out.nodes.push(n);
                }
            }
        }

        // Checks across keys.
        if out.driver == DriverSetting::Fixed(Driver::Remote)
            && out.endpoint.is_none()
            && let Some(driver) = &raw.driver
        {
            self.invalid(
                "builder.driver",
                &driver.span(),
                "the remote driver needs an endpoint",
                "remote builder without an endpoint",
                "add endpoint = \"tcp://buildkitd:1234\" (the address buildkitd listens on) to [builder]",
            );
        }
        if out.driver == DriverSetting::Fixed(Driver::Docker)
            && let Some(nodes) = &raw.nodes
        {
            for (i, node) in nodes.get_ref().iter().enumerate() {
                let at = self
                    .src
                    .span_of(&format!("builder.nodes[{i}]"))
                    .map(|s| s.offset()..s.offset() + s.len())
                    .unwrap_or_else(|| node.span());
                self.invalid(
                    &format!("builder.nodes[{i}]"),
                    &at,
                    "the docker driver cannot have appended nodes",
                    "a node for a `docker` builder",
                    "use driver = \"docker-container\", \"kubernetes\" or \"remote\" to build on several nodes, or remove [[builder.nodes]]",
                );
            }
        }
    }

    fn node(&mut self, raw: &RawNode, key: &str) -> Option<BuilderNode> {
        let endpoint = self.text(&Some(raw.endpoint.clone()), &format!("{key}.endpoint"))?;
        let name = self.text(&raw.name, &format!("{key}.name"));
        let platforms = match &raw.platforms {
            Some(p) => self.platforms(p, &format!("{key}.platforms")),
            None => Vec::new(),
        };
        let driver_opts = match &raw.driver_opts {
            Some(o) => self.key_values(o, &format!("{key}.driver-opts")),
            None => Vec::new(),
        };
        Some(BuilderNode {
            endpoint,
            name,
            platforms,
            driver_opts,
        })
    }
}
