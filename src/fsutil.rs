//! Reading the user's files as text and writing files atomically.
//!
//! Invariant: a file xbuild writes is either its old content or its complete
//! new content, never half-written: the new bytes go to a temporary file in
//! the same directory, which is then renamed over the target. An existing
//! target keeps its permissions, owner and hard links, and a file that
//! changed since it was read is not overwritten ([`write`]). Reads never
//! hang on a FIFO and are bounded for files that are not regular ([`read`]).

pub mod read;
pub mod write;

pub use read::{Stamp, read_optional};
pub use write::{Expect, write_checked};

use miette::Diagnostic;
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

    #[error("{} is a directory", path.display())]
    #[diagnostic(code(xbuild::fs::is_dir), help("{help}"))]
    IsDirectory { path: PathBuf, help: String },

    #[error("{} is not a regular file and gives more than {} MiB", path.display(), read::MAX_STREAM >> 20)]
    #[diagnostic(
        code(xbuild::fs::too_long),
        help("give a regular file; a pipe or device is read only up to that size")
    )]
    TooLong { path: PathBuf },

    #[error("{} changed since xbuild read it; not overwritten", path.display())]
    #[diagnostic(
        code(xbuild::fs::changed),
        help("it was edited (or replaced) while xbuild ran; run xbuild again on the new version")
    )]
    Changed { path: PathBuf },

    #[error("the output {} is the input file", path.display())]
    #[diagnostic(
        code(xbuild::fs::output_is_input),
        help("write the result to another file (e.g. Dockerfile.cross) or to stdout with `-o -`")
    )]
    OutputIsInput { path: PathBuf },

    #[error("cannot write the output to stdout: {source}")]
    #[diagnostic(code(xbuild::fs::stdout), help("{help}"))]
    Stdout {
        #[source]
        source: std::io::Error,
        help: String,
    },
}

/// Reads a UTF-8 text file. `what` names the file for the not-found help,
/// e.g. "the Dockerfile".
pub fn read_text(path: &Path, what: &str) -> Result<String, FsError> {
    read_text_stamped(path, what).map(|(text, _)| text)
}

/// [`read_text`], and what to expect on disk when writing it back: the file
/// as read, or (not a regular file) anything.
pub fn read_text_stamped(path: &Path, what: &str) -> Result<(String, Expect), FsError> {
    let (bytes, stamp) = read::read_stamped(path).map_err(|failure| match failure {
        read::ReadFailure::IsDirectory => FsError::IsDirectory {
            path: path.to_path_buf(),
            help: format!("give the path of {what}, not of a directory"),
        },
        read::ReadFailure::TooLong => FsError::TooLong {
            path: path.to_path_buf(),
        },
        read::ReadFailure::Io(source) if source.kind() == std::io::ErrorKind::NotFound => {
            FsError::NotFound {
                path: path.to_path_buf(),
                help: format!(
                    "check the path of {what}, or run xbuild from the project directory (-C DIR)"
                ),
            }
        }
        read::ReadFailure::Io(source) => FsError::Read {
            path: path.to_path_buf(),
            source,
        },
    })?;
    let expect = stamp.map_or(Expect::Any, Expect::Same);
    Ok((text_from_bytes(path, bytes)?, expect))
}

/// Is `a` the same file as `b` (device and inode; false when either is
/// missing)?
pub fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    }
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

/// Writes `contents` to `path` atomically, whatever is there now (see
/// [`write_checked`] for the rules): for files xbuild generates.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), FsError> {
    write_checked(path, contents, &Expect::Any)
}

/// The file a chain of symlinks at `path` ends in (which need not exist yet),
/// or `path` itself when it is not a symlink. Gives up after 40 links, as
/// the kernel does, and then writes the link itself.
fn resolve_symlinks(path: &Path) -> PathBuf {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let Ok(target) = std::fs::read_link(&current) else {
                    return current;
                };
                current = match current.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            _ => return current,
        }
    }
    path.to_path_buf()
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

    #[test]
    fn atomic_write_to_a_device_writes_in_place() {
        use std::os::unix::fs::FileTypeExt;
        write_atomic(Path::new("/dev/null"), b"discarded").unwrap();
        let meta = std::fs::metadata("/dev/null").unwrap();
        assert!(meta.file_type().is_char_device(), "/dev/null was replaced");
        assert_eq!(std::fs::read("/dev/null").unwrap(), b"");
    }

    #[test]
    fn atomic_write_through_a_symlink_keeps_the_link() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("real")).unwrap();
        let target = dir.path().join("real/Dockerfile.cross");
        std::fs::write(&target, "old").unwrap();
        let link = dir.path().join("Dockerfile.cross");
        std::os::unix::fs::symlink("real/Dockerfile.cross", &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
    }

    #[test]
    fn atomic_write_refuses_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_atomic(dir.path(), b"x").unwrap_err();
        assert!(err.to_string().contains("cannot write"), "{err}");
    }
}
