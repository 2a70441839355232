//! The Dockerfile parser (in progress).
use miette::Diagnostic;
use thiserror::Error;

/// A Dockerfile that could not be parsed.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
pub struct ParseError {
    pub message: String,
}
