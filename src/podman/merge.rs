//! `xbuild merge` with podman: the sources' manifests are added one by one
//! to a temporary manifest list (`podman manifest create/add`; attestation
//! entries get back their platform `unknown/unknown` and BuildKit's
//! annotations with `podman manifest annotate`), the list is pushed to each
//! tag (`podman manifest push --all --digestfile`), and removed in every
//! outcome by the same guard as a podman build's.
//!
//! Registries are read with `skopeo inspect --raw` (podman 4's
//! `manifest inspect` reformats what it reads, and of a single image
//! manifest it prints nothing usable): the bytes the registry holds, the
//! same JSON `docker buildx imagetools inspect --raw` prints.

use crate::buildx::imagetools::{self, Entry, Image, ImagetoolsError};
use crate::exec::{self, Cmd};
use serde_json::Value;

/// The programs the podman merge runs.
#[derive(Debug, Clone)]
pub struct Tools {
    pub podman: String,
    pub skopeo: String,
}

/// `skopeo inspect --raw docker://REF`.
pub fn inspect_raw_cmd(skopeo: &str, reference: &str) -> Cmd {
    Cmd::new(skopeo).args(["inspect", "--raw", &format!("docker://{reference}")])
}

/// Reads `reference` (by digest, or a tag whose `digest` is known) from its
/// registry, as [`imagetools::inspect`] does with docker.
pub fn inspect(skopeo: &str, reference: &str, digest: &str) -> Result<Image, ImagetoolsError> {
    let cmd = inspect_raw_cmd(skopeo, reference);
    let out = exec::capture(&cmd)?;
    if let Some(index) = imagetools::read_raw(reference, &out, "skopeo inspect --raw")? {
        return Ok(index);
    }
    let unreadable = |message: String| ImagetoolsError::Unreadable {
        reference: reference.to_string(),
        message,
    };
    // A single image manifest: its platform is in the config blob.
    let cmd = Cmd::new(skopeo).args([
        "inspect",
        "--config",
        "--raw",
        &format!("docker://{reference}"),
    ]);
    let out = exec::capture(&cmd)?.check(&cmd)?;
    let config: Value = serde_json::from_str(&out.stdout).map_err(|e| unreadable(e.to_string()))?;
    Ok(Image {
        reference: reference.to_string(),
        index: false,
        entries: vec![Entry {
            digest: digest.to_string(),
            platform: imagetools::platform_of(&config),
            attestation: false,
            describes: None,
        }],
    })
}

/// `podman manifest create LIST`.
pub fn create_cmd(podman: &str, list: &str) -> Cmd {
    Cmd::new(podman).args(["manifest", "create", list])
}

/// The commands that put one manifest of a source into the list:
/// `podman manifest add`, and for an attestation `podman manifest annotate`
/// with what BuildKit wrote in the source index.
pub fn add_cmds(podman: &str, list: &str, repository: &str, entry: &Entry) -> Vec<Cmd> {
    let add = Cmd::new(podman).args([
        "manifest",
        "add",
        list,
        &format!("docker://{repository}@{}", entry.digest),
    ]);
    if !entry.attestation {
        return vec![add];
    }
    let mut annotate = Cmd::new(podman).args([
        "manifest",
        "annotate",
        "--os",
        "unknown",
        "--arch",
        "unknown",
        "--annotation",
        "vnd.docker.reference.type=attestation-manifest",
    ]);
    if let Some(d) = &entry.describes {
        annotate = annotate
            .arg("--annotation")
            .arg(format!("vnd.docker.reference.digest={d}"));
    }
    vec![add, annotate.arg(list).arg(&entry.digest)]
}

/// `podman manifest push --all --digestfile FILE LIST docker://TAG`.
pub fn push_cmd(podman: &str, list: &str, tag: &str, digest_file: &std::path::Path) -> Cmd {
    Cmd::new(podman).args([
        "manifest".to_string(),
        "push".to_string(),
        "--all".to_string(),
        "--digestfile".to_string(),
        digest_file.display().to_string(),
        list.to_string(),
        format!("docker://{tag}"),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attestation_is_added_with_buildkits_annotations() {
        let e = Entry {
            digest: "sha256:b".into(),
            platform: "unknown/unknown".into(),
            attestation: true,
            describes: Some("sha256:a".into()),
        };
        let cmds: Vec<String> = add_cmds("podman", "localhost/l", "r/op", &e)
            .iter()
            .map(|c| c.display())
            .collect();
        assert_eq!(
            cmds,
            [
                "podman manifest add localhost/l docker://r/op@sha256:b",
                "podman manifest annotate --os unknown --arch unknown --annotation vnd.docker.reference.type=attestation-manifest --annotation vnd.docker.reference.digest=sha256:a localhost/l sha256:b",
            ]
        );
    }
}
