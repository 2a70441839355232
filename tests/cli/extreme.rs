//! Extreme and hostile inputs, closed pipes and special files: each ends
//! with a clear result (exit 0, 1 or 2 and a message), never a panic, a
//! signal, a hang or unbounded output, and the user's files stay as they
//! were on error.

use crate::support::{Output, Test};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const GO_DOCKERFILE: &str = "FROM golang:1.22 AS build\nARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build -o /m .\nFROM alpine\nCOPY --from=build /m /m\n";

fn no_panic(out: &Output) {
    assert!(
        matches!(out.code, Some(0..=2)),
        "exit {:?}\n{}",
        out.code,
        out.stderr
    );
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

/// Runs xbuild in `dir` with stdout set up by `setup` (in the child, before
/// exec); returns the exit code and stderr.
fn run_raw(dir: &std::path::Path, args: &[&str], close_stdout: bool) -> (Option<i32>, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xbuild"));
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    if close_stdout {
        cmd.stdout(Stdio::inherit());
        // SAFETY: close(2) is async-signal-safe.
        unsafe {
            cmd.pre_exec(|| {
                libc::close(1);
                Ok(())
            });
        }
        let out = cmd.output().unwrap();
        return (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        );
    }
    // A pipe whose reading end is closed before xbuild starts: `| true`.
    let mut fds = [0; 2];
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    unsafe { libc::close(fds[0]) };
    // SAFETY: fds[1] is a descriptor we own; Stdio takes it over.
    cmd.stdout(unsafe { <Stdio as std::os::fd::FromRawFd>::from_raw_fd(fds[1]) });
    let out = cmd.output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_pipe_on_stdout_is_an_error_with_a_message() {
    let t = Test::new().file("Dockerfile", GO_DOCKERFILE).file(
        "big/Dockerfile",
        format!("FROM alpine\n{}", "RUN echo $TARGETARCH\n".repeat(3000)),
    );
    for args in [
        &["lint", "big/Dockerfile"][..],
        &["debug", "parse", "big/Dockerfile"],
        &["cross", "-o", "-"],
        &["config"],
        &["build", "--dry-run"],
    ] {
        let (code, stderr) = run_raw(t.path(), args, false);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_closed_stdout_is_not_a_silent_success() {
    let t = Test::new().file("Dockerfile", GO_DOCKERFILE);
    for args in [&["cross", "-o", "-"][..], &["config"]] {
        let (code, stderr) = run_raw(t.path(), args, true);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("stdout is closed"), "{args:?}: {stderr}");
    }
}

#[test]
fn cross_refuses_to_overwrite_its_input() {
    let out = Test::new()
        .file("Dockerfile", GO_DOCKERFILE)
        .args(["cross", "-o", "Dockerfile"])
        .run()
        .status(2)
        .stderr_contains("the output Dockerfile is the input file");
    assert_eq!(out.read("Dockerfile"), GO_DOCKERFILE);
}

#[test]
fn cross_writes_special_outputs_in_place_without_reading_them() {
    Test::new()
        .file("Dockerfile", GO_DOCKERFILE)
        .args(["cross", "-o", "/dev/full"])
        .run()
        .status(2)
        .stderr_contains("No space left on device");
    let t = Test::new().file("Dockerfile", GO_DOCKERFILE);
    let fifo = t.path().join("fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let reader = std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap());
    let out = t.args(["cross", "-q", "-o", "fifo"]).run().status(0);
    let got = reader.join().unwrap();
    assert!(
        got.contains("FROM --platform=${BUILDPLATFORM} golang"),
        "{got}"
    );
    assert!(!out.exists("Dockerfile.cross"));
}

#[test]
fn special_files_as_input_do_not_hang_or_grow() {
    let started = Instant::now();
    let t = Test::new().file("Dockerfile", GO_DOCKERFILE);
    let fifo = t.path().join("fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    // No writer: read as empty, which is no Dockerfile.
    let out = t.args(["cross", "-f", "fifo", "-o", "-"]).run().status(2);
    assert!(out.stderr.contains("no instructions"), "{}", out.stderr);
    Test::new()
        .args(["cross", "-f", "/dev/zero", "-o", "-"])
        .run()
        .status(2)
        .stderr_contains("is not a regular file and gives more than 16 MiB");
    // go.mod as a FIFO and as /dev/zero.
    let t = Test::new().file("Dockerfile", GO_DOCKERFILE);
    let gomod = t.path().join("go.mod");
    let c = std::ffi::CString::new(gomod.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    no_panic(&t.args(["go-build", "--dry-run"]).run());
    let t = Test::new().file("Dockerfile", GO_DOCKERFILE);
    std::os::unix::fs::symlink("/dev/zero", t.path().join("go.mod")).unwrap();
    no_panic(&t.args(["init", "--stdout"]).run());
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn a_directory_named_xbuild_toml_is_an_error() {
    let t = Test::new().file("Dockerfile", GO_DOCKERFILE);
    std::fs::create_dir(t.path().join("xbuild.toml")).unwrap();
    t.args(["config"])
        .run()
        .status(2)
        .stderr_contains("xbuild.toml is a directory");
}

fn nested(levels: usize, continued: bool) -> String {
    let open = if continued { "${a:-\\\n" } else { "${a:-" };
    format!("{}x{}", open.repeat(levels), "}".repeat(levels))
}

#[test]
fn deep_variable_nesting_is_a_clear_error_not_a_stack_overflow() {
    for df in [
        format!("FROM {}\n", nested(12_000, true)),
        format!("FROM {}\n", nested(10_000, false)),
    ] {
        let out = Test::new()
            .file("Dockerfile", &df)
            .args(["cross", "-o", "-"])
            .run()
            .status(2)
            .stderr_contains("nested more than 200 deep");
        assert!(out.stderr.len() < 20_000, "{} bytes", out.stderr.len());
        let out = Test::new().file("Dockerfile", &df).args(["lint"]).run();
        no_panic(&out);
        assert!(out.stdout.len() < 20_000, "{} bytes", out.stdout.len());
    }
    // An ARG default is only read where it is used.
    let df = format!("ARG A={}\nFROM alpine:${{A}}\n", nested(10_000, true));
    for args in [&["cross", "-o", "-"][..], &["lint"]] {
        no_panic(
            &Test::new()
                .file("Dockerfile", &df)
                .args(args.iter().copied())
                .run(),
        );
    }
    // A hundred and fifty levels are still read (BuildKit reads any depth).
    Test::new()
        .file("Dockerfile", format!("FROM {}\n", nested(150, false)))
        .args(["cross", "-o", "-"])
        .run()
        .status(0);
}

#[test]
fn a_one_megabyte_line_is_quoted_not_echoed() {
    let df = format!(
        "FROM alpine\nRUN echo {}\nRUN ${{{}\n",
        "x".repeat(1_000_000),
        "y".repeat(1_000_000)
    );
    for args in [&["lint"][..], &["cross", "-o", "-"]] {
        let out = Test::new()
            .file("Dockerfile", &df)
            .args(args.iter().copied())
            .run();
        no_panic(&out);
        assert!(
            out.stderr.len() + out.stdout.len() < 50_000,
            "{args:?}: {} + {} bytes",
            out.stdout.len(),
            out.stderr.len()
        );
    }
}

#[test]
fn cross_never_writes_a_line_buildkit_rejects() {
    let from = format!("FROM golang:{} AS build", "a".repeat(65_513));
    assert_eq!(from.len(), 65_534);
    let df = format!(
        "{from}\nARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build\nFROM alpine\nCOPY --from=build /m /m\n"
    );
    let out = Test::new()
        .file("Dockerfile", &df)
        .args(["cross"])
        .run()
        .status(2)
        .stderr_contains("xbuild::cross::line_too_long");
    assert!(!out.exists("Dockerfile.cross"));
}

#[test]
fn odd_bytes_and_unterminated_forms_end_cleanly() {
    let cases: [&[u8]; 6] = [
        b"FROM alpine\nRUN echo \0\0\n",
        b"FROM alpine\nRUN echo \xff\xfe\n",
        b"FROM alpine\nRUN <<EOF\necho never ends\n",
        b"FROM alpine\nRUN [\"echo\", \"unterminated\n",
        b"FROM alpine\nCMD [\n",
        b"\xef\xbb\xbf# escape=`\nFROM alpine\nRUN echo `\n",
    ];
    for df in cases {
        for args in [
            &["lint"][..],
            &["lint", "--fix"],
            &["cross", "-o", "-"],
            &["build", "--dry-run"],
        ] {
            let out = Test::new()
                .file("Dockerfile", df)
                .args(args.iter().copied())
                .run();
            no_panic(&out);
        }
    }
}

fn chain_of_stages(n: usize) -> String {
    let mut df = String::from("FROM golang:1.22 AS s0\nARG TARGETARCH\n");
    for i in 1..n {
        df.push_str(&format!(
            "FROM s{} AS s{i}\nRUN GOARCH=$TARGETARCH true\n",
            i - 1
        ));
    }
    df.push_str(&format!("FROM alpine\nCOPY --from=s{} /m /m\n", n - 1));
    df
}

#[test]
fn ten_thousand_stages_in_a_chain() {
    // cross on 10,000 stages; lint and --fix on 2,000 (this is the debug
    // binary; bench/scale.sh measures the release one on more).
    let started = Instant::now();
    let out = Test::new()
        .file("Dockerfile", chain_of_stages(10_000))
        .args(["cross", "-o", "-"])
        .run()
        .status(0);
    assert!(
        out.stdout
            .starts_with("FROM --platform=${BUILDPLATFORM} golang:1.22 AS s0\n")
    );
    for args in [&["lint"][..], &["lint", "--fix"]] {
        no_panic(
            &Test::new()
                .file("Dockerfile", chain_of_stages(2_000))
                .args(args.iter().copied())
                .run(),
        );
    }
    assert!(
        started.elapsed() < Duration::from_secs(300),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn missing_or_unwritable_output_directories_leave_files_alone() {
    let out = Test::new()
        .file("Dockerfile", GO_DOCKERFILE)
        .args(["cross", "-o", "missing/Dockerfile.cross"])
        .run()
        .status(2)
        .stderr_contains("cannot write");
    assert_eq!(out.read("Dockerfile"), GO_DOCKERFILE);
    // A file where the directory should be.
    let out = Test::new()
        .file("Dockerfile", GO_DOCKERFILE)
        .file("ro", "")
        .args(["cross", "-o", "ro/Dockerfile.cross"])
        .run()
        .status(2);
    assert_eq!(out.read("Dockerfile"), GO_DOCKERFILE);
}

#[test]
fn a_makefile_of_chained_variables_does_not_run_for_minutes() {
    let mut mk = String::from("IMG = $(V0)\n");
    for i in 0..8 {
        mk.push_str(&format!("V{i} = {}\n", format!("$(V{})", i + 1).repeat(10)));
    }
    mk.push_str("V8 = x\n");
    let started = Instant::now();
    Test::new()
        .file("Makefile", mk)
        .args(["init", "--stdout"])
        .run()
        .status(0)
        .stderr_contains("needs make to evaluate");
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn lint_fix_keeps_hard_links_owner_and_mode() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let t = Test::new().fixture("fixtures/lint/xb003-equal/Dockerfile", "Dockerfile");
    let df = t.path().join("Dockerfile");
    let link = t.path().join("linked");
    std::fs::hard_link(&df, &link).unwrap();
    std::fs::set_permissions(&df, std::fs::Permissions::from_mode(0o640)).unwrap();
    let root = unsafe { libc::geteuid() } == 0;
    if root {
        std::os::unix::fs::chown(&df, Some(4321), Some(4321)).unwrap();
    }
    let out = t.args(["lint", "--fix"]).run().status(0);
    let fixed = std::fs::read_to_string("fixtures/lint/xb003-equal/Dockerfile.fixed").unwrap();
    assert_eq!(out.read("Dockerfile"), fixed);
    assert_eq!(out.read("linked"), fixed, "the hard link was split");
    let meta = std::fs::metadata(out.path().join("Dockerfile")).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    assert_eq!(meta.nlink(), 2);
    if root {
        assert_eq!((meta.uid(), meta.gid()), (4321, 4321));
    }
}

#[test]
fn lint_fix_keeps_the_owner_of_a_file_with_one_link() {
    use std::os::unix::fs::MetadataExt;
    if unsafe { libc::geteuid() } != 0 {
        return; // only root can give a file to another user
    }
    let t = Test::new().fixture("fixtures/lint/xb003-equal/Dockerfile", "Dockerfile");
    std::os::unix::fs::chown(t.path().join("Dockerfile"), Some(4321), Some(4322)).unwrap();
    let out = t.args(["lint", "--fix"]).run().status(0);
    let meta = std::fs::metadata(out.path().join("Dockerfile")).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (4321, 4322));
}
