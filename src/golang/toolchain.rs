//! The host Go toolchain: found on PATH with `which`, its version read from
//! `go version`, and compared with the `go` line of the module's go.mod.
//!
//! A missing toolchain and one older than go.mod asks for are errors that
//! say which was found and what to do; they are what `auto` mode reads to
//! fall back to the container build.

use super::GoError;
use crate::exec::{self, Cmd};
use miette::NamedSource;
use regex::Regex;
use std::cmp::Ordering;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

static GO_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^[ \t]*go[ \t]+([0-9][^ \t\r\n/]*)").expect("regex"));
static MODULE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?m)^[ \t]*module[ \t]+"?([^ \t\r\n"/][^ \t\r\n"]*)"?"#).expect("regex")
});
static VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"go([0-9]+)\.([0-9]+)(?:\.([0-9]+))?").expect("regex"));

/// A Go version: `1.19.8`, `1.22` (patch 0), `1.23rc1` (a pre-release
/// counts as its release for the comparison with go.mod).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct GoVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl GoVersion {
    /// Parses `1.19`, `1.19.8`, `1.21rc2`, `go1.22.1`.
    pub fn parse(s: &str) -> Option<GoVersion> {
        let s = s.trim().trim_start_matches("go");
        let mut nums = s.split(|c: char| !c.is_ascii_digit());
        let major = nums.next()?.parse().ok()?;
        let minor = nums.next().and_then(|n| n.parse().ok()).unwrap_or(0);
        let patch = if s.split('.').count() >= 3 {
            nums.next().and_then(|n| n.parse().ok()).unwrap_or(0)
        } else {
            0
        };
        Some(GoVersion {
            major,
            minor,
            patch,
        })
    }
}

impl std::fmt::Display for GoVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.patch == 0 {
            write!(f, "{}.{}", self.major, self.minor)
        } else {
            write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
        }
    }
}

/// The `go` command on PATH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toolchain {
    pub path: PathBuf,
    pub version: GoVersion,
    /// `go version`'s output, e.g. `go version go1.19.8 linux/amd64`.
    pub banner: String,
}

impl Toolchain {
    /// Finds `go` on PATH and asks it its version.
    pub fn find() -> Result<Toolchain, GoError> {
        let path = which::which("go").map_err(|_| GoError::ToolchainMissing)?;
        let cmd = Cmd::new(path.display().to_string()).arg("version");
        let out = exec::capture(&cmd)
            .and_then(|o| o.check(&cmd))
            .map_err(GoError::Exec)?;
        let banner = out.stdout.trim().to_string();
        let version = VERSION
            .captures(&banner)
            .and_then(|c| GoVersion::parse(&c[0]))
            .ok_or_else(|| GoError::Version {
                path: path.clone(),
                output: banner.clone(),
            })?;
        Ok(Toolchain {
            path,
            version,
            banner,
        })
    }

    /// Checks that this toolchain can build `module` (go.mod's `go` line).
    pub fn check(&self, module: &GoMod) -> Result<(), GoError> {
        let Some((required, span)) = &module.go else {
            return Ok(());
        };
        if self.version.cmp(required) != Ordering::Less {
            return Ok(());
        }
        Err(GoError::TooOld {
            found: self.version.to_string(),
            path: self.path.clone(),
            required: required.to_string(),
            src: NamedSource::new(module.path.display().to_string(), module.text.clone()),
            span: (span.start, span.end - span.start).into(),
        })
    }
}

/// A go.mod: where it is, its module path and its `go` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoMod {
    pub path: PathBuf,
    pub text: String,
    /// The `module` path, e.g. `example.com/operator`.
    pub module: Option<String>,
    /// The `go` directive's version and its span in `text`.
    pub go: Option<(GoVersion, std::ops::Range<usize>)>,
}

impl GoMod {
    /// Parses the text of a go.mod.
    pub fn parse(path: PathBuf, text: String) -> GoMod {
        let go = GO_LINE.captures(&text).and_then(|c| {
            let m = c.get(1)?;
            Some((GoVersion::parse(m.as_str())?, m.range()))
        });
        let module = MODULE_LINE.captures(&text).map(|c| c[1].to_string());
        GoMod {
            path,
            text,
            module,
            go,
        }
    }

    /// The go.mod of the module that holds `dir`: the nearest one in `dir`
    /// or a parent, as the go command finds it.
    pub fn find(dir: &Path) -> Option<GoMod> {
        let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        abs.ancestors().find_map(|d| {
            let p = d.join("go.mod");
            let text = crate::fsutil::read_optional(&p)?;
            Some(GoMod::parse(p, text))
        })
    }

    /// The module root directory.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> GoVersion {
        GoVersion::parse(s).unwrap_or_else(|| panic!("{s}"))
    }

    #[test]
    fn versions() {
        assert_eq!(v("1.19").to_string(), "1.19");
        assert_eq!(v("go1.19.8").to_string(), "1.19.8");
        assert_eq!(v("1.21rc2"), v("1.21"));
        assert!(v("1.19.8") > v("1.19"));
        assert!(v("1.19.8") < v("1.20"));
        assert!(v("1.9") < v("1.19"));
        assert!(v("2.0") > v("1.99.9"));
    }

    #[test]
    fn go_mod_lines() {
        let m = GoMod::parse(
            "go.mod".into(),
            "// comment\nmodule example.com/op/v2\n\ngo 1.21.0\n\ntoolchain go1.22.1\n".into(),
        );
        assert_eq!(m.module.as_deref(), Some("example.com/op/v2"));
        let (ver, span) = m.go.clone().unwrap();
        assert_eq!(ver, v("1.21.0"));
        assert_eq!(&m.text[span], "1.21.0");
        let m = GoMod::parse("go.mod".into(), "module \"x\"\n".into());
        assert_eq!(m.module.as_deref(), Some("x"));
        assert!(m.go.is_none());
    }

    #[test]
    fn too_old_points_at_the_go_line() {
        let t = Toolchain {
            path: "/usr/bin/go".into(),
            version: v("1.19.8"),
            banner: "go version go1.19.8 linux/amd64".into(),
        };
        let m = GoMod::parse("go.mod".into(), "module x\n\ngo 1.22\n".into());
        match t.check(&m) {
            Err(GoError::TooOld {
                found,
                required,
                span,
                ..
            }) => {
                assert_eq!((found.as_str(), required.as_str()), ("1.19.8", "1.22"));
                assert_eq!(span.offset(), 13);
            }
            other => panic!("{other:?}"),
        }
        let ok = GoMod::parse("go.mod".into(), "module x\n\ngo 1.19\n".into());
        assert!(t.check(&ok).is_ok());
    }
}
