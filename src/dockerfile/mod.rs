//! Our own Dockerfile parser, following BuildKit's parser rules exactly
//! (`frontend/dockerfile/parser`), plus the stage model and byte-preserving
//! edits built on it.
//!
//! Invariants:
//! - `Dockerfile::source` is the file's text, unchanged (BOM, CRLF and all);
//!   every span is a byte range into it.
//! - Every instruction knows its keyword, flags and arguments with spans, so
//!   edits insert or remove exact bytes and diagnostics point at them.
//! - Heredoc bodies are raw text attached to their instruction, never parsed
//!   as instructions.
//! - Commands read a file with [`load`]: parsed and checked by [`valid`],
//!   so every command refuses what BuildKit refuses, with one diagnostic.

mod args;
pub mod dump;
pub mod edit;
mod error;
pub mod gostr;
mod heredoc;
mod logical;
mod parser;
pub mod produce;
pub mod script;
pub mod shell;
mod split;
pub mod stages;
pub mod valid;
pub mod vars;

pub use error::ParseError;
pub use logical::LogicalLine;
pub use parser::parse;
pub use stages::{PlatformKind, Stage, StageBase, StageGraph, StageRef};
pub use valid::load;

use miette::NamedSource;
use std::ops::Range;

/// A byte range into [`Dockerfile::source`].
pub type Span = Range<usize>;

/// A parsed Dockerfile.
#[derive(Debug, Clone)]
pub struct Dockerfile {
    /// The name shown in diagnostics (usually the path as given).
    pub name: String,
    /// The original text.
    pub source: String,
    /// The escape character: `\` or `` ` `` (from `# escape=`).
    pub escape: char,
    /// Parser directives at the top of the file.
    pub directives: Vec<Directive>,
    pub instructions: Vec<Instruction>,
    /// Lines BuildKit warns about (empty continuation lines).
    pub warnings: Vec<Warning>,
}

/// A parser directive such as `# syntax=docker/dockerfile:1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Lowercased: `syntax`, `escape` or `check`.
    pub name: String,
    pub value: String,
    /// The directive's line (without the newline).
    pub span: Span,
}

/// A parser warning (BuildKit keeps parsing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub message: String,
    pub span: Span,
}

/// One instruction: its logical line (continuations joined) and its parts.
#[derive(Debug, Clone)]
pub struct Instruction {
    /// The keyword as written (`from`, `FROM`, `From`).
    pub keyword: String,
    /// The keyword lowercased: `from`, `run`, ...
    pub command: String,
    pub keyword_span: Span,
    /// Leading `--flags`, unquoted as BuildKit reads them.
    pub flags: Vec<Flag>,
    /// The arguments after the flags, as one string (logical text, trimmed).
    pub args_text: String,
    /// Where `args_text` starts in the logical line.
    pub args_offset: usize,
    /// The arguments as BuildKit's line parser for this command returns them
    /// (the `Next` chain of its AST node).
    pub args: Vec<String>,
    /// The arguments were a JSON array (`RUN ["a", "b"]`).
    pub json: bool,
    /// The instruction inside `ONBUILD`.
    pub sub: Option<Box<Instruction>>,
    pub heredocs: Vec<Heredoc>,
    /// The logical line with its map back to the source.
    pub line: LogicalLine,
    /// From the keyword to the end of the instruction's last line (heredoc
    /// bodies excluded), without the newline.
    pub span: Span,
    /// 1-based line of the keyword's line.
    pub start_line: usize,
    /// 1-based last line, heredoc bodies and terminators included.
    pub end_line: usize,
    /// Comment lines right before the instruction (BuildKit's PrevComment).
    pub comments: Vec<String>,
}

/// A `--name[=value]` flag of an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// The flag as BuildKit reads it, e.g. `--platform=$BUILDPLATFORM`.
    pub text: String,
    /// The name without dashes: `platform`.
    pub name: String,
    /// The value after `=`, if any.
    pub value: Option<String>,
    /// The flag as written in the source, quotes included.
    pub span: Span,
}

/// A heredoc attached to a RUN, COPY or ADD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter word, quotes removed.
    pub name: String,
    /// Variables in the body are expanded (the delimiter was not quoted).
    pub expand: bool,
    /// `<<-`: leading tabs are stripped.
    pub chomp: bool,
    pub file_descriptor: u32,
    /// The body, as in the file, line endings included.
    pub content: String,
    /// The body in the source (may be empty).
    pub body_span: Span,
    /// The terminator line, without its newline.
    pub terminator_span: Span,
}

/// A word of an instruction's arguments with its span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    /// Offset in the logical line.
    pub offset: usize,
    pub span: Span,
}

impl Dockerfile {
    /// The source for miette reports.
    pub fn named_source(&self) -> NamedSource<String> {
        NamedSource::new(&self.name, self.source.clone())
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        line_col(&self.source, offset)
    }

    /// The 1-based line of `offset` inside instruction `ins`, counted from
    /// its keyword's line: linear in the instruction, not the file (a
    /// per-command query on a long stage stays linear overall).
    pub fn line_in(&self, ins: &Instruction, offset: usize) -> usize {
        let from = ins.span.start.min(self.source.len());
        let to = offset.clamp(from, self.source.len());
        ins.start_line
            + self.source.as_bytes()[from..to]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
    }

    /// The FROM instructions in order, with their instruction index.
    pub fn froms(&self) -> impl Iterator<Item = (usize, &Instruction)> {
        self.instructions
            .iter()
            .enumerate()
            .filter(|(_, i)| i.command == "from")
    }
}

/// 1-based line and column (in characters) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let col = text[start..offset].chars().count() + 1;
    (line, col)
}

impl Instruction {
    /// The words of `args_text` split on blanks, as FROM and EXPOSE read them.
    pub fn words(&self) -> Vec<Word> {
        let text = &self.line.text;
        let start = self.args_offset;
        let end = start + self.args_text.len();
        let mut out = Vec::new();
        let mut i = start;
        let bytes = text.as_bytes();
        while i < end {
            while i < end && is_split_blank(bytes[i]) {
                i += 1;
            }
            let s = i;
            while i < end && !is_split_blank(bytes[i]) {
                i += 1;
            }
            if i > s {
                out.push(Word {
                    text: text[s..i].to_string(),
                    offset: s,
                    span: self.line.span(s..i),
                });
            }
        }
        out
    }

    /// The flags named `name` (BuildKit rejects duplicates; lint reports them).
    pub fn flags_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Flag> + 'a {
        self.flags.iter().filter(move |f| f.name == name)
    }

    /// The end of the instruction including heredoc bodies and terminators.
    pub fn full_end(&self) -> usize {
        self.heredocs
            .last()
            .map_or(self.span.end, |h| h.terminator_span.end)
    }
}

/// BuildKit's `[\t\v\f\r ]` word separator.
pub(crate) fn is_split_blank(b: u8) -> bool {
    matches!(b, b'\t' | 0x0b | 0x0c | b'\r' | b' ')
}
