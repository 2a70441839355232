//! Checks made before anything runs: the docker CLI, the buildx plugin, a
//! reachable daemon (and our permission to use it), and whether the engine
//! can load multi-platform images (the containerd image store). Each failure
//! says how to fix it.

use crate::exec::{self, Cmd};
use miette::Diagnostic;
use thiserror::Error;

/// A problem with the docker installation.
#[derive(Debug, Error, Diagnostic)]
pub enum PreflightError {
    #[error("`{program}` was not found on PATH")]
    #[diagnostic(
        code(xbuild::docker::missing),
        help(
            "install the Docker CLI (Debian: apt-get install docker.io or docker-ce-cli), or point CONTAINER_TOOL at it"
        )
    )]
    DockerMissing { program: String },

    #[error("the docker buildx plugin is missing: `{program} buildx version` failed")]
    #[diagnostic(
        code(xbuild::docker::buildx_missing),
        help(
            "install the buildx plugin (Debian: apt-get install docker-buildx; or docker-buildx-plugin from Docker's repository) into ~/.docker/cli-plugins or /usr/local/lib/docker/cli-plugins\n{detail}"
        )
    )]
    BuildxMissing { program: String, detail: String },

    #[error("cannot connect to the Docker daemon")]
    #[diagnostic(
        code(xbuild::docker::daemon_unreachable),
        help(
            "start it (e.g. `systemctl start docker`), or point DOCKER_HOST / `docker context use` at a running engine\n{detail}"
        )
    )]
    DaemonUnreachable { detail: String },

    #[error("permission denied on the Docker daemon socket")]
    #[diagnostic(
        code(xbuild::docker::permission_denied),
        help(
            "add yourself to the docker group (`sudo usermod -aG docker $USER`, then log in again), or use rootless Docker\n{detail}"
        )
    )]
    PermissionDenied { detail: String },

    #[error(
        "loading a {platforms}-platform image into docker needs the containerd image store, which this engine does not use"
    )]
    #[diagnostic(
        code(xbuild::docker::no_multiplatform_load),
        help(
            "enable it in /etc/docker/daemon.json with {{\"features\": {{\"containerd-snapshotter\": true}}}} and restart dockerd, or build one platform with --load, or --push to a registry"
        )
    )]
    NoMultiPlatformLoad { platforms: usize },

    #[error(
        "the docker driver builds {platforms} platforms only with the containerd image store, which this engine does not use"
    )]
    #[diagnostic(
        code(xbuild::docker::no_multiplatform_docker_driver),
        help(
            "enable it in /etc/docker/daemon.json with {{\"features\": {{\"containerd-snapshotter\": true}}}} and restart dockerd, or use --driver docker-container"
        )
    )]
    NoMultiPlatformDockerDriver { platforms: usize },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Exec(#[from] exec::ExecError),
}

/// Checks the docker CLI and the buildx plugin.
pub fn check_cli(docker: &str) -> Result<(), PreflightError> {
    if which::which(docker).is_err() {
        return Err(PreflightError::DockerMissing {
            program: docker.to_string(),
        });
    }
    let out = exec::capture(&Cmd::new(docker).args(["buildx", "version"]))?;
    if !out.success {
        return Err(PreflightError::BuildxMissing {
            program: docker.to_string(),
            detail: out.stderr.trim().to_string(),
        });
    }
    Ok(())
}

/// Checks the daemon; returns whether it uses the containerd image store.
pub fn check_daemon(docker: &str) -> Result<bool, PreflightError> {
    let out =
        exec::capture(&Cmd::new(docker).args(["info", "--format", "{{json .DriverStatus}}"]))?;
    if !out.success {
        let detail = out.stderr.trim().to_string();
        if detail.to_lowercase().contains("permission denied") {
            return Err(PreflightError::PermissionDenied { detail });
        }
        return Err(PreflightError::DaemonUnreachable { detail });
    }
    Ok(out.stdout.contains("io.containerd.snapshotter"))
}
