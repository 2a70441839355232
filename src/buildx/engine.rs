//! What the docker engine's own builder can do, asked once before a build
//! whose driver is `auto` (see `auto`): whether the engine uses the
//! containerd image store (only then does its builder build, push and load
//! several platforms at once), the platforms `docker buildx inspect` reports
//! for it, and, for a local engine, the QEMU handlers registered in
//! binfmt_misc (what lets it run foreign RUN steps).
//!
//! The probe runs read-only commands; a dry run does not probe at all and
//! shows the commands it would run instead.

use crate::buildx::preflight;
use crate::exec::{self, Cmd};
use crate::platform::Platform;
use serde::Serialize;
use std::path::Path;

/// Where the kernel lists its binfmt_misc handlers.
pub const BINFMT_DIR: &str = "/proc/sys/fs/binfmt_misc";

/// What the probe found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct EngineFacts {
    /// `docker info` shows the containerd image store (io.containerd.snapshotter).
    pub containerd_store: bool,
    /// The engine's builder (named after the docker context).
    pub builder: String,
    /// Platforms `docker buildx inspect BUILDER` reports.
    #[serde(serialize_with = "strings")]
    pub platforms: Vec<Platform>,
    /// Platforms with an enabled QEMU handler in binfmt_misc (local engine only).
    #[serde(serialize_with = "strings")]
    pub emulated: Vec<Platform>,
}

fn strings<S: serde::Serializer>(p: &[Platform], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(p.iter().map(ToString::to_string))
}

/// The probe's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum Probe {
    /// Not asked: a dry run, or nothing in the decision needed the engine.
    NotRun {
        would_run: Vec<String>,
    },
    /// The engine could not be asked (no CLI, no daemon, a failing command).
    Failed {
        error: String,
    },
    Done(EngineFacts),
}

impl EngineFacts {
    /// Whether the engine's builder can build for `p`: its own platform, one
    /// buildx reports for it, or one with a QEMU handler.
    pub fn can_run(&self, p: &Platform) -> bool {
        let same = |q: &Platform| {
            q.os == p.os && q.arch == p.arch && (p.variant.is_none() || q.variant == p.variant)
        };
        same(&Platform::host())
            || self.platforms.iter().any(same)
            || self
                .emulated
                .iter()
                .any(|q| q.os == p.os && q.arch == p.arch)
    }

    /// One line for the plan and the logs.
    pub fn describe(&self) -> String {
        let store = if self.containerd_store {
            "containerd image store"
        } else {
            "classic image store (no containerd image store)"
        };
        let list = |p: &[Platform]| {
            if p.is_empty() {
                "none".to_string()
            } else {
                p.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        format!(
            "{store}; builder {} reports {}; QEMU handlers for {}",
            self.builder,
            list(&self.platforms),
            list(&self.emulated)
        )
    }
}

fn info_command(docker: &str) -> Cmd {
    Cmd::new(docker).args(["info", "--format", "{{json .DriverStatus}}"])
}

fn inspect_command(docker: &str, builder: &str) -> Cmd {
    crate::buildx::builder::inspect_command(docker, builder)
}

/// What a probe would run, for a dry run's plan.
pub fn would_run(docker: &str, builder: &str, local: bool) -> Vec<String> {
    let mut v = vec![
        info_command(docker).display(),
        inspect_command(docker, builder).display(),
    ];
    if local {
        v.push(format!("read {BINFMT_DIR}/qemu-*"));
    }
    v
}

/// Asks the engine. `local`: the engine runs on this machine (its binfmt
/// handlers are ours).
/// The two commands run at once: each takes a few hundred milliseconds
/// on a busy machine, and the probe is on every build's critical path.
pub fn probe(docker: &str, builder: &str, local: bool) -> Probe {
    let cmd = inspect_command(docker, builder);
    let (daemon, inspect) = std::thread::scope(|s| {
        let inspect = s.spawn(|| exec::capture(&cmd).and_then(|o| o.check(&cmd)));
        let daemon = preflight::check_daemon(docker);
        (
            daemon,
            inspect.join().expect("the inspect thread does not panic"),
        )
    });
    let containerd_store = match daemon {
        Ok(c) => c,
        Err(e) => {
            return Probe::Failed {
                error: format!("{e}"),
            };
        }
    };
    let platforms = match inspect {
        Ok(out) => inspect_platforms(&out.stdout),
        Err(e) => {
            return Probe::Failed {
                error: format!("{e}"),
            };
        }
    };
    let emulated = if local {
        binfmt_platforms(Path::new(BINFMT_DIR))
    } else {
        Vec::new()
    };
    Probe::Done(EngineFacts {
        containerd_store,
        builder: builder.to_string(),
        platforms,
        emulated,
    })
}

/// The `Platforms:` line of `docker buildx inspect` (the first node's;
/// buildx marks configured ones with `*`).
pub fn inspect_platforms(text: &str) -> Vec<Platform> {
    let Some(line) = text
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("Platforms:"))
    else {
        return Vec::new();
    };
    line.split(',')
        .filter_map(|p| p.trim().trim_end_matches('*').parse().ok())
        .collect()
}

/// The platforms of the enabled `qemu-*` handlers in `dir`.
pub fn binfmt_platforms(dir: &Path) -> Vec<Platform> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<Platform> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let arch = qemu_arch(name.strip_prefix("qemu-")?)?;
            let text = std::fs::read_to_string(e.path()).ok()?;
            (text.lines().next() == Some("enabled")).then(|| Platform::new("linux", arch, None))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Go's architecture for a QEMU binary's suffix.
fn qemu_arch(qemu: &str) -> Option<&'static str> {
    Some(match qemu {
        "x86_64" => "amd64",
        "i386" => "386",
        "aarch64" => "arm64",
        "arm" => "arm",
        "ppc64le" => "ppc64le",
        "ppc64" => "ppc64",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        "mips64el" => "mips64le",
        "mips64" => "mips64",
        "mipsel" => "mipsle",
        "mips" => "mips",
        "loongarch64" => "loong64",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Platform {
        s.parse().unwrap()
    }

    #[test]
    fn reads_the_platforms_line_of_buildx_inspect() {
        let text = "Name:          default\nDriver:        docker\n\nNodes:\nName:             default\nStatus:           running\nPlatforms:        linux/amd64, linux/amd64/v2, linux/arm64, linux/ppc64le, linux/s390x*\nLabels:\n";
        assert_eq!(
            inspect_platforms(text),
            vec![
                p("linux/amd64"),
                p("linux/amd64/v2"),
                p("linux/arm64"),
                p("linux/ppc64le"),
                p("linux/s390x")
            ]
        );
        assert!(inspect_platforms("Name: x\n").is_empty());
    }

    #[test]
    fn reads_enabled_qemu_handlers_only() {
        let dir = tempfile::tempdir().unwrap();
        let w = |n: &str, t: &str| std::fs::write(dir.path().join(n), t).unwrap();
        w(
            "qemu-aarch64",
            "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: PF\n",
        );
        w("qemu-s390x", "enabled\nflags: PF\n");
        w("qemu-ppc64le", "disabled\nflags: PF\n");
        w("qemu-xtensa", "enabled\n");
        w("python3.11", "enabled\n");
        w("register", "");
        assert_eq!(
            binfmt_platforms(dir.path()),
            vec![p("linux/arm64"), p("linux/s390x")]
        );
        assert!(binfmt_platforms(&dir.path().join("missing")).is_empty());
    }

    #[test]
    fn can_run_what_is_reported_emulated_or_native() {
        let facts = EngineFacts {
            containerd_store: true,
            builder: "default".into(),
            platforms: vec![p("linux/arm/v7")],
            emulated: vec![p("linux/s390x")],
        };
        assert!(facts.can_run(&Platform::host()));
        assert!(facts.can_run(&p("linux/arm/v7")));
        assert!(!facts.can_run(&p("linux/arm/v6")));
        assert!(facts.can_run(&p("linux/s390x")));
        assert!(!facts.can_run(&p("linux/riscv64")));
    }
}
