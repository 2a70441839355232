//! The resolved configuration: what the rest of xbuild reads.
//!
//! Invariants: every value has been validated; every path can be used as it
//! is (relative paths in xbuild.toml were joined to the directory holding
//! the file, defaults to the project root; a path is absolute when the root
//! is, else relative to the current directory, see `paths`); platform lists are non-empty where
//! they must be and free of duplicates; ordered tables (`[build.args]`,
//! `driver-opts`, `[go.env]`) keep the order of the file.
//!
//! The types serialize (for `xbuild config`) to the same shape xbuild.toml
//! is written in, so the printed TOML, saved in the project root, loads back
//! to the same `Config`.

use super::paths::join;
use super::source::ConfigSource;
use crate::platform::Platform;
use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};
use std::path::{Path, PathBuf};

/// The validated contents of xbuild.toml, defaults filled in.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Config {
    pub image: ImageConfig,
    pub dockerfile: DockerfileConfig,
    pub builder: BuilderConfig,
    pub build: BuildConfig,
    pub go: GoConfig,
    pub lint: LintConfig,
    /// `[images.NAME]`: several images built together; empty for one image.
    #[serde(
        serialize_with = "super::images::serialize",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub images: Vec<super::images::ImageEntry>,
    /// The file this came from, for errors found after loading; `None` when
    /// there was no xbuild.toml.
    #[serde(skip)]
    pub source: Option<ConfigSource>,
}

/// Two configurations are equal when every setting is: where they were read
/// from (the text and spans kept for diagnostics) is not configuration, so
/// `xbuild config`'s output loads back as an equal `Config`.
impl PartialEq for Config {
    fn eq(&self, other: &Config) -> bool {
        // Destructured so that a new field cannot be forgotten here.
        let Config {
            image,
            dockerfile,
            builder,
            build,
            go,
            lint,
            images,
            source: _,
        } = self;
        *image == other.image
            && *dockerfile == other.dockerfile
            && *builder == other.builder
            && *build == other.build
            && *go == other.go
            && *lint == other.lint
            && *images == other.images
    }
}

/// `[image]`: what the built image is called and for which platforms.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ImageConfig {
    /// Repository without tag, e.g. `localhost:5000/x/operator`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Tags for `name`; an entry with `/` or `:` is a full reference.
    pub tags: Vec<String>,
    #[serde(serialize_with = "platforms")]
    pub platforms: Vec<Platform>,
}

/// `[dockerfile]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct DockerfileConfig {
    pub path: PathBuf,
    /// Where `xbuild cross` writes; default `Dockerfile.cross` next to `path`.
    pub cross: PathBuf,
    pub strategy: Strategy,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The build context; default the project root.
    pub context: PathBuf,
}

/// How `xbuild cross` chooses the stages to pin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    #[default]
    Auto,
    FirstFrom,
}

impl Strategy {
    pub const NAMES: &'static [&'static str] = &["auto", "first-from"];

    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Auto => "auto",
            Strategy::FirstFrom => "first-from",
        }
    }

    pub fn from_name(name: &str) -> Option<Strategy> {
        [Strategy::Auto, Strategy::FirstFrom]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// A buildx driver (`docker buildx create --driver`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Driver {
    Docker,
    #[default]
    DockerContainer,
    Kubernetes,
    Remote,
}

impl Driver {
    /// The names buildx knows, in `as_str` spelling.
    pub const NAMES: &'static [&'static str] =
        &["docker", "docker-container", "kubernetes", "remote"];

    /// The name buildx uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Driver::Docker => "docker",
            Driver::DockerContainer => "docker-container",
            Driver::Kubernetes => "kubernetes",
            Driver::Remote => "remote",
        }
    }

    pub fn from_name(name: &str) -> Option<Driver> {
        [
            Driver::Docker,
            Driver::DockerContainer,
            Driver::Kubernetes,
            Driver::Remote,
        ]
        .into_iter()
        .find(|d| d.as_str() == name)
    }
}

/// `[builder] driver`: a driver, or `auto` (the default), which lets
/// `buildx::auto` choose between the engine's own builder and an ephemeral
/// `docker-container` one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DriverSetting {
    #[default]
    Auto,
    Fixed(Driver),
}

impl DriverSetting {
    /// `auto` and the driver names, for messages and suggestions.
    pub const NAMES: &'static [&'static str] =
        &["auto", "docker", "docker-container", "kubernetes", "remote"];

    pub fn from_name(name: &str) -> Option<DriverSetting> {
        match name {
            "auto" => Some(DriverSetting::Auto),
            _ => Driver::from_name(name).map(DriverSetting::Fixed),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DriverSetting::Auto => "auto",
            DriverSetting::Fixed(d) => d.as_str(),
        }
    }

    /// The driver of a builder that is created and kept (`xbuild builder`):
    /// `auto` means `docker-container` there, since the engine's own builder
    /// needs no creating.
    pub fn for_kept_builder(self) -> Driver {
        match self {
            DriverSetting::Auto => Driver::DockerContainer,
            DriverSetting::Fixed(d) => d,
        }
    }
}

/// The container tool that builds: docker (buildx) or podman (buildah).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tool {
    #[default]
    Docker,
    Podman,
}

impl Tool {
    pub const NAMES: &'static [&'static str] = &["docker", "podman"];

    pub fn as_str(self) -> &'static str {
        match self {
            Tool::Docker => "docker",
            Tool::Podman => "podman",
        }
    }

    /// The tool a CLI name or path stands for (`/usr/bin/podman`,
    /// `docker-27`), as kubebuilder's `CONTAINER_TOOL` holds either.
    pub fn from_program(program: &str) -> Option<Tool> {
        let base = std::path::Path::new(program).file_name()?.to_str()?;
        if base.starts_with("docker") {
            Some(Tool::Docker)
        } else if base.starts_with("podman") {
            Some(Tool::Podman)
        } else {
            None
        }
    }
}

impl Serialize for DriverSetting {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// `[builder]`: the buildx builder xbuild creates (and, if `ephemeral`,
/// removes again).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct BuilderConfig {
    /// `docker` (buildx) or `podman`.
    pub tool: Tool,
    pub name: String,
    pub driver: DriverSetting,
    #[serde(serialize_with = "pairs", skip_serializing_if = "Vec::is_empty")]
    pub driver_opts: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buildkitd_flags: Option<String>,
    /// A buildkitd.toml; checked to exist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<PathBuf>,
    pub ephemeral: bool,
    /// Platforms the first node serves; empty = what the node reports.
    #[serde(serialize_with = "platforms")]
    pub platforms: Vec<Platform>,
    /// The first node's endpoint (required for `remote`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Nodes appended with `docker buildx create --append`.
    pub nodes: Vec<BuilderNode>,
}

/// `[[builder.nodes]]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct BuilderNode {
    pub endpoint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(serialize_with = "platforms")]
    pub platforms: Vec<Platform>,
    #[serde(serialize_with = "pairs", skip_serializing_if = "Vec::is_empty")]
    pub driver_opts: Vec<(String, String)>,
}

/// `[build]`: the `docker buildx build` invocation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct BuildConfig {
    /// `--build-arg`, in file order.
    #[serde(serialize_with = "pairs", skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<(String, String)>,
    /// `--output` values, validated; local `dest` paths resolved.
    pub output: Vec<String>,
    pub push: bool,
    pub load: bool,
    pub cache_from: Vec<String>,
    pub cache_to: Vec<String>,
    /// `--provenance`: `"true"`, `"false"` or attributes like `"mode=max"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<String>,
    /// `--sbom`, same forms as `provenance`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sbom: Option<String>,
    /// `--progress`: one of auto, plain, tty, quiet, rawjson.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<String>,
    pub no_cache: bool,
    /// Commands that must pass before the build starts.
    pub before: Vec<BeforeCommand>,
    /// The directory whose kustomization gets the pushed digest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kustomize: Option<PathBuf>,
    /// The image name that kustomization sets (the scaffold's placeholder).
    pub kustomize_image: String,
}

/// One `[build] before` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BeforeCommand {
    /// What to execute, program first. For `shell = true` this is already
    /// `["sh", "-c", script]`, so callers never build a shell line.
    pub argv: Vec<String>,
    /// Whether the user asked for a shell.
    pub shell: bool,
    /// How to show the command: its `name`, else the command as written.
    pub display: String,
}

impl BeforeCommand {
    /// The script of a `shell = true` command.
    pub fn script(&self) -> Option<&str> {
        match self.argv.as_slice() {
            [_, _, script] if self.shell => Some(script),
            _ => None,
        }
    }
}

/// Written back as the table form, which says everything unambiguously.
impl Serialize for BeforeCommand {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_struct("BeforeCommand", 3)?;
        t.serialize_field("name", &self.display)?;
        match self.script() {
            Some(script) => t.serialize_field("run", script)?,
            None => t.serialize_field("run", &self.argv)?,
        }
        t.serialize_field("shell", &self.shell)?;
        t.end()
    }
}

/// `[go] mode`: where Go binaries are compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GoMode {
    /// On the host when the Dockerfile's Go stage allows it, else in buildx.
    #[default]
    Auto,
    /// Always cross-compile on the host.
    Host,
    /// Always in the container (what the Dockerfile says).
    Container,
}

impl GoMode {
    pub const NAMES: &'static [&'static str] = &["auto", "host", "container"];

    pub fn as_str(self) -> &'static str {
        match self {
            GoMode::Auto => "auto",
            GoMode::Host => "host",
            GoMode::Container => "container",
        }
    }

    pub fn from_name(name: &str) -> Option<GoMode> {
        [GoMode::Auto, GoMode::Host, GoMode::Container]
            .into_iter()
            .find(|m| m.as_str() == name)
    }
}

/// The values of `[build] progress` (buildx `--progress`).
pub const PROGRESS_MODES: &[&str] = &["auto", "plain", "tty", "quiet", "rawjson"];

/// `[go]`: building the manager binary on the host.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct GoConfig {
    pub mode: GoMode,
    /// Package or file to build, e.g. `./cmd` or `cmd/main.go`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub main: Option<String>,
    /// The binary's path inside the builder stage, e.g. `/workspace/manager`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ldflags: Option<String>,
    pub tags: Vec<String>,
    #[serde(serialize_with = "pairs", skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<(String, String)>,
    /// Where host builds go; default `<root>/bin/xbuild`.
    pub out_dir: PathBuf,
    /// Extra `go build` flags.
    pub flags: Vec<String>,
}

/// `[lint]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct LintConfig {
    /// Rule IDs (`XB001`) not to report.
    pub ignore: Vec<String>,
}

impl Config {
    /// The configuration of a project with no xbuild.toml at `root`: the
    /// single place where defaults are decided.
    pub fn defaults(root: &Path) -> Config {
        let dockerfile = join(root, "Dockerfile");
        Config {
            image: ImageConfig {
                name: None,
                tags: vec!["latest".to_string()],
                platforms: vec![
                    Platform::new("linux", "amd64", None),
                    Platform::new("linux", "arm64", None),
                ],
            },
            dockerfile: DockerfileConfig {
                cross: cross_next_to(&dockerfile),
                path: dockerfile,
                strategy: Strategy::Auto,
                target: None,
                context: join(root, "."),
            },
            builder: BuilderConfig {
                tool: Tool::Docker,
                name: "xbuild".to_string(),
                driver: DriverSetting::Auto,
                driver_opts: Vec::new(),
                buildkitd_flags: None,
                config: None,
                ephemeral: true,
                platforms: Vec::new(),
                endpoint: None,
                nodes: Vec::new(),
            },
            build: BuildConfig {
                args: Vec::new(),
                output: Vec::new(),
                push: false,
                load: false,
                cache_from: Vec::new(),
                cache_to: Vec::new(),
                provenance: None,
                sbom: None,
                progress: None,
                no_cache: false,
                before: Vec::new(),
                kustomize: None,
                kustomize_image: "controller".to_string(),
            },
            go: GoConfig {
                mode: GoMode::Auto,
                main: None,
                output: None,
                ldflags: None,
                tags: Vec::new(),
                env: Vec::new(),
                out_dir: join(root, "bin/xbuild"),
                flags: Vec::new(),
            },
            lint: LintConfig::default(),
            images: Vec::new(),
            source: None,
        }
    }

    /// Where `key` (a dotted path such as `image.platforms[1]` or
    /// `builder.nodes[0].endpoint`) is in xbuild.toml: the span of its value.
    /// `None` when there is no file or the key is not written in it (it has
    /// its default).
    pub fn span_of(&self, key: &str) -> Option<miette::SourceSpan> {
        self.source.as_ref()?.span_of(key)
    }

    /// xbuild.toml as a miette source (named as the user gave the path), to
    /// pair with [`Config::span_of`] in a later diagnostic.
    pub fn source(&self) -> Option<miette::NamedSource<String>> {
        self.source.as_ref().map(ConfigSource::named_source)
    }
}

/// `Dockerfile.cross` in the directory of `dockerfile`.
pub(crate) fn cross_next_to(dockerfile: &Path) -> PathBuf {
    dockerfile.with_file_name("Dockerfile.cross")
}

impl ImageConfig {
    /// The references to tag the image with: `name:tag` for each plain tag,
    /// full references as written; empty when there is no name and no full
    /// reference.
    pub fn references(&self) -> Vec<String> {
        let mut refs = Vec::new();
        for tag in &self.tags {
            let r = if is_full_reference(tag) {
                tag.clone()
            } else if let Some(name) = &self.name {
                format!("{name}:{tag}")
            } else {
                continue;
            };
            if !refs.contains(&r) {
                refs.push(r);
            }
        }
        refs
    }
}

/// A tag entry that is a whole image reference rather than a tag.
pub fn is_full_reference(tag: &str) -> bool {
    tag.contains('/') || tag.contains(':')
}

fn platforms<S: Serializer>(list: &[Platform], s: S) -> Result<S::Ok, S::Error> {
    let mut seq = s.serialize_seq(Some(list.len()))?;
    for p in list {
        seq.serialize_element(&p.to_string())?;
    }
    seq.end()
}

pub(super) fn pairs<S: Serializer>(list: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(list.len()))?;
    for (k, v) in list {
        map.serialize_entry(k, v)?;
    }
    map.end()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(name: Option<&str>, tags: &[&str]) -> ImageConfig {
        ImageConfig {
            name: name.map(str::to_string),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            platforms: Vec::new(),
        }
    }

    #[test]
    fn references_combine_name_and_tags() {
        let i = image(Some("localhost:5000/x/op"), &["v1", "latest"]);
        assert_eq!(
            i.references(),
            ["localhost:5000/x/op:v1", "localhost:5000/x/op:latest"]
        );
    }

    #[test]
    fn full_references_are_kept_and_need_no_name() {
        let i = image(None, &["latest", "ghcr.io/x/op:v1", "op:v2"]);
        assert_eq!(i.references(), ["ghcr.io/x/op:v1", "op:v2"]);
        assert!(image(None, &["latest"]).references().is_empty());
        let i = image(Some("op"), &["v1", "op:v1"]);
        assert_eq!(i.references(), ["op:v1"]);
    }

    #[test]
    fn defaults_for_the_current_directory_read_naturally() {
        let c = Config::defaults(Path::new("."));
        assert_eq!(c.dockerfile.path, Path::new("Dockerfile"));
        assert_eq!(c.dockerfile.cross, Path::new("Dockerfile.cross"));
        assert_eq!(c.dockerfile.context, Path::new("."));
        assert_eq!(c.go.out_dir, Path::new("bin/xbuild"));
    }

    #[test]
    fn defaults_are_rooted() {
        let c = Config::defaults(Path::new("/p"));
        assert_eq!(c.dockerfile.path, Path::new("/p/Dockerfile"));
        assert_eq!(c.dockerfile.cross, Path::new("/p/Dockerfile.cross"));
        assert_eq!(c.go.out_dir, Path::new("/p/bin/xbuild"));
        assert_eq!(c.builder.driver, DriverSetting::Auto);
        assert!(c.builder.ephemeral);
        assert_eq!(c.image.tags, ["latest"]);
        assert!(c.span_of("image").is_none() && c.source().is_none());
    }
}
