//! After `xbuild build --push-by-digest`: the digest buildx reports is read
//! back from the registry, and the image there must hold every platform that
//! was built, once. The result is the summary `xbuild merge` reads (as a
//! file, from a CI artifact) and, in GitHub Actions, the step's outputs.

use super::build::Request;
use crate::buildx::by_digest::ByDigest;
use crate::buildx::imagetools::{self, Image, ImagetoolsError};
use crate::github;
use crate::pipeline::Report;
use miette::Diagnostic;
use serde_json::{Value, json};
use thiserror::Error;

/// The pushed image is not what was built.
#[derive(Debug, Error, Diagnostic)]
pub enum ReadBackError {
    #[error("buildx reported no digest for the pushed image")]
    #[diagnostic(
        code(xbuild::build::no_digest),
        help(
            "buildx's metadata file had no containerimage.digest; the push may not have happened"
        )
    )]
    NoDigest,

    #[error("{reference} holds {found:?}, not the built platforms {built:?}")]
    #[diagnostic(code(xbuild::build::read_back))]
    Platforms {
        reference: String,
        built: Vec<String>,
        found: Vec<String>,
    },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Imagetools(#[from] ImagetoolsError),
}

/// What `--push-by-digest` pushed, as read back from the registry.
#[derive(Debug, Clone)]
pub struct Pushed {
    pub repository: String,
    pub digest: String,
    pub temporary_tag: Option<String>,
    pub image: Image,
}

/// Reads the pushed digest back and checks its platforms.
pub fn read_back(by: &ByDigest, req: &Request, report: &Report) -> Result<Pushed, ReadBackError> {
    let digest = report
        .metadata
        .digest
        .clone()
        .ok_or(ReadBackError::NoDigest)?;
    let image = imagetools::inspect(&req.docker, &by.reference(&digest))?;
    let mut built: Vec<String> = req.platforms.iter().map(ToString::to_string).collect();
    let mut found = image.platforms();
    built.sort();
    found.sort();
    if built != found {
        return Err(ReadBackError::Platforms {
            reference: image.reference.clone(),
            built,
            found,
        });
    }
    Ok(Pushed {
        repository: by.repository.clone(),
        digest,
        temporary_tag: by.temporary_tag.clone(),
        image,
    })
}

impl Pushed {
    /// The JSON summary (`xbuild merge` reads `repository`, `digest` and
    /// `platforms`).
    pub fn to_json(&self) -> Value {
        let manifests: Vec<Value> = self
            .image
            .images()
            .map(|e| json!({"platform": e.platform, "digest": e.digest}))
            .collect();
        json!({
            "push_by_digest": true,
            "repository": self.repository,
            "digest": self.digest,
            "images": [self.image.reference],
            "platforms": self.image.platforms(),
            "manifests": manifests,
            "attestations": self.image.attestations(),
            "temporary_tag": self.temporary_tag,
        })
    }

    /// Step outputs and the job summary, in GitHub Actions.
    pub fn to_github(&self) {
        github::set_outputs(&[
            ("digest", self.digest.clone()),
            ("repository", self.repository.clone()),
            ("image", self.image.reference.clone()),
            ("platforms", self.image.platforms().join(",")),
        ]);
        let rows: Vec<Vec<String>> = self
            .image
            .images()
            .map(|e| vec![e.platform.clone(), format!("`{}`", e.digest)])
            .collect();
        github::step_summary(&format!(
            "### xbuild: pushed by digest\n\n`{}`\n\n{}\n",
            self.image.reference,
            github::table(&["platform", "manifest digest"], &rows)
        ));
    }
}
