//! Reading the user's files as text and writing files atomically.
//!
//! Invariant: a file xbuild writes is either its old content or its complete
//! new content, never half-written: the new bytes go to a temporary file in
//! the same directory, which is then renamed over the target. An existing
//! target keeps its permissions.

use miette::Diagnostic;
use std::io::Write;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Errors reading or writing the user's files.
#[derive(Debug, Error, Diagnostic)]
pub enum FsError {
    #[error("{} does not exist", path.display())]
    #[diagnostic(code(xbuild::fs::not_found), help("{help}"))]
    NotFound { path: PathBuf, help: String },

    #[error("cannot read {}: {source}", path.display())]
    #[diagnostic(code(xbuild::fs::read))]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{} is not valid UTF-8 (line {line}, column {column})", path.display())]
    #[diagnostic(
        code(xbuild::fs::not_utf8),
        help("save the file as UTF-8; Dockerfiles and xbuild.toml must be UTF-8 text")
    )]
    NotUtf8 {
        path: PathBuf,
        line: usize,
        column: usize,
    },

    #[error("cannot write {}: {source}", path.display())]
    #[diagnostic(code(xbuild::fs::write))]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Reads a UTF-8 text file. `what` names the file for the not-found help,
/// e.g. "the Dockerfile".
pub fn read_text(path: &Path, what: &str) -> Result<String, FsError> {
    let bytes = std::fs::read(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            FsError::NotFound {
                path: path.to_path_buf(),
                help: format!(
                    "check the path of {what}, or run xbuild from the project directory (-C DIR)"
                ),
            }
        } else {
            FsError::Read {
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    text_from_bytes(path, bytes)
}

/// Turns bytes into a String, or a [`FsError::NotUtf8`] that says where the
/// first invalid byte is.
pub fn text_from_bytes(path: &Path, bytes: Vec<u8>) -> Result<String, FsError> {
    String::from_utf8(bytes).map_err(|err| {
        let valid = err.utf8_error().valid_up_to();
        let bytes = err.as_bytes();
        let before = &bytes[..valid];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        FsError::NotUtf8 {
            path: path.to_path_buf(),
            line,
            column,
        }
    })
}

/// Writes `contents` to `path` atomically: a temporary file in the same
/// directory, flushed, then renamed over `path`. An existing file's
/// permissions are kept.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), FsError> {
    let err = |source| FsError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".xbuild-tmp")
        .tempfile_in(dir)
        .map_err(err)?;
    tmp.write_all(contents).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    let perms = match std::fs::metadata(path) {
        Ok(meta) => Some(meta.permissions()),
        Err(_) => default_permissions(),
    };
    if let Some(perms) = perms {
        tmp.as_file().set_permissions(perms).map_err(err)?;
    }
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

/// Permissions for a new file: what `open(2)` would give under the current
/// umask (tempfile creates its files 0600, which would surprise the user).
#[cfg(unix)]
fn default_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    // std does not expose the umask; read it from /proc, else assume 022.
    let umask = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022);
    Some(std::fs::Permissions::from_mode(0o666 & !umask))
}

#[cfg(not(unix))]
fn default_permissions() -> Option<std::fs::Permissions> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_utf8_reports_line_and_column() {
        let err =
            text_from_bytes(Path::new("Dockerfile"), b"FROM a\nRUN \xff\n".to_vec()).unwrap_err();
        match err {
            FsError::NotUtf8 { line, column, .. } => assert_eq!((line, column), (2, 5)),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn atomic_write_keeps_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o751)).unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o751
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
