//! Finding heredoc markers (`<<EOF`, `<<-EOF`, `<<"EOF"`, `3<<EOF`) in an
//! instruction's logical line, the way BuildKit does: shell-split the line
//! (quotes and escapes kept raw, unset variables kept), then match each word.

use super::shell::{Lexer, no_env};
use regex::Regex;
use std::sync::LazyLock;

static HEREDOC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([0-9]*)<<(-?)[\t\n\x0c\r ]*([^<]*)$").expect("heredoc regex"));

/// A heredoc marker found on the instruction line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Marker {
    pub name: String,
    pub expand: bool,
    pub chomp: bool,
    pub fd: u32,
}

/// The heredoc markers of `line`, in order. A word that looks like a marker
/// but does not lex is an error (BuildKit's behaviour).
pub(crate) fn markers(line: &str) -> Result<Vec<Marker>, String> {
    let lexer = Lexer {
        escape: '\\',
        raw_quotes: true,
        raw_escapes: true,
        skip_unset_env: true,
    };
    // BuildKit ignores a lexing error of the whole line: no heredocs then.
    let words = lexer.process_words(line, &no_env).unwrap_or_default();
    let mut out = Vec::new();
    for word in words {
        if let Some(m) = marker(&word)? {
            out.push(m);
        }
    }
    Ok(out)
}

fn marker(word: &str) -> Result<Option<Marker>, String> {
    let Some(caps) = HEREDOC.captures(word) else {
        return Ok(None);
    };
    let fd = caps[1].parse::<u32>().unwrap_or(0);
    let chomp = &caps[2] == "-";
    let rest = &caps[3];
    if rest.is_empty() {
        return Ok(None);
    }
    let mut lexer = Lexer {
        escape: '\\',
        raw_quotes: false,
        raw_escapes: false,
        skip_unset_env: true,
    };
    let words = lexer.process_words(rest, &no_env).map_err(|e| e.0)?;
    if words.len() != 1 {
        return Ok(None);
    }
    lexer.raw_quotes = true;
    let raw = lexer.process_words(rest, &no_env).map_err(|e| e.0)?;
    if raw.len() != words.len() {
        return Err(format!(
            "internal lexing of heredoc produced inconsistent results: {rest}"
        ));
    }
    let quotes = |s: &str| s.matches(['\'', '"']).count();
    Ok(Some(Marker {
        name: words[0].clone(),
        expand: quotes(&words[0]) == quotes(&raw[0]),
        chomp,
        fd,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(line: &str) -> Vec<(String, bool, bool)> {
        markers(line)
            .unwrap()
            .into_iter()
            .map(|m| (m.name, m.expand, m.chomp))
            .collect()
    }

    #[test]
    fn finds_markers_anywhere() {
        assert_eq!(names("cat <<EOF > /f"), vec![("EOF".into(), true, false)]);
        assert_eq!(names("<<-'END' sh"), vec![("END".into(), false, true)]);
        assert_eq!(
            names("<<\"A\" <<B cat"),
            vec![("A".into(), false, false), ("B".into(), true, false)]
        );
        assert_eq!(names("echo << EOF"), vec![("EOF".into(), true, false)]);
        assert_eq!(names("echo '<<EOF'"), vec![]);
        assert_eq!(names("cat <<<EOF"), vec![]);
        assert_eq!(names("echo a<<EOF"), vec![]);
        let m = markers("3<<EOF cat").unwrap();
        assert_eq!(m[0].fd, 3);
    }
}
