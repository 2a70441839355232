//! What a host build may allow around the `go build`: the commands that can
//! run before or after it without changing the binary, and the environment
//! (cgo for another platform) a host build cannot reproduce.

use super::{Detect, Found, ShellCommand};
use crate::dockerfile::Dockerfile;
use crate::golang::GoError;
use crate::golang::error::HELP_CONTAINER;
use crate::platform::Platform;

/// Programs that may run before `go build` without changing what it builds
/// (package managers, users, directories, messages).
pub(super) const HARMLESS_BEFORE: &[&str] = &[
    "apk",
    "apt-get",
    "apt",
    "yum",
    "dnf",
    "microdnf",
    "mkdir",
    "echo",
    "true",
    "ls",
    "set",
    "update-ca-certificates",
    "useradd",
    "adduser",
    "addgroup",
    "groupadd",
    "printf",
    ":",
    "pwd",
];

/// `go` subcommands that may run before `go build` without changing it
/// (`go mod` only with the subcommands in `HARMLESS_GO_MOD`).
pub(super) const HARMLESS_GO: &[&str] = &["mod", "version", "env", "vet", "test", "list"];

/// `go mod` subcommands that change no source (`vendor` and `tidy` do).
pub(super) const HARMLESS_GO_MOD: &[&str] = &["download", "verify", "graph", "why"];

/// Programs that may run after `go build` without changing the binary.
pub(super) const HARMLESS_AFTER: &[&str] = &[
    "echo",
    "true",
    "ls",
    "file",
    "du",
    "printf",
    ":",
    "sha256sum",
    "md5sum",
    "stat",
    "pwd",
];

impl Detect<'_> {
    /// GOOS/GOARCH must follow the target; cgo needs a C cross compiler.
    pub(super) fn check_env(&self, found: &Found) -> Result<(), GoError> {
        let p = self.platform;
        for (var, want) in [("GOOS", &p.os), ("GOARCH", &p.arch)] {
            if let Some(v) = found.env.get(var)
                && !v.is_empty()
                && v != want
            {
                return Err(self.stage_error(
                    &found.span,
                    format!("the stage sets {var}={v} when building for {p}"),
                    &format!("{var}={v}"),
                    &format!(
                        "derive it from the target platform, e.g. {var}=${{TARGET{}}}, or {HELP_CONTAINER}",
                        &var[2..]
                    ),
                ));
            }
        }
        let cfg_env = |k: &str| {
            self.config
                .go
                .env
                .iter()
                .rev()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
        };
        let cgo = cfg_env("CGO_ENABLED").or_else(|| found.env.get("CGO_ENABLED").cloned());
        if cgo.as_deref() == Some("1") && *p != Platform::host() && cfg_env("CC").is_none() {
            return Err(self.stage_error(
                &found.span,
                format!("the stage builds with cgo (CGO_ENABLED=1), which needs a C cross compiler for {p}"),
                "CGO_ENABLED=1",
                &format!(
                    "set [go] env = {{ CC = \"<cross compiler for {p}>\" }} (or CGO_ENABLED = \"0\") in xbuild.toml, or {HELP_CONTAINER}"
                ),
            ));
        }
        Ok(())
    }
}

/// A command after `go build` that leaves the binary as the host build
/// makes it: a listing, a checksum, `chmod +x` (go already writes it
/// executable), `go vet` / `go test`.
pub(super) fn harmless_after(c: &ShellCommand) -> bool {
    let words: Vec<&str> = c.text.split_whitespace().collect();
    match c.program.as_str() {
        p if HARMLESS_AFTER.contains(&p) => true,
        "chmod" => words
            .iter()
            .skip(1)
            .any(|w| matches!(*w, "+x" | "a+x" | "u+x" | "ugo+x" | "755" | "0755")),
        "go" => words
            .iter()
            .skip_while(|w| !w.ends_with("go"))
            .nth(1)
            .is_some_and(|sub| matches!(*sub, "vet" | "test" | "version")),
        _ => false,
    }
}

/// Notes for commands before `go build` that may change what it builds.
pub(super) fn before_notes(programs: &[ShellCommand], df: &Dockerfile, place: &str) -> Vec<String> {
    programs
        .iter()
        .filter(|c| !harmless_before(&c.program, &c.text))
        .map(|c| {
            format!(
                "`{}` (line {}, {place}) runs before go build in the container and may change what it builds; the host build uses your working tree as it is",
                c.text,
                df.line_col(c.span.start).0
            )
        })
        .collect()
}

pub(super) fn harmless_before(program: &str, text: &str) -> bool {
    if program == "go" {
        let mut words = text
            .split_whitespace()
            .skip_while(|w| !w.ends_with("go"))
            .skip(1)
            .filter(|w| !w.starts_with('-'));
        return match words.next() {
            Some("mod") => words.next().is_some_and(|s| HARMLESS_GO_MOD.contains(&s)),
            Some(sub) => HARMLESS_GO.contains(&sub),
            None => false,
        };
    }
    HARMLESS_BEFORE.contains(&program)
}
