//! `docker buildx imagetools`: what a reference in a registry is (read back
//! with `inspect --raw`, never trusted from a metadata file or a CI
//! artifact), and the `create` command that writes an index.
//!
//! A reference resolves to an index (entries with platforms; BuildKit's
//! attestation manifests are entries with platform `unknown/unknown` and the
//! annotation `vnd.docker.reference.type = attestation-manifest`) or to a
//! single image manifest, whose platform is in its config blob.

use crate::exec::{self, Cmd, ExecError};
use miette::Diagnostic;
use serde::Serialize;
use serde_json::Value;
use thiserror::Error;

/// Why a reference could not be read.
#[derive(Debug, Error, Diagnostic)]
pub enum ImagetoolsError {
    #[error("{reference} is not in the registry (or cannot be read)")]
    #[diagnostic(code(xbuild::imagetools::not_found), help("{help}"))]
    NotFound { reference: String, help: String },

    #[error("{reference}: the registry returned something that is not an image: {message}")]
    #[diagnostic(code(xbuild::imagetools::unreadable))]
    Unreadable { reference: String, message: String },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Exec(#[from] ExecError),
}

/// One manifest of an image: its digest and platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub digest: String,
    /// `os/arch[/variant]`; `unknown/unknown` for attestations.
    pub platform: String,
    /// A BuildKit attestation manifest (provenance, SBOM).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub attestation: bool,
    /// The image an attestation describes (`vnd.docker.reference.digest`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub describes: Option<String>,
}

/// What a reference is in the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Image {
    /// The reference that was read.
    pub reference: String,
    /// An index (true) or a single image manifest.
    pub index: bool,
    /// The index's entries, or the one image.
    pub entries: Vec<Entry>,
}

impl Image {
    /// The image manifests (attestations left out).
    pub fn images(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| !e.attestation)
    }

    /// The platforms of the image manifests, in index order.
    pub fn platforms(&self) -> Vec<String> {
        self.images().map(|e| e.platform.clone()).collect()
    }

    pub fn attestations(&self) -> usize {
        self.entries.iter().filter(|e| e.attestation).count()
    }
}

/// `docker buildx imagetools inspect --raw REF`.
pub fn inspect_raw_cmd(docker: &str, reference: &str) -> Cmd {
    Cmd::new(docker).args(["buildx", "imagetools", "inspect", "--raw", reference])
}

/// `docker buildx imagetools create [-t TAG]... SOURCE...`.
pub fn create_cmd(docker: &str, tags: &[String], sources: &[String]) -> Cmd {
    let mut c = Cmd::new(docker).args(["buildx", "imagetools", "create"]);
    for t in tags {
        c = c.arg("--tag").arg(t);
    }
    c.args(sources.iter().cloned())
}

/// Reads `reference` from its registry.
pub fn inspect(docker: &str, reference: &str) -> Result<Image, ImagetoolsError> {
    let cmd = inspect_raw_cmd(docker, reference);
    let out = exec::capture(&cmd)?;
    let said = "docker buildx imagetools inspect --raw";
    if let Some(index) = read_raw(reference, &out, said)? {
        return Ok(index);
    }
    let unreadable = |message: String| ImagetoolsError::Unreadable {
        reference: reference.to_string(),
        message,
    };
    // A single image manifest: its platform is in the config blob.
    let cmd = Cmd::new(docker).args([
        "buildx",
        "imagetools",
        "inspect",
        "--format",
        "{{json .Image}}",
        reference,
    ]);
    let out = exec::capture(&cmd)?.check(&cmd)?;
    let config: Value = serde_json::from_str(&out.stdout).map_err(|e| unreadable(e.to_string()))?;
    let digest = digest(docker, reference)?;
    Ok(Image {
        reference: reference.to_string(),
        index: false,
        entries: vec![Entry {
            digest,
            platform: platform_of(&config),
            attestation: false,
            describes: None,
        }],
    })
}

/// What `<tool> inspect --raw` (`said`) printed of `reference`: its index,
/// or `None` for a single image manifest (whose platform is in its config
/// blob, which the caller reads).
pub(crate) fn read_raw(
    reference: &str,
    out: &exec::Captured,
    said: &str,
) -> Result<Option<Image>, ImagetoolsError> {
    if !out.success {
        let last = out
            .stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim()
            .replace(&format!("docker://{reference}"), "it")
            .replace(reference, "it");
        return Err(ImagetoolsError::NotFound {
            reference: reference.to_string(),
            help: format!("{said} said: {last}"),
        });
    }
    let unreadable = |message: String| ImagetoolsError::Unreadable {
        reference: reference.to_string(),
        message,
    };
    let v: Value = serde_json::from_str(&out.stdout).map_err(|e| unreadable(e.to_string()))?;
    if let Some(entries) = index_entries(&v) {
        return Ok(Some(Image {
            reference: reference.to_string(),
            index: true,
            entries,
        }));
    }
    if v.get("config").is_none() {
        return Err(unreadable("neither an index nor an image manifest".into()));
    }
    Ok(None)
}

/// The command [`digest`] runs (for plans).
pub fn digest_cmd(docker: &str, reference: &str) -> Cmd {
    Cmd::new(docker).args([
        "buildx",
        "imagetools",
        "inspect",
        "--format",
        "{{json .Manifest}}",
        reference,
    ])
}

/// The digest `reference` resolves to (`.Manifest` of `inspect --format`,
/// which describes the manifest with its digest).
pub fn digest(docker: &str, reference: &str) -> Result<String, ImagetoolsError> {
    let cmd = digest_cmd(docker, reference);
    let out = exec::capture(&cmd)?.check(&cmd)?;
    serde_json::from_str::<Value>(&out.stdout)
        .ok()
        .and_then(|v| v.get("digest")?.as_str().map(str::to_string))
        .filter(|d| is_digest(d))
        .ok_or_else(|| ImagetoolsError::Unreadable {
            reference: reference.to_string(),
            message: "no digest in `inspect --format {{json .Manifest}}`".into(),
        })
}

/// The entries of an OCI index or a Docker manifest list.
pub fn index_entries(v: &Value) -> Option<Vec<Entry>> {
    let list = v.get("manifests")?.as_array()?;
    Some(
        list.iter()
            .map(|m| {
                let attestation = m
                    .pointer("/annotations/vnd.docker.reference.type")
                    .and_then(Value::as_str)
                    == Some("attestation-manifest");
                Entry {
                    digest: m
                        .get("digest")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    platform: m.get("platform").map(platform_of).unwrap_or_default(),
                    attestation,
                    describes: m
                        .pointer("/annotations/vnd.docker.reference.digest")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                }
            })
            .collect(),
    )
}

/// `os/arch[/variant]` of a platform object or an image config.
pub(crate) fn platform_of(v: &Value) -> String {
    let get = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("");
    let mut p = format!("{}/{}", get("os"), get("architecture"));
    if !get("variant").is_empty() {
        p.push('/');
        p.push_str(get("variant"));
    }
    p
}

/// `NAME` of `NAME@sha256:...` or `NAME:TAG` (the repository).
pub fn repository(reference: &str) -> &str {
    let name = reference.split('@').next().unwrap_or(reference);
    crate::config::check::split_tag(name).0
}

/// Is `s` a `sha256:` digest (64 lower-case hex digits)?
pub fn is_digest(s: &str) -> bool {
    s.strip_prefix("sha256:").is_some_and(|h| {
        h.len() == 64
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_index_with_attestations() {
        let v: Value = serde_json::from_str(
            r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
            {"digest":"sha256:a","platform":{"architecture":"arm","os":"linux","variant":"v7"}},
            {"digest":"sha256:b","platform":{"architecture":"unknown","os":"unknown"},
             "annotations":{"vnd.docker.reference.digest":"sha256:a","vnd.docker.reference.type":"attestation-manifest"}}]}"#,
        )
        .unwrap();
        let entries = index_entries(&v).unwrap();
        let image = Image {
            reference: "r".into(),
            index: true,
            entries,
        };
        assert_eq!(image.platforms(), vec!["linux/arm/v7"]);
        assert_eq!(image.attestations(), 1);
        assert_eq!(image.entries[1].platform, "unknown/unknown");
    }

    #[test]
    fn names_and_digests() {
        let d = format!("sha256:{}", "a".repeat(64));
        assert!(is_digest(&d));
        assert!(!is_digest("sha256:abc"));
        assert_eq!(
            repository(&format!("localhost:5000/x/op@{d}")),
            "localhost:5000/x/op"
        );
        assert_eq!(repository("localhost:5000/x/op:v1"), "localhost:5000/x/op");
    }
}
