//! Pins the pushed image in a kustomization by digest, as
//! `kustomize edit set image NAME=REPO@sha256:...` would, so that the
//! manifests deploy exactly what was built.
//!
//! Unlike `kustomize edit`, which re-serialises the whole file, only the
//! image entry's `newName`, `newTag` and `digest` lines change: comments, key
//! order and formatting stay byte for byte. The file is parsed as YAML before
//! the edit (a malformed file is an error pointing into it, before anything is
//! built) and after it (the result must be the original document with exactly
//! that entry changed, or nothing is written).

mod edit;
mod error;
mod pin;

pub use error::KustomizeError;
pub use pin::Pin;

use crate::fsutil;
use miette::NamedSource;
use std::path::{Path, PathBuf};
use yaml_rust2::{Yaml, YamlLoader};

/// The file names kustomize accepts for a kustomization, in its order.
const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// A kustomization file that was read and checked.
#[derive(Debug, Clone)]
pub struct Kustomization {
    pub path: PathBuf,
    /// The name shown in messages (relative to the project when possible).
    pub display: String,
    text: String,
    doc: Yaml,
}

impl Kustomization {
    /// Reads DIR's kustomization and checks that an image can be set in it.
    pub fn load(dir: &Path, display_dir: &str) -> Result<Kustomization, KustomizeError> {
        let Some((path, name)) = FILE_NAMES
            .iter()
            .map(|n| (dir.join(n), *n))
            .find(|(p, _)| p.is_file())
        else {
            return Err(KustomizeError::Missing {
                dir: dir.to_path_buf(),
            });
        };
        let display = if display_dir.is_empty() || display_dir == "." {
            name.to_string()
        } else {
            format!("{}/{name}", display_dir.trim_end_matches('/'))
        };
        let text = fsutil::read_text(&path, "the kustomization")?;
        let doc = parse(&display, &text)?;
        edit::check_shape(&display, &text, &doc)?;
        Ok(Kustomization {
            path,
            display,
            text,
            doc,
        })
    }

    /// The file's new text with image `name` set to `repo@digest`.
    pub fn with_digest(
        &self,
        name: &str,
        repo: &str,
        digest: &str,
    ) -> Result<String, KustomizeError> {
        let new = edit::set_image(&self.text, name, repo, digest);
        let got = parse(&self.display, &new)?;
        if !edit::same(&got, &edit::expected(&self.doc, name, repo, digest)) {
            return Err(KustomizeError::Unverified {
                path: self.path.clone(),
            });
        }
        Ok(new)
    }

    /// Sets image `name` to `repo@digest` and writes the file atomically.
    pub fn set_digest(&self, name: &str, repo: &str, digest: &str) -> Result<(), KustomizeError> {
        let new = self.with_digest(name, repo, digest)?;
        if new != self.text {
            fsutil::write_atomic(&self.path, new.as_bytes())?;
        }
        Ok(())
    }
}

/// The repository of an image reference: without its tag or digest.
pub fn repository(reference: &str) -> &str {
    let no_digest = reference.split('@').next().unwrap_or(reference);
    match no_digest.rfind(':') {
        Some(i) if !no_digest[i..].contains('/') => &no_digest[..i],
        _ => no_digest,
    }
}

/// Parses one YAML document; a syntax error points at its position.
fn parse(display: &str, text: &str) -> Result<Yaml, KustomizeError> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| {
        let at = e.marker().index();
        let offset = text.char_indices().nth(at).map_or(text.len(), |(i, _)| i);
        KustomizeError::Syntax {
            message: e.info().to_string(),
            src: NamedSource::new(display, text.to_string()),
            span: (offset, 0).into(),
        }
    })?;
    match docs.len() {
        0 => Ok(Yaml::Null),
        1 => Ok(docs.into_iter().next().expect("one document")),
        _ => Err(KustomizeError::Shape {
            message: "the file holds several YAML documents".to_string(),
            help: "a kustomization is one document: remove the `---` separators".to_string(),
            src: NamedSource::new(display, text.to_string()),
            span: (0, 0).into(),
        }),
    }
}

#[cfg(test)]
mod tests;
