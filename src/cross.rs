//! Dockerfile -> Dockerfile.cross (in progress).
use miette::Diagnostic;
use thiserror::Error;

/// Errors of the cross rewrite.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
pub struct CrossError {
    pub message: String,
}
