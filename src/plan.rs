//! The build pipeline as data: the steps `xbuild build` will take, each a
//! command line, plus the cleanup that runs in every outcome. `--dry-run`
//! prints this plan (as text or JSON); the real run executes the same plan
//! (see `pipeline`), so what is shown is what runs.

use crate::exec::Cmd;
use crate::platform::Platform;
use serde::Serialize;
use std::path::PathBuf;

/// What a step is for; the executor treats some roles specially.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A `[build] before` command: its failure ends the run with its exit code.
    Before,
    /// Host `go build` for one platform (run in parallel with the others).
    GoBuild,
    /// Writes Dockerfile.cross next to the Dockerfile (`--keep-cross`).
    WriteCross,
    /// `docker buildx create` of the ephemeral builder: once it succeeds the
    /// builder is removed in every outcome.
    CreateBuilder,
    /// `docker buildx create --append` of another node.
    AppendNode,
    /// Creates a persistent builder only when `docker buildx inspect` says it
    /// is missing.
    EnsureBuilder,
    /// `docker buildx build`.
    Build,
    /// Cleanup: `docker buildx rm`.
    RemoveBuilder,
    /// `docker image rm` of the engine's local copy of the docker driver's
    /// by-digest stand-in tag (the registry keeps it; see `by_digest`).
    UntagLocal,
}

/// One step.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub name: String,
    pub role: Role,
    /// The command, or `None` for steps xbuild does itself (writing a file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Cmd>,
    /// For [`Role::WriteCross`]: where, and the bytes (not serialized).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    #[serde(skip)]
    pub contents: Option<Vec<u8>>,
    /// For [`Role::GoBuild`]: the binary the command writes, checked
    /// against its platform once written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact: Option<Artifact>,
}

/// A binary a step writes, and the platform it must be for.
#[derive(Debug, Clone, Serialize)]
pub struct Artifact {
    #[serde(serialize_with = "display")]
    pub platform: Platform,
    pub path: PathBuf,
}

fn display<S: serde::Serializer>(p: &Platform, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(p)
}

impl Step {
    pub fn run(name: impl Into<String>, role: Role, command: Cmd) -> Step {
        Step {
            name: name.into(),
            role,
            command: Some(command),
            path: None,
            contents: None,
            artifact: None,
        }
    }

    /// A host `go build` step that writes `artifact`.
    pub fn go_build(name: impl Into<String>, command: Cmd, artifact: Artifact) -> Step {
        Step {
            artifact: Some(artifact),
            ..Step::run(name, Role::GoBuild, command)
        }
    }

    pub fn write(name: impl Into<String>, path: PathBuf, contents: Vec<u8>) -> Step {
        Step {
            name: name.into(),
            role: Role::WriteCross,
            command: None,
            path: Some(path),
            contents: Some(contents),
            artifact: None,
        }
    }
}

/// The builder the build runs on.
#[derive(Debug, Clone, Serialize)]
pub struct BuilderInfo {
    pub name: String,
    pub driver: String,
    /// Removed after the build.
    pub ephemeral: bool,
}

/// The whole pipeline.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub project: PathBuf,
    pub dockerfile: PathBuf,
    pub context: PathBuf,
    pub platforms: Vec<String>,
    pub tags: Vec<String>,
    /// Where the result goes, for humans (`push to the registry`, ...).
    pub outputs: Vec<String>,
    pub builder: BuilderInfo,
    /// What `cross` decided, one line per stage.
    pub cross: Vec<String>,
    /// Other things worth saying before the run (e.g. Go host mode).
    pub notes: Vec<String>,
    pub steps: Vec<Step>,
    /// Run in every outcome once the step that needs them has succeeded.
    pub cleanup: Vec<Step>,
    /// Where buildx writes its metadata (for the summary).
    pub metadata_file: PathBuf,
}

impl Plan {
    /// The human-readable dry-run output.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("xbuild build plan (dry run: nothing was run)\n");
        let field = |out: &mut String, k: &str, v: &str| out.push_str(&format!("  {k:<11}{v}\n"));
        field(&mut out, "project", &self.project.display().to_string());
        field(
            &mut out,
            "dockerfile",
            &self.dockerfile.display().to_string(),
        );
        field(&mut out, "context", &self.context.display().to_string());
        field(&mut out, "platforms", &self.platforms.join(", "));
        field(
            &mut out,
            "tags",
            &if self.tags.is_empty() {
                "(none)".to_string()
            } else {
                self.tags.join(", ")
            },
        );
        field(&mut out, "output", &self.outputs.join("; "));
        let lifetime = if self.builder.ephemeral {
            "ephemeral: removed afterwards"
        } else {
            "kept"
        };
        field(
            &mut out,
            "builder",
            &format!(
                "{} ({} driver, {lifetime})",
                self.builder.name, self.builder.driver
            ),
        );
        for line in &self.cross {
            field(&mut out, "cross", line);
        }
        for note in &self.notes {
            field(&mut out, "note", note);
        }
        out.push('\n');
        for (i, step) in self.steps.iter().enumerate() {
            out.push_str(&format!("{}. {}\n", i + 1, step.name));
            out.push_str(&format!("   {}\n", step_line(step)));
        }
        if !self.cleanup.is_empty() {
            out.push_str("cleanup (in every outcome):\n");
            for step in &self.cleanup {
                out.push_str(&format!("   {}\n", step_line(step)));
            }
        }
        out
    }

    /// The JSON dry-run output.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a plan serializes")
    }
}

fn step_line(step: &Step) -> String {
    match (&step.command, &step.path) {
        (Some(cmd), _) => {
            let dir = cmd
                .cwd
                .as_ref()
                .map(|d| format!("(in {}) ", d.display()))
                .unwrap_or_default();
            format!("{dir}$ {}", cmd.display())
        }
        (None, Some(path)) => format!("write {}", path.display()),
        (None, None) => String::new(),
    }
}
