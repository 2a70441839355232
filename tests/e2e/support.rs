//! Shared helpers for the e2e tests: the stack check every test starts with
//! ([`stack`]), collision-free names for tags and builders ([`unique_tag`],
//! [`unique_name`]), a scratch copy of the fixture operator ([`Project`]),
//! and a command runner ([`Cmd`]) that captures output, enforces a timeout
//! and panics with argv, status, stdout and stderr when a command fails.
//!
//! Tests must never pass or skip silently when the stack is missing: [`stack`]
//! panics with a message saying how to start it (`ci/e2e-env.sh`).

#![allow(dead_code)]

use std::cell::RefCell;
use std::fmt;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Repository of the crate, for fixtures and scripts.
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The running build stack, as the tests address it.
#[derive(Debug)]
pub struct Stack {
    /// `host:port` of the local registry (`XBUILD_E2E_REGISTRY`, default
    /// `localhost:5000`).
    pub registry: String,
    /// Two-platform busybox base image in that registry.
    pub busybox: String,
    /// Two-platform Go 1.19 image in that registry.
    pub golang: String,
    /// `docker version` of the engine, e.g. `26.1.5+dfsg1`.
    pub engine_version: String,
    /// First line of `docker buildx version`.
    pub buildx_version: String,
}

impl Stack {
    /// A fresh reference `<registry>/xbuild-e2e/<repo>:<unique tag>`.
    pub fn unique_ref(&self, repo: &str) -> String {
        format!("{}/xbuild-e2e/{repo}:{}", self.registry, unique_tag())
    }
}

/// One e2e test at a time: they share one dockerd, one BuildKit cache and
/// one registry on a 2-core machine, and several multi-platform builds at
/// once (QEMU included) make timings and failures hard to read. Every test
/// calls [`stack`] first; that takes this lock for the rest of the test's
/// thread. (The concurrent-build test runs its two builds itself.)
static SERIAL: Mutex<()> = Mutex::new(());

thread_local! {
    static HELD: RefCell<Option<MutexGuard<'static, ()>>> = const { RefCell::new(None) };
}

/// Checks once per test binary that the stack is up and returns it; panics
/// in every caller when it is not. The calling test holds the e2e lock
/// until its thread ends (see [`SERIAL`]).
pub fn stack() -> &'static Stack {
    HELD.with(|held| {
        if held.borrow().is_none() {
            let guard = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
            *held.borrow_mut() = Some(guard);
        }
    });
    static STACK: OnceLock<Result<Stack, String>> = OnceLock::new();
    match STACK.get_or_init(check_stack) {
        Ok(stack) => stack,
        Err(why) => panic!(
            "the e2e build stack is not running: {why}\n\
             Start it with `ci/e2e-env.sh` (as root; it prints `export XBUILD_E2E_...` lines \
             to eval), then rerun `cargo test --features e2e --test e2e`."
        ),
    }
}

fn check_stack() -> Result<Stack, String> {
    let registry = std::env::var("XBUILD_E2E_REGISTRY")
        .ok()
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| "localhost:5000".to_string());
    let quick = Duration::from_secs(60);

    let info = Cmd::new("docker")
        .args(["info", "--format", "{{json .DriverStatus}}"])
        .timeout(quick)
        .output();
    if !info.success() {
        return Err(format!("`docker info` failed\n{info}"));
    }
    if !info.stdout.contains("io.containerd.snapshotter") {
        return Err(format!(
            "dockerd runs without the containerd image store (driver status {})",
            info.stdout.trim()
        ));
    }
    let version = Cmd::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .timeout(quick)
        .output();
    if !version.success() {
        return Err(format!("`docker version` failed\n{version}"));
    }
    let buildx = Cmd::new("docker")
        .args(["buildx", "version"])
        .timeout(quick)
        .output();
    if !buildx.success() {
        return Err(format!("`docker buildx version` failed\n{buildx}"));
    }

    let status = http_status(&registry, "/v2/")
        .map_err(|e| format!("the registry at http://{registry}/v2/ does not answer: {e}"))?;
    if status != 200 {
        return Err(format!(
            "http://{registry}/v2/ answered HTTP {status}, not 200: is it a registry?"
        ));
    }

    let busybox = format!("{registry}/xbuild-e2e/busybox:1");
    let golang = format!("{registry}/xbuild-e2e/golang:1.19");
    for image in [&busybox, &golang] {
        let inspect = Cmd::new("skopeo")
            .args(["inspect", "--raw", "--tls-verify=false"])
            .arg(format!("docker://{image}"))
            .timeout(quick)
            .output();
        if !inspect.success() {
            return Err(format!(
                "base image {image} is not in the registry\n{inspect}"
            ));
        }
    }
    Ok(Stack {
        registry,
        busybox,
        golang,
        engine_version: version.stdout.trim().to_string(),
        buildx_version: buildx
            .stdout
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_string(),
    })
}

/// Status code of a plain-HTTP GET (HTTP/1.0, no redirects) to `host:port`.
pub fn http_status(addr: &str, path: &str) -> Result<u16, String> {
    let timeout = Duration::from_secs(5);
    let addrs: Vec<_> = addr
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {addr}: {e}"))?
        .collect();
    let mut last = format!("{addr} resolves to no address");
    for sa in addrs {
        let mut stream = match TcpStream::connect_timeout(&sa, timeout) {
            Ok(s) => s,
            Err(e) => {
                last = format!("connect {sa}: {e}");
                continue;
            }
        };
        stream.set_read_timeout(Some(timeout)).ok();
        stream.set_write_timeout(Some(timeout)).ok();
        let request = format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        if let Err(e) = stream.write_all(request.as_bytes()) {
            last = format!("write to {sa}: {e}");
            continue;
        }
        let mut head = Vec::new();
        let _ = stream.take(4096).read_to_end(&mut head);
        let text = String::from_utf8_lossy(&head);
        let status_line = text.lines().next().unwrap_or("");
        let mut parts = status_line.split_whitespace();
        return match (parts.next(), parts.next().and_then(|c| c.parse().ok())) {
            (Some(proto), Some(code)) if proto.starts_with("HTTP/") => Ok(code),
            _ => Err(format!("{sa} sent no HTTP status line: {status_line:?}")),
        };
    }
    Err(last)
}

/// A name no other test, thread or concurrent test process uses:
/// `<prefix>-<pid>-<nanoseconds since the epoch>-<counter>`. Valid as an
/// image tag, a repository path component and a buildx builder name as long
/// as `prefix` is lowercase `[a-z0-9-]`.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{prefix}-{}-{nanos}-{n}", std::process::id())
}

/// A unique image tag.
pub fn unique_tag() -> String {
    unique_name("e2e")
}

/// A scratch project directory, removed when dropped.
pub struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    /// A copy of `fixtures/operator` in a fresh temporary directory.
    pub fn fixture_operator() -> Project {
        Project::copy_of(&repo_root().join("fixtures/operator"))
    }

    /// A copy of any directory tree (regular files and directories).
    pub fn copy_of(src: &Path) -> Project {
        let dir = tempfile::Builder::new()
            .prefix("xbuild-e2e-")
            .tempdir()
            .expect("create a temporary directory");
        copy_tree(src, dir.path());
        Project { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn read(&self, rel: &str) -> String {
        let p = self.join(rel);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
    }

    /// Writes a file, creating parent directories.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) {
        let p = self.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, contents).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.join(rel).exists()
    }

    /// A command run in the project directory.
    pub fn cmd(&self, program: &str) -> Cmd {
        Cmd::new(program).cwd(self.path())
    }
}

fn copy_tree(src: &Path, dst: &Path) {
    let entries =
        std::fs::read_dir(src).unwrap_or_else(|e| panic!("read dir {}: {e}", src.display()));
    for entry in entries {
        let entry = entry.unwrap();
        let from = entry.path();
        let to = dst.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            std::fs::create_dir_all(&to).unwrap();
            copy_tree(&from, &to);
        } else if kind.is_file() {
            std::fs::copy(&from, &to)
                .unwrap_or_else(|e| panic!("copy {} to {}: {e}", from.display(), to.display()));
        } else {
            panic!("{}: only files and directories are copied", from.display());
        }
    }
}

/// The Dockerfile with ` --platform=${BUILDPLATFORM}` inserted after the
/// first FROM keyword: what kubebuilder's `docker-buildx` sed writes to
/// Dockerfile.cross. Panics if there is no FROM line.
pub fn pin_first_from(dockerfile: &str) -> String {
    let mut out = String::with_capacity(dockerfile.len() + 32);
    let mut pinned = false;
    for line in dockerfile.split_inclusive('\n') {
        let body = line.trim_start();
        let indent = &line[..line.len() - body.len()];
        let is_from = body.len() > 4
            && body[..4].eq_ignore_ascii_case("FROM")
            && body[4..].starts_with([' ', '\t']);
        if !pinned && is_from {
            out.push_str(indent);
            out.push_str(&body[..4]);
            out.push_str(" --platform=${BUILDPLATFORM}");
            out.push_str(&body[4..]);
            pinned = true;
        } else {
            out.push_str(line);
        }
    }
    assert!(pinned, "no FROM line in the Dockerfile:\n{dockerfile}");
    out
}

/// A command to run with captured output and a timeout (10 minutes unless
/// set: multi-platform Go builds under QEMU on 2 loaded cores take minutes).
#[derive(Clone)]
pub struct Cmd {
    program: String,
    args: Vec<String>,
    cwd: Option<PathBuf>,
    env: Vec<(String, String)>,
    timeout: Duration,
}

/// What a command did.
pub struct Output {
    /// The command line, shell-quoted for copy and paste.
    pub argv: String,
    pub cwd: Option<PathBuf>,
    /// None when it could not be started, timed out or died by a signal.
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
    /// Set when the program could not be started.
    pub spawn_error: Option<String>,
    pub elapsed: Duration,
}

impl Cmd {
    pub fn new(program: &str) -> Cmd {
        Cmd {
            program: program.to_string(),
            args: Vec::new(),
            cwd: None,
            env: Vec::new(),
            timeout: Duration::from_secs(600),
        }
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Cmd {
        self.args.push(arg.into());
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

    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Cmd {
        self.cwd = Some(dir.into());
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Cmd {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Cmd {
        self.timeout = timeout;
        self
    }

    /// The command line, shell-quoted.
    pub fn argv(&self) -> String {
        std::iter::once(&self.program)
            .chain(&self.args)
            .map(|a| shell_quote(a))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Runs to completion (or timeout) and returns what happened; never
    /// panics on failure.
    pub fn output(&self) -> Output {
        let start = Instant::now();
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(dir) = &self.cwd {
            command.current_dir(dir);
        }
        for (k, v) in &self.env {
            command.env(k, v);
        }
        let mut out = Output {
            argv: self.argv(),
            cwd: self.cwd.clone(),
            status: None,
            stdout: String::new(),
            stderr: String::new(),
            timed_out: false,
            spawn_error: None,
            elapsed: Duration::ZERO,
        };
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => {
                out.spawn_error = Some(format!("cannot start {}: {e}", self.program));
                return out;
            }
        };
        // Readers hand their bytes over a channel, so a grandchild that keeps
        // a pipe open after a timeout cannot hang the test.
        let (tx_out, rx_out) = mpsc::channel();
        let (tx_err, rx_err) = mpsc::channel();
        let mut stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = stdout.read_to_end(&mut buf);
            let _ = tx_out.send(buf);
        });
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = stderr.read_to_end(&mut buf);
            let _ = tx_err.send(buf);
        });

        let deadline = start + self.timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() >= deadline => {
                    out.timed_out = true;
                    // SIGTERM first: the docker CLI forwards it to plugins
                    // such as buildx, which then cancel their build.
                    let _ = Command::new("kill")
                        .args(["-TERM", &child.id().to_string()])
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .status();
                    let grace = Instant::now() + Duration::from_secs(10);
                    while Instant::now() < grace {
                        if let Ok(Some(_)) = child.try_wait() {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(100));
                    }
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                Err(e) => {
                    out.spawn_error = Some(format!("waiting for {}: {e}", self.program));
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
            }
        };
        let wait = if out.timed_out {
            Duration::from_secs(5)
        } else {
            Duration::from_secs(60)
        };
        out.stdout =
            String::from_utf8_lossy(&rx_out.recv_timeout(wait).unwrap_or_default()).into_owned();
        out.stderr =
            String::from_utf8_lossy(&rx_err.recv_timeout(wait).unwrap_or_default()).into_owned();
        out.status = status;
        out.elapsed = start.elapsed();
        out
    }

    /// Runs and panics (with argv, status, stdout and stderr) unless the
    /// command exits 0.
    #[track_caller]
    pub fn run(&self) -> Output {
        let out = self.output();
        if !out.success() {
            panic!("command failed\n{out}");
        }
        out
    }

    /// Runs and panics unless the command exits non-zero (it must have
    /// started and not timed out).
    #[track_caller]
    pub fn run_expect_failure(&self) -> Output {
        let out = self.output();
        if out.success() || out.status.is_none() {
            panic!("command was expected to exit non-zero\n{out}");
        }
        out
    }
}

impl Output {
    pub fn success(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }

    /// Exit code, if it exited normally.
    pub fn code(&self) -> Option<i32> {
        self.status.and_then(|s| s.code())
    }

    /// stdout and stderr together (BuildKit progress goes to stderr).
    pub fn combined(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "$ {}", self.argv)?;
        if let Some(dir) = &self.cwd {
            writeln!(f, "  (in {})", dir.display())?;
        }
        let status = match (&self.spawn_error, self.timed_out, self.status) {
            (Some(e), _, _) => e.clone(),
            (None, true, _) => format!("timed out after {:.0?} and was killed", self.elapsed),
            (None, false, Some(s)) => format!("{s} after {:.1?}", self.elapsed),
            (None, false, None) => "no exit status".to_string(),
        };
        writeln!(f, "status: {status}")?;
        writeln!(f, "--- stdout\n{}", tail(&self.stdout, 200))?;
        write!(f, "--- stderr\n{}", tail(&self.stderr, 200))
    }
}

/// The last `n` lines of `s`, noting how many were left out.
fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    if lines.len() <= n {
        return s.to_string();
    }
    format!(
        "[{} earlier lines omitted]\n{}",
        lines.len() - n,
        lines[lines.len() - n..].join("\n")
    )
}

fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '-' | '_' | '.' | '/' | ':' | '=' | ',' | '@' | '+')
        });
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// `skopeo inspect --raw` of a reference in the local registry.
pub fn skopeo_raw(reference: &str) -> serde_json::Value {
    let out = Cmd::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!("docker://{reference}"))
        .timeout(Duration::from_secs(60))
        .run();
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("skopeo printed no JSON ({e})\n{out}"))
}

/// `os/arch` of the index entries, attestation manifests (`unknown/unknown`)
/// left out.
pub fn index_platforms(index: &serde_json::Value) -> Vec<(String, String)> {
    let manifests = index["manifests"]
        .as_array()
        .unwrap_or_else(|| panic!("no manifests array in {index:#}"));
    manifests
        .iter()
        .filter_map(|m| {
            let os = m["platform"]["os"].as_str()?;
            let arch = m["platform"]["architecture"].as_str()?;
            let digest = m["digest"].as_str()?;
            (os != "unknown").then(|| (format!("{os}/{arch}"), digest.to_string()))
        })
        .collect()
}

/// xbuild's temporary manifest lists (by their prefix) in podman's store.
pub fn podman_lists() -> Vec<String> {
    let out = Cmd::new("podman")
        .args(["images", "--format", "{{.Repository}}:{{.Tag}}"])
        .run();
    out.stdout
        .lines()
        .filter(|l| l.contains("xbuild-list-"))
        .map(str::to_string)
        .collect()
}
