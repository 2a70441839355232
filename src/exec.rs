//! The only place xbuild starts processes.
//!
//! A [`Cmd`] is data (program, arguments, environment, directory, stdin):
//! the dry-run prints it, the real run executes it. Nothing goes through a
//! shell unless the argv says `sh -c` explicitly. A failure carries the
//! command line, its exit status and the tail of its stderr.
//!
//! [`stream`] runs a long command (a build) with its output on the terminal:
//! when stderr is a terminal it is inherited untouched (buildx keeps its TTY
//! progress display); otherwise it is copied through line by line and the
//! last lines are kept for the error report. SIGINT/SIGTERM are forwarded to
//! the command, which is waited for, so cleanup can follow.

use crate::interrupt::Interrupt;
use miette::Diagnostic;
use serde::Serialize;
use std::collections::VecDeque;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use thiserror::Error;

/// How many lines of stderr a failure report keeps.
pub(crate) const TAIL_LINES: usize = 20;

/// A command to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cmd {
    pub program: String,
    pub args: Vec<String>,
    /// Variables added to the inherited environment.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<PathBuf>,
    /// What is fed to stdin, described for humans (the bytes are not shown).
    #[serde(rename = "stdin", skip_serializing_if = "Option::is_none")]
    pub stdin_label: Option<String>,
    #[serde(skip)]
    pub stdin: Option<Vec<u8>>,
}

impl Cmd {
    pub fn new(program: impl Into<String>) -> Cmd {
        Cmd {
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            cwd: None,
            stdin_label: None,
            stdin: None,
        }
    }

    pub fn arg(mut self, a: impl Into<String>) -> Cmd {
        self.args.push(a.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, k: impl Into<String>, v: impl Into<String>) -> Cmd {
        self.env.push((k.into(), v.into()));
        self
    }

    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Cmd {
        self.cwd = Some(dir.into());
        self
    }

    /// Feeds `bytes` to the command's stdin; `label` says what they are.
    pub fn stdin(mut self, bytes: Vec<u8>, label: impl Into<String>) -> Cmd {
        self.stdin = Some(bytes);
        self.stdin_label = Some(label.into());
        self
    }

    /// Program and arguments.
    pub fn argv(&self) -> Vec<String> {
        std::iter::once(self.program.clone())
            .chain(self.args.iter().cloned())
            .collect()
    }

    /// The command as a shell line: `K=V program 'arg with space'`, plus
    /// `< label` when something is fed to stdin.
    pub fn display(&self) -> String {
        let mut parts: Vec<String> = self
            .env
            .iter()
            .map(|(k, v)| format!("{k}={}", quote(v)))
            .collect();
        parts.extend(self.argv().iter().map(|a| quote(a)));
        let mut line = parts.join(" ");
        if let Some(label) = &self.stdin_label {
            line.push_str(" < ");
            line.push_str(&quote(label));
        }
        line
    }
}

/// Quotes a word for a POSIX shell, only when it needs it.
pub fn quote(s: &str) -> String {
    let safe = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,+@%^".contains(c));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Why a command did not succeed.
#[derive(Debug, Error, Diagnostic)]
pub enum ExecError {
    #[error("`{program}` was not found on PATH")]
    #[diagnostic(code(xbuild::exec::not_found), help("{help}"))]
    NotFound { program: String, help: String },

    #[error("cannot start `{command}`: {source}")]
    #[diagnostic(code(xbuild::exec::spawn))]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },

    #[error("`{command}` failed ({status})")]
    #[diagnostic(code(xbuild::exec::failed), help("{}", failed_help(stderr_tail)))]
    Failed {
        command: String,
        status: String,
        /// The exit code, when the process exited (not killed).
        code: Option<i32>,
        stderr_tail: String,
    },

    #[error("`{command}` was interrupted by {}", Interrupt::name(*signal))]
    #[diagnostic(code(xbuild::exec::interrupted))]
    Interrupted { command: String, signal: i32 },
}

/// The help of a failed command: the last lines of its stderr.
fn failed_help(tail: &str) -> String {
    if tail.trim().is_empty() {
        "it printed nothing on stderr".to_string()
    } else {
        format!("last lines of its stderr:\n{tail}")
    }
}

impl ExecError {
    fn not_found(program: &str) -> ExecError {
        let help = match Path::new(program).file_name().and_then(|n| n.to_str()) {
            Some("docker") => "install the Docker CLI (Debian: apt-get install docker.io, or docker-ce-cli), or set CONTAINER_TOOL to its path".to_string(),
            Some("go") => "install Go (Debian: apt-get install golang-go) or put it on PATH".to_string(),
            _ => format!("install {program} or put it on PATH"),
        };
        ExecError::NotFound {
            program: program.to_string(),
            help,
        }
    }

    fn spawn(cmd: &Cmd, source: std::io::Error) -> ExecError {
        if source.kind() == std::io::ErrorKind::NotFound {
            ExecError::not_found(&cmd.program)
        } else {
            ExecError::Spawn {
                command: cmd.display(),
                source,
            }
        }
    }
}

/// A finished command's captured output.
#[derive(Debug, Clone)]
pub struct Captured {
    pub success: bool,
    pub code: Option<i32>,
    pub status: String,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` to completion, capturing stdout and stderr; a non-zero exit
/// is not an error here (see [`Captured::check`]).
pub fn capture(cmd: &Cmd) -> Result<Captured, ExecError> {
    let ran = run(cmd, Output::Capture, None)?;
    Ok(ran.captured())
}

impl Captured {
    /// The output, or [`ExecError::Failed`] when the command failed.
    pub fn check(self, cmd: &Cmd) -> Result<Captured, ExecError> {
        if self.success {
            return Ok(self);
        }
        Err(ExecError::Failed {
            command: cmd.display(),
            status: self.status,
            code: self.code,
            stderr_tail: tail(&self.stderr),
        })
    }
}

/// Runs `cmd` with its output on the terminal (see the module docs) and
/// waits for it, forwarding SIGINT/SIGTERM.
pub fn stream(cmd: &Cmd, interrupt: &Interrupt) -> Result<(), ExecError> {
    let output = if std::io::stderr().is_terminal() {
        Output::Inherit
    } else {
        Output::Tee
    };
    let ran = run(cmd, output, Some(interrupt))?;
    if ran.status.success() {
        return Ok(());
    }
    Err(ExecError::Failed {
        command: cmd.display(),
        status: describe(&ran.status),
        code: ran.status.code(),
        stderr_tail: ran.stderr,
    })
}

/// Runs `cmd` to completion with stdout and stderr captured, like
/// [`capture`], but forwarding SIGINT/SIGTERM as [`stream`] does: an
/// interrupted command is [`ExecError::Interrupted`].
pub fn capture_interruptible(cmd: &Cmd, interrupt: &Interrupt) -> Result<Captured, ExecError> {
    let ran = run(cmd, Output::Capture, Some(interrupt))?;
    Ok(ran.captured())
}

/// Where a child's output goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Output {
    /// Stdout and stderr captured whole.
    Capture,
    /// Both on our terminal, untouched.
    Inherit,
    /// Stdout inherited; stderr copied to ours line by line, the last lines kept.
    Tee,
}

/// What [`run`] saw: the status, the captured stdout (empty when
/// streamed) and the captured stderr (its tail with [`Output::Tee`]).
struct Ran {
    status: std::process::ExitStatus,
    stdout: Vec<u8>,
    stderr: String,
}

impl Ran {
    fn captured(self) -> Captured {
        Captured {
            success: self.status.success(),
            code: self.status.code(),
            status: describe(&self.status),
            stdout: String::from_utf8_lossy(&self.stdout).into_owned(),
            stderr: self.stderr,
        }
    }
}

/// The one way xbuild runs a process: spawns `cmd`, feeds its stdin from a
/// thread, drains its pipes, and waits for it (forwarding SIGINT/SIGTERM
/// when `interrupt` is given; then a received signal is
/// [`ExecError::Interrupted`]).
fn run(cmd: &Cmd, output: Output, interrupt: Option<&Interrupt>) -> Result<Ran, ExecError> {
    let mut c = Command::new(&cmd.program);
    c.args(&cmd.args);
    for (k, v) in &cmd.env {
        c.env(k, v);
    }
    if let Some(d) = &cmd.cwd {
        c.current_dir(d);
    }
    c.stdin(if cmd.stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let (out, err) = match output {
        Output::Capture => (Stdio::piped(), Stdio::piped()),
        Output::Inherit => (Stdio::inherit(), Stdio::inherit()),
        Output::Tee => (Stdio::inherit(), Stdio::piped()),
    };
    c.stdout(out);
    c.stderr(err);
    let mut child = c.spawn().map_err(|e| ExecError::spawn(cmd, e))?;

    let writer = cmd.stdin.clone().map(|bytes| {
        let mut stdin = child.stdin.take().expect("piped stdin");
        std::thread::spawn(move || {
            // A command that exits early closes the pipe; that is its error to report.
            let _ = stdin.write_all(&bytes);
        })
    });
    let out_reader = child.stdout.take().map(|mut p| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = p.read_to_end(&mut buf);
            buf
        })
    });
    let err_reader = child.stderr.take().map(|mut p| {
        std::thread::spawn(move || {
            if output == Output::Tee {
                return copy_and_keep_tail(p);
            }
            let mut buf = Vec::new();
            let _ = p.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    });

    let waited = match interrupt {
        Some(interrupt) => wait(&mut child, interrupt),
        None => child.wait(),
    };
    if let Some(w) = writer {
        let _ = w.join();
    }
    let stdout = out_reader.and_then(|r| r.join().ok()).unwrap_or_default();
    let stderr = err_reader.and_then(|r| r.join().ok()).unwrap_or_default();
    let status = waited.map_err(|e| ExecError::spawn(cmd, e))?;
    if let Some(signal) = interrupt.and_then(Interrupt::signal) {
        return Err(ExecError::Interrupted {
            command: cmd.display(),
            signal,
        });
    }
    Ok(Ran {
        status,
        stdout,
        stderr,
    })
}

/// What [`capture_parallel`] reports about one command as it goes.
#[derive(Debug)]
pub enum Event<'a> {
    Started,
    Finished(&'a Result<Captured, ExecError>),
}

/// Runs `cmds` with captured output, at most `jobs` at a time, and returns
/// their results in order. `on_event(i, ..)` is called (from worker
/// threads) when command `i` starts and ends. After SIGINT/SIGTERM no new
/// command starts; those not started are [`ExecError::Interrupted`].
pub fn capture_parallel(
    cmds: &[Cmd],
    jobs: usize,
    interrupt: &Interrupt,
    on_event: &(dyn Fn(usize, Event<'_>) + Sync),
) -> Vec<Result<Captured, ExecError>> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Captured, ExecError>>>> =
        Mutex::new((0..cmds.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, cmds.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(cmd) = cmds.get(i) else { break };
                    let result = match interrupt.signal() {
                        Some(signal) => Err(ExecError::Interrupted {
                            command: cmd.display(),
                            signal,
                        }),
                        None => {
                            on_event(i, Event::Started);
                            capture_interruptible(cmd, interrupt)
                        }
                    };
                    on_event(i, Event::Finished(&result));
                    results.lock().expect("results lock")[i] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("results lock")
        .into_iter()
        .map(|r| r.expect("every command ran"))
        .collect()
}

/// Waits for the child; on a signal, passes it on (SIGINT after a grace
/// second, since a terminal's Ctrl-C reaches the child directly) and kills
/// the child if it has not stopped ten seconds later.
fn wait(child: &mut Child, interrupt: &Interrupt) -> std::io::Result<std::process::ExitStatus> {
    let mut seen: Option<(i32, Instant)> = None;
    let mut forwarded = false;
    let mut killed = false;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if seen.is_none() {
            seen = interrupt.signal().map(|s| (s, Instant::now()));
        }
        if let Some((sig, at)) = seen {
            let grace = if sig == libc::SIGINT {
                Duration::from_secs(1)
            } else {
                Duration::ZERO
            };
            if !forwarded && at.elapsed() >= grace {
                // SAFETY: kill(2) on our own child's pid has no memory effects.
                unsafe {
                    libc::kill(child.id() as libc::pid_t, sig);
                }
                forwarded = true;
            }
            if !killed && at.elapsed() >= Duration::from_secs(10) {
                let _ = child.kill();
                killed = true;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Copies a child's stderr to ours, line by line, and returns its last lines.
fn copy_and_keep_tail(stderr: impl Read) -> String {
    let mut tail: VecDeque<String> = VecDeque::with_capacity(TAIL_LINES);
    let mut reader = std::io::BufReader::new(stderr);
    let mut buf = Vec::new();
    let mut out = std::io::stderr();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let _ = out.write_all(&buf);
                let _ = out.flush();
                if tail.len() == TAIL_LINES {
                    tail.pop_front();
                }
                tail.push_back(String::from_utf8_lossy(&buf).trim_end().to_string());
            }
        }
    }
    tail.into_iter().collect::<Vec<_>>().join("\n")
}

/// The last lines of a captured stderr.
fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.trim_end().lines().collect();
    lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n")
}

/// `exit status 2` / `killed by signal 9`.
fn describe(status: &std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(c), _) => format!("exit status {c}"),
        (None, Some(s)) => format!("killed by signal {s}"),
        _ => "unknown status".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(quote("docker"), "docker");
        assert_eq!(quote("type=local,dest=out"), "type=local,dest=out");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("${X}"), "'${X}'");
        // Brace expansion would split these in a shell.
        assert_eq!(quote("D={a,b}"), "'D={a,b}'");
    }

    #[test]
    fn display_shows_env_and_stdin() {
        let c = Cmd::new("docker")
            .args(["buildx", "build", "-f", "-", "."])
            .env("A", "1 2")
            .stdin(vec![], "Dockerfile.cross");
        assert_eq!(
            c.display(),
            "A='1 2' docker buildx build -f - . < Dockerfile.cross"
        );
    }

    #[test]
    fn capture_reports_status_and_stderr() {
        let c = Cmd::new("sh").args(["-c", "echo out; echo err >&2; exit 3"]);
        let out = capture(&c).unwrap();
        assert!(!out.success);
        assert_eq!(out.stdout, "out\n");
        match out.check(&c) {
            Err(ExecError::Failed {
                status,
                code,
                stderr_tail,
                ..
            }) => {
                assert_eq!(
                    (status.as_str(), code, stderr_tail.as_str()),
                    ("exit status 3", Some(3), "err")
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn missing_program_is_not_found() {
        let err = capture(&Cmd::new("xbuild-no-such-program")).unwrap_err();
        assert!(matches!(err, ExecError::NotFound { .. }));
    }

    #[test]
    fn parallel_keeps_order_and_reports_each() {
        let interrupt = Interrupt::none();
        let cmds: Vec<Cmd> = (0..5)
            .map(|i| {
                Cmd::new("sh").args(["-c", &format!("echo {i}; echo e{i} >&2; exit $(({i} % 2))")])
            })
            .collect();
        let events = std::sync::Mutex::new(Vec::new());
        let results = capture_parallel(&cmds, 2, &interrupt, &|i, e| {
            events
                .lock()
                .unwrap()
                .push((i, matches!(e, Event::Started)));
        });
        assert_eq!(results.len(), 5);
        for (i, r) in results.iter().enumerate() {
            let c = r.as_ref().unwrap();
            assert_eq!(c.stdout, format!("{i}\n"));
            assert_eq!(c.stderr, format!("e{i}\n"));
            assert_eq!(c.success, i % 2 == 0);
        }
        assert_eq!(events.lock().unwrap().len(), 10);
        let missing = capture_interruptible(&Cmd::new("xbuild-no-such-program"), &interrupt);
        assert!(matches!(missing, Err(ExecError::NotFound { .. })));
    }

    #[test]
    fn capture_feeds_stdin_env_and_cwd() {
        let dir = tempfile::tempdir().unwrap();
        let c = Cmd::new("sh")
            .args(["-c", "read x; echo \"$x $V $(pwd)\"; echo e >&2"])
            .env("V", "v1")
            .cwd(dir.path())
            .stdin(b"hello\n".to_vec(), "greeting");
        let want = format!(
            "hello v1 {}\n",
            dir.path().canonicalize().unwrap().display()
        );
        let out = capture(&c).unwrap().check(&c).unwrap();
        assert_eq!(
            (out.stdout.as_str(), out.stderr.as_str()),
            (want.as_str(), "e\n")
        );
        let out = capture_interruptible(&c, &Interrupt::none()).unwrap();
        assert_eq!(
            (out.stdout.as_str(), out.stderr.as_str()),
            (want.as_str(), "e\n")
        );
        // A command that does not read its stdin still finishes.
        let deaf = Cmd::new("true").stdin(vec![b'x'; 1 << 20], "a megabyte");
        assert!(capture(&deaf).unwrap().success);
    }

    #[test]
    fn stream_feeds_stdin_and_reports_failure() {
        let interrupt = Interrupt::none();
        let ok = Cmd::new("sh")
            .args(["-c", "read x; test \"$x\" = hello"])
            .stdin(b"hello\n".to_vec(), "greeting");
        stream(&ok, &interrupt).unwrap();
        let bad = Cmd::new("sh").args(["-c", "echo boom >&2; exit 4"]);
        match stream(&bad, &interrupt) {
            Err(ExecError::Failed { code: Some(4), .. }) => {}
            other => panic!("{other:?}"),
        }
    }
}
