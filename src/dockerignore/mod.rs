//! The build context as BuildKit sends it: `.dockerignore` read and matched
//! as moby/patternmatcher and fsutil's walker do (patterns in order, the last
//! match wins, `!` re-includes, a match on a parent directory counts, the
//! parent directories of an included file are sent too), and, for podman, an
//! ignore file that makes buildah select exactly that set. Buildah's own
//! matcher differs (it does not re-include `!**/*.go` under `**`, the
//! kubebuilder scaffold's allow-list), so the file xbuild writes for it names
//! every excluded path literally and uses no `!` at all.

mod pattern;

pub use pattern::Pattern;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The ignore file BuildKit uses: `<Dockerfile>.dockerignore` next to a
/// Dockerfile given by path when it exists, else `.dockerignore` in the
/// context. A Dockerfile on stdin (`-f -`, `dockerfile` = `None`) has no
/// name, so only the context's counts (checked with buildx 0.13).
pub fn ignore_file(dockerfile: Option<&Path>, context: &Path) -> Option<PathBuf> {
    if let Some(name) = dockerfile.and_then(|d| d.file_name()?.to_str()) {
        let beside = dockerfile?.with_file_name(format!("{name}.dockerignore"));
        if beside.is_file() {
            return Some(beside);
        }
    }
    let in_context = context.join(".dockerignore");
    in_context.is_file().then_some(in_context)
}

/// Reads a `.dockerignore` as BuildKit's `ignorefile.ReadAll` does: a BOM
/// dropped, lines starting with `#` skipped, the rest trimmed; `None` for
/// a pattern BuildKit rejects (its text is returned).
pub fn parse(text: &str) -> Result<Vec<Pattern>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        out.push(Pattern::new(line).ok_or_else(|| line.to_string())?);
    }
    Ok(out)
}

/// The paths (slash-separated, relative to the context) BuildKit sends:
/// files, symlinks and directories, each directory of an included path
/// included too.
pub fn included(context: &Path, patterns: &[Pattern]) -> std::io::Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    walk(
        context,
        "",
        &vec![false; patterns.len()],
        patterns,
        &mut out,
    )?;
    Ok(out)
}

/// fsutil's walk with `MatchesUsingParentResults`: a pattern a parent
/// matched matches its children; the others are tried on the child, an
/// include only while the path is not excluded and an exclusion only while
/// it is.
fn walk(
    root: &Path,
    rel: &str,
    parent: &[bool],
    patterns: &[Pattern],
    out: &mut BTreeSet<String>,
) -> std::io::Result<()> {
    let dir = if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    };
    let mut entries: Vec<_> = std::fs::read_dir(&dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        let path = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        let mut matched_here = vec![false; patterns.len()];
        let mut excluded = false;
        for (i, p) in patterns.iter().enumerate() {
            let m = parent[i] || (p.exclusion == excluded && p.matches(&path));
            matched_here[i] = m;
            if m {
                excluded = !p.exclusion;
            }
        }
        let is_dir = entry.file_type()?.is_dir();
        if !excluded {
            add_with_parents(&path, out);
        }
        if is_dir {
            walk(root, &path, &matched_here, patterns, out)?;
        }
    }
    Ok(())
}

fn add_with_parents(path: &str, out: &mut BTreeSet<String>) {
    let mut p = path;
    while out.insert(p.to_string()) {
        match p.rsplit_once('/') {
            Some((parent, _)) => p = parent,
            None => break,
        }
    }
}

/// Every path under the context (the universe `included` selects from).
pub fn all(context: &Path) -> std::io::Result<BTreeSet<String>> {
    included(context, &[])
}

/// An ignore file for buildah that excludes exactly `all - included`:
/// each excluded path written literally (metacharacters escaped), a
/// directory with nothing included under it as one line.
pub fn literal_ignore_file(all: &BTreeSet<String>, included: &BTreeSet<String>) -> String {
    let mut out = String::from(
        "# written by xbuild: the paths BuildKit's .dockerignore matching leaves out\n",
    );
    let mut skipped_dir: Option<String> = None;
    for path in all.difference(included) {
        if let Some(d) = &skipped_dir
            && path.starts_with(&format!("{d}/"))
        {
            continue;
        }
        // Every path under an excluded directory is excluded too (an
        // included one would have included the directory).
        skipped_dir = Some(path.clone());
        out.push_str(&escape(path));
        out.push('\n');
    }
    out
}

/// A path as a pattern matching only itself.
fn escape(path: &str) -> String {
    let mut s = String::new();
    for (i, c) in path.chars().enumerate() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') || (i == 0 && matches!(c, '!' | '#')) {
            s.push('\\');
        }
        s.push(c);
    }
    s
}

#[cfg(test)]
mod tests;
