//! The build's side of the digest pin: checked before anything runs (the
//! kustomization must be readable and the build must push), applied after a
//! successful push with the digest buildx reported.

use super::{Kustomization, KustomizeError, repository};

/// A kustomization to pin once the push has succeeded.
#[derive(Debug, Clone)]
pub struct Pin {
    kustomization: Kustomization,
    image: String,
    repo: String,
}

impl Pin {
    /// Checks the request: the build pushes, has a tag to take the
    /// repository from, and DIR's kustomization can be edited.
    pub fn prepare(
        dir: &std::path::Path,
        display_dir: &str,
        image: &str,
        tags: &[String],
        pushes: bool,
    ) -> Result<Pin, KustomizeError> {
        if !pushes {
            return Err(KustomizeError::NoPush);
        }
        let Some(tag) = tags.first() else {
            return Err(KustomizeError::NoPush);
        };
        let kustomization = Kustomization::load(dir, display_dir)?;
        Ok(Pin {
            kustomization,
            image: image.to_string(),
            repo: repository(tag).to_string(),
        })
    }

    /// What the plan says will happen.
    pub fn note(&self) -> String {
        format!(
            "kustomize: after the push, image {} in {} is set to {}@<pushed digest>",
            self.image, self.kustomization.display, self.repo
        )
    }

    /// Writes the digest into the kustomization; returns what was set.
    pub fn apply(&self, digest: Option<&str>) -> Result<String, KustomizeError> {
        let Some(digest) = digest.filter(|d| d.starts_with("sha256:")) else {
            return Err(KustomizeError::NoDigest {
                path: self.kustomization.path.clone(),
            });
        };
        self.kustomization
            .set_digest(&self.image, &self.repo, digest)?;
        Ok(format!(
            "set image {} in {} to {}@{digest}",
            self.image, self.kustomization.display, self.repo
        ))
    }
}
