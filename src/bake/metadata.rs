//! The metadata file `docker buildx bake --metadata-file` writes: one
//! object per target, each shaped like `docker buildx build`'s (checked on
//! buildx 0.13), so each is read by [`Metadata::parse`].

use crate::buildx::metadata::Metadata;
use std::path::Path;

/// Each target's metadata, by target name; empty when the file is missing
/// or unreadable (a failed bake writes none).
pub fn read(path: &Path) -> Vec<(String, Metadata)> {
    std::fs::read_to_string(path)
        .map(|s| parse(&s))
        .unwrap_or_default()
}

pub fn parse(text: &str) -> Vec<(String, Metadata)> {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str(text) else {
        return Vec::new();
    };
    map.into_iter()
        .filter(|(_, v)| v.is_object())
        .map(|(k, v)| (k, Metadata::parse(&v.to_string())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_object_per_target() {
        // As buildx 0.13 wrote it for two pushed targets (trimmed).
        let m = parse(
            r#"{"a":{"buildx.build.ref":"default/default/x","containerimage.digest":"sha256:fd88","image.name":"localhost:5000/issue10-probe-a:1"},
               "b":{"containerimage.digest":"sha256:a0ef","image.name":"localhost:5000/issue10-probe-b:1"}}"#,
        );
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].0, "a");
        assert_eq!(
            m[1].1.references(),
            vec!["localhost:5000/issue10-probe-b:1@sha256:a0ef"]
        );
        assert!(parse("not json").is_empty());
    }
}
