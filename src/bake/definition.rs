//! The bake definition xbuild generates: one target per image, each with
//! its Dockerfile.cross inline (`dockerfile-inline`), the host Go binaries
//! as a named context (`contexts`), and what `docker buildx build` would
//! have had as flags (platforms, tags, args, target, outputs, cache,
//! attestations); a `default` group lists them all, so
//! `docker buildx bake -f - < definition` builds every image at once on
//! one builder. Paths are as xbuild resolved them (relative to the
//! directory xbuild runs in, like the build's flags).
//!
//! bake reads every string of a JSON definition as an HCL template (checked
//! on buildx 0.13: `${TARGETARCH}` in `dockerfile-inline` is an error, an
//! unknown bake variable), so `${` and `%{` are written `$${` and `%%{`,
//! HCL's escapes, and reach BuildKit unchanged.
//!
//! The JSON is buildx's own file format, so `xbuild bake --print` output
//! can be committed and run by hand (after `xbuild go-build` when it uses
//! host Go binaries).

use crate::buildx::output::Output;
use crate::exec::Cmd;
use crate::platform::Platform;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

/// One bake target: one image.
#[derive(Debug, Clone)]
pub struct Target {
    /// NAME of `[images.NAME]`.
    pub name: String,
    pub context: PathBuf,
    /// The Dockerfile.cross text.
    pub dockerfile: String,
    pub target: Option<String>,
    /// Named contexts: `xbuild-go` → the host binaries.
    pub contexts: Vec<(String, PathBuf)>,
    pub platforms: Vec<Platform>,
    pub tags: Vec<String>,
    pub args: Vec<(String, String)>,
    pub outputs: Vec<Output>,
    pub cache_from: Vec<String>,
    pub cache_to: Vec<String>,
    pub provenance: Option<String>,
    pub sbom: Option<String>,
    pub no_cache: bool,
}

/// The whole definition.
#[derive(Debug, Clone, Default)]
pub struct Definition {
    pub targets: Vec<Target>,
}

fn path(p: &Path) -> Value {
    Value::String(p.display().to_string())
}

/// buildx's `--provenance`/`--sbom` value as a bake `attest` entry.
fn attest(kind: &str, value: &str) -> String {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => format!("type={kind}"),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => format!("type={kind},disabled=true"),
        attrs => format!("type={kind},{attrs}"),
    }
}

/// Every string made literal for bake's HCL template interpolation.
fn escape(v: &mut Value) {
    match v {
        Value::String(s) => *s = s.replace("${", "$${").replace("%{", "%%{"),
        Value::Array(items) => items.iter_mut().for_each(escape),
        Value::Object(map) => map.values_mut().for_each(escape),
        _ => {}
    }
}

impl Target {
    fn to_json(&self) -> Value {
        let mut t = Map::new();
        t.insert("context".into(), path(&self.context));
        t.insert("dockerfile-inline".into(), self.dockerfile.clone().into());
        if let Some(target) = &self.target {
            t.insert("target".into(), target.clone().into());
        }
        if !self.contexts.is_empty() {
            let contexts: Map<String, Value> = self
                .contexts
                .iter()
                .map(|(k, v)| (k.clone(), path(v)))
                .collect();
            t.insert("contexts".into(), contexts.into());
        }
        let platforms: Vec<String> = self.platforms.iter().map(ToString::to_string).collect();
        t.insert("platforms".into(), json!(platforms));
        if !self.tags.is_empty() {
            t.insert("tags".into(), json!(self.tags));
        }
        if !self.args.is_empty() {
            let args: Map<String, Value> = self
                .args
                .iter()
                .map(|(k, v)| (k.clone(), v.clone().into()))
                .collect();
            t.insert("args".into(), args.into());
        }
        if !self.outputs.is_empty() {
            let outputs: Vec<String> = self
                .outputs
                .iter()
                .map(|o| match o.spec.as_str() {
                    "--push" => "type=registry".to_string(),
                    "--load" => "type=docker".to_string(),
                    spec => spec.to_string(),
                })
                .collect();
            t.insert("output".into(), json!(outputs));
        }
        if !self.cache_from.is_empty() {
            t.insert("cache-from".into(), json!(self.cache_from));
        }
        if !self.cache_to.is_empty() {
            t.insert("cache-to".into(), json!(self.cache_to));
        }
        let mut attests = Vec::new();
        if let Some(v) = &self.provenance {
            attests.push(attest("provenance", v));
        }
        if let Some(v) = &self.sbom {
            attests.push(attest("sbom", v));
        }
        if !attests.is_empty() {
            t.insert("attest".into(), json!(attests));
        }
        if self.no_cache {
            t.insert("no-cache".into(), true.into());
        }
        t.into()
    }
}

impl Definition {
    pub fn to_json(&self) -> Value {
        let names: Vec<&str> = self.targets.iter().map(|t| t.name.as_str()).collect();
        let targets: Map<String, Value> = self
            .targets
            .iter()
            .map(|t| (t.name.clone(), t.to_json()))
            .collect();
        let mut v = json!({
            "group": { "default": { "targets": names } },
            "target": targets,
        });
        escape(&mut v);
        v
    }

    /// The definition as the file buildx reads.
    pub fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.to_json()).expect("json");
        text.push('\n');
        text
    }

    /// `docker buildx bake --builder NAME -f - --metadata-file F [--progress P]`
    /// with the definition on stdin.
    pub fn command(
        &self,
        docker: &str,
        builder: &str,
        metadata_file: &Path,
        progress: Option<&str>,
    ) -> Cmd {
        let mut c = Cmd::new(docker).args(["buildx", "bake", "--builder", builder, "-f", "-"]);
        c = c
            .arg("--metadata-file")
            .arg(metadata_file.display().to_string());
        if let Some(p) = progress {
            c = c.arg(format!("--progress={p}"));
        }
        c.stdin(
            self.to_text().into_bytes(),
            "the bake definition (xbuild bake --print)",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(name: &str) -> Target {
        Target {
            name: name.into(),
            context: PathBuf::from("."),
            dockerfile: "FROM scratch AS x\nCOPY ${TARGETARCH}/m %{x} /\n".into(),
            target: Some("x".into()),
            contexts: vec![("xbuild-go".into(), PathBuf::from("/p/bin/xbuild"))],
            platforms: vec![
                "linux/amd64".parse().unwrap(),
                "linux/arm64".parse().unwrap(),
            ],
            tags: vec![format!("r/{name}:1")],
            args: vec![("A".into(), "1".into())],
            outputs: vec![Output::push(), Output::from_spec("type=local,dest=out")],
            cache_from: vec!["type=gha".into()],
            cache_to: Vec::new(),
            provenance: Some("false".into()),
            sbom: Some("true".into()),
            no_cache: true,
        }
    }

    #[test]
    fn targets_carry_what_buildx_build_flags_would() {
        let d = Definition {
            targets: vec![target("controller"), target("agent")],
        };
        let v = d.to_json();
        assert_eq!(
            v["group"]["default"]["targets"],
            json!(["controller", "agent"])
        );
        assert_eq!(
            v["target"]["agent"],
            json!({
                "context": ".",
                "dockerfile-inline": "FROM scratch AS x\nCOPY $${TARGETARCH}/m %%{x} /\n",
                "target": "x",
                "contexts": {"xbuild-go": "/p/bin/xbuild"},
                "platforms": ["linux/amd64", "linux/arm64"],
                "tags": ["r/agent:1"],
                "args": {"A": "1"},
                "output": ["type=registry", "type=local,dest=out"],
                "cache-from": ["type=gha"],
                "attest": ["type=provenance,disabled=true", "type=sbom"],
                "no-cache": true,
            })
        );
        let cmd = d.command("docker", "b1", Path::new("/t/m.json"), Some("plain"));
        assert_eq!(
            cmd.display(),
            "docker buildx bake --builder b1 -f - --metadata-file /t/m.json --progress=plain < 'the bake definition (xbuild bake --print)'"
        );
        assert_eq!(cmd.stdin.as_deref(), Some(d.to_text().as_bytes()));
    }
}
