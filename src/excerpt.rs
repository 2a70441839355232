//! Short excerpts of long user text for messages: an error about a 1 MB line
//! or a 10 MB value quotes its start and says how long it is, so stderr stays
//! readable and proportional to the problem, not to the input.

/// Characters of a value quoted in a message.
pub const MAX_QUOTED: usize = 120;
/// Characters of one line of a rendered report.
pub const MAX_LINE: usize = 400;
/// Lines of a rendered report.
pub const MAX_LINES: usize = 200;

/// `s` itself when short, else its first [`MAX_QUOTED`] characters and how
/// many bytes were left out.
pub fn excerpt(s: &str) -> String {
    match s.char_indices().nth(MAX_QUOTED) {
        None => s.to_string(),
        Some((cut, _)) => format!("{}... ({} more bytes)", &s[..cut], s.len() - cut),
    }
}

/// A rendered report with every line cut to [`MAX_LINE`] characters and at
/// most [`MAX_LINES`] lines (the first ones and the last ten, where the help
/// is).
pub fn bound_report(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let cut = |l: &str| match l.char_indices().nth(MAX_LINE) {
        None => l.to_string(),
        Some((at, _)) => format!("{}...", &l[..at]),
    };
    let mut out = String::new();
    if lines.len() <= MAX_LINES {
        for l in &lines {
            out.push_str(&cut(l));
            out.push('\n');
        }
        return out;
    }
    let tail = 10;
    for l in &lines[..MAX_LINES - tail] {
        out.push_str(&cut(l));
        out.push('\n');
    }
    out.push_str(&format!(
        "   ... ({} lines left out)\n",
        lines.len() - MAX_LINES
    ));
    for l in &lines[lines.len() - tail..] {
        out.push_str(&cut(l));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_and_long_text_cut_on_a_char_boundary() {
        assert_eq!(excerpt("abc"), "abc");
        let long = "é".repeat(1000);
        let e = excerpt(&long);
        assert!(e.starts_with(&"é".repeat(MAX_QUOTED)));
        assert!(e.ends_with("... (1760 more bytes)"), "{e}");
    }

    #[test]
    fn reports_are_bounded() {
        let text = format!("{}\n", "x".repeat(10_000)).repeat(1000);
        let out = bound_report(&text);
        assert_eq!(out.lines().count(), MAX_LINES + 1);
        assert!(out.lines().all(|l| l.chars().count() <= MAX_LINE + 3));
    }
}
