//! What `xbuild init` proposes when a repository looks like it ships more
//! than one image: several final stages in the Dockerfile (stages no other
//! stage builds on or copies from, each copying from a build stage, like
//! `FROM distroless AS controller` and `FROM alpine AS agent`), or other
//! Dockerfiles next to it (`Dockerfile.webhook`). The proposal is a
//! commented-out `[images.NAME]` block with a note, appended to the file:
//! building several images changes what `xbuild build` does, so it is the
//! user's choice.

use crate::config::{Detection, is_secondary, named_dockerfiles};
use crate::dockerfile::{self, StageBase, StageGraph};
use std::path::{Path, PathBuf};

/// One proposed image: its table name, Dockerfile and target.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Proposed {
    key: String,
    dockerfile: Option<PathBuf>,
    target: Option<String>,
}

/// The final stages of the Dockerfile that look shipped: named, not built
/// on or copied from by another stage, copying from another stage.
fn shipped_stages(path: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let Ok(df) = dockerfile::parse(&path.display().to_string(), &text) else {
        return Vec::new();
    };
    let Ok(graph) = StageGraph::new(&df, None, &[]) else {
        return Vec::new();
    };
    let mut used = vec![false; graph.stages.len()];
    for s in &graph.stages {
        for r in &s.refs {
            used[r.stage] = true;
        }
        if let StageBase::Stage(b) = s.base {
            used[b] = true;
        }
        for p in graph.parents(s.index) {
            if p != s.index {
                used[p] = true;
            }
        }
    }
    graph
        .stages
        .iter()
        .filter(|s| !used[s.index] && !s.refs.is_empty())
        .filter_map(|s| s.name.clone())
        .collect()
}

/// `Dockerfile.webhook` / `webhook.Dockerfile` → `webhook`, as a table name.
fn key_of(path: &Path) -> String {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let stem = name
        .strip_prefix("Dockerfile.")
        .or_else(|| name.strip_suffix(".Dockerfile"))
        .unwrap_or(&name);
    stem.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

fn proposals(root: &Path, d: &Detection) -> (Vec<Proposed>, Vec<String>) {
    let Some(main) = &d.dockerfile else {
        return (Vec::new(), Vec::new());
    };
    let mut why = Vec::new();
    let mut out = Vec::new();
    let stages = shipped_stages(&root.join(main));
    if stages.len() > 1 {
        why.push(format!(
            "{} has {} final stages ({})",
            main.display(),
            stages.len(),
            stages.join(", ")
        ));
        out.extend(stages.into_iter().map(|s| Proposed {
            key: s.clone(),
            dockerfile: None,
            target: Some(s),
        }));
    }
    let others: Vec<PathBuf> = named_dockerfiles(root)
        .into_iter()
        .filter(|p| p != main && !is_secondary(p))
        .collect();
    if !others.is_empty() {
        let names: Vec<String> = others.iter().map(|p| p.display().to_string()).collect();
        why.push(format!("the repository also has {}", names.join(", ")));
        if out.is_empty() {
            out.push(Proposed {
                key: "manager".to_string(),
                dockerfile: None,
                target: None,
            });
        }
        for p in others {
            let mut key = key_of(&p);
            while out.iter().any(|o| o.key == key) {
                key.push_str("-2");
            }
            out.push(Proposed {
                key,
                dockerfile: Some(p),
                target: None,
            });
        }
    }
    (out, why)
}

/// The commented `[images.*]` block for `xbuild init`, or `None` when the
/// repository looks like it ships one image.
pub fn images_block(root: &Path, d: &Detection) -> Option<String> {
    let (images, why) = proposals(root, d);
    if images.len() < 2 {
        return None;
    }
    let base = d
        .image_name
        .as_deref()
        .unwrap_or("registry.example.com/operator");
    let note = format!(
        "Several images: {}. To build them together (one `docker buildx bake`: one builder, shared stages, each Go build once), uncomment these tables; each image inherits what it does not set from [image], [dockerfile] and [build], and `xbuild build NAME` builds one of them.",
        why.join("; ")
    );
    let mut out = format!("\n{}\n", crate::commands::init::comment(&note));
    for i in &images {
        out.push_str(&format!(
            "#\n# [images.{}]\n# name = \"{base}-{}\"\n",
            i.key, i.key
        ));
        if let Some(df) = &i.dockerfile {
            out.push_str(&format!("# dockerfile = \"{}\"\n", df.display()));
        }
        if let Some(t) = &i.target {
            out.push_str(&format!("# target = \"{t}\"\n"));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_other_dockerfiles() {
        assert_eq!(key_of(Path::new("Dockerfile.webhook")), "webhook");
        assert_eq!(key_of(Path::new("Bundle.Dockerfile")), "bundle");
        assert_eq!(key_of(Path::new("Dockerfile.a.b")), "a-b");
    }
}
