//! Writing the user's files without losing their work.
//!
//! A regular file is replaced atomically (a temporary file in the same
//! directory, synced, renamed over it) keeping its mode, owner and group;
//! when the temporary file cannot be given the owner (not root), or the file
//! has several hard links, it is rewritten in place instead, so that the
//! owner and the links stay. Before replacing, the file must still be the
//! one that was read ([`Expect`]): an edit saved meanwhile is never
//! overwritten. A path that is not a regular file (`/dev/stdout`, a FIFO, a
//! device) is written in place, never read first and never renamed over.

use super::read::Stamp;
use super::{FsError, resolve_symlinks};
use std::fs::Metadata;
use std::io::{self, Write};
use std::path::Path;

/// What the file on disk must still be when it is replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// Whatever is there (a generated file nobody edits by hand).
    Any,
    /// Nothing: it did not exist when the input was read.
    Absent,
    /// The file that was read.
    Same(Stamp),
}

/// Writes `contents` to `path`, checking it against `expect` first.
pub fn write_checked(path: &Path, contents: &[u8], expect: &Expect) -> Result<(), FsError> {
    let err = |source| FsError::Write {
        path: path.to_path_buf(),
        source,
    };
    let existing = std::fs::metadata(path).ok();
    if let Some(meta) = &existing {
        if meta.is_dir() {
            return Err(err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "it is a directory",
            )));
        }
        if !meta.is_file() {
            return write_in_place(path, contents).map_err(err);
        }
    }
    check(path, existing.as_ref(), expect)?;
    let resolved = resolve_symlinks(path);
    let target = resolved.as_path();
    if let Some(meta) = &existing
        && several_links(meta)
    {
        return write_in_place(target, contents).map_err(err);
    }
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = target
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
    match &existing {
        Some(meta) => {
            tmp.as_file()
                .set_permissions(meta.permissions())
                .map_err(err)?;
            if !same_owner(tmp.as_file(), meta) {
                // Renaming would hand the file to us; keep its owner.
                drop(tmp);
                check(path, std::fs::metadata(path).ok().as_ref(), expect)?;
                return write_in_place(target, contents).map_err(err);
            }
        }
        None => {
            if let Some(perms) = super::default_permissions() {
                tmp.as_file().set_permissions(perms).map_err(err)?;
            }
        }
    }
    // Last look before the rename: an edit saved while we worked wins.
    check(path, std::fs::metadata(path).ok().as_ref(), expect)?;
    tmp.persist(target).map_err(|e| err(e.error))?;
    Ok(())
}

/// Refuses when the file is no longer what was read.
fn check(path: &Path, now: Option<&Metadata>, expect: &Expect) -> Result<(), FsError> {
    let changed = match (expect, now) {
        (Expect::Any, _) => false,
        (Expect::Absent, now) => now.is_some(),
        (Expect::Same(_), None) => true,
        (Expect::Same(read), Some(meta)) => Stamp::of(meta) != *read,
    };
    if changed {
        return Err(FsError::Changed {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

fn several_links(meta: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.nlink() > 1
}

/// Gives the temporary file the target's owner and group when they differ;
/// false when that is not allowed.
fn same_owner(tmp: &std::fs::File, meta: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(mine) = tmp.metadata() else {
        return false;
    };
    if (mine.uid(), mine.gid()) == (meta.uid(), meta.gid()) {
        return true;
    }
    std::os::unix::fs::fchown(tmp, Some(meta.uid()), Some(meta.gid())).is_ok()
}

/// Truncates and writes the file itself (its inode, owner, links stay).
fn write_in_place(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)?;
    f.write_all(contents)?;
    f.flush()?;
    // Devices and pipes cannot be synced; a regular file must be.
    if f.metadata().is_ok_and(|m| m.is_file()) {
        f.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fsutil::read_text_stamped;

    #[test]
    fn a_file_changed_since_it_was_read_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Dockerfile");
        std::fs::write(&path, "FROM a\n").unwrap();
        let (_, expect) = read_text_stamped(&path, "the Dockerfile").unwrap();
        // An editor saves (a different size, so the stamp differs even
        // within the mtime's resolution).
        std::fs::write(&path, "FROM b AS edited\n").unwrap();
        let err = write_checked(&path, b"FROM fixed\n", &expect).unwrap_err();
        assert!(matches!(err, FsError::Changed { .. }), "{err}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "FROM b AS edited\n"
        );
        // Replaced by another file (a new inode): refused too.
        let (_, expect) = read_text_stamped(&path, "the Dockerfile").unwrap();
        let other = dir.path().join("other");
        std::fs::write(&other, "FROM b AS edited\n").unwrap();
        std::fs::rename(&other, &path).unwrap();
        assert!(write_checked(&path, b"x", &expect).is_err());
        // Unchanged: written.
        let (_, expect) = read_text_stamped(&path, "the Dockerfile").unwrap();
        write_checked(&path, b"FROM fixed\n", &expect).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "FROM fixed\n");
    }

    #[test]
    fn a_file_that_appeared_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Dockerfile.cross");
        std::fs::write(&path, "mine").unwrap();
        assert!(write_checked(&path, b"x", &Expect::Absent).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
    }

    #[test]
    fn hard_links_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::fs::write(&a, "old").unwrap();
        std::fs::hard_link(&a, &b).unwrap();
        write_checked(&a, b"new", &Expect::Any).unwrap();
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "new");
    }
}
