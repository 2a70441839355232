//! Everything xbuild says to `docker buildx`: builder instances (create,
//! append, remove — the ephemeral one as a guard), the build command line,
//! output specs, the metadata buildx writes, the checks made before
//! anything runs, pushing by digest and reading images back (`imagetools`).

pub mod builder;
pub mod by_digest;
pub mod command;
pub mod digest;
pub mod imagetools;
pub mod metadata;
pub mod output;
pub mod preflight;
