//! What `xbuild init` can tell about a project before it has an
//! xbuild.toml: its Dockerfile, its Go module, and the settings of a
//! kubebuilder Makefile (`IMG`, `PLATFORMS`, `CONTAINER_TOOL`, whether
//! `docker-buildx` pushes and runs `test` first).
//!
//! Every value detected here has passed the same checks the loader applies,
//! so a file written from it loads; a value that would not is left out and
//! explained in a note instead.

use super::check;
use super::makefile::{Makefile, Origin, Value};
use crate::platform::{self, Platform};
use std::path::{Path, PathBuf};

/// Makefile names, in the order GNU make looks for them.
const MAKEFILES: &[&str] = &["GNUmakefile", "makefile", "Makefile"];

/// What was found, ready to fill the template.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Detection {
    /// The Dockerfile, relative to the root.
    pub dockerfile: Option<PathBuf>,
    /// Other Dockerfile candidates that were not picked.
    pub other_dockerfiles: Vec<PathBuf>,
    /// The `module` path of go.mod.
    pub go_module: Option<String>,
    pub image_name: Option<String>,
    pub image_tags: Option<Vec<String>>,
    pub platforms: Option<Vec<Platform>>,
    /// The Makefile's buildx build pushes.
    pub push: bool,
    /// The Makefile's `docker-buildx` target depends on `test`.
    pub before_make_test: bool,
    /// `CONTAINER_TOOL`, when it is not docker.
    pub container_tool: Option<String>,
    /// `(what, value and where from)` for the summary on stderr.
    pub found: Vec<(String, String)>,
    /// Things the user should know, one sentence each.
    pub notes: Vec<String>,
}

/// Looks at the project in `root`; `env` stands for the environment
/// (make lets it override `?=` assignments).
pub fn detect(root: &Path, env: &dyn Fn(&str) -> Option<String>) -> Detection {
    let mut d = Detection::default();
    dockerfile(root, &mut d);
    go_module(root, &mut d);
    makefile(root, env, &mut d);
    if d.image_name.is_none()
        && let Some(module) = &d.go_module
        && let Some(name) = name_from_module(module)
    {
        d.found.push((
            "image name".into(),
            format!("{name} (last element of the go.mod module)"),
        ));
        d.image_name = Some(name);
    }
    // What is shown goes into comments of xbuild.toml, where TOML forbids
    // control characters, and to the terminal.
    for text in d.notes.iter_mut().chain(d.found.iter_mut().map(|(_, v)| v)) {
        if text.contains(|c: char| c.is_control() && c != '\t') {
            *text = text.escape_debug().to_string();
        }
    }
    d
}

/// `Dockerfile.NAME` and `NAME.Dockerfile` in `root` (not `.cross`), the
/// variants for development or tests (the least likely to be an image to
/// ship) last.
pub fn named_dockerfiles(root: &Path) -> Vec<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            (n.ends_with(".Dockerfile") || n.starts_with("Dockerfile.")) && !n.ends_with(".cross")
        })
        .map(PathBuf::from)
        .collect();
    candidates.sort_by_key(|p| (is_secondary(p), p.clone()));
    candidates
}

/// A Dockerfile for development or tests, by its name.
pub fn is_secondary(p: &Path) -> bool {
    let name = p.to_string_lossy().to_ascii_lowercase();
    ["dev", "debug", "test", "e2e", "local"]
        .iter()
        .any(|w| name.contains(w))
}

fn dockerfile(root: &Path, d: &mut Detection) {
    if root.join("Dockerfile").is_file() {
        d.dockerfile = Some(PathBuf::from("Dockerfile"));
    } else {
        let mut candidates = named_dockerfiles(root);
        // Then the usual subdirectories (operator-sdk before 1.0 used
        // build/Dockerfile) and Containerfile.
        if candidates.is_empty() {
            candidates.extend(
                ["Containerfile", "build/Dockerfile", "docker/Dockerfile"]
                    .iter()
                    .map(PathBuf::from)
                    .filter(|p| root.join(p).is_file()),
            );
        }
        if !candidates.is_empty() {
            d.dockerfile = Some(candidates.remove(0));
            d.other_dockerfiles = candidates;
        }
    }
    match &d.dockerfile {
        Some(f) => {
            d.found.push(("Dockerfile".into(), f.display().to_string()));
            if !d.other_dockerfiles.is_empty() {
                let others: Vec<String> = d
                    .other_dockerfiles
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect();
                d.notes.push(format!(
                    "Picked {} among several Dockerfiles (also {}); change [dockerfile] path to build another.",
                    f.display(),
                    others.join(", ")
                ));
            }
        }
        None => d
            .notes
            .push("No Dockerfile found; set [dockerfile] path before building.".to_string()),
    }
}

fn go_module(root: &Path, d: &mut Detection) {
    let Some(text) = crate::fsutil::read_optional(&root.join("go.mod")) else {
        return;
    };
    let module = text.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("module")?;
        rest.starts_with(char::is_whitespace)
            .then(|| {
                rest.split("//")
                    .next()
                    .unwrap_or("")
                    .trim()
                    .trim_matches('"')
                    .to_string()
            })
            .filter(|m| !m.is_empty())
    });
    if let Some(m) = module {
        d.found.push(("go.mod module".into(), m.clone()));
        d.go_module = Some(m);
    }
}

/// `github.com/x/memcached-operator/v2` -> `memcached-operator`, made a
/// valid repository name.
pub fn name_from_module(module: &str) -> Option<String> {
    let mut parts: Vec<&str> = module.split('/').filter(|p| !p.is_empty()).collect();
    let is_major =
        |p: &str| p.len() > 1 && p.starts_with('v') && p[1..].chars().all(|c| c.is_ascii_digit());
    if parts.len() > 1 && parts.last().is_some_and(|p| is_major(p)) {
        parts.pop();
    }
    let last = parts.last()?.to_ascii_lowercase();
    let cleaned: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let cleaned = cleaned
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string();
    check::image_name(&cleaned).is_ok().then_some(cleaned)
}

fn makefile(root: &Path, env: &dyn Fn(&str) -> Option<String>, d: &mut Detection) {
    let found = MAKEFILES
        .iter()
        .map(|n| (*n, root.join(n)))
        .find(|(_, p)| p.is_file())
        .and_then(|(n, p)| {
            // make reads bytes: a Latin-1 comment must not hide the rest.
            let (bytes, _) = crate::fsutil::read::read_stamped(&p).ok()?;
            Some((n, String::from_utf8_lossy(&bytes).into_owned()))
        });
    // Without a Makefile, the environment still says what the user wants.
    let (file, mk) = match found {
        Some((n, text)) => (n, Makefile::parse(&text)),
        None => ("Makefile", Makefile::default()),
    };
    let shown = |v: &Value, text: &str| match v.origin {
        Origin::Makefile(line) => format!("{text} ({file}:{line})"),
        Origin::Environment => format!("{text} (environment)"),
    };

    if let Some(v) = mk.get("IMG", env) {
        match &v.value {
            // kubebuilder's placeholder: every user overrides it with
            // `make docker-buildx IMG=...` (which xbuild reads as well).
            Ok(img) if img == "controller:latest" => d.notes.push(format!(
                "{} is kubebuilder's placeholder, not used as the image name; set [image] name, or pass IMG=... or --tag when building.",
                shown(&v, &format!("IMG = {img}"))
            )),
            Ok(img) => match split_img(img) {
                Ok((name, tag)) => {
                    d.found.push(("IMG".into(), shown(&v, img)));
                    d.image_name = Some(name);
                    d.image_tags = Some(vec![tag]);
                }
                Err(why) => d.notes.push(format!(
                    "{} is not usable: {why}; set [image] name and tags yourself.",
                    shown(&v, &format!("IMG = {img}"))
                )),
            },
            Err(raw) => d.notes.push(format!(
                "IMG = {raw} needs make to evaluate; set [image] name and tags yourself."
            )),
        }
    }

    if let Some(v) = mk.get("PLATFORMS", env) {
        match &v.value {
            Ok(list) => match platform::parse_list(list) {
                Ok(p) if !p.is_empty() => {
                    d.found.push(("PLATFORMS".into(), shown(&v, list)));
                    d.platforms = Some(p);
                }
                Ok(_) => {}
                Err(e) => d.notes.push(format!(
                    "PLATFORMS = {list} is not usable ({e}); kept the default platforms."
                )),
            },
            Err(raw) => d.notes.push(format!(
                "PLATFORMS = {raw} needs make to evaluate; kept the default platforms."
            )),
        }
    }

    if let Some(v) = mk.get("CONTAINER_TOOL", env)
        && let Ok(tool) = &v.value
        && !tool.trim().is_empty()
    {
        d.found.push(("CONTAINER_TOOL".into(), shown(&v, tool)));
        match crate::config::Tool::from_program(tool) {
            Some(crate::config::Tool::Docker) => {}
            Some(crate::config::Tool::Podman) => d.container_tool = Some("podman".into()),
            None => d.notes.push(format!(
                "The Makefile builds with CONTAINER_TOOL={tool}; xbuild drives docker (buildx) or podman, so it kept the default, docker."
            )),
        }
    }

    if mk.pushes_with_buildx() {
        d.push = true;
        d.found.push((
            "push".into(),
            format!("yes (the {file}'s buildx build uses --push)"),
        ));
    }
    if mk
        .prerequisites("docker-buildx")
        .is_some_and(|p| p.iter().any(|t| t == "test"))
    {
        d.before_make_test = true;
        d.found.push((
            "before".into(),
            "make test (a prerequisite of docker-buildx)".into(),
        ));
    }
}

/// `IMG` as name and tag (`latest` when it has none), both checked.
pub fn split_img(img: &str) -> Result<(String, String), String> {
    if img.contains('@') {
        return Err("it has a digest, and xbuild tags what it builds".to_string());
    }
    let (name, tag) = check::split_tag(img);
    check::image_name(name).map_err(|(message, _)| message)?;
    let tag = tag.unwrap_or("latest");
    check::tag(tag).map_err(|(message, _)| message)?;
    Ok((name.to_string(), tag.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn names_from_modules() {
        assert_eq!(
            name_from_module("github.com/x/memcached-operator").as_deref(),
            Some("memcached-operator")
        );
        assert_eq!(
            name_from_module("github.com/x/Op/v2").as_deref(),
            Some("op")
        );
        assert_eq!(
            name_from_module("example.com/my_op").as_deref(),
            Some("my_op")
        );
        assert_eq!(name_from_module("op").as_deref(), Some("op"));
        assert_eq!(name_from_module("x/+++"), None);
    }

    #[test]
    fn img_splits() {
        assert_eq!(
            split_img("localhost:5000/x/op:v1").unwrap(),
            ("localhost:5000/x/op".into(), "v1".into())
        );
        assert_eq!(
            split_img("controller").unwrap(),
            ("controller".into(), "latest".into())
        );
        assert!(split_img("x@sha256:0123456789abcdef0123456789abcdef").is_err());
        assert!(split_img("Bad Name:v1").is_err());
    }

    #[test]
    fn a_kubebuilder_project() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("Dockerfile"), "FROM scratch\n").unwrap();
        std::fs::write(
            root.join("go.mod"),
            "module github.com/example/memcached-operator\n\ngo 1.22\n",
        )
        .unwrap();
        std::fs::write(
            root.join("Makefile"),
            "IMG ?= localhost:5000/x/op:v1\nPLATFORMS ?= linux/arm64,linux/amd64\nCONTAINER_TOOL ?= podman\ndocker-buildx: test\n\t$(CONTAINER_TOOL) buildx build --push --platform=$(PLATFORMS) -t $(IMG) .\n",
        )
        .unwrap();
        let d = detect(root, &no_env);
        assert_eq!(d.dockerfile, Some(PathBuf::from("Dockerfile")));
        assert_eq!(
            d.go_module.as_deref(),
            Some("github.com/example/memcached-operator")
        );
        assert_eq!(d.image_name.as_deref(), Some("localhost:5000/x/op"));
        assert_eq!(d.image_tags, Some(vec!["v1".to_string()]));
        let p: Vec<String> = d
            .platforms
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(p, ["linux/arm64", "linux/amd64"]);
        assert_eq!(d.container_tool.as_deref(), Some("podman"));
        assert!(d.push && d.before_make_test);
        assert!(
            d.found
                .iter()
                .any(|(w, v)| w == "IMG" && v.contains("Makefile:1")),
            "{:?}",
            d.found
        );
        // podman is a supported tool now: nothing to warn about.
        assert!(!d.notes.iter().any(|n| n.contains("CONTAINER_TOOL")));
    }

    #[test]
    fn module_name_when_there_is_no_img_and_odd_dockerfiles() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("manager.Dockerfile"), "").unwrap();
        std::fs::write(root.join("Dockerfile.dev"), "").unwrap();
        std::fs::write(root.join("Dockerfile.cross"), "").unwrap();
        std::fs::write(
            root.join("go.mod"),
            "// c\nmodule \"example.com/team/widget-operator/v3\" // x\n",
        )
        .unwrap();
        std::fs::write(
            root.join("Makefile"),
            "PLATFORMS ?= linux/sparc\nIMG ?= $(shell cat img)\n",
        )
        .unwrap();
        let d = detect(root, &no_env);
        assert_eq!(d.dockerfile, Some(PathBuf::from("manager.Dockerfile")));
        assert_eq!(d.other_dockerfiles, [PathBuf::from("Dockerfile.dev")]);
        assert_eq!(d.image_name.as_deref(), Some("widget-operator"));
        assert_eq!(d.image_tags, None);
        assert_eq!(d.platforms, None);
        assert_eq!(d.notes.len(), 3, "{:?}", d.notes);
    }

    #[test]
    fn the_environment_overrides_the_makefile() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Makefile"), "IMG ?= controller:latest\n").unwrap();
        let env = |n: &str| (n == "IMG").then(|| "ghcr.io/x/op:v9".to_string());
        let d = detect(dir.path(), &env);
        assert_eq!(d.image_name.as_deref(), Some("ghcr.io/x/op"));
        assert!(d.found.iter().any(|(_, v)| v.contains("(environment)")));
        assert!(d.notes.iter().any(|n| n.contains("No Dockerfile")));
    }
}
