//! `xbuild lint [PATH...]`: check Dockerfiles (the given ones, else the
//! configured one), print every finding of every file, and exit 0, 1 (an
//! error-level finding) or 2 (a file could not be read or written, or the
//! configuration is invalid). Files that can be read are always checked
//! and reported, before the read errors of the others.

use crate::cli::{LintArgs, LintFormat};
use crate::config::{self, Project};
use crate::lint::report::{self, Format, Summary};
use crate::lint::{self, CrossFile, FileReport, Input, Options, Severity};
use crate::{Error, ExitStatus, fsutil};
use std::path::{Path, PathBuf};

/// One Dockerfile to check, and where its Dockerfile.cross is.
#[derive(Clone)]
struct Target {
    path: PathBuf,
    cross: PathBuf,
    /// The configured target stage (for the configured Dockerfile only).
    stage: Option<String>,
}

pub fn run(
    dir: Option<&Path>,
    config: Option<&Path>,
    args: &LintArgs,
) -> Result<ExitStatus, Error> {
    let project = config::load(dir, config)?;
    let ignore = project.config.lint.ignore.clone();
    let mut options = Options::new(
        ignore,
        "xbuild.toml [lint] ignore",
        args.select.clone(),
        project.config.dockerfile.strategy,
    )?;
    options.build_args = project.config.build.args.clone();
    options.platforms = project.config.image.platforms.clone();

    let mut reports: Vec<FileReport> = Vec::new();
    let mut errors: Vec<Error> = Vec::new();
    let mut changed = false;
    for target in targets(dir, &project, args) {
        let (input, on_disk) = match read(&target) {
            Ok(read) => read,
            Err(e) => {
                errors.push(e.into());
                continue;
            }
        };
        if !args.fix {
            reports.push(lint::check(&input, &options));
            continue;
        }
        let fixed = lint::fix::fix(&input, &options);
        match write_fixes(&target, &input, &on_disk, &fixed) {
            Ok(wrote) => changed |= wrote,
            Err(e) => errors.push(e.into()),
        }
        reports.push(fixed.report);
    }

    let format = match args.format {
        LintFormat::Human => Format::Human,
        LintFormat::Json => Format::Json,
        LintFormat::Github => Format::Github,
    };
    let summary = Summary::of(&reports);
    let mut out = report::render(format, &reports);
    match format {
        Format::Human => out.push_str(&format!("{}\n", summary.line())),
        Format::Github => eprintln!("{}", summary.line()),
        Format::Json => {}
    }
    crate::stdout::write(&out)?;
    let failed = !errors.is_empty();
    for e in errors {
        crate::error::report(e);
    }

    let worst = reports
        .iter()
        .flat_map(|r| &r.findings)
        .map(|f| f.rule.severity)
        .max();
    Ok(if failed {
        ExitStatus::Code(2)
    } else if worst == Some(Severity::Error)
        || (args.deny_warnings && worst.is_some())
        || (args.exit_nonzero_on_fix && changed)
    {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// The given paths, else the configured Dockerfile.
fn targets(dir: Option<&Path>, project: &Project, args: &LintArgs) -> Vec<Target> {
    let cfg = &project.config.dockerfile;
    let configured = Target {
        path: cfg.path.clone(),
        cross: cfg.cross.clone(),
        stage: cfg.target.clone(),
    };
    if args.paths.is_empty() {
        return vec![configured];
    }
    args.paths
        .iter()
        .map(|p| {
            let path = super::resolve(dir, p);
            if same_file(&path, &cfg.path) {
                Target {
                    path,
                    ..configured.clone()
                }
            } else {
                Target {
                    cross: super::cross::cross_path_for(&path),
                    path,
                    stage: None,
                }
            }
        })
        .collect()
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// What `--fix` may overwrite: the Dockerfile and its Dockerfile.cross as
/// they were read (an edit saved meanwhile is not overwritten).
struct OnDisk {
    dockerfile: fsutil::Expect,
    cross: fsutil::Expect,
}

/// Reads the Dockerfile, and its Dockerfile.cross when there is one.
fn read(target: &Target) -> Result<(Input, OnDisk), fsutil::FsError> {
    let (text, dockerfile) = fsutil::read_text_stamped(&target.path, "the Dockerfile")?;
    let (cross, cross_on_disk) = if target.cross.is_file() {
        let (text, expect) = fsutil::read_text_stamped(&target.cross, "Dockerfile.cross")?;
        let file = CrossFile {
            name: super::display(&target.cross),
            text,
        };
        (Some(file), expect)
    } else {
        (None, fsutil::Expect::Absent)
    };
    let input = Input {
        name: super::display(&target.path),
        text,
        target: target.stage.clone(),
        cross,
    };
    let on_disk = OnDisk {
        dockerfile,
        cross: cross_on_disk,
    };
    Ok((input, on_disk))
}

/// Writes what `--fix` changed and says so on stderr; true when a file changed.
fn write_fixes(
    target: &Target,
    input: &Input,
    on_disk: &OnDisk,
    fixed: &lint::fix::Fixed,
) -> Result<bool, fsutil::FsError> {
    if let Some(why) = &fixed.refused {
        eprintln!("warning: {}: {why}", input.name);
    }
    let mut wrote = false;
    if fixed.text != input.text {
        fsutil::write_checked(&target.path, fixed.text.as_bytes(), &on_disk.dockerfile)?;
        wrote = true;
    }
    if let Some(cross) = &fixed.cross {
        fsutil::write_checked(&target.cross, cross.as_bytes(), &on_disk.cross)?;
        wrote = true;
    }
    for (id, n) in &fixed.fixed {
        let name = lint::rule::find(id).map_or("", |r| r.name);
        let what = if *id == "XB010" {
            format!("rewrote {}", super::display(&target.cross))
        } else if *n == 1 {
            "fixed 1 finding".to_string()
        } else {
            format!("fixed {n} findings")
        };
        eprintln!("{}: {what} ({id} {name})", input.name);
    }
    Ok(wrote)
}
