//! Running the host builds: every platform's `go build` in parallel
//! (bounded by the CPU count), a live progress line per platform, and each
//! binary's header checked against its platform once it is written.
//!
//! `go build -v` lists on stderr the packages it compiled, so a build that
//! lists none was served entirely from the build cache: the progress line
//! says `cached`.

use super::GoError;
use super::build::HostBuild;
use super::header::{Check, Header};
use super::progress::Progress;
use crate::exec::{self, Captured, Event, ExecError};
use crate::interrupt::Interrupt;
use crate::platform::Platform;
use regex::Regex;
use std::path::PathBuf;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

/// A line of `go build -v`: a bare import path.
static PACKAGE_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9._~+/-]+$").expect("regex"));

/// One finished build.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub platform: Platform,
    pub output: PathBuf,
    pub duration: Duration,
    /// Packages compiled (0: everything came from the build cache).
    pub compiled: usize,
}

impl Outcome {
    /// `cached` or `12 packages compiled`.
    pub fn detail(&self) -> String {
        detail(self.compiled)
    }
}

/// How many builds run at once: one per CPU.
pub fn jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs the builds, at most `jobs` at a time, with a progress display whose
/// lines start with `indent`. The first failure (in the order given) is the
/// error; every build is still waited for.
pub fn build_all(
    builds: &[HostBuild],
    jobs: usize,
    interrupt: &Interrupt,
    indent: &str,
) -> Result<Vec<Outcome>, GoError> {
    let labels = builds.iter().map(|b| b.platform.to_string()).collect();
    let progress = Progress::new(labels, indent);
    let cmds: Vec<exec::Cmd> = builds.iter().map(|b| b.cmd.clone()).collect();
    // Per build: when it started, and how long it took once it finished
    // (not when all of them have).
    let times: Vec<std::sync::Mutex<(Option<Instant>, Duration)>> = builds
        .iter()
        .map(|_| std::sync::Mutex::new((None, Duration::ZERO)))
        .collect();
    let results = exec::capture_parallel(&cmds, jobs, interrupt, &|i, event| match event {
        Event::Started => {
            times[i].lock().expect("lock").0 = Some(Instant::now());
            progress.started(i);
        }
        Event::Finished(r) => {
            {
                let mut t = times[i].lock().expect("lock");
                t.1 = t.0.map_or(Duration::ZERO, |s| s.elapsed());
            }
            match r {
                Ok(c) if c.success => progress.finished(i, true, &detail(compiled(&c.stderr))),
                Ok(c) => progress.finished(i, false, &c.status),
                Err(ExecError::Interrupted { .. }) => progress.finished(i, false, "interrupted"),
                Err(_) => progress.finished(i, false, ""),
            }
        }
    });
    progress.finish();

    let mut outcomes = Vec::new();
    let mut failures: Vec<(usize, Captured)> = Vec::new();
    for (i, (build, result)) in builds.iter().zip(results).enumerate() {
        let duration = times[i].lock().expect("lock").1;
        match result {
            Err(e) => return Err(GoError::Exec(e)),
            Ok(c) if !c.success => failures.push((i, c)),
            Ok(c) => outcomes.push(Outcome {
                platform: build.platform.clone(),
                output: build.output.clone(),
                duration,
                compiled: compiled(&c.stderr),
            }),
        }
    }
    if let Some((i, c)) = failures.first() {
        let others: Vec<String> = failures[1..]
            .iter()
            .map(|(j, _)| builds[*j].platform.to_string())
            .collect();
        return Err(failure(&builds[*i], c, &others));
    }
    for o in &outcomes {
        check_binary(&o.output, &o.platform)?;
    }
    Ok(outcomes)
}

/// Checks that `path` exists and its header is `platform`'s.
pub fn check_binary(path: &std::path::Path, platform: &Platform) -> Result<(), GoError> {
    let header = Header::read(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            GoError::NoBinary {
                path: path.to_path_buf(),
                platform: platform.to_string(),
            }
        } else {
            GoError::Read {
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    match header.check(platform) {
        Check::Matches | Check::Unchecked => Ok(()),
        Check::Mismatch(found) => Err(GoError::Header {
            path: path.to_path_buf(),
            platform: platform.to_string(),
            found,
        }),
    }
}

fn detail(compiled: usize) -> String {
    match compiled {
        0 => "cached".to_string(),
        1 => "1 package compiled".to_string(),
        n => format!("{n} packages compiled"),
    }
}

fn compiled(stderr: &str) -> usize {
    stderr.lines().filter(|l| PACKAGE_LINE.is_match(l)).count()
}

/// The error for a failed build: its command and the end of its stderr
/// (without the `-v` package list).
fn failure(build: &HostBuild, c: &Captured, others: &[String]) -> GoError {
    let dir = build
        .cmd
        .cwd
        .as_ref()
        .map(|d| format!("(in {}) ", d.display()))
        .unwrap_or_default();
    let mut help = format!("the command was:\n  {dir}{}", build.cmd.display());
    let lines: Vec<&str> = c
        .stderr
        .lines()
        .filter(|l| !PACKAGE_LINE.is_match(l) && !l.trim().is_empty())
        .collect();
    if !lines.is_empty() {
        help.push_str("\nlast lines of its stderr:");
        for l in &lines[lines.len().saturating_sub(exec::TAIL_LINES)..] {
            help.push_str("\n  ");
            help.push_str(l);
        }
    }
    if !others.is_empty() {
        help.push_str(&format!("\nalso failed: {}", others.join(", ")));
    }
    GoError::BuildFailed {
        platform: build.platform.to_string(),
        status: c.status.clone(),
        help,
    }
}

/// Maps an interrupted build to the signal, for callers that exit 130/143.
pub fn interrupted(e: &GoError) -> Option<i32> {
    match e {
        GoError::Exec(ExecError::Interrupted { signal, .. }) => Some(*signal),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::Cmd;

    #[test]
    fn counts_compiled_packages() {
        assert_eq!(compiled(""), 0);
        assert_eq!(
            compiled("example.com/operator/controllers\ncommand-line-arguments\n"),
            2
        );
        assert_eq!(compiled("# x\nmain.go:3:1: syntax error\n"), 0);
    }

    #[test]
    fn failure_shows_the_command_and_errors_only() {
        let b = HostBuild {
            platform: "linux/arm64".parse().unwrap(),
            cmd: Cmd::new("go").args(["build", "-v", "."]).cwd("/p"),
            output: "/p/bin/m".into(),
        };
        let c = Captured {
            success: false,
            code: Some(1),
            status: "exit status 1".into(),
            stdout: String::new(),
            stderr: "example.com/op/controllers\n# example.com/op/controllers\ncontrollers/a.go:3:1: syntax error\n".into(),
        };
        match failure(&b, &c, &["linux/amd64".into()]) {
            GoError::BuildFailed { platform, help, .. } => {
                assert_eq!(platform, "linux/arm64");
                assert_eq!(
                    help,
                    "the command was:\n  (in /p) go build -v .\nlast lines of its stderr:\n  # example.com/op/controllers\n  controllers/a.go:3:1: syntax error\nalso failed: linux/amd64"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn checks_real_binaries() {
        let exe = std::env::current_exe().unwrap();
        check_binary(&exe, &Platform::host()).unwrap();
        let other: Platform = if Platform::host().arch == "arm64" {
            "linux/amd64".parse().unwrap()
        } else {
            "linux/arm64".parse().unwrap()
        };
        assert!(matches!(
            check_binary(&exe, &other),
            Err(GoError::Header { .. })
        ));
        assert!(matches!(
            check_binary(std::path::Path::new("/nonexistent/x"), &other),
            Err(GoError::NoBinary { .. })
        ));
    }
}
