//! Errors reading or editing a kustomization: each one inside the file
//! points at the place.

use crate::fsutil::FsError;
use miette::{Diagnostic, NamedSource, SourceSpan};
use std::path::PathBuf;
use thiserror::Error;

#[derive(Debug, Error, Diagnostic)]
pub enum KustomizeError {
    #[error("{} has no kustomization.yaml", dir.display())]
    #[diagnostic(
        code(xbuild::kustomize::missing),
        help(
            "--kustomize (or [build] kustomize) names the directory whose kustomization.yaml sets the manager image, e.g. config/manager"
        )
    )]
    Missing { dir: PathBuf },

    #[error("{} is not valid YAML: {message}", src.name())]
    #[diagnostic(code(xbuild::kustomize::syntax))]
    Syntax {
        message: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("{}: {message}", src.name())]
    #[diagnostic(code(xbuild::kustomize::shape), help("{help}"))]
    Shape {
        message: String,
        help: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("could not set the image in {} without changing other parts of it", path.display())]
    #[diagnostic(
        code(xbuild::kustomize::unverified),
        help(
            "the file was left as it was; run `kustomize edit set image` by hand and report the file's layout to xbuild"
        )
    )]
    Unverified { path: PathBuf },

    #[error("setting the pushed digest in a kustomization needs a pushed, tagged image")]
    #[diagnostic(
        code(xbuild::kustomize::no_push),
        help("add --push and --tag REF (or IMG=REF), or drop --kustomize / [build] kustomize")
    )]
    NoPush,

    #[error("the push reported no image digest, so {} was left as it was", path.display())]
    #[diagnostic(
        code(xbuild::kustomize::no_digest),
        help(
            "buildx's metadata file had no containerimage.digest; check the output is an image pushed to a registry"
        )
    )]
    NoDigest { path: PathBuf },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Fs(#[from] FsError),
}
