//! The digest a registry holds for an image reference, read back with
//! `docker buildx imagetools inspect` (what was pushed, not what the local
//! store believes).

use crate::exec::{self, Cmd, ExecError};
use miette::Diagnostic;
use thiserror::Error;

#[derive(Debug, Error, Diagnostic)]
pub enum DigestError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Exec(#[from] ExecError),

    #[error("`{command}` printed no digest")]
    #[diagnostic(
        code(xbuild::buildx::no_digest),
        help("check that the reference names an image in a registry")
    )]
    Missing { command: String },
}

/// The command that reads `reference`'s manifest (or index) descriptor.
pub fn inspect_command(docker: &str, reference: &str) -> Cmd {
    Cmd::new(docker).args([
        "buildx",
        "imagetools",
        "inspect",
        "--format",
        "{{json .Manifest}}",
        reference,
    ])
}

/// The registry's digest of `reference` (`sha256:...`).
pub fn registry_digest(docker: &str, reference: &str) -> Result<String, DigestError> {
    let cmd = inspect_command(docker, reference);
    let out = exec::capture(&cmd)?.check(&cmd)?;
    parse(&out.stdout).ok_or(DigestError::Missing {
        command: cmd.display(),
    })
}

/// The `digest` of imagetools' JSON descriptor.
fn parse(json: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    let d = v.get("digest")?.as_str()?;
    d.starts_with("sha256:").then(|| d.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_descriptor_digest() {
        let json = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:344f","size":3113,"manifests":[{"digest":"sha256:4308"}]}"#;
        assert_eq!(super::parse(json), Some("sha256:344f".into()));
        assert_eq!(super::parse("{}"), None);
        assert_eq!(super::parse("not json"), None);
    }
}
