//! One `.dockerignore` pattern, read and matched as moby/patternmatcher does
//! (what BuildKit uses): `filepath.Clean`ed, a leading `/` dropped, `*` and
//! `?` not crossing `/`, `**` any number of path elements (a trailing `**`
//! anything), `\` escaping the next character, `[...]` classes.

use regex::Regex;

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// The cleaned pattern text, without its `!`.
    pub text: String,
    /// `!pattern`: re-includes what earlier patterns excluded.
    pub exclusion: bool,
    regex: Regex,
}

impl Pattern {
    /// Compiles one line's pattern (already trimmed, not a comment); `None`
    /// for a pattern that cannot be compiled (BuildKit rejects the build).
    pub fn new(line: &str) -> Option<Pattern> {
        let (exclusion, rest) = match line.strip_prefix('!') {
            Some(r) => (true, r.trim()),
            None => (false, line),
        };
        if rest.is_empty() {
            return None;
        }
        let mut text = clean(rest);
        if text.len() > 1
            && let Some(t) = text.strip_prefix('/')
        {
            text = t.to_string();
        }
        let regex = Regex::new(&to_regex(&text)).ok()?;
        Some(Pattern {
            text,
            exclusion,
            regex,
        })
    }

    /// Whether the slash-separated relative path matches.
    pub fn matches(&self, path: &str) -> bool {
        self.regex.is_match(path)
    }
}

/// patternmatcher's pattern-to-regexp translation.
fn to_regex(pattern: &str) -> String {
    let mut re = String::from("^");
    let mut chars = pattern.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                if chars.peek() == Some(&'/') {
                    chars.next();
                }
                if chars.peek().is_none() {
                    re.push_str(".*");
                } else {
                    re.push_str("(.*/)?");
                }
            }
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            '\\' => match chars.next() {
                Some(next) => re.push_str(&regex::escape(&next.to_string())),
                None => re.push_str(r"\\"),
            },
            '[' | ']' => re.push(ch),
            // Inside a class, Go's filepath.Match uses `^` for negation as
            // regexp does; everything else is literal.
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    re
}

/// Go's `filepath.Clean` on a slash-separated path.
pub fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            p => out.push(p),
        }
    }
    let joined = out.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, path: &str) -> bool {
        Pattern::new(p).unwrap().matches(path)
    }

    #[test]
    fn matches_like_patternmatcher() {
        assert!(m("**", "a/b/c.go"));
        assert!(m("**/*.go", "main.go"));
        assert!(m("**/*.go", "a/b/c.go"));
        assert!(!m("*.go", "a/c.go"));
        assert!(m("a/**", "a/b"));
        assert!(!m("a/**", "ab"));
        assert!(m("**/*_test.go", "x/y_test.go"));
        assert!(m("/go.mod", "go.mod"));
        assert!(m("./a/../b", "b"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "a/c"));
        assert!(m("[ab].txt", "b.txt"));
        assert!(m(r"\*.txt", "*.txt"));
        assert!(!m(r"\*.txt", "x.txt"));
        assert!(m("a+b(c)", "a+b(c)"));
        assert!(Pattern::new("!x").unwrap().exclusion);
        assert!(Pattern::new("!").is_none());
    }
}
