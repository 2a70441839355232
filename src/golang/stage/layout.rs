//! Where things are: the directory of the build context inside the stage,
//! the paths other stages copy from it, and the name and place of the
//! binary the host build writes.

use super::{Copied, Detect, Found};
use crate::golang::GoError;
use crate::golang::error::HELP_CONTAINER;
use crate::golang::flags::{BuildArgs, exec_name};
use crate::golang::scope::{Placement, Scope, absolute, under};
use crate::golang::toolchain::GoMod;
use std::path::{Component, Path, PathBuf};

impl Detect<'_> {
    /// Where the build context's root is in the stage, from where its
    /// COPY instructions put context paths.
    pub(super) fn context_root(&self, found: &Found) -> Result<String, GoError> {
        let anchors = found
            .placements
            .iter()
            .filter(|p| p.context.is_empty() || p.context == "go.mod")
            .chain(found.placements.iter());
        let root = anchors.clone().find_map(root_of).ok_or_else(|| {
            match found.placements.first() {
                Some(p) => self.stage_error(
                    &p.span,
                    format!(
                        "this COPY puts {} at {}, so the stage's sources are not laid out as in the build context",
                        show_context(&p.context),
                        p.container
                    ),
                    "moved here",
                    HELP_CONTAINER,
                ),
                None => self.stage_error(
                    &found.span,
                    format!(
                        "stage {} copies nothing from the build context before go build",
                        self.label(found.stage)
                    ),
                    "builds nothing xbuild can find on the host",
                    HELP_CONTAINER,
                ),
            }
        })?;
        for p in &found.placements {
            let expected = absolute(&root, &p.context);
            if p.container != expected && under(&p.container, &root).is_some() {
                return Err(self.stage_error(
                    &p.span,
                    format!(
                        "this COPY puts {} at {}, but the build context's root is at {root} (so it would be at {expected})",
                        show_context(&p.context),
                        p.container
                    ),
                    "laid out differently",
                    HELP_CONTAINER,
                ));
            }
        }
        if let Some(f) = found
            .foreign
            .iter()
            .find(|f| under(&f.container, &root).is_some() || under(&root, &f.container).is_some())
        {
            return Err(self.stage_error(
                &f.span,
                format!(
                    "files from outside the build context land in {}, next to the sources go build reads",
                    f.container
                ),
                "not from the build context",
                HELP_CONTAINER,
            ));
        }
        Ok(root)
    }

    /// Every path the built stages take from stage `x`.
    pub(super) fn copied_from(&self, x: usize) -> Result<Vec<Copied>, GoError> {
        let graph = self.graph;
        let reachable = graph.reachable();
        let mut out = Vec::new();
        for s in graph.stages.iter().filter(|s| reachable[s.index]) {
            if graph.chain(s.index).contains(&x) && s.index != x {
                let from = &self.df.instructions[s.from];
                return Err(self.stage_error(
                    &from.span,
                    format!(
                        "stage {} is built FROM {}, so it needs the whole stage, not only its binary",
                        s.label(),
                        self.label(x)
                    ),
                    "built FROM the Go stage",
                    HELP_CONTAINER,
                ));
            }
            if !s.refs.iter().any(|r| r.stage == x) {
                continue;
            }
            // The consumer's own ARGs expand its COPY sources.
            let mut chain = graph.chain(s.index);
            chain.reverse();
            let mut scope = Scope::new(
                self.platform,
                &graph.global_args,
                self.build_args,
                self.context,
                self.df.escape,
            );
            for &ci in &chain {
                for ii in graph.stages[ci].body.clone() {
                    let ins = &self.df.instructions[ii];
                    let refs_x =
                        ci == s.index && s.refs.iter().any(|r| r.instruction == ii && r.stage == x);
                    if refs_x {
                        if ins.command == "run" {
                            out.push(Copied {
                                path: "a RUN --mount".into(),
                                span: ins.span.clone(),
                                opaque: true,
                            });
                        } else {
                            let words: Vec<String> = ins
                                .args
                                .iter()
                                .map(|a| {
                                    if ins.json {
                                        a.clone()
                                    } else {
                                        scope.expand(a).unwrap_or_else(|_| a.clone())
                                    }
                                })
                                .collect();
                            let span = ins.span.clone();
                            for src in words.split_last().map(|(_, s)| s).unwrap_or_default() {
                                out.push(Copied {
                                    path: absolute("/", src),
                                    span: span.clone(),
                                    opaque: src.contains(['*', '?', '[']),
                                });
                            }
                        }
                    }
                    if ins.command != "run" {
                        let _ = scope.apply(ins);
                    }
                }
            }
        }
        Ok(out)
    }
}

/// The context root implied by one placement: `Q` minus the suffix `P`.
pub(super) fn root_of(p: &Placement) -> Option<String> {
    if p.context.is_empty() {
        return Some(p.container.clone());
    }
    let suffix = format!("/{}", p.context);
    let root = p.container.strip_suffix(&suffix)?;
    Some(if root.is_empty() {
        "/".into()
    } else {
        root.to_string()
    })
}

pub(super) fn show_context(p: &str) -> String {
    if p.is_empty() {
        "the build context".into()
    } else {
        p.to_string()
    }
}

/// The binary name the go command picks when there is no `-o`.
pub(super) fn default_name(args: &BuildArgs, dir: &Path, gomod: Option<&GoMod>) -> String {
    if args.are_files() {
        let first = &args.packages[0];
        let base = first.rsplit('/').next().unwrap_or(first);
        return base.trim_end_matches(".go").to_string();
    }
    let pkg = args.packages.first().map(String::as_str).unwrap_or(".");
    if !pkg.starts_with('.') {
        return exec_name(pkg);
    }
    let pkg_dir = lexical_join(dir, pkg);
    let import = match gomod {
        Some(m) => {
            let root = lexical_join(m.dir(), ".");
            let module = m.module.clone().unwrap_or_default();
            match pkg_dir.strip_prefix(&root) {
                Ok(rel) if rel.as_os_str().is_empty() => module,
                Ok(rel) => format!("{module}/{}", rel.display()),
                Err(_) => pkg_dir.display().to_string(),
            }
        }
        None => pkg_dir.display().to_string(),
    };
    exec_name(&import)
}

/// `dir/rel` made absolute and cleaned without touching the filesystem.
pub(super) fn lexical_join(dir: &Path, rel: &str) -> PathBuf {
    let abs = std::path::absolute(dir.join(rel)).unwrap_or_else(|_| dir.join(rel));
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}
