//! `xbuild build` against the real stack: every output type with the docker
//! driver, the docker-container driver's (offline) failure and its cleanup,
//! persistent builders, SIGINT/SIGTERM, concurrent runs and a failing
//! `before` command. Each test checks that nothing is left behind: no
//! builder, no Dockerfile.cross, the current builder unchanged.

use crate::support::{Cmd, Project, index_platforms, skopeo_raw, stack, unique_name};
use std::io::Read;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn xbuild(project: &Project) -> Cmd {
    Cmd::new(env!("CARGO_BIN_EXE_xbuild"))
        .cwd(project.path())
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(900))
}

/// The fixture operator with its base images from the running stack, and
/// a builder name of its own, so that tests running at the same time can
/// each check that their builder is gone.
fn operator() -> (Project, String) {
    let stack = stack();
    let p = Project::fixture_operator();
    let builder = unique_name("xbe");
    p.write(
        "xbuild.toml",
        format!(
            "[image]\nname = \"{}/xbuild-e2e/operator\"\nplatforms = [\"linux/amd64\", \"linux/arm64\"]\n\n[builder]\nname = \"{builder}\"\ndriver = \"docker\"\n\n[build.args]\nGOLANG_IMAGE = \"{}\"\nRUNTIME_IMAGE = \"{}\"\n",
            stack.registry, stack.golang, stack.busybox
        ),
    );
    (p, builder)
}

/// The current buildx builder.
fn current_builder() -> String {
    let current = Cmd::new("docker").args(["buildx", "inspect"]).run();
    current
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Name:"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// No builder named after `builder` is left, the current builder is still
/// `current`, and no Dockerfile.cross is left in the project.
fn assert_nothing_left(project: &Project, builder: &str, current: &str) {
    let out = Cmd::new("docker")
        .args(["buildx", "ls", "--format", "{{.Name}}"])
        .run();
    let left: Vec<&str> = out
        .stdout
        .lines()
        .filter(|n| n.starts_with(builder))
        .collect();
    assert!(left.is_empty(), "builders left behind: {left:?}");
    assert_eq!(current_builder(), current, "the current builder changed");
    assert!(
        !project.exists("Dockerfile.cross"),
        "Dockerfile.cross left in the repo"
    );
}

/// `docker run` of a platform's image prints that platform.
pub(crate) fn assert_runs_as(reference: &str, platform: &str, pull: bool) {
    let mut c = Cmd::new("docker").args(["run", "--rm", "--platform", platform]);
    if pull {
        c = c.args(["--pull", "always"]);
    }
    let out = c.arg(reference).timeout(Duration::from_secs(300)).run();
    assert_eq!(
        out.stdout.trim(),
        platform,
        "{reference} on {platform}\n{out}"
    );
}

/// ELF e_machine of a file.
fn elf_machine(path: &Path) -> u16 {
    let mut f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut head = [0u8; 20];
    f.read_exact(&mut head).unwrap();
    assert_eq!(&head[..4], b"\x7fELF", "{} is not ELF", path.display());
    u16::from_le_bytes([head[18], head[19]])
}
const EM_X86_64: u16 = 62;
const EM_AARCH64: u16 = 183;

#[test]
fn docker_driver_pushes_a_two_platform_index_whose_images_run() {
    let stack = stack();
    let (p, builder) = operator();
    let before = current_builder();
    let reference = stack.unique_ref("build-push");
    let out = xbuild(&p)
        .args([
            "docker-buildx",
            "--platform",
            "linux/amd64,linux/arm64",
            "--tag",
            &reference,
            "--push",
        ])
        .args(["--driver", "docker", "--go", "container"])
        .run();
    let log = out.combined();
    assert!(
        log.contains("[linux/amd64->arm64 builder"),
        "the builder stage was not pinned\n{out}"
    );
    assert!(
        log.contains(&format!("image    {reference}@sha256:")),
        "no digest in the summary\n{out}"
    );
    let platforms: Vec<String> = index_platforms(&skopeo_raw(&reference))
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(platforms.len(), 2, "{platforms:?}");
    assert!(
        platforms.contains(&"linux/amd64".to_string())
            && platforms.contains(&"linux/arm64".to_string())
    );
    assert_runs_as(&reference, "linux/amd64", true);
    assert_runs_as(&reference, "linux/arm64", true);
    assert_nothing_left(&p, &builder, &before);
}

#[test]
fn load_one_platform_and_two() {
    stack();
    let (p, builder) = operator();
    let before = current_builder();
    let one = format!("xbuild-e2e-load:{}", unique_name("one"));
    xbuild(&p)
        .args([
            "build",
            "--platform",
            "linux/arm64",
            "--tag",
            &one,
            "--load",
        ])
        .run();
    assert_runs_as(&one, "linux/arm64", false);

    let two = format!("xbuild-e2e-load:{}", unique_name("two"));
    xbuild(&p).args(["build", "--tag", &two, "--load"]).run();
    assert_runs_as(&two, "linux/amd64", false);
    assert_runs_as(&two, "linux/arm64", false);
    for r in [&one, &two] {
        Cmd::new("docker").args(["rmi", r]).output();
    }
    assert_nothing_left(&p, &builder, &before);
}

#[test]
fn oci_archive_holds_both_platforms() {
    stack();
    let (p, _) = operator();
    xbuild(&p)
        .args(["build", "--output", "type=oci,dest=image.tar"])
        .run();
    let dir = tempfile::tempdir().unwrap();
    Cmd::new("tar")
        .arg("-xf")
        .arg(p.join("image.tar").display().to_string())
        .arg("-C")
        .arg(dir.path().display().to_string())
        .run();
    let read = |digest: &str| -> serde_json::Value {
        let hex = digest.strip_prefix("sha256:").unwrap();
        serde_json::from_slice(&std::fs::read(dir.path().join("blobs/sha256").join(hex)).unwrap())
            .unwrap()
    };
    let mut index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("index.json")).unwrap()).unwrap();
    // BuildKit's index.json points at the image index; follow it.
    if let [only] = index["manifests"].as_array().unwrap().as_slice()
        && only["mediaType"] == "application/vnd.oci.image.index.v1+json"
    {
        index = read(only["digest"].as_str().unwrap());
    }
    let mut platforms: Vec<String> = index_platforms(&index)
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    platforms.sort();
    assert_eq!(platforms, vec!["linux/amd64", "linux/arm64"]);
}

#[test]
fn local_output_has_one_directory_per_platform_with_the_right_binary() {
    stack();
    let (p, _) = operator();
    xbuild(&p)
        .args(["build", "--output", "type=local,dest=out"])
        .run();
    assert_eq!(elf_machine(&p.join("out/linux_amd64/manager")), EM_X86_64);
    assert_eq!(elf_machine(&p.join("out/linux_arm64/manager")), EM_AARCH64);
}

#[test]
fn docker_container_driver_failure_exits_non_zero_and_leaves_nothing() {
    stack();
    let (p, builder) = operator();
    let before = current_builder();
    // Offline, the docker-container builder cannot pull moby/buildkit to boot.
    let out = xbuild(&p)
        .args([
            "build",
            "--driver",
            "docker-container",
            "--output",
            "type=cacheonly",
        ])
        .run_expect_failure();
    assert_eq!(out.code(), Some(1), "{out}");
    let log = out.combined();
    assert!(log.contains("step \"build\" failed"), "{out}");
    assert!(
        log.contains("moby/buildkit"),
        "buildx's own error must be shown\n{out}"
    );
    assert!(
        log.contains(&format!("==> cleanup: remove builder {builder}-")),
        "{out}"
    );
    assert_nothing_left(&p, &builder, &before);
}

#[test]
fn builder_create_with_an_appended_node_and_rm() {
    stack();
    let (p, _) = operator();
    let name = unique_name("xbuild-e2e-persist");
    p.write(
        "xbuild.toml",
        format!(
            "[builder]\nname = \"{name}\"\ndriver = \"docker-container\"\nplatforms = [\"linux/amd64\"]\n\n[[builder.nodes]]\nname = \"second\"\nendpoint = \"unix:///run/docker.sock\"\nplatforms = [\"linux/arm64\"]\n"
        ),
    );
    xbuild(&p).args(["builder", "create"]).run();
    let inspect = Cmd::new("docker").args(["buildx", "inspect", &name]).run();
    assert!(inspect.stdout.contains(&format!("{name}-0")), "{inspect}");
    assert!(
        inspect.stdout.contains("second"),
        "the appended node is missing\n{inspect}"
    );
    // Not bootstrapped: the nodes are inactive.
    assert!(inspect.stdout.contains("inactive"), "{inspect}");
    // Creating again is a no-op; ls marks it present.
    xbuild(&p).args(["builder", "create"]).run();
    let ls = xbuild(&p).args(["builder", "ls"]).run();
    assert!(
        ls.stdout.contains(&format!("configured builder: {name}")) && ls.stdout.contains("present"),
        "{ls}"
    );
    xbuild(&p).args(["builder", "rm"]).run();
    assert!(
        !Cmd::new("docker")
            .args(["buildx", "inspect", &name])
            .output()
            .success()
    );
    let again = xbuild(&p).args(["builder", "rm"]).run_expect_failure();
    assert_eq!(again.code(), Some(1), "{again}");
}

/// Spawns xbuild with piped stderr; returns the child and a thread that
/// collects stderr while signalling when `marker` appears.
fn spawn_watching(
    project: &Project,
    args: &[&str],
    marker: &'static str,
) -> (
    Child,
    std::sync::mpsc::Receiver<()>,
    std::thread::JoinHandle<String>,
) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_xbuild"))
        .args(args)
        .current_dir(project.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        let mut buf = [0u8; 4096];
        let mut sent = false;
        while let Ok(n) = stderr.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.push_str(&String::from_utf8_lossy(&buf[..n]));
            if !sent && all.contains(marker) {
                let _ = tx.send(());
                sent = true;
            }
        }
        all
    });
    (child, rx, reader)
}

fn wait_with_deadline(child: &mut Child, secs: u64) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("xbuild did not stop within {secs}s of the signal");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sigint_during_a_build_removes_the_ephemeral_builder_and_exits_130() {
    stack();
    let (p, builder) = operator();
    let before = current_builder();
    // A "remote BuildKit" that accepts connections and never answers: the
    // build hangs on it until interrupted.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().take(8).flatten() {
            held.push(s);
        }
        held
    });
    drop(accepted);
    p.write(
        "xbuild.toml",
        format!("[builder]\nname = \"{builder}\"\ndriver = \"remote\"\nendpoint = \"tcp://127.0.0.1:{port}\"\n"),
    );
    let (mut child, started, reader) =
        spawn_watching(&p, &["build", "--output", "type=cacheonly"], "] build\n");
    started
        .recv_timeout(Duration::from_secs(120))
        .expect("the build step never started");
    std::thread::sleep(Duration::from_secs(2));
    // SAFETY: signalling our own child.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let status = wait_with_deadline(&mut child, 60);
    let log = reader.join().unwrap();
    assert_eq!(status.code(), Some(130), "{log}");
    assert!(log.contains("interrupted by SIGINT"), "{log}");
    assert!(
        log.contains(&format!("==> cleanup: remove builder {builder}-")),
        "{log}"
    );
    assert_nothing_left(&p, &builder, &before);
}

#[test]
fn sigterm_during_a_slow_stage_exits_143_and_leaves_nothing() {
    stack();
    let (p, builder) = operator();
    let before = current_builder();
    let tmp = tempfile::tempdir().unwrap();
    // A stage that sleeps, copied into the image so BuildKit must run it.
    let df = p.read("Dockerfile").replace(
        "FROM ${RUNTIME_IMAGE}\n",
        &format!(
            "FROM ${{RUNTIME_IMAGE}} AS slow\nRUN sleep 120 && echo {} > /slept\n\nFROM ${{RUNTIME_IMAGE}}\nCOPY --from=slow /slept /slept\n",
            unique_name("nocache")
        ),
    );
    p.write("Dockerfile", df);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_xbuild"))
        .args([
            "build",
            "--platform",
            "linux/amd64",
            "--output",
            "type=cacheonly",
            "--progress",
            "plain",
        ])
        .current_dir(p.path())
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    std::thread::sleep(Duration::from_secs(8));
    // SAFETY: signalling our own child.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    let status = wait_with_deadline(&mut child, 60);
    let log = reader.join().unwrap();
    assert_eq!(status.code(), Some(143), "{log}");
    assert!(log.contains("interrupted by SIGTERM"), "{log}");
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "temporary files left behind"
    );
    assert_nothing_left(&p, &builder, &before);
}

#[test]
fn two_builds_at_once_in_the_same_repo_both_succeed() {
    let stack = stack();
    let (p, _) = operator();
    // Two registry repositories, so each push has its own tag history.
    let a = stack.unique_ref("concurrent-a");
    let b = stack.unique_ref("concurrent-b");
    let first = xbuild(&p).args(["build", "--tag", &a, "--push"]);
    let second = xbuild(&p).args(["build", "--tag", &b, "--push"]);
    let t = std::thread::spawn(move || first.run());
    second.run();
    t.join().unwrap();
    for r in [&a, &b] {
        assert_eq!(index_platforms(&skopeo_raw(r)).len(), 2);
    }
}

#[test]
fn failing_before_command_stops_with_its_exit_code() {
    let stack = stack();
    let (p, builder) = operator();
    let before = current_builder();
    let reference = stack.unique_ref("before");
    let config = p.read("xbuild.toml")
        + "\n[build]\nbefore = [\"go version\", { run = \"echo tests failed >&2; exit 7\", shell = true, name = \"tests\" }]\n";
    p.write("xbuild.toml", config);
    let out = xbuild(&p)
        .args([
            "build",
            "--driver",
            "docker-container",
            "--tag",
            &reference,
            "--push",
        ])
        .run_expect_failure();
    assert_eq!(out.code(), Some(7), "{out}");
    assert!(
        out.combined().contains("step \"before: tests\" failed"),
        "{out}"
    );
    assert!(out.combined().contains("tests failed"), "{out}");
    assert!(
        !out.combined().contains("buildx create"),
        "nothing may be built after a failed before\n{out}"
    );
    let inspect = Cmd::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!("docker://{reference}"))
        .output();
    assert!(!inspect.success(), "the image was pushed anyway");
    assert_nothing_left(&p, &builder, &before);
}
