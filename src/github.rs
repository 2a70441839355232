//! Running inside GitHub Actions (`GITHUB_ACTIONS=true`): results go where
//! the workflow can use them — `name=value` lines appended to
//! `$GITHUB_OUTPUT` (step outputs), a Markdown table appended to
//! `$GITHUB_STEP_SUMMARY`, and errors as `::error` workflow commands so they
//! show as annotations. Outside Actions nothing here does anything.
//!
//! The two files belong to the runner and are appended to, never rewritten:
//! other steps' lines are in them.

use std::io::Write;
use std::path::PathBuf;

/// Is xbuild running as a GitHub Actions step?
pub fn active() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

fn file(var: &str) -> Option<PathBuf> {
    if !active() {
        return None;
    }
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Appends `text` to the runner's file; a failure is reported as a warning
/// (the build itself succeeded).
fn append(var: &str, text: &str) {
    let Some(path) = file(var) else { return };
    let result = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()));
    if let Err(e) = result {
        eprintln!(
            "::warning title=xbuild::{}",
            data(&format!(
                "cannot append to ${var} ({}): {e}",
                path.display()
            ))
        );
    }
}

/// The step outputs, in `$GITHUB_OUTPUT`'s format (values with a newline
/// use the delimiter form).
pub fn render_outputs(outputs: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (k, v) in outputs {
        if v.contains('\n') {
            out.push_str(&format!("{k}<<XBUILD_EOF\n{v}\nXBUILD_EOF\n"));
        } else {
            out.push_str(&format!("{k}={v}\n"));
        }
    }
    out
}

/// Sets step outputs (`steps.ID.outputs.NAME`).
pub fn set_outputs(outputs: &[(&str, String)]) {
    append("GITHUB_OUTPUT", &render_outputs(outputs));
}

/// Adds Markdown to the job's summary page.
pub fn step_summary(markdown: &str) {
    append("GITHUB_STEP_SUMMARY", markdown);
}

/// Shows an error as an annotation (on stderr, which the runner reads too,
/// so a `--format json` stdout stays one JSON document).
pub fn error(title: &str, message: &str) {
    if active() {
        eprintln!("::error title={}::{}", property(title), data(message));
    }
}

/// A Markdown table.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let cell = |s: &str| s.replace('|', "\\|");
    let mut out = format!("| {} |\n", header.join(" | "));
    out.push_str(&format!("|{}\n", "---|".repeat(header.len())));
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| cell(c)).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out
}

/// Escapes a workflow command's message.
pub fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(
            render_outputs(&[("digest", "sha256:a".into()), ("refs", "a\nb".into())]),
            "digest=sha256:a\nrefs<<XBUILD_EOF\na\nb\nXBUILD_EOF\n"
        );
        assert_eq!(
            table(
                &["platform", "digest"],
                &[vec!["linux/amd64".into(), "a|b".into()]]
            ),
            "| platform | digest |\n|---|---|\n| linux/amd64 | a\\|b |\n"
        );
        assert_eq!(data("50%\nx"), "50%25%0Ax");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
