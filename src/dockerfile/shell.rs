//! BuildKit's shell lexer (`frontend/dockerfile/shell/lex.go`): quote
//! handling, word splitting and `$VAR` / `${VAR:-default}` expansion, with
//! the same quirks, because the parser uses it to find heredocs and the stage
//! model uses it to expand `FROM ${BASE_IMAGE}`.
//!
//! Faithful details worth knowing: a nested `${...}` word shares the word
//! buffer with the outer word (as in BuildKit); with `skip_unset_env` an unset
//! variable is kept as written; `<<` plus following blanks is one raw token.

use super::gostr::{is_digit, is_letter};
use std::collections::BTreeSet;

/// A lexer error, worded like BuildKit's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError(pub String);

impl std::fmt::Display for LexError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Lexer settings (BuildKit's `Lex` fields).
#[derive(Debug, Clone, Copy)]
pub struct Lexer {
    pub escape: char,
    pub raw_quotes: bool,
    pub raw_escapes: bool,
    pub skip_unset_env: bool,
}

/// The outcome of processing one word.
#[derive(Debug, Clone, Default)]
pub struct Processed {
    /// The word with quotes removed and variables expanded.
    pub result: String,
    /// The word split on unquoted blanks.
    pub words: Vec<String>,
    /// Variables that were looked up and found.
    pub matched: BTreeSet<String>,
    /// Variables that were looked up and not found.
    pub unmatched: BTreeSet<String>,
}

impl Lexer {
    pub fn new(escape: char) -> Self {
        Lexer {
            escape,
            raw_quotes: false,
            raw_escapes: false,
            skip_unset_env: false,
        }
    }

    /// Processes `word` with variables from `env`.
    pub fn process(
        &self,
        word: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Processed, LexError> {
        let mut st = State {
            lexer: *self,
            // Go's text/scanner skips a byte order mark at the very start.
            chars: word
                .strip_prefix('\u{feff}')
                .unwrap_or(word)
                .chars()
                .collect(),
            pos: 0,
            env,
            raw_escapes: self.raw_escapes,
            words_buf: String::new(),
            matched: BTreeSet::new(),
            unmatched: BTreeSet::new(),
            depth: 0,
        };
        match st.process_stop_on(None, self.raw_escapes) {
            Ok((result, words)) => Ok(Processed {
                result,
                words,
                matched: st.matched,
                unmatched: st.unmatched,
            }),
            Err(e) => Err(LexError(format!(
                "failed to process {}: {}",
                go_quote_simple(&crate::excerpt::excerpt(word)),
                e.0
            ))),
        }
    }

    /// The expanded word (BuildKit's `ProcessWord`).
    pub fn process_word(
        &self,
        word: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<String, LexError> {
        self.process(word, env).map(|p| p.result)
    }

    /// The expanded word split into words (BuildKit's `ProcessWords`).
    pub fn process_words(
        &self,
        word: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Vec<String>, LexError> {
        self.process(word, env).map(|p| p.words)
    }
}

/// An environment with nothing set.
pub fn no_env(_: &str) -> Option<String> {
    None
}

fn go_quote_simple(s: &str) -> String {
    super::dump::go_quote(s)
}

struct State<'a> {
    lexer: Lexer,
    chars: Vec<char>,
    pos: usize,
    env: &'a dyn Fn(&str) -> Option<String>,
    raw_escapes: bool,
    /// Shared between nested calls, as in BuildKit.
    words_buf: String,
    matched: BTreeSet<String>,
    unmatched: BTreeSet<String>,
    /// How many `${...}` words enclose the current position.
    depth: usize,
}

/// The deepest nesting of `${a:-${b:-...}}` read. BuildKit recurses without
/// a limit (Go's stack grows); ours does not, so thousands of levels would
/// overflow it. Real files nest two or three levels.
pub const MAX_NESTING: usize = 200;

#[derive(Default)]
struct Words {
    words: Vec<String>,
    in_word: bool,
}

impl Words {
    fn add_char(&mut self, buf: &mut String, ch: char) {
        if ch.is_whitespace() && self.in_word {
            if !buf.is_empty() {
                self.words.push(std::mem::take(buf));
                self.in_word = false;
            }
        } else if !ch.is_whitespace() {
            self.add_raw_char(buf, ch);
        }
    }

    fn add_raw_char(&mut self, buf: &mut String, ch: char) {
        buf.push(ch);
        self.in_word = true;
    }

    fn add_string(&mut self, buf: &mut String, s: &str) {
        for ch in s.chars() {
            self.add_char(buf, ch);
        }
    }

    fn add_raw_string(&mut self, buf: &mut String, s: &str) {
        buf.push_str(s);
        self.in_word = true;
    }

    fn get_words(mut self, buf: &mut String) -> Vec<String> {
        if !buf.is_empty() {
            self.words.push(std::mem::take(buf));
        }
        self.words
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, LexError> {
    Err(LexError(msg.into()))
}

impl State<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn get_env(&mut self, name: &str) -> Option<String> {
        match (self.env)(name) {
            Some(v) => {
                self.matched.insert(name.to_string());
                Some(v)
            }
            None => {
                self.unmatched.insert(name.to_string());
                None
            }
        }
    }

    fn process_stop_on(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
    ) -> Result<(String, Vec<String>), LexError> {
        if self.depth >= MAX_NESTING {
            return err(format!(
                "variable expansions nested more than {MAX_NESTING} deep (`${{a:-${{b:-...}}}}`)"
            ));
        }
        let saved = self.raw_escapes;
        self.raw_escapes = raw_escapes;
        self.depth += 1;
        let out = self.process_stop_on_inner(stop);
        self.depth -= 1;
        self.raw_escapes = saved;
        out
    }

    fn process_stop_on_inner(
        &mut self,
        stop: Option<char>,
    ) -> Result<(String, Vec<String>), LexError> {
        let mut result = String::new();
        self.words_buf.clear();
        let mut words = Words::default();
        while let Some(ch) = self.peek() {
            if Some(ch) == stop {
                self.next();
                let w = words.get_words(&mut self.words_buf);
                return Ok((result, w));
            }
            match ch {
                '$' => {
                    let tmp = self.process_dollar()?;
                    result.push_str(&tmp);
                    words.add_string(&mut self.words_buf, &tmp);
                }
                '<' => {
                    let tmp = self.process_possible_heredoc();
                    result.push_str(&tmp);
                    words.add_raw_string(&mut self.words_buf, &tmp);
                }
                '\'' => {
                    let tmp = self.process_single_quote()?;
                    result.push_str(&tmp);
                    words.add_raw_string(&mut self.words_buf, &tmp);
                }
                '"' => {
                    let tmp = self.process_double_quote()?;
                    result.push_str(&tmp);
                    words.add_raw_string(&mut self.words_buf, &tmp);
                }
                _ => {
                    let mut ch = self.next().expect("peeked");
                    if ch == self.lexer.escape {
                        if self.raw_escapes {
                            words.add_raw_char(&mut self.words_buf, ch);
                            result.push(ch);
                        }
                        match self.next() {
                            None => break,
                            Some(c) => {
                                words.add_raw_char(&mut self.words_buf, c);
                                ch = c;
                            }
                        }
                    } else {
                        words.add_char(&mut self.words_buf, ch);
                    }
                    result.push(ch);
                }
            }
        }
        if let Some(stop) = stop {
            return err(format!(
                "unexpected end of statement while looking for matching {stop}"
            ));
        }
        let w = words.get_words(&mut self.words_buf);
        Ok((result, w))
    }

    fn process_single_quote(&mut self) -> Result<String, LexError> {
        let mut result = String::new();
        let open = self.next().expect("quote");
        if self.lexer.raw_quotes {
            result.push(open);
        }
        loop {
            match self.next() {
                None => {
                    return err(
                        "unexpected end of statement while looking for matching single-quote",
                    );
                }
                Some('\'') => {
                    if self.lexer.raw_quotes {
                        result.push('\'');
                    }
                    return Ok(result);
                }
                Some(c) => result.push(c),
            }
        }
    }

    fn process_double_quote(&mut self) -> Result<String, LexError> {
        let mut result = String::new();
        let open = self.next().expect("quote");
        if self.lexer.raw_quotes {
            result.push(open);
        }
        loop {
            match self.peek() {
                None => {
                    return err(
                        "unexpected end of statement while looking for matching double-quote",
                    );
                }
                Some('"') => {
                    self.next();
                    if self.lexer.raw_quotes {
                        result.push('"');
                    }
                    return Ok(result);
                }
                Some('$') => {
                    let v = self.process_dollar()?;
                    result.push_str(&v);
                }
                Some(_) => {
                    let mut ch = self.next().expect("peeked");
                    if ch == self.lexer.escape {
                        if self.raw_escapes {
                            result.push(ch);
                        }
                        match self.peek() {
                            None => continue,
                            Some(c) if c == '"' || c == '$' || c == self.lexer.escape => {
                                ch = self.next().expect("peeked");
                            }
                            Some(_) => {}
                        }
                    }
                    result.push(ch);
                }
            }
        }
    }

    fn process_possible_heredoc(&mut self) -> String {
        self.next();
        if self.peek() != Some('<') {
            return "<".to_string();
        }
        self.next();
        let mut out = String::from("<<");
        while let Some(c) = self.peek() {
            if matches!(c, '\t' | '\r' | ' ') {
                out.push(c);
                self.next();
            } else {
                break;
            }
        }
        out
    }

    fn process_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && is_digit(ch) {
                while let Some(d) = self.peek() {
                    if !is_digit(d) {
                        break;
                    }
                    name.push(d);
                    self.next();
                }
                return name;
            }
            if name.is_empty() && matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
                self.next();
                return ch.to_string();
            }
            if !is_letter(ch) && !is_digit(ch) && ch != '_' {
                break;
            }
            self.next();
            name.push(ch);
        }
        name
    }

    fn process_dollar(&mut self) -> Result<String, LexError> {
        self.next();
        if self.peek() != Some('{') {
            let name = self.process_name();
            if name.is_empty() {
                return Ok("$".into());
            }
            return Ok(match self.get_env(&name) {
                Some(v) => v,
                None if self.lexer.skip_unset_env => format!("${name}"),
                None => String::new(),
            });
        }
        self.next();
        match self.peek() {
            None => return err("syntax error: missing '}'"),
            Some('{' | '}' | ':') => return err("syntax error: bad substitution"),
            _ => {}
        }
        let name = self.process_name();
        let ch = self.next();
        let mut chs: String = ch.map(String::from).unwrap_or_default();
        match ch {
            Some('}') => Ok(match self.get_env(&name) {
                Some(v) => v,
                None if self.lexer.skip_unset_env => format!("${{{name}}}"),
                None => String::new(),
            }),
            Some(c @ (':' | '+' | '-' | '?' | '#' | '%')) => {
                let null_is_unset = c == ':';
                let modifier = if null_is_unset {
                    let m = self.next();
                    if let Some(m) = m {
                        chs.push(m);
                    }
                    m
                } else {
                    Some(c)
                };
                let raw = matches!(modifier, Some('#' | '%'));
                if null_is_unset && raw {
                    return err(format!("unsupported modifier ({chs}) in substitution"));
                }
                let word = match self.process_stop_on(Some('}'), raw) {
                    Ok((w, _)) => w,
                    Err(e) => {
                        if self.peek().is_none() {
                            return err("syntax error: missing '}'");
                        }
                        return Err(e);
                    }
                };
                let value = self.get_env(&name);
                if self.lexer.skip_unset_env && value.is_none() {
                    return Ok(format!("${{{name}{chs}{word}}}"));
                }
                let set = value.is_some();
                let value = value.unwrap_or_default();
                let empty_or_unset = !set || (null_is_unset && value.is_empty());
                match modifier {
                    Some('-') => Ok(if empty_or_unset { word } else { value }),
                    Some('+') => Ok(if empty_or_unset { String::new() } else { word }),
                    Some('?') => {
                        if !set {
                            let m = if word.is_empty() {
                                "is not allowed to be unset".to_string()
                            } else {
                                word
                            };
                            return err(format!("{name}: {m}"));
                        }
                        if null_is_unset && value.is_empty() {
                            let m = if word.is_empty() {
                                "is not allowed to be empty".to_string()
                            } else {
                                word
                            };
                            return err(format!("{name}: {m}"));
                        }
                        Ok(value)
                    }
                    Some(m @ ('%' | '#')) => {
                        let (greedy, pattern) = match word.strip_prefix(m) {
                            Some(rest) => (true, rest.to_string()),
                            None => (false, word),
                        };
                        if m == '%' {
                            trim_suffix(&pattern, &value, greedy)
                        } else {
                            trim_prefix(&pattern, &value, greedy)
                        }
                    }
                    _ => err(format!("unsupported modifier ({chs}) in substitution")),
                }
            }
            Some('/') => {
                let replace_all = self.peek() == Some('/');
                if replace_all {
                    self.next();
                }
                let pattern = match self.process_stop_on(Some('/'), true) {
                    Ok((p, _)) => p,
                    Err(e) => {
                        if self.peek().is_none() {
                            return err("syntax error: missing '/' in ${}");
                        }
                        return Err(e);
                    }
                };
                let replacement = match self.process_stop_on(Some('}'), true) {
                    Ok((r, _)) => r,
                    Err(e) => {
                        if self.peek().is_none() {
                            return err("syntax error: missing '}'");
                        }
                        return Err(e);
                    }
                };
                let Some(value) = self.get_env(&name) else {
                    if self.lexer.skip_unset_env {
                        return Ok(format!("${{{name}/{pattern}/{replacement}}}"));
                    }
                    return Ok(String::new());
                };
                let re = shell_pattern_regex(&pattern, true, false)?;
                if replace_all {
                    Ok(re
                        .replace_all(&value, regex::NoExpand(&replacement))
                        .into_owned())
                } else {
                    Ok(re
                        .replace(&value, regex::NoExpand(&replacement))
                        .into_owned())
                }
            }
            _ => err(format!("unsupported modifier ({chs}) in substitution")),
        }
    }
}

/// A shell wildcard pattern (`?`, `*`, no brackets) as a regex.
fn shell_pattern_regex(
    pattern: &str,
    greedy: bool,
    anchored: bool,
) -> Result<regex::Regex, LexError> {
    let mut out = String::new();
    if anchored {
        out.push('^');
    }
    let star = if greedy { ".*" } else { ".*?" };
    let mut chars = pattern.chars().peekable();
    while let Some(tok) = chars.next() {
        match tok {
            '*' => out.push_str(star),
            '?' => out.push('.'),
            '\\' => {
                if matches!(chars.peek(), Some('}' | '/')) {
                    continue;
                }
                match chars.next() {
                    Some(t @ ('*' | '?' | '\\')) => {
                        out.push('\\');
                        out.push(t);
                    }
                    other => {
                        let shown = other.map(String::from).unwrap_or_default();
                        return err(format!(
                            "invalid pattern ({pattern}) in substitution: invalid escape '\\{shown}'"
                        ));
                    }
                }
            }
            _ => out.push_str(&regex::escape(&tok.to_string())),
        }
    }
    regex::Regex::new(&out)
        .map_err(|e| LexError(format!("invalid pattern ({pattern}) in substitution: {e}")))
}

fn trim_prefix(pattern: &str, value: &str, greedy: bool) -> Result<String, LexError> {
    let re = shell_pattern_regex(pattern, greedy, true)?;
    Ok(match re.find(value) {
        Some(m) => value[m.end()..].to_string(),
        None => value.to_string(),
    })
}

fn trim_suffix(pattern: &str, value: &str, greedy: bool) -> Result<String, LexError> {
    let rev_pattern = reverse_pattern(pattern);
    let rev_value: String = value.chars().rev().collect();
    let trimmed = trim_prefix(&rev_pattern, &rev_value, greedy)?;
    Ok(trimmed.chars().rev().collect())
}

/// Reverses a pattern keeping `\x` escapes in order.
fn reverse_pattern(pattern: &str) -> String {
    let runes: Vec<char> = pattern.chars().collect();
    let mut out = vec![' '; runes.len()];
    let last = runes.len().saturating_sub(1);
    let mut i = 0;
    while i < runes.len() {
        let tok = runes[i];
        let o = last - i;
        if tok == '\\' && i != last {
            out[o - 1] = tok;
            out[o] = runes[i + 1];
            i += 2;
        } else {
            out[o] = tok;
            i += 1;
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "TARGETOS" => Some("linux".into()),
            "TARGETARCH" => Some("arm64".into()),
            "EMPTY" => Some(String::new()),
            "PATH" => Some("/usr/local/bin:/usr/bin".into()),
            _ => None,
        }
    }

    fn word(s: &str) -> String {
        Lexer::new('\\').process_word(s, &env).unwrap()
    }

    #[test]
    fn expands_variables_and_defaults() {
        assert_eq!(word("$TARGETOS/${TARGETARCH}"), "linux/arm64");
        assert_eq!(word("${TARGETOS:-darwin}"), "linux");
        assert_eq!(word("${UNSET:-linux}"), "linux");
        assert_eq!(word("${EMPTY:-x}"), "x");
        assert_eq!(word("${EMPTY-x}"), "");
        assert_eq!(word("${TARGETARCH:+set}"), "set");
        assert_eq!(word("${UNSET:+set}"), "");
        assert_eq!(word("a${UNSET}b"), "ab");
        assert_eq!(word("${PATH#*:}"), "/usr/bin");
        assert_eq!(word("${PATH%%:*}"), "/usr/local/bin");
        assert_eq!(word("${PATH/usr/opt}"), "/opt/local/bin:/usr/bin");
        assert_eq!(word("${PATH//usr/opt}"), "/opt/local/bin:/opt/bin");
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(word(r#""alpine""#), "alpine");
        assert_eq!(word("'$TARGETOS'"), "$TARGETOS");
        assert_eq!(word(r#""$TARGETOS""#), "linux");
        assert_eq!(word(r"\$TARGETOS"), "$TARGETOS");
        assert!(Lexer::new('\\').process_word("'open", &env).is_err());
        assert!(Lexer::new('\\').process_word("${", &env).is_err());
        assert!(Lexer::new('\\').process_word("${UNSET?}", &env).is_err());
    }

    #[test]
    fn skip_unset_keeps_text() {
        let mut l = Lexer::new('\\');
        l.skip_unset_env = true;
        assert_eq!(l.process_word("${A:-b} $C", &no_env).unwrap(), "${A:-b} $C");
    }

    #[test]
    fn words_split_on_blanks_and_keep_heredoc_markers() {
        let mut l = Lexer::new('\\');
        l.raw_quotes = true;
        l.raw_escapes = true;
        l.skip_unset_env = true;
        let w = l.process_words("cat << EOF > /f 'a b'", &no_env).unwrap();
        assert_eq!(w, vec!["cat", "<< EOF", ">", "/f", "'a b'"]);
    }

    #[test]
    fn nested_words_share_the_buffer_like_buildkit() {
        let l = Lexer::new('\\');
        let w = l.process_words("abc${UNSET:-def}ghi", &no_env).unwrap();
        assert_eq!(w, vec!["defghi"]);
    }
}
