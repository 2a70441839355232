//! The parser's error: BuildKit's message, a span into the Dockerfile and help.

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// A Dockerfile that BuildKit would reject (or that xbuild cannot model).
#[derive(Debug, Clone, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(xbuild::dockerfile::parse))]
pub struct ParseError {
    /// The file name as given.
    pub name: String,
    /// 1-based line where the problem is.
    pub line: usize,
    /// BuildKit's wording where there is one.
    pub message: String,
    #[source_code]
    pub src: NamedSource<String>,
    #[label("{label}")]
    pub span: SourceSpan,
    pub label: String,
    #[help]
    pub help: Option<String>,
}

impl ParseError {
    pub(crate) fn new(
        name: &str,
        source: &str,
        span: super::Span,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> Self {
        let (line, _) = super::line_col(source, span.start);
        ParseError {
            name: name.to_string(),
            line,
            message: message.into(),
            src: NamedSource::new(name, source.to_string()),
            span: (span.start, span.end - span.start).into(),
            label: label.into(),
            help,
        }
    }

    /// The error's byte range in the Dockerfile.
    pub fn range(&self) -> super::Span {
        self.span.offset()..self.span.offset() + self.span.len()
    }
}
