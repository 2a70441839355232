//! Everything xbuild says to `docker buildx`: builder instances (create,
//! append, remove — the ephemeral one as a guard), the build command line,
//! output specs, the metadata buildx writes, and the checks made before
//! anything runs.

pub mod builder;
pub mod command;
pub mod digest;
pub mod metadata;
pub mod output;
pub mod preflight;
