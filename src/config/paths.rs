//! Joining paths the way xbuild.toml means them.
//!
//! Resolved paths are absolute when the project root is (`-C /abs`), else
//! relative to the current directory, exactly as the root was given (`.`
//! or `-C sub`): xbuild never changes directory, so such a path can be used
//! as it is, and it reads naturally in messages ("Dockerfile", not
//! "/home/me/src/op/./Dockerfile").

use std::path::{Component, Path, PathBuf};

/// `base/path` with `.` and `..` resolved lexically (`sub/ci` + `../x` is
/// `sub/x`), `.` when nothing is left. An absolute `path` replaces `base`.
pub fn join(base: &Path, path: impl AsRef<Path>) -> PathBuf {
    let mut out = PathBuf::new();
    for c in base.join(path).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            // The parent of `/` is `/`.
            Component::ParentDir if out.has_root() && out.parent().is_none() => {}
            c => out.push(c),
        }
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins() {
        let j = |b: &str, p: &str| join(Path::new(b), p).display().to_string();
        assert_eq!(j(".", "Dockerfile"), "Dockerfile");
        assert_eq!(j(".", "."), ".");
        assert_eq!(j("", "x"), "x");
        assert_eq!(j(".", "../x"), "../x");
        assert_eq!(j("sub/ci", "../docker/Dockerfile"), "sub/docker/Dockerfile");
        assert_eq!(j("sub", ".."), ".");
        assert_eq!(j("/p/sub", ".."), "/p");
        assert_eq!(j("/p", "/abs/x"), "/abs/x");
        assert_eq!(j("/", ".."), "/");
    }
}
