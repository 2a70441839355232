//! `xbuild init --makefile`: the scaffold's `docker-build`, `docker-push`
//! and `docker-buildx` recipes replaced by one xbuild line each.
//!
//! Only recipe lines change: rule lines (target names, prerequisites, `##`
//! help comments), variables and every other rule stay byte for byte. A
//! recipe is replaced only when every one of its lines is one the kubebuilder
//! scaffold writes (current and older layouts); otherwise the whole file is
//! refused, naming the target and pointing at the first line not recognised,
//! since a hand-edited recipe may do something xbuild would silently drop.

use super::makefile::{Makefile, Rule};
use miette::{Diagnostic, NamedSource, SourceSpan};
use regex::Regex;
use std::sync::LazyLock;
use thiserror::Error;

/// The container tool and image, as the scaffold spells them.
const TOOL: &str = r"(?:\$\(CONTAINER_TOOL\)|\$\{CONTAINER_TOOL\}|docker)";
const IMG: &str = r"(\$\{IMG\}|\$\(IMG\))";
const BASE_IMAGE_ARG: &str = "$(if $(BASE_IMAGE),--build-arg BASE_IMAGE=$(BASE_IMAGE))";

static BUILD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^{TOOL} build( \$\(if \$\(BASE_IMAGE\),--build-arg BASE_IMAGE=\$\(BASE_IMAGE\)\))? -t {IMG} \.$"
    ))
    .unwrap()
});
static PUSH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^{TOOL} push {IMG}$")).unwrap());
/// The lines of the scaffold's docker-buildx recipe; the `buildx build` one
/// (capture 1: the BASE_IMAGE argument, capture 2: IMG) is required.
static BUILDX_BUILD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^{TOOL} buildx build --push --platform=\$\(PLATFORMS\)( \$\(if \$\(BASE_IMAGE\),--build-arg BASE_IMAGE=\$\(BASE_IMAGE\)\))? --tag {IMG} -f Dockerfile\.cross \.$"
    ))
    .unwrap()
});
static BUILDX_OTHER: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"^# copy existing Dockerfile and insert --platform=\$\{BUILDPLATFORM\} into Dockerfile\.cross, and preserve the original Dockerfile$".to_string(),
        r"^sed -e '1 s/\\\(\^FROM\\\)/FROM --platform=\\\$\$\\\{BUILDPLATFORM\\\}/; t' -e ' 1,// s//FROM --platform=\\\$\$\\\{BUILDPLATFORM\\\}/' Dockerfile > Dockerfile\.cross$".to_string(),
        format!(r"^{TOOL} buildx create --name [A-Za-z0-9._-]+$"),
        format!(r"^{TOOL} buildx use [A-Za-z0-9._-]+$"),
        format!(r"^{TOOL} buildx rm [A-Za-z0-9._-]+$"),
        r"^rm Dockerfile\.cross$".to_string(),
    ]
    .iter()
    .map(|r| Regex::new(r).unwrap())
    .collect()
});

/// The targets rewritten, in file order.
pub const TARGETS: [&str; 3] = ["docker-build", "docker-push", "docker-buildx"];

/// Why the Makefile was not rewritten.
#[derive(Debug, Error, Diagnostic)]
pub enum RewriteError {
    #[error(
        "the recipe of {target} is not the kubebuilder scaffold's, so the Makefile was left as it was"
    )]
    #[diagnostic(
        code(xbuild::init::makefile_recipe),
        help(
            "xbuild init --makefile only replaces recipes it recognises; change this one by hand to call `xbuild {target} ...` (see xbuild {target} --help), or restore the scaffold's recipe"
        )
    )]
    Unrecognised {
        target: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("not a line of the scaffold's {target} recipe")]
        span: SourceSpan,
    },

    #[error("the Makefile has no docker-build, docker-push or docker-buildx target")]
    #[diagnostic(
        code(xbuild::init::makefile_targets),
        help("xbuild init --makefile rewrites the image targets of a kubebuilder Makefile")
    )]
    NoTargets,
}

/// One replaced recipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub target: &'static str,
    /// First and last replaced line (1-based, inclusive).
    pub lines: (usize, usize),
    /// The rule line's number, shown as context in the diff.
    pub rule_line: usize,
    pub old: Vec<String>,
    pub new: String,
}

/// The rewritten Makefile.
#[derive(Debug, Clone)]
pub struct Rewrite {
    pub text: String,
    pub changes: Vec<Change>,
    /// Targets whose recipe already calls xbuild.
    pub unchanged: Vec<&'static str>,
}

/// Rewrites `text` (the Makefile shown as `name`).
pub fn rewrite(name: &str, text: &str) -> Result<Rewrite, RewriteError> {
    let mk = Makefile::parse(text);
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut changes = Vec::new();
    let mut unchanged = Vec::new();
    let mut found = false;
    for target in TARGETS {
        for rule in mk.rules_of(target) {
            found = true;
            if rule.recipe.is_empty() {
                continue;
            }
            if rule
                .recipe
                .iter()
                .any(|(_, _, l)| command(l).starts_with("xbuild "))
            {
                unchanged.push(target);
                continue;
            }
            let new = replacement(target, rule).map_err(|line| RewriteError::Unrecognised {
                target: target.to_string(),
                src: NamedSource::new(name, text.to_string()),
                span: line_span(&lines, line),
            })?;
            let first = rule.recipe[0].0;
            let last = rule.recipe.last().expect("a recipe line").1;
            changes.push(Change {
                target,
                lines: (first, last),
                rule_line: rule.line,
                old: lines[first - 1..last]
                    .iter()
                    .map(|l| l.trim_end_matches(['\n', '\r']).to_string())
                    .collect(),
                new,
            });
        }
    }
    if !found {
        return Err(RewriteError::NoTargets);
    }
    changes.sort_by_key(|c| c.lines.0);
    let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut out = String::new();
    let mut next = 1;
    for c in &changes {
        out.extend(lines[next - 1..c.lines.0 - 1].iter().copied());
        out.push_str(&c.new);
        let last = lines[c.lines.1 - 1];
        if last.ends_with('\n') {
            out.push_str(nl);
        }
        next = c.lines.1 + 1;
    }
    out.extend(lines[(next - 1).min(lines.len())..].iter().copied());
    Ok(Rewrite {
        text: out,
        changes,
        unchanged,
    })
}

/// The new recipe line for `target`, or the number of the first line that
/// is not the scaffold's.
fn replacement(target: &str, rule: &Rule) -> Result<String, usize> {
    let mut img = None;
    let mut base_image = false;
    for (line, _, text) in &rule.recipe {
        let cmd = command(text);
        let matched = match target {
            "docker-build" => BUILD.captures(cmd).map(|c| {
                base_image = c.get(1).is_some();
                img = Some(c[2].to_string());
            }),
            "docker-push" => PUSH.captures(cmd).map(|c| img = Some(c[1].to_string())),
            _ => match BUILDX_BUILD.captures(cmd) {
                Some(c) => {
                    base_image = c.get(1).is_some();
                    img = Some(c[2].to_string());
                    Some(())
                }
                None => BUILDX_OTHER.iter().any(|r| r.is_match(cmd)).then_some(()),
            },
        };
        if matched.is_none() {
            return Err(*line);
        }
    }
    let Some(img) = img else {
        return Err(rule.recipe[0].0);
    };
    // The Makefile passes BASE_IMAGE only when it is set; so does the new line.
    let base = if base_image {
        format!(" {BASE_IMAGE_ARG}")
    } else {
        String::new()
    };
    Ok(match target {
        "docker-build" => format!("\txbuild docker-build{base} --tag {img}"),
        "docker-push" => format!("\txbuild docker-push --tag {img}"),
        _ => format!("\txbuild docker-buildx --push --platform=$(PLATFORMS){base} --tag {img}"),
    })
}

/// A recipe line's command: without make's `-`, `@` and `+` prefixes.
fn command(line: &str) -> &str {
    line.trim().trim_start_matches(['-', '@', '+', ' ']).trim()
}

fn line_span(lines: &[&str], line: usize) -> SourceSpan {
    let start: usize = lines[..line - 1].iter().map(|l| l.len()).sum();
    let len = lines[line - 1].trim_end_matches(['\n', '\r']).len();
    (start, len).into()
}

impl Rewrite {
    /// The change as a unified diff of `name`.
    pub fn diff(&self, name: &str) -> String {
        let mut out = format!("--- a/{name}\n+++ b/{name}\n");
        let mut shift: isize = 0;
        for c in &self.changes {
            // The rule line is the context when it comes right before.
            let context = c.rule_line + 1 == c.lines.0;
            let start = if context { c.lines.0 - 1 } else { c.lines.0 };
            let old_len = c.old.len() + usize::from(context);
            let new_len = 1 + usize::from(context);
            let new_start = (start as isize + shift) as usize;
            out.push_str(&format!(
                "@@ -{start},{old_len} +{new_start},{new_len} @@ {}\n",
                c.target
            ));
            if context {
                let rule = self
                    .text
                    .split_inclusive('\n')
                    .nth(new_start - 1)
                    .unwrap_or("")
                    .trim_end_matches(['\n', '\r']);
                out.push_str(&format!(" {rule}\n"));
            }
            for l in &c.old {
                out.push_str(&format!("-{l}\n"));
            }
            out.push_str(&format!("+{}\n", c.new));
            shift += 1 - c.old.len() as isize;
        }
        out
    }
}

#[cfg(test)]
mod tests;
