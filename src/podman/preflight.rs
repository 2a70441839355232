//! Checks that this machine can run a podman build, before it starts:
//! podman present and new enough, its storage usable, an emulator for each
//! foreign platform that runs commands, base images podman can resolve.

use super::{PodmanError, PodmanRun};
use crate::exec::{self, Cmd};
use crate::platform::Platform;
use std::path::Path;

/// `--platform` lists with `--manifest`.
const MIN_LIST: (u32, u32) = (4, 0);
/// `--build-context` (host Go).
const MIN_CONTEXT: (u32, u32) = (4, 2);

pub fn check(run: &PodmanRun) -> Result<(), PodmanError> {
    let version_cmd = Cmd::new(&run.program).args(["version", "--format", "{{.Client.Version}}"]);
    // Not found, or not runnable at all.
    let out = exec::capture(&version_cmd).map_err(|_| PodmanError::Missing {
        program: run.program.clone(),
    })?;
    let found = out.stdout.trim().to_string();
    if let Some(v) = version(&found) {
        let (needed, why, min) = if run.build_contexts {
            ("4.2", "--build-context (host Go builds)", MIN_CONTEXT)
        } else {
            (
                "4.0",
                "multi-platform builds into a manifest list",
                MIN_LIST,
            )
        };
        if v < min {
            return Err(PodmanError::TooOld { found, needed, why });
        }
    }
    let info = Cmd::new(&run.program).args(["info", "--format", "{{.Store.GraphDriverName}}"]);
    let out = exec::capture(&info).map_err(|e| PodmanError::Storage {
        stderr: e.to_string(),
    })?;
    if !out.success {
        return Err(PodmanError::Storage {
            stderr: tail(&out.stderr),
        });
    }
    for p in &run.emulated {
        let handler = handler(p);
        let entry = Path::new("/proc/sys/fs/binfmt_misc").join(&handler);
        let enabled = std::fs::read_to_string(&entry)
            .map(|s| s.lines().next() == Some("enabled"))
            .unwrap_or(false);
        if !enabled {
            return Err(PodmanError::Binfmt {
                platform: p.clone(),
                handler,
            });
        }
    }
    let unresolved: Vec<String> = run
        .short_names
        .iter()
        .filter(|n| !exists_locally(&run.program, n))
        .cloned()
        .collect();
    if !unresolved.is_empty() && !search_registries(&run.program) {
        return Err(PodmanError::ShortNames { names: unresolved });
    }
    Ok(())
}

/// The platforms of `platforms` the build machine cannot run natively.
pub fn foreign(platforms: &[Platform]) -> Vec<String> {
    let host = Platform::host();
    platforms
        .iter()
        .filter(|p| {
            let native = p.arch == host.arch
                || (host.arch == "amd64" && p.arch == "386")
                || (host.arch == "arm64" && p.arch == "arm");
            p.os == "linux" && !native
        })
        .map(ToString::to_string)
        .collect()
}

/// The binfmt_misc entry QEMU registers for a platform's architecture.
fn handler(platform: &str) -> String {
    let arch = platform.split('/').nth(1).unwrap_or(platform);
    let qemu = match arch {
        "amd64" => "x86_64",
        "arm64" => "aarch64",
        "386" => "i386",
        "ppc64le" => "ppc64le",
        "mips64le" => "mips64el",
        other => other,
    };
    format!("qemu-{qemu}")
}

fn version(v: &str) -> Option<(u32, u32)> {
    let mut parts = v.split(['.', '-']);
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

fn exists_locally(podman: &str, name: &str) -> bool {
    exec::capture(&Cmd::new(podman).args(["image", "exists", name])).is_ok_and(|o| o.success)
}

/// registries.conf lists registries for short names.
fn search_registries(podman: &str) -> bool {
    let cmd = Cmd::new(podman).args(["info", "--format", "{{json .Registries.search}}"]);
    exec::capture(&cmd).is_ok_and(|o| {
        o.success && {
            let t = o.stdout.trim();
            !(t.is_empty() || t == "null" || t == "[]")
        }
    })
}

fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(10)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handlers_and_versions() {
        assert_eq!(handler("linux/arm64"), "qemu-aarch64");
        assert_eq!(handler("linux/arm/v7"), "qemu-arm");
        assert_eq!(handler("linux/s390x"), "qemu-s390x");
        assert_eq!(version("4.3.1"), Some((4, 3)));
        assert_eq!(version("5.0.0-dev"), Some((5, 0)));
        assert!(version("4.1.0").unwrap() < MIN_CONTEXT);
    }
}
