//! Builder instances: the `docker buildx create` / `--append` / `rm` /
//! `inspect` command lines, unique names for ephemeral builders, and the
//! guard that removes an ephemeral builder in every outcome.

use crate::config::{BuilderNode, Driver};
use crate::exec::{self, Cmd};
use crate::platform::Platform;
use std::path::PathBuf;

/// A builder to create.
#[derive(Debug, Clone, PartialEq)]
pub struct BuilderSpec {
    pub name: String,
    pub driver: Driver,
    pub driver_opts: Vec<(String, String)>,
    pub buildkitd_flags: Option<String>,
    pub config: Option<PathBuf>,
    pub platforms: Vec<Platform>,
    pub endpoint: Option<String>,
    pub nodes: Vec<BuilderNode>,
}

/// `base` plus a random suffix, so that concurrent runs never collide.
pub fn unique_name(base: &str) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    format!("{base}-{:08x}", h.finish() as u32)
}

fn platform_list(p: &[Platform]) -> String {
    p.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// `docker buildx create` of the first node, then one `--append` per node.
/// Nothing is bootstrapped: buildx starts the builder on first use.
pub fn create_commands(docker: &str, spec: &BuilderSpec) -> Vec<Cmd> {
    let mut first = Cmd::new(docker)
        .args([
            "buildx",
            "create",
            "--name",
            &spec.name,
            "--driver",
            spec.driver.as_str(),
        ])
        .args(["--node", &format!("{}-0", spec.name)]);
    for (k, v) in &spec.driver_opts {
        first = first.arg("--driver-opt").arg(driver_opt(k, v));
    }
    if let Some(flags) = &spec.buildkitd_flags {
        // `=` form: the value starts with dashes.
        first = first.arg(format!("--buildkitd-flags={flags}"));
    }
    if let Some(config) = &spec.config {
        first = first
            .arg("--buildkitd-config")
            .arg(config.display().to_string());
    }
    if !spec.platforms.is_empty() {
        first = first.arg("--platform").arg(platform_list(&spec.platforms));
    }
    if let Some(endpoint) = &spec.endpoint {
        first = first.arg(endpoint);
    }
    let mut cmds = vec![first];
    for (i, node) in spec.nodes.iter().enumerate() {
        let name = node
            .name
            .clone()
            .unwrap_or_else(|| format!("{}-{}", spec.name, i + 1));
        let mut c = Cmd::new(docker).args([
            "buildx", "create", "--append", "--name", &spec.name, "--node", &name,
        ]);
        for (k, v) in &node.driver_opts {
            c = c.arg("--driver-opt").arg(driver_opt(k, v));
        }
        if !node.platforms.is_empty() {
            c = c.arg("--platform").arg(platform_list(&node.platforms));
        }
        cmds.push(c.arg(&node.endpoint));
    }
    cmds
}

pub fn rm_command(docker: &str, name: &str) -> Cmd {
    Cmd::new(docker).args(["buildx", "rm", name])
}

pub fn inspect_command(docker: &str, name: &str) -> Cmd {
    Cmd::new(docker).args(["buildx", "inspect", name])
}

/// Whether buildx knows a builder called `name`.
pub fn exists(docker: &str, name: &str) -> Result<bool, exec::ExecError> {
    Ok(exec::capture(&inspect_command(docker, name))?.success)
}

/// Removes an ephemeral builder when dropped, unless [`BuilderGuard::remove`]
/// already did. The pipeline removes it explicitly (to report a failure);
/// the drop is the backstop for every other way out.
pub struct BuilderGuard {
    docker: String,
    name: String,
    done: bool,
}

impl BuilderGuard {
    /// Arms the guard. Do this *before* creating the builder, so that a
    /// half-finished create (a failed `--append`) is cleaned up too.
    pub fn arm(docker: &str, name: &str) -> BuilderGuard {
        BuilderGuard {
            docker: docker.to_string(),
            name: name.to_string(),
            done: false,
        }
    }

    /// Removes the builder now. A builder that was never created is not an
    /// error.
    pub fn remove(mut self) -> Result<(), exec::ExecError> {
        self.done = true;
        remove(&self.docker, &self.name)
    }
}

fn remove(docker: &str, name: &str) -> Result<(), exec::ExecError> {
    let cmd = rm_command(docker, name);
    let out = exec::capture(&cmd)?;
    if out.success || out.stderr.contains("no builder") && out.stderr.contains("found") {
        return Ok(());
    }
    out.check(&cmd).map(|_| ())
}

impl Drop for BuilderGuard {
    fn drop(&mut self) {
        if !self.done
            && let Err(e) = remove(&self.docker, &self.name)
        {
            eprintln!(
                "xbuild: warning: could not remove builder {}: {e}",
                self.name
            );
        }
    }
}

/// One `--driver-opt` value: buildx reads each as a CSV record, so a
/// value with a comma or quote (`env.no_proxy=a,b`) is CSV-quoted.
fn driver_opt(k: &str, v: &str) -> String {
    crate::config::check::csv_join(&[format!("{k}={v}")])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_opts_with_commas_are_csv_quoted() {
        assert_eq!(driver_opt("image", "moby/buildkit"), "image=moby/buildkit");
        assert_eq!(
            driver_opt("env.no_proxy", "localhost,127.0.0.1"),
            "\"env.no_proxy=localhost,127.0.0.1\""
        );
    }

    #[test]
    fn unique_names_differ() {
        let a = unique_name("xbuild");
        let b = unique_name("xbuild");
        assert!(a.starts_with("xbuild-") && a.len() == "xbuild-".len() + 8);
        assert_ne!(a, b);
    }

    #[test]
    fn create_and_append_lines() {
        let spec = BuilderSpec {
            name: "xb-1".into(),
            driver: Driver::Remote,
            driver_opts: vec![("cacert".into(), "/c.pem".into())],
            buildkitd_flags: Some("--debug".into()),
            config: Some(PathBuf::from("/p/buildkitd.toml")),
            platforms: vec!["linux/amd64".parse().unwrap()],
            endpoint: Some("tcp://amd:1234".into()),
            nodes: vec![BuilderNode {
                endpoint: "tcp://arm:1234".into(),
                name: Some("arm".into()),
                platforms: vec!["linux/arm64".parse().unwrap()],
                driver_opts: vec![],
            }],
        };
        let cmds: Vec<String> = create_commands("docker", &spec)
            .iter()
            .map(Cmd::display)
            .collect();
        assert_eq!(
            cmds,
            vec![
                "docker buildx create --name xb-1 --driver remote --node xb-1-0 --driver-opt cacert=/c.pem --buildkitd-flags=--debug --buildkitd-config /p/buildkitd.toml --platform linux/amd64 tcp://amd:1234",
                "docker buildx create --append --name xb-1 --node arm --platform linux/arm64 tcp://arm:1234",
            ]
        );
    }
}
