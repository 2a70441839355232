//! A stage chain's state, instruction by instruction, as BuildKit evaluates
//! it for one target platform: ARG and ENV values, the WORKDIR, and where
//! the COPY/ADD instructions put files of the build context.
//!
//! ARG and ENV values are the one evaluator's, [`Vars`] (a stage built FROM
//! another inherits its ARGs, ENV and WORKDIR); this module adds the
//! WORKDIR and the files. WORKDIR, ENV, ARG, COPY and ADD arguments expand
//! `$VAR`/`${VAR:-x}`.

use crate::dockerfile::vars::Vars;
use crate::dockerfile::{Instruction, Span};
use crate::platform::Platform;
use std::collections::BTreeMap;
use std::path::Path;

/// Where a COPY/ADD (or a bind mount) puts a path of the build context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The path in the build context, normalised: no `./`, no trailing `/`,
    /// `""` for the context root.
    pub context: String,
    /// Where it lands in the stage: an absolute, clean path.
    pub container: String,
    /// The instruction (or its flag) in the Dockerfile.
    pub span: Span,
}

/// Files that come from somewhere else than the build context
/// (`COPY --from`, `ADD URL`, `RUN --mount from=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Foreign {
    /// Where they land (absolute, clean).
    pub container: String,
    pub span: Span,
}

/// The values a stage chain has reached.
#[derive(Debug, Clone)]
pub struct Scope<'a> {
    /// ARG and ENV values (expanded with the file's escape character).
    vars: Vars<'a>,
    /// The host directory of the build context (tells files from directories).
    context: &'a Path,
    pub workdir: String,
    pub placements: Vec<Placement>,
    pub foreign: Vec<Foreign>,
    /// Directories known to exist in the stage (WORKDIRs, copied
    /// directories and their parents): a file copied to one lands inside.
    dirs: Vec<String>,
}

impl<'a> Scope<'a> {
    pub fn new(
        target: &'a Platform,
        globals: &'a BTreeMap<String, Option<String>>,
        build_args: &'a [(String, String)],
        context: &'a Path,
        escape: char,
    ) -> Scope<'a> {
        Scope {
            vars: Vars::with_globals(escape, target, globals.clone(), build_args),
            context,
            workdir: "/".to_string(),
            placements: Vec::new(),
            foreign: Vec::new(),
            dirs: vec!["/".to_string()],
        }
    }

    /// A variable as a RUN command of the stage sees it.
    pub fn get(&self, name: &str) -> Option<String> {
        self.vars.get(name)
    }

    /// Every variable a RUN command gets in its environment.
    pub fn environment(&self) -> BTreeMap<String, String> {
        self.vars.environment()
    }

    /// Expands a word with the stage's variables.
    pub fn expand(&self, word: &str) -> Result<String, String> {
        self.vars.expand(word)
    }

    /// Resolves `path` against the WORKDIR.
    pub fn absolute(&self, path: &str) -> String {
        absolute(&self.workdir, path)
    }

    /// Applies ARG, ENV, WORKDIR, COPY and ADD; other instructions change
    /// nothing this module follows. Errors are expansion errors.
    pub fn apply(&mut self, ins: &Instruction) -> Result<(), String> {
        match ins.command.as_str() {
            "arg" | "env" => self.vars.apply(ins)?,
            "workdir" => {
                if let Some(dir) = ins.args.first() {
                    let dir = self.expand(dir)?;
                    self.workdir = self.absolute(&dir);
                    self.known_dir(&self.workdir.clone());
                }
            }
            "copy" | "add" => self.copy(ins)?,
            _ => {}
        }
        Ok(())
    }

    fn copy(&mut self, ins: &Instruction) -> Result<(), String> {
        let mut words = Vec::new();
        for a in &ins.args {
            words.push(if ins.json { a.clone() } else { self.expand(a)? });
        }
        let Some((dest, sources)) = words.split_last() else {
            return Ok(());
        };
        let dest_abs = self.absolute(dest);
        let elsewhere = ins
            .flags
            .iter()
            .any(|f| f.name == "from" || f.name == "parents");
        if elsewhere {
            self.foreign.push(Foreign {
                container: dest_abs,
                span: ins.span.clone(),
            });
            return Ok(());
        }
        let dest_is_dir = dest.ends_with('/')
            || dest.ends_with("/.")
            || dest == "."
            || dest == ".."
            || sources.len() > 1
            || self.dirs.contains(&dest_abs);
        let heredocs: Vec<&str> = ins.heredocs.iter().map(|h| h.name.as_str()).collect();
        for src in sources {
            if src.starts_with("<<") && heredocs.iter().any(|h| src.ends_with(h)) {
                continue;
            }
            if ins.command == "add" && (src.contains("://") || src.starts_with("git@")) {
                self.foreign.push(Foreign {
                    container: dest_abs.clone(),
                    span: ins.span.clone(),
                });
                continue;
            }
            let rel = normalize_context(src);
            let wildcard = rel.contains(['*', '?', '[']);
            let placement = if wildcard {
                // The matches land flat in the destination directory.
                let parent = rel.rsplit_once('/').map_or("", |(p, _)| p).to_string();
                if parent.contains(['*', '?', '[']) {
                    self.foreign.push(Foreign {
                        container: dest_abs.clone(),
                        span: ins.span.clone(),
                    });
                    continue;
                }
                (parent, dest_abs.clone())
            } else if self.is_dir(&rel, src) {
                (rel, dest_abs.clone())
            } else if dest_is_dir {
                let base = rel.rsplit('/').next().unwrap_or(&rel).to_string();
                let to = absolute(&dest_abs, &base);
                (rel, to)
            } else {
                (rel, dest_abs.clone())
            };
            if wildcard || self.is_dir(&placement.0, src) {
                self.known_dir(&placement.1);
            } else if let Some((parent, _)) = placement.1.rsplit_once('/') {
                self.known_dir(if parent.is_empty() { "/" } else { parent });
            }
            self.placements.push(Placement {
                context: placement.0,
                container: placement.1,
                span: ins.span.clone(),
            });
        }
        Ok(())
    }

    /// Records `dir` and its parents as existing directories.
    fn known_dir(&mut self, dir: &str) {
        let mut d = dir.to_string();
        while !self.dirs.contains(&d) {
            self.dirs.push(d.clone());
            match d.rsplit_once('/') {
                Some(("", _)) | None => break,
                Some((p, _)) => d = p.to_string(),
            }
        }
    }

    /// A bind mount of the build context on a RUN (`--mount=type=bind,...`
    /// without `from`; `type` defaults to bind).
    pub fn mount(&mut self, value: &str, span: Span) {
        let mut kind = "bind".to_string();
        let mut source = String::new();
        let mut target = None;
        let mut from = false;
        for kv in value.split(',') {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            match k.trim().to_ascii_lowercase().as_str() {
                "type" => kind = v.trim().to_string(),
                "source" | "src" => source = v.trim().to_string(),
                "target" | "dst" | "destination" => target = Some(v.trim().to_string()),
                "from" => from = true,
                _ => {}
            }
        }
        let Some(target) = target else { return };
        if kind != "bind" {
            return;
        }
        let container = self.absolute(&target);
        if from {
            self.foreign.push(Foreign { container, span });
        } else {
            self.placements.push(Placement {
                context: normalize_context(&source),
                container,
                span,
            });
        }
    }

    fn is_dir(&self, rel: &str, raw: &str) -> bool {
        let p = self.context.join(rel);
        if p.exists() {
            return p.is_dir();
        }
        rel.is_empty() || raw.ends_with('/') || raw.ends_with("/.")
    }
}

/// A context path as COPY reads it: `./a/b/`, `/a/b` and `a/b` are `a/b`;
/// `.` and `/` are the root, `""`.
pub fn normalize_context(src: &str) -> String {
    clean(&format!("/{src}"))
        .trim_start_matches('/')
        .to_string()
}

/// `path` resolved against the absolute directory `dir`, cleaned.
pub fn absolute(dir: &str, path: &str) -> String {
    if path.starts_with('/') {
        clean(path)
    } else {
        clean(&format!("{dir}/{path}"))
    }
}

/// Cleans an absolute POSIX path: no `.`, no `..`, no double or trailing
/// slashes (`/` stays `/`).
pub fn clean(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// `path` relative to `base` when it is `base` or under it (`""` for
/// `base` itself); both absolute and clean.
pub fn under(path: &str, base: &str) -> Option<String> {
    if path == base {
        return Some(String::new());
    }
    let prefix = if base == "/" {
        "/".to_string()
    } else {
        format!("{base}/")
    };
    path.strip_prefix(&prefix).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::parse;

    fn scope_after(src: &str, build_args: &[(String, String)]) -> (Scope<'static>, String) {
        let df = parse("Dockerfile", src).unwrap();
        let target: &'static Platform = Box::leak(Box::new("linux/arm/v7".parse().unwrap()));
        let globals: &'static BTreeMap<String, Option<String>> = Box::leak(Box::new(
            [("VERSION".to_string(), Some("0.1".to_string()))].into(),
        ));
        let args: &'static [(String, String)] = Box::leak(build_args.to_vec().into_boxed_slice());
        let mut s = Scope::new(target, globals, args, Path::new("/nonexistent"), df.escape);
        for ins in &df.instructions[1..] {
            s.apply(ins).unwrap();
        }
        let w = s.workdir.clone();
        (s, w)
    }

    #[test]
    fn args_envs_and_workdir() {
        let (s, w) = scope_after(
            "FROM x\nARG TARGETOS TARGETARCH TARGETVARIANT\nARG VERSION\nARG GIT=abc\nENV CGO_ENABLED=0 OUT=/out/${TARGETARCH}\nWORKDIR /workspace\nWORKDIR sub/../cmd\n",
            &[("GIT".to_string(), "def".to_string())],
        );
        assert_eq!(w, "/workspace/cmd");
        assert_eq!(s.get("TARGETARCH").as_deref(), Some("arm"));
        assert_eq!(s.get("TARGETVARIANT").as_deref(), Some("v7"));
        assert_eq!(s.get("VERSION").as_deref(), Some("0.1"));
        assert_eq!(s.get("GIT").as_deref(), Some("def"));
        assert_eq!(s.get("OUT").as_deref(), Some("/out/arm"));
        assert_eq!(s.get("TARGETPLATFORM"), None);
        assert_eq!(s.environment()["CGO_ENABLED"], "0");
    }

    #[test]
    fn instructions_expand_with_the_files_escape_character() {
        // With `# escape=\``, a backslash is a plain character in ENV.
        let (s, _) = scope_after("# escape=`\nFROM x\nENV P=a\\b\n", &[]);
        assert_eq!(s.get("P").as_deref(), Some("a\\b"));
        let (s, _) = scope_after("FROM x\nENV P=a\\b\n", &[]);
        assert_eq!(s.get("P").as_deref(), Some("ab"));
    }

    #[test]
    fn copies_map_context_paths() {
        let (s, _) = scope_after(
            "FROM x\nWORKDIR /workspace\nCOPY go.mod go.sum ./\nCOPY cmd/main.go cmd/main.go\nCOPY api/ api/\nCOPY . .\nCOPY *.go ./\nCOPY --from=tools /bin/t /usr/bin/\nADD https://x/y.tgz /tmp/\n",
            &[],
        );
        let pairs: Vec<(&str, &str)> = s
            .placements
            .iter()
            .map(|p| (p.context.as_str(), p.container.as_str()))
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("go.mod", "/workspace/go.mod"),
                ("go.sum", "/workspace/go.sum"),
                ("cmd/main.go", "/workspace/cmd/main.go"),
                ("api", "/workspace/api"),
                ("", "/workspace"),
                ("", "/workspace"),
            ]
        );
        let foreign: Vec<&str> = s.foreign.iter().map(|f| f.container.as_str()).collect();
        assert_eq!(foreign, vec!["/usr/bin", "/tmp"]);
    }

    #[test]
    fn paths() {
        assert_eq!(clean("/a//b/./c/../d/"), "/a/b/d");
        assert_eq!(clean("/.."), "/");
        assert_eq!(absolute("/w", "m"), "/w/m");
        assert_eq!(absolute("/w", "/m"), "/m");
        assert_eq!(normalize_context("./api/"), "api");
        assert_eq!(normalize_context("."), "");
        assert_eq!(under("/w/cmd", "/w").as_deref(), Some("cmd"));
        assert_eq!(under("/w", "/w").as_deref(), Some(""));
        assert_eq!(under("/wx", "/w"), None);
        assert_eq!(under("/a", "/").as_deref(), Some("a"));
    }
}
