//! End-to-end tests against the real build stack: dockerd, buildx, the local
//! registry and QEMU. Start it with `ci/e2e-env.sh`; run with
//! `cargo test --features e2e --test e2e`.

mod auto_driver;
mod bake;
mod build;
mod go_host;
mod kubebuilder;
mod merge;
mod podman;
mod precommit;
mod preflight;
mod smoke;
mod support;
mod vars;
