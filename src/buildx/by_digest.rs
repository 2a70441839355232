//! `xbuild build --push-by-digest`: push each platform's image to the
//! repository without touching any tag, so that several runners can each push
//! their platform and one `xbuild merge` writes the tag.
//!
//! Drivers that run BuildKit in a container (docker-container, kubernetes,
//! remote) do it natively: `type=image,push-by-digest=true,name-canonical=true`.
//! The engine's own builder (the `docker` driver) answers "push-by-digest is
//! currently not implemented for docker driver" (buildx 0.13), so there the
//! image is pushed under a temporary tag named after xbuild and the platform
//! set (`REPO:xbuild-by-digest-linux-amd64`) and the digest is taken from
//! buildx's metadata. That tag is left in the registry: the registry API
//! (distribution 2.x) deletes manifests, not tags, and deleting the manifest
//! would delete the image. Because the name depends only on the platforms, a
//! repository gets at most one such tag per platform set; no tag the user
//! has is ever moved. With the containerd image store the engine also keeps
//! the image under that tag; the plan removes that local tag after the push.

use super::output::Output;
use crate::config::Driver;
use crate::exec::Cmd;
use crate::platform::Platform;

/// Where an image pushed by digest goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByDigest {
    /// The repository, without tag.
    pub repository: String,
    /// The docker driver's stand-in tag (see the module docs).
    pub temporary_tag: Option<String>,
}

impl ByDigest {
    pub fn new(repository: &str, driver: Driver, platforms: &[Platform]) -> ByDigest {
        let temporary_tag = (driver == Driver::Docker).then(|| {
            let names: Vec<String> = platforms
                .iter()
                .map(|p| p.to_string().replace('/', "-"))
                .collect();
            format!("{repository}:xbuild-by-digest-{}", names.join("-"))
        });
        ByDigest {
            repository: repository.to_string(),
            temporary_tag,
        }
    }

    /// The buildx output.
    pub fn output(&self) -> Output {
        let spec = match &self.temporary_tag {
            Some(tag) => format!("type=image,name={tag},push=true"),
            None => format!(
                "type=image,name={},push-by-digest=true,name-canonical=true,push=true",
                self.repository
            ),
        };
        Output::from_spec(&spec)
    }

    /// What the plan says about it.
    pub fn note(&self) -> String {
        match &self.temporary_tag {
            None => format!(
                "push by digest: {} gets the image without a tag (buildx push-by-digest); tag it with `xbuild merge`",
                self.repository
            ),
            Some(tag) => format!(
                "push by digest: the docker driver cannot push without a tag (buildx: not implemented), so the image is pushed as {tag} and its digest read from buildx's metadata; that tag stays in the registry (the registry API deletes images, not tags) and is moved by the next run for these platforms; no other tag is touched; tag the digest with `xbuild merge`"
            ),
        }
    }

    /// `docker image rm TAG` of the engine's copy of the stand-in tag.
    pub fn untag_local(&self, docker: &str) -> Option<Cmd> {
        let tag = self.temporary_tag.as_ref()?;
        Some(Cmd::new(docker).args(["image", "rm", tag]))
    }

    /// `REPO@DIGEST`.
    pub fn reference(&self, digest: &str) -> String {
        format!("{}@{digest}", self.repository)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_per_driver() {
        let amd64: Platform = "linux/amd64".parse().unwrap();
        let native = ByDigest::new(
            "localhost:5000/op",
            Driver::DockerContainer,
            std::slice::from_ref(&amd64),
        );
        assert_eq!(
            native.output().spec,
            "type=image,name=localhost:5000/op,push-by-digest=true,name-canonical=true,push=true"
        );
        assert!(native.output().push);
        let engine = ByDigest::new("localhost:5000/op", Driver::Docker, &[amd64]);
        assert_eq!(
            engine.output().spec,
            "type=image,name=localhost:5000/op:xbuild-by-digest-linux-amd64,push=true"
        );
    }
}
