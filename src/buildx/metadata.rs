//! The metadata file buildx writes with `--metadata-file`: image names and
//! the digest of what was built, for the summary.

use std::path::Path;

/// What the summary needs from buildx's metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// `containerimage.digest`: the image (or index) digest.
    pub digest: Option<String>,
    /// `image.name`, split on commas.
    pub names: Vec<String>,
}

impl Metadata {
    /// Reads the file; a missing or unreadable file gives empty metadata
    /// (some outputs, such as `type=local`, record no image).
    pub fn read(path: &Path) -> Metadata {
        std::fs::read_to_string(path)
            .map(|s| Metadata::parse(&s))
            .unwrap_or_default()
    }

    pub fn parse(text: &str) -> Metadata {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
            return Metadata::default();
        };
        let digest = v
            .get("containerimage.digest")
            .and_then(|d| d.as_str())
            .map(str::to_string);
        let names = v
            .get("image.name")
            .and_then(|n| n.as_str())
            .map(|n| {
                n.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Metadata { digest, names }
    }

    /// `name@digest` for each name (or the names alone without a digest).
    pub fn references(&self) -> Vec<String> {
        match &self.digest {
            Some(d) => self.names.iter().map(|n| format!("{n}@{d}")).collect(),
            None => self.names.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_buildx_metadata() {
        let m = Metadata::parse(
            r#"{"buildx.build.ref":"x","containerimage.digest":"sha256:abc","image.name":"localhost:5000/a:1,localhost:5000/a:latest"}"#,
        );
        assert_eq!(
            m.references(),
            vec![
                "localhost:5000/a:1@sha256:abc",
                "localhost:5000/a:latest@sha256:abc"
            ]
        );
        assert_eq!(Metadata::parse("not json"), Metadata::default());
    }
}
