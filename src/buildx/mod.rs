//! Everything xbuild says to `docker buildx`: which driver (`auto`: the
//! engine's own builder or an ephemeral BuildKit container, from a probe of
//! the engine), builder instances (create, append, remove — the ephemeral
//! one as a guard), the build command line, output specs, the metadata
//! buildx writes, the checks made before anything runs, pushing by digest
//! and reading images back (`imagetools`).

pub mod auto;
pub mod builder;
pub mod by_digest;
pub mod command;
pub mod engine;
pub mod imagetools;
pub mod metadata;
pub mod output;
pub mod preflight;
