//! BuildKit's parser dump format (`Node.Dump()`), used by `xbuild debug parse`
//! and by the conformance tests against BuildKit's own test files.
//!
//! Strings are quoted like Go's `strconv.Quote`, flags like Go's `%q` of a
//! string slice.

use super::{Dockerfile, Instruction};
use std::fmt::Write;

impl Dockerfile {
    /// The whole file as BuildKit dumps it, with a final newline.
    pub fn dump(&self) -> String {
        let mut out = String::new();
        for ins in &self.instructions {
            out.push('(');
            out.push_str(&ins.dump());
            out.push_str(")\n");
        }
        let mut out = out.trim().to_string();
        out.push('\n');
        out
    }
}

impl Instruction {
    /// One instruction as BuildKit dumps it, without the parentheses.
    pub fn dump(&self) -> String {
        let mut s = self.command.clone();
        if !self.flags.is_empty() {
            s.push_str(" [");
            let quoted: Vec<String> = self.flags.iter().map(|f| go_quote(&f.text)).collect();
            s.push_str(&quoted.join(" "));
            s.push(']');
        }
        if let Some(sub) = &self.sub {
            let _ = write!(s, " ({})", sub.dump());
        } else {
            for v in &self.args {
                s.push(' ');
                s.push_str(&go_quote(v));
            }
        }
        s.trim().to_string()
    }
}

/// Quotes a string the way Go's `strconv.Quote` does.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if super::gostr::is_print(c) => out.push(c),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::go_quote;

    #[test]
    fn quotes_like_go() {
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote("\u{0}\t\n"), r#""\x00\t\n""#);
        assert_eq!(go_quote("☃ é"), "\"☃ é\"");
        assert_eq!(go_quote("\u{feff}\u{a0}"), r#""\ufeff\u00a0""#);
        assert_eq!(go_quote("\u{7f}"), r#""\x7f""#);
        assert_eq!(go_quote("a\u{378}b"), r#""a\u0378b""#);
        assert_eq!(go_quote("\u{13430}"), r#""\U00013430""#);
    }
}
