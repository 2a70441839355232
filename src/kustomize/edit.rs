//! The line edit of a kustomization's `images` list, and the checks around
//! it. The text is read as lines: the top-level `images:` key at column 0,
//! its block sequence below it, each item's keys at the item's key column.
//! What that cannot express (flow style, anchors) is refused before the build
//! or caught by the comparison of the parsed result with [`expected`].

use super::KustomizeError;
use miette::NamedSource;
use regex::Regex;
use std::sync::LazyLock;
use yaml_rust2::Yaml;

static KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Za-z][A-Za-z0-9_]*):(?:[ \t]+|$)").unwrap());
static PLAIN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9][A-Za-z0-9._/:@-]*$").unwrap());

/// Refuses a document whose image cannot be set by a line edit, pointing at
/// the reason.
pub(super) fn check_shape(display: &str, text: &str, doc: &Yaml) -> Result<(), KustomizeError> {
    let shape = |at: usize, message: &str, help: &str| KustomizeError::Shape {
        message: message.to_string(),
        help: help.to_string(),
        src: NamedSource::new(display, text.to_string()),
        span: (at, 0).into(),
    };
    let Yaml::Hash(map) = doc else {
        return Err(shape(
            0,
            "the kustomization is not a mapping",
            "a kustomization is a YAML mapping with keys such as resources: and images:",
        ));
    };
    let Some(images) = map.get(&Yaml::String("images".into())) else {
        return Ok(());
    };
    let lines = Lines::new(text);
    let Some(at) = lines.images_line() else {
        return Err(shape(
            0,
            "its images: key is not a plain key at the start of a line",
            "write `images:` at column 0, as kustomize edit does",
        ));
    };
    let offset = lines.offsets[at];
    let items = match images {
        Yaml::Array(items) => items.as_slice(),
        Yaml::Null => &[],
        _ => {
            return Err(shape(
                offset,
                "images is not a list",
                "images is a list of entries with name, newName, newTag or digest",
            ));
        }
    };
    let after = value_part(&lines.lines[at]["images:".len()..]);
    if !after.is_empty() && after != "[]" {
        return Err(shape(
            offset,
            "its images are written in flow style",
            "write images as a block list, one `- name: ...` item per image, as kustomize edit does",
        ));
    }
    for item in items {
        let ok = matches!(item, Yaml::Hash(h) if matches!(h.get(&Yaml::String("name".into())), Some(Yaml::String(_))));
        if !ok {
            return Err(shape(
                offset,
                "an entry of images has no name",
                "each entry of images is a mapping with a name: (the image name in the manifests)",
            ));
        }
    }
    Ok(())
}

/// The text with image `name` set to `repo` at `digest` (its newTag
/// dropped), everything else unchanged.
pub(super) fn set_image(text: &str, name: &str, repo: &str, digest: &str) -> String {
    let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut lines = Lines::new(text);
    let Some(images) = lines
        .images_line()
        .filter(|&i| value_part(&lines.lines[i]["images:".len()..]).is_empty())
    else {
        // No block list: a new one at the end (or in place of `images: []`).
        if let Some(i) = lines.images_line() {
            lines.lines.remove(i);
            lines.lines.insert(i, format!("images:{nl}"));
            let entry = new_entry("", name, repo, digest, nl);
            lines.insert_after(i, entry, nl);
            return lines.lines.concat();
        }
        let mut out = text.to_string();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str(nl);
        }
        out.push_str(&format!("images:{nl}"));
        out.push_str(&new_entry("", name, repo, digest, nl).concat());
        return out;
    };
    let (end, last) = lines.region(images);
    let items = lines.items(images + 1, end);
    let item_indent = items
        .first()
        .map_or(String::new(), |&i| " ".repeat(indent(&lines.lines[i])));
    let found = items.iter().enumerate().find_map(|(n, &start)| {
        let stop = items.get(n + 1).copied().unwrap_or(last + 1);
        let col = lines.key_column(start, stop);
        let at = lines.find_key(start, stop, col, "name")?;
        (scalar(&lines.key_value(at, col)?.1) == name).then_some((start, stop, col))
    });
    let Some((start, mut stop, col)) = found else {
        let entry = new_entry(&item_indent, name, repo, digest, nl);
        lines.insert_after(last, entry, nl);
        return lines.lines.concat();
    };
    let pad = " ".repeat(col);
    for (key, value) in [("newName", repo), ("digest", digest)] {
        if let Some(at) = lines.find_key(start, stop, col, key) {
            lines.replace_value(at, col, &yaml_scalar(value));
        }
    }
    if let Some(at) = lines.find_key(start, stop, col, "newTag") {
        lines.lines.remove(at);
        stop -= 1;
    }
    for (key, value, after) in [("newName", repo, "name"), ("digest", digest, "newName")] {
        if lines.find_key(start, stop, col, key).is_none() {
            let anchor = lines.find_key(start, stop, col, after).unwrap_or(start);
            let line = format!("{pad}{key}: {}{nl}", yaml_scalar(value));
            lines.insert_after(anchor, vec![line], nl);
            stop += 1;
        }
    }
    lines.lines.concat()
}

/// `doc` with image `name` set as [`set_image`] sets it.
pub(super) fn expected(doc: &Yaml, name: &str, repo: &str, digest: &str) -> Yaml {
    let s = |v: &str| Yaml::String(v.to_string());
    let mut doc = doc.clone();
    let Yaml::Hash(map) = &mut doc else {
        return doc;
    };
    let images = map.entry(s("images")).or_insert(Yaml::Null);
    if !matches!(images, Yaml::Array(_)) {
        *images = Yaml::Array(Vec::new());
    }
    let Yaml::Array(items) = images else {
        unreachable!("made an array above")
    };
    let existing = items.iter_mut().find(|i| match i {
        Yaml::Hash(h) => h.get(&s("name")) == Some(&s(name)),
        _ => false,
    });
    let entry = match existing {
        Some(Yaml::Hash(h)) => h,
        _ => {
            let mut h = yaml_rust2::yaml::Hash::new();
            h.insert(s("name"), s(name));
            items.push(Yaml::Hash(h));
            match items.last_mut() {
                Some(Yaml::Hash(h)) => h,
                _ => unreachable!("pushed a mapping"),
            }
        }
    };
    entry.remove(&s("newTag"));
    entry.insert(s("newName"), s(repo));
    entry.insert(s("digest"), s(digest));
    doc
}

/// Equal as YAML values, whatever the order of mapping keys.
pub(super) fn same(a: &Yaml, b: &Yaml) -> bool {
    match (a, b) {
        (Yaml::Hash(x), Yaml::Hash(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        (Yaml::Array(x), Yaml::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w))
        }
        _ => a == b,
    }
}

/// The lines of an image entry, as kustomize edit writes a new one.
fn new_entry(indent: &str, name: &str, repo: &str, digest: &str, nl: &str) -> Vec<String> {
    vec![
        format!("{indent}- name: {}{nl}", yaml_scalar(name)),
        format!("{indent}  newName: {}{nl}", yaml_scalar(repo)),
        format!("{indent}  digest: {}{nl}", yaml_scalar(digest)),
    ]
}

/// A value as a YAML scalar: plain when that reads back as the same string.
fn yaml_scalar(v: &str) -> String {
    if PLAIN.is_match(v) && !matches!(v, "true" | "false" | "null" | "yes" | "no" | "on" | "off") {
        v.to_string()
    } else {
        serde_json::to_string(v).expect("a string serialises")
    }
}

/// The text after a key's colon, without a trailing comment.
fn value_part(rest: &str) -> &str {
    let rest = rest.trim_end_matches(['\n', '\r']);
    let cut = rest
        .char_indices()
        .find(|&(i, c)| c == '#' && (i == 0 || rest[..i].ends_with([' ', '\t'])))
        .map_or(rest.len(), |(i, _)| i);
    rest[..cut].trim()
}

/// A scalar's string value: unquoted.
fn scalar(v: &str) -> String {
    let v = v.trim();
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return v[1..v.len() - 1].to_string();
        }
    }
    v.to_string()
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// Blank, or only a comment.
fn is_filler(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// The file as lines (each with its line ending) and their byte offsets.
struct Lines {
    lines: Vec<String>,
    offsets: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Lines {
        let mut offsets = Vec::new();
        let mut lines = Vec::new();
        let mut at = 0;
        for l in text.split_inclusive('\n') {
            offsets.push(at);
            at += l.len();
            lines.push(l.to_string());
        }
        Lines { lines, offsets }
    }

    /// The top-level `images:` line.
    fn images_line(&self) -> Option<usize> {
        self.lines.iter().position(|l| {
            l.strip_prefix("images:")
                .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t', '\r', '\n']))
        })
    }

    /// The end (exclusive) of the block under line `key` and its last line
    /// with content (`key` itself when it has none).
    fn region(&self, key: usize) -> (usize, usize) {
        let mut last = key;
        for i in key + 1..self.lines.len() {
            let l = &self.lines[i];
            if is_filler(l) {
                continue;
            }
            if indent(l) == 0 && !l.starts_with('-') {
                return (i, last);
            }
            last = i;
        }
        (self.lines.len(), last)
    }

    /// The first lines of the sequence items in `from..to`.
    fn items(&self, from: usize, to: usize) -> Vec<usize> {
        let is_dash = |l: &str| {
            let t = l.trim_start_matches(' ');
            t.starts_with("- ") || t.trim_end() == "-"
        };
        let Some(first) = (from..to).find(|&i| is_dash(&self.lines[i])) else {
            return Vec::new();
        };
        let col = indent(&self.lines[first]);
        (first..to)
            .filter(|&i| is_dash(&self.lines[i]) && indent(&self.lines[i]) == col)
            .collect()
    }

    /// The column of an item's keys: after `- ` on its first line, else the
    /// indentation of its next line with content.
    fn key_column(&self, start: usize, stop: usize) -> usize {
        let l = &self.lines[start];
        let dash = indent(l);
        let after = &l[dash + 1..];
        if !after.trim().is_empty() {
            return dash + 1 + indent(after);
        }
        (start + 1..stop)
            .find(|&i| !is_filler(&self.lines[i]))
            .map_or(dash + 2, |i| indent(&self.lines[i]))
    }

    /// The text of line `i` from column `col`, when a key starts there.
    fn at_column(&self, i: usize, col: usize) -> Option<&str> {
        let l = &self.lines[i];
        let text = l.get(col..)?;
        let before = &l[..col];
        let prefix_ok = before.trim_start_matches(' ').is_empty()
            || before.trim_start_matches(' ').trim_end() == "-";
        (prefix_ok && !text.starts_with([' ', '#'])).then_some(text)
    }

    fn key_value(&self, i: usize, col: usize) -> Option<(String, String)> {
        let text = self.at_column(i, col)?;
        let c = KEY.captures(text)?;
        let value = value_part(&text[c.get(0)?.end()..]).to_string();
        Some((c[1].to_string(), value))
    }

    fn find_key(&self, start: usize, stop: usize, col: usize, key: &str) -> Option<usize> {
        (start..stop).find(|&i| self.key_value(i, col).is_some_and(|(k, _)| k == key))
    }

    /// Replaces the value of the key on line `i`, keeping its comment.
    fn replace_value(&mut self, i: usize, col: usize, value: &str) {
        let l = &self.lines[i];
        let Some(m) = l.get(col..).and_then(|t| KEY.find(t)) else {
            return;
        };
        let value_at = col + m.end();
        let eol_at = l.trim_end_matches(['\n', '\r']).len();
        let old = &l[value_at..eol_at];
        let kept = &old[value_part(old).len() + (old.len() - old.trim_start().len())..];
        let sep = if m.as_str().ends_with(':') { " " } else { "" };
        self.lines[i] = format!("{}{sep}{value}{kept}{}", &l[..value_at], &l[eol_at..]);
    }

    /// Inserts `new` after line `at`, giving that line an ending first.
    fn insert_after(&mut self, at: usize, new: Vec<String>, nl: &str) {
        if !self.lines[at].ends_with('\n') {
            self.lines[at].push_str(nl);
        }
        for (n, line) in new.into_iter().enumerate() {
            self.lines.insert(at + 1 + n, line);
        }
    }
}
