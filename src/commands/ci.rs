//! `xbuild ci github`: `.github/workflows/xbuild.yml` from
//! `templates/github-workflow.yml` and xbuild.toml — one runner per platform
//! (native where GitHub has one: amd64 on ubuntu-24.04, arm64 on
//! ubuntu-24.04-arm; others on amd64 under QEMU), each pushing its platform
//! by digest and uploading the JSON summary, and a job that merges them.
//!
//! The output depends only on the configuration and the flags, so a second
//! run writes the same bytes; an existing file is replaced only with
//! `--force`.

use crate::cli::CiGithubArgs;
use crate::config::{self, Project};
use crate::exec;
use crate::fsutil;
use crate::platform::Platform;
use crate::{Error, ExitStatus};
use miette::Diagnostic;
use std::io::Write;
use std::path::{Path, PathBuf};
use thiserror::Error;

const TEMPLATE: &str = include_str!("../../templates/github-workflow.yml");
/// Where the workflow goes, in the project.
pub const WORKFLOW: &str = ".github/workflows/xbuild.yml";

#[derive(Debug, Error, Diagnostic)]
pub enum CiError {
    #[error("{} already exists", path.display())]
    #[diagnostic(
        code(xbuild::ci::exists),
        help("pass --force to overwrite it, or --stdout to print the new workflow instead")
    )]
    Exists { path: PathBuf },

    #[error("the workflow needs the image's repository")]
    #[diagnostic(
        code(xbuild::ci::no_image),
        help("set [image] name = \"ghcr.io/OWNER/operator\" in xbuild.toml")
    )]
    NoImage,
}

/// How the workflow installs xbuild when `--install` is not given: xbuild's
/// repository at this version's tag. Cargo.toml names no repository, so the
/// owner is a placeholder the README tells you to replace (or pass
/// `--install`).
fn default_install() -> String {
    format!(
        "--git https://github.com/OWNER/xbuild --tag v{}",
        env!("CARGO_PKG_VERSION")
    )
}

pub fn github(
    dir: Option<&Path>,
    config: Option<&Path>,
    args: &CiGithubArgs,
) -> Result<ExitStatus, Error> {
    let project = config::load(dir, config)?;
    let install = args.install.clone().unwrap_or_else(default_install);
    let text = render(&project, &install)?;
    if args.stdout {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        return Ok(ExitStatus::Success);
    }
    let path = project.root.join(WORKFLOW);
    let shown = super::display(&path);
    if path.exists() && !args.force {
        return Err(CiError::Exists {
            path: PathBuf::from(shown),
        }
        .into());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| fsutil::FsError::Write {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    fsutil::write_atomic(&path, text.as_bytes())?;
    eprintln!("xbuild: wrote {shown}");
    if args.install.is_none() {
        eprintln!(
            "xbuild: note: it installs xbuild with `cargo install {install}`: replace OWNER with where your xbuild comes from, or pass --install"
        );
    }
    Ok(ExitStatus::Success)
}

/// The runner and QEMU need of one platform.
fn runner(p: &Platform) -> (&'static str, bool) {
    match p.to_string().as_str() {
        "linux/amd64" => ("ubuntu-24.04", false),
        "linux/arm64" | "linux/arm64/v8" => ("ubuntu-24.04-arm", false),
        _ => ("ubuntu-24.04", true),
    }
}

/// The workflow text.
pub fn render(project: &Project, install: &str) -> Result<String, CiError> {
    let cfg = &project.config;
    let name = cfg.image.name.clone().ok_or(CiError::NoImage)?;
    let mut matrix = String::new();
    for p in &cfg.image.platforms {
        let (runner, qemu) = runner(p);
        let slug = p.to_string().replace('/', "-");
        matrix.push_str(&format!(
            "          - platform: {p}\n            runner: {runner}\n            slug: {slug}\n            qemu: {qemu}\n"
        ));
    }
    let before: Vec<String> = cfg
        .build
        .before
        .iter()
        .map(|b| match b.script() {
            Some(script) => script.to_string(),
            None => b
                .argv
                .iter()
                .map(|a| exec::quote(a))
                .collect::<Vec<_>>()
                .join(" "),
        })
        .collect();
    let (before_job, needs) = if before.is_empty() {
        (String::new(), String::new())
    } else {
        let mut run = String::new();
        for line in before.iter().flat_map(|b| b.lines()) {
            run.push_str(&format!("          {line}\n"));
        }
        let go = if project.root.join("go.mod").is_file() {
            "      - uses: actions/setup-go@v5\n        with:\n          go-version-file: go.mod\n"
        } else {
            ""
        };
        (
            format!(
                "  before:\n    name: before commands (once)\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: actions/checkout@v4\n{go}      - name: \"[build] before\"\n        run: |\n{run}\n"
            ),
            "    needs: before\n".to_string(),
        )
    };
    let tags: String = cfg
        .image
        .references()
        .iter()
        .map(|t| format!(" --tag {}", exec::quote(t)))
        .collect();
    let tags = if tags.is_empty() {
        format!(" --tag {}", exec::quote(&format!("{name}:latest")))
    } else {
        tags
    };
    let text = TEMPLATE
        .replace("@@BEFORE_JOB@@\n", &before_job)
        .replace("@@BUILD_NEEDS@@\n", &needs)
        .replace("@@MATRIX@@\n", &matrix)
        .replace("@@LOGIN@@\n", &login(&name))
        .replace("@@INSTALL@@\n", &install_steps(install))
        .replace("@@TAGS@@", &tags);
    Ok(text)
}

/// The registry host of a repository (Docker Hub when it names none).
fn registry(name: &str) -> Option<&str> {
    let (first, rest) = name.split_once('/')?;
    let host = first.contains('.') || first.contains(':') || first == "localhost";
    (host && !rest.is_empty()).then_some(first)
}

/// docker/login-action for the image's registry: the workflow's token for
/// ghcr.io, repository secrets otherwise.
fn login(name: &str) -> String {
    let registry = registry(name);
    let (user, password) = match registry {
        Some("ghcr.io") => ("${{ github.actor }}", "${{ secrets.GITHUB_TOKEN }}"),
        _ => (
            "${{ secrets.REGISTRY_USERNAME }}",
            "${{ secrets.REGISTRY_PASSWORD }}",
        ),
    };
    let registry_line = registry
        .map(|r| format!("          registry: {r}\n"))
        .unwrap_or_default();
    format!(
        "      - uses: docker/login-action@v3\n        with:\n{registry_line}          username: {user}\n          password: {password}\n"
    )
}

/// Cached `cargo install` of xbuild: the cache key is the install line's
/// hash, so changing it reinstalls.
fn install_steps(install: &str) -> String {
    let key = fnv1a(install.as_bytes());
    format!(
        "      - name: Cache xbuild\n        id: xbuild-cache\n        uses: actions/cache@v4\n        with:\n          path: ~/.cargo/bin/xbuild\n          key: xbuild-${{{{ runner.os }}}}-${{{{ runner.arch }}}}-{key:016x}\n      - name: Install xbuild\n        if: steps.xbuild-cache.outputs.cache-hit != 'true'\n        run: cargo install --locked {install}\n"
    )
}

/// 64-bit FNV-1a: a stable hash for the cache key.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries() {
        assert_eq!(registry("ghcr.io/o/op"), Some("ghcr.io"));
        assert_eq!(registry("localhost:5000/op"), Some("localhost:5000"));
        assert_eq!(registry("team/op"), None);
        assert_eq!(registry("op"), None);
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
    }
}
