//! Errors of `xbuild lint` itself (not findings): a rule ID that names no
//! rule. Unreadable files are `FsError`s, reported by the command.

use miette::Diagnostic;
use thiserror::Error;

/// Problems with what `xbuild lint` was asked to do.
#[derive(Debug, Error, Diagnostic)]
pub enum LintError {
    #[error("unknown rule ID {id:?} in {from}")]
    #[diagnostic(
        code(xbuild::lint::unknown_rule),
        help("the rules are XB000 to XB010; `xbuild lint --help` lists them")
    )]
    UnknownRule { id: String, from: String },
}
