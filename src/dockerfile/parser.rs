//! The main loop of BuildKit's `parser.Parse`, line by line: BOM, parser
//! directives, comments, line continuations, instructions and heredoc
//! bodies, with every piece's byte position kept.

use super::args::parse_args;
use super::split::split_command;
use super::{
    Directive, Dockerfile, Flag, Heredoc, Instruction, LogicalLine, ParseError, Span, Warning,
    heredoc,
};
use std::collections::HashSet;

/// BuildKit's directive regex, `^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`
/// (Go's `\s` is ASCII), by hand: this runs on every comment line at the
/// top of a file, and a compiled regex costs more than the whole parse.
fn directive_parts(line: &str) -> Option<(&str, &str)> {
    let blank = |c: char| matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' ');
    let key_len = line
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
        .map_or(line.len(), |(i, _)| i);
    if key_len == 0 {
        return None;
    }
    let (key, rest) = line.split_at(key_len);
    let value = rest
        .trim_start_matches(blank)
        .strip_prefix('=')?
        .trim_start_matches(blank);
    // `.+?` does not match a newline, and the value is not empty.
    let value = value.trim_end_matches(blank);
    if value.is_empty() || value.contains('\n') {
        return None;
    }
    Some((key, value))
}

/// Parses Dockerfile text. `name` is used in diagnostics.
pub fn parse(name: &str, source: &str) -> Result<Dockerfile, ParseError> {
    Parser {
        name,
        source,
        escape: '\\',
        directives_done: false,
        seen: HashSet::new(),
        directives: Vec::new(),
    }
    .run()
}

struct Parser<'a> {
    name: &'a str,
    source: &'a str,
    escape: char,
    directives_done: bool,
    seen: HashSet<String>,
    directives: Vec<Directive>,
}

/// A line after BuildKit's `processLine`: newline trimmed, maybe left-trimmed,
/// and emptied when it is a comment.
struct Processed<'a> {
    content: &'a str,
    /// Source offset of `content`.
    offset: usize,
    directive: bool,
}

fn trim_newline(s: &str) -> &str {
    s.trim_end_matches(['\r', '\n'])
}

fn is_comment(s: &str) -> bool {
    s.trim_start().starts_with('#')
}

/// Splits the source into lines, each with its newline, and its offset.
fn physical_lines(source: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in source.bytes().enumerate() {
        if b == b'\n' {
            out.push((start, &source[start..=i]));
            start = i + 1;
        }
    }
    if start < source.len() {
        out.push((start, &source[start..]));
    }
    out
}

impl<'a> Parser<'a> {
    fn error(
        &self,
        span: Span,
        message: impl Into<String>,
        label: &str,
        help: Option<&str>,
    ) -> ParseError {
        ParseError::new(
            self.name,
            self.source,
            span,
            message,
            label,
            help.map(str::to_string),
        )
    }

    /// BuildKit's `trimContinuationCharacter`: the line without a trailing
    /// escape character (and blanks after it), and whether the line ends the
    /// instruction. A doubled escape does not continue.
    fn trim_continuation(&self, line: &'a str) -> (&'a str, bool) {
        let t = line.trim_end_matches([' ', '\t']);
        let Some(before) = t.strip_suffix(self.escape) else {
            return (line, true);
        };
        if before.is_empty() {
            return ("", false);
        }
        if before.ends_with(self.escape) {
            return (line, true);
        }
        (before, false)
    }

    /// BuildKit's `DirectiveParser.ParseLine` plus `setEscapeToken`.
    fn directive(&mut self, line: &str, span: Span) -> Result<bool, ParseError> {
        if self.directives_done {
            return Ok(false);
        }
        let Some(rest) = line.strip_prefix('#') else {
            self.directives_done = true;
            return Ok(false);
        };
        let Some((key, value)) = directive_parts(rest.trim_start()) else {
            self.directives_done = true;
            return Ok(false);
        };
        let key = super::gostr::lower(key);
        if !matches!(key.as_str(), "syntax" | "escape" | "check") {
            self.directives_done = true;
            return Ok(false);
        }
        if !self.seen.insert(key.clone()) {
            return Err(self.error(
                span,
                format!("only one {key} parser directive can be used"),
                "repeated directive",
                Some("keep one of the two directive lines"),
            ));
        }
        let value = value.to_string();
        if key == "escape" {
            match value.as_str() {
                "\\" => self.escape = '\\',
                "`" => self.escape = '`',
                _ => {
                    return Err(self.error(
                        span,
                        format!("invalid escape token '{value}' does not match ` or \\"),
                        "invalid escape token",
                        Some("the escape directive accepts only `\\` (the default) or `` ` ``"),
                    ));
                }
            }
        }
        self.directives.push(Directive {
            name: key,
            value,
            span,
        });
        Ok(true)
    }

    /// BuildKit's `processLine`.
    fn process_line(
        &mut self,
        offset: usize,
        raw: &'a str,
        strip_left: bool,
    ) -> Result<Processed<'a>, ParseError> {
        let token = trim_newline(raw);
        let (offset, token) = if strip_left {
            let t = token.trim_start();
            (offset + token.len() - t.len(), t)
        } else {
            (offset, token)
        };
        let directive = self.directive(token, offset..offset + token.len())?;
        let content = if is_comment(token) { "" } else { token };
        Ok(Processed {
            content,
            offset,
            directive,
        })
    }

    fn run(mut self) -> Result<Dockerfile, ParseError> {
        let lines = physical_lines(self.source);
        // BuildKit's line scanner gives up on a line of 64 KiB or more.
        if let Some(&(off, raw)) = lines
            .iter()
            .find(|(_, l)| l.strip_suffix('\n').unwrap_or(l).len() >= 65536)
        {
            return Err(self.error(
                off..off + trim_newline(raw).len(),
                "dockerfile line greater than max allowed size of 65535",
                "this line is too long",
                Some(
                    "BuildKit reads lines of at most 65535 bytes; split it with line continuations",
                ),
            ));
        }
        let mut instructions: Vec<Instruction> = Vec::new();
        let mut warnings = Vec::new();
        let mut comments: Vec<String> = Vec::new();
        let mut current_line = 0;
        let mut i = 0;
        while i < lines.len() {
            let (mut offset, mut raw) = lines[i];
            i += 1;
            if current_line == 0
                && let Some(r) = raw.strip_prefix('\u{feff}')
            {
                offset += 3;
                raw = r;
            }
            if is_comment(raw) {
                let mut chars = raw.chars();
                chars.next();
                let c = chars.as_str().trim();
                if c.is_empty() {
                    comments.clear();
                } else {
                    comments.push(c.to_string());
                }
            }
            let first = self.process_line(offset, raw, true)?;
            if first.directive {
                comments.pop();
            }
            current_line += 1;
            let start_line = current_line;
            let (piece, mut end_of_line) = self.trim_continuation(first.content);
            if end_of_line && piece.is_empty() {
                continue;
            }
            let mut line = LogicalLine::default();
            line.push(piece, first.offset);
            let mut empty_continuation = false;
            while !end_of_line && i < lines.len() {
                let (off, raw) = lines[i];
                i += 1;
                let next = self.process_line(off, raw, false)?;
                current_line += 1;
                if is_comment(raw) {
                    continue;
                }
                if next.content.trim_start().is_empty() {
                    empty_continuation = true;
                    continue;
                }
                let (piece, eol) = self.trim_continuation(next.content);
                line.push(piece, next.offset);
                end_of_line = eol;
            }
            let mut ins = self.instruction(line, std::mem::take(&mut comments), start_line)?;
            if empty_continuation {
                warnings.push(Warning {
                    message: format!("Empty continuation line found in: {}", ins.line.text),
                    span: ins.span.clone(),
                });
            }
            if can_contain_heredoc(&ins) && ins.line.text.contains("<<") {
                let markers = heredoc::markers(&ins.line.text)
                    .map_err(|msg| self.error(ins.span.clone(), msg, "in this heredoc", None))?;
                for m in markers {
                    let body_start = lines.get(i).map_or(self.source.len(), |l| l.0);
                    let mut content = String::new();
                    let mut terminator = None;
                    while i < lines.len() {
                        let (off, raw) = lines[i];
                        i += 1;
                        current_line += 1;
                        let line = trim_newline(raw);
                        let candidate = if m.chomp {
                            line.trim_start_matches('\t')
                        } else {
                            line
                        };
                        if candidate == m.name {
                            terminator = Some(off..off + line.len());
                            break;
                        }
                        content.push_str(raw);
                    }
                    let Some(terminator_span) = terminator else {
                        return Err(self.error(
                            ins.span.clone(),
                            "unterminated heredoc",
                            &format!("the heredoc <<{} is never closed", m.name),
                            Some(&format!(
                                "end the heredoc body with a line that is exactly `{}`",
                                m.name
                            )),
                        ));
                    };
                    ins.heredocs.push(Heredoc {
                        name: m.name,
                        expand: m.expand,
                        chomp: m.chomp,
                        file_descriptor: m.fd,
                        content,
                        body_span: body_start..terminator_span.start,
                        terminator_span,
                    });
                }
            }
            ins.end_line = current_line;
            instructions.push(ins);
        }
        if instructions.is_empty() {
            let end = self.source.len();
            return Err(self.error(
                end..end,
                "file with no instructions",
                "no instruction before the end of the file",
                Some("a Dockerfile needs at least a FROM instruction"),
            ));
        }
        Ok(Dockerfile {
            name: self.name.to_string(),
            source: self.source.to_string(),
            escape: self.escape,
            directives: self.directives,
            instructions,
            warnings,
        })
    }

    /// BuildKit's `newNodeFromLine`, with spans.
    fn instruction(
        &self,
        line: LogicalLine,
        comments: Vec<String>,
        start_line: usize,
    ) -> Result<Instruction, ParseError> {
        let split = split_command(&line.text, self.escape);
        let keyword = line.text[split.cmd.clone()].to_string();
        let command = super::gostr::lower(&keyword);
        let flags = split
            .flags
            .iter()
            .map(|(text, range)| {
                let body = text.strip_prefix("--").unwrap_or(text);
                let (name, value) = match body.split_once('=') {
                    Some((n, v)) => (n.to_string(), Some(v.to_string())),
                    None => (body.to_string(), None),
                };
                Flag {
                    text: text.clone(),
                    name,
                    value,
                    span: line.span(range.clone()),
                }
            })
            .collect();
        let args_text = line.text[split.args.clone()].to_string();
        let end = line.text.trim_end().len().max(split.cmd.end);
        let span = line.span(split.cmd.start..end);
        let mut ins = Instruction {
            keyword_span: line.span(split.cmd.clone()),
            keyword,
            command,
            flags,
            args_offset: split.args.start,
            args: Vec::new(),
            json: false,
            sub: None,
            heredocs: Vec::new(),
            span,
            start_line,
            end_line: start_line,
            comments,
            args_text,
            line,
        };
        if ins.command == "onbuild" {
            if !ins.args_text.is_empty() {
                let sub_line = ins.line.slice(split.args.clone());
                let sub = self.instruction(sub_line, Vec::new(), start_line)?;
                ins.sub = Some(Box::new(sub));
            }
        } else {
            let parsed = parse_args(&ins.command, &ins.args_text, self.escape).map_err(|e| {
                let help = match ins.command.as_str() {
                    "env" | "label" => Some("write NAME=VALUE pairs, or the old form NAME VALUE"),
                    _ => Some(
                        "JSON arrays must hold only strings, e.g. [\"sh\", \"-c\", \"echo hi\"]",
                    ),
                };
                self.error(ins.span.clone(), e.0, "in this instruction", help)
            })?;
            ins.args = parsed.values;
            ins.json = parsed.json;
        }
        Ok(ins)
    }
}

/// BuildKit's `canContainHeredoc`: RUN, COPY and ADD (also inside ONBUILD)
/// in shell form.
fn can_contain_heredoc(ins: &Instruction) -> bool {
    let target = match (&ins.command[..], &ins.sub) {
        ("onbuild", Some(sub)) => sub.as_ref(),
        _ => ins,
    };
    matches!(target.command.as_str(), "run" | "copy" | "add") && !target.json
}

#[cfg(test)]
mod tests {
    use super::directive_parts;

    #[test]
    fn directives_like_the_buildkit_regex() {
        assert_eq!(directive_parts("escape=`"), Some(("escape", "`")));
        assert_eq!(
            directive_parts("syntax = docker/dockerfile:1  "),
            Some(("syntax", "docker/dockerfile:1"))
        );
        assert_eq!(
            directive_parts("check=skip=all"),
            Some(("check", "skip=all"))
        );
        assert_eq!(directive_parts("a1 =\tv w"), Some(("a1", "v w")));
        assert_eq!(directive_parts("1a=b"), None);
        assert_eq!(directive_parts("key="), None);
        assert_eq!(directive_parts("key = "), None);
        assert_eq!(directive_parts("hello world"), None);
        assert_eq!(directive_parts("k-x=1"), None);
    }
}
