//! The host `go build` of the Go stage for one target platform: the
//! command line, its environment, its directory, and where the binary goes
//! (`<out>/<os>_<arch>[_<variant>]/<name>`, the layout the replacement
//! stage copies from).
//!
//! The environment is, in order of precedence (last wins): the stage's
//! build-relevant variables (`CGO_ENABLED`, `GOFLAGS`, `GOEXPERIMENT`, ...),
//! `CGO_ENABLED=0` when the stage does not say, the platform's `GOOS`,
//! `GOARCH` and variant (`GOARM`, `GOAMD64`, ...), then `[go] env`.
//! Everything else comes from the user's environment unchanged, above all
//! `GOCACHE` and `GOPATH`: the host build cache is the point.

use super::flags::Flag;
use super::stage::GoStage;
use crate::config::GoConfig;
use crate::exec::Cmd;
use crate::platform::Platform;
use std::path::{Path, PathBuf};

/// Variables of the stage that change what `go build` produces; the rest
/// (GOPATH, GOPROXY, HOME, PATH, ARGs, ...) describe the container.
const BUILD_VARS: &[&str] = &[
    "CGO_ENABLED",
    "CGO_CFLAGS",
    "CGO_CPPFLAGS",
    "CGO_CXXFLAGS",
    "CGO_FFLAGS",
    "CGO_LDFLAGS",
    "GOFLAGS",
    "GO111MODULE",
    "GOEXPERIMENT",
    "GOAMD64",
    "GOARM",
    "GOARM64",
    "GO386",
    "GOMIPS",
    "GOMIPS64",
    "GOPPC64",
    "GORISCV64",
    "GOWASM",
];

/// One platform's host build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostBuild {
    pub platform: Platform,
    pub cmd: Cmd,
    /// The binary it writes.
    pub output: PathBuf,
}

/// What every platform's build shares.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// The `go` to run.
    pub go: &'a Path,
    /// `[go] out-dir`.
    pub out_dir: &'a Path,
    /// The build context on the host.
    pub context: &'a Path,
    /// Pass `-a`: rebuild every package instead of using the build cache.
    pub rebuild_all: bool,
    pub config: &'a GoConfig,
}

/// Where a platform's binary goes.
pub fn output_path(out_dir: &Path, platform: &Platform, name: &str) -> PathBuf {
    out_dir.join(platform.dir_name()).join(name)
}

/// The build for `platform`, and notes about choices made for it.
pub fn host_build(
    stage: &GoStage,
    platform: &Platform,
    opts: &Options,
) -> (HostBuild, Vec<String>) {
    let mut notes = Vec::new();
    let mut env: Vec<(String, String)> = Vec::new();
    fn set(env: &mut Vec<(String, String)>, k: &str, v: &str) {
        env.retain(|(n, _)| n != k);
        env.push((k.to_string(), v.to_string()));
    }
    // The container's go does not see the user's shell: a GOFLAGS or
    // GOAMD64 set there must not reach the host build either (empty is
    // unset for go). The stage's own values and [go] env come after.
    for k in BUILD_VARS {
        if std::env::var_os(k).is_some_and(|v| !v.is_empty()) {
            set(&mut env, k, "");
        }
    }
    for (k, v) in &stage.env {
        if BUILD_VARS.contains(&k.as_str()) {
            set(&mut env, k, v);
        }
    }
    if !stage.env.contains_key("CGO_ENABLED")
        && !opts.config.env.iter().any(|(k, _)| k == "CGO_ENABLED")
    {
        set(&mut env, "CGO_ENABLED", "0");
        notes.push(
            "the Go stage does not set CGO_ENABLED: xbuild sets CGO_ENABLED=0 for every platform (static binaries; cgo cannot cross-compile without a C cross compiler)"
                .to_string(),
        );
    }
    for (k, v) in platform.go_env() {
        set(&mut env, k, &v);
    }
    for (k, v) in &opts.config.env {
        set(&mut env, k, v);
    }

    let output = output_path(opts.out_dir, platform, stage.binary_name());
    let mut args: Vec<String> = vec!["build".into()];
    // -v lists the packages compiled, which tells a cached build from a fresh one.
    if !stage.args.flags.iter().any(|f| f.name == "v") {
        args.push("-v".into());
    }
    let mut had_a = false;
    for f in &stage.args.flags {
        match f.name.as_str() {
            "o" | "C" => {}
            "a" => had_a = f.is_on(),
            "ldflags" if opts.config.ldflags.is_some() => {}
            "tags" if !opts.config.tags.is_empty() => {}
            _ => args.extend(f.argv()),
        }
    }
    if opts.rebuild_all {
        args.push("-a".into());
    } else if had_a {
        notes.push(
            "-a dropped: the host build cache is correct and is what makes rebuilds fast (go-build --rebuild-all or build --no-cache pass -a)"
                .to_string(),
        );
    }
    if let Some(l) = &opts.config.ldflags {
        args.extend(Flag::new("ldflags", Some(l)).argv());
    }
    if !opts.config.tags.is_empty() {
        args.extend(Flag::new("tags", Some(&opts.config.tags.join(","))).argv());
    }
    args.extend(opts.config.flags.iter().cloned());
    args.push("-o".into());
    args.push(output.display().to_string());
    args.extend(stage.args.packages.iter().cloned());

    let mut cmd = Cmd::new(opts.go.display().to_string())
        .args(args)
        .cwd(if stage.dir.is_empty() {
            opts.context.to_path_buf()
        } else {
            opts.context.join(&stage.dir)
        });
    for (k, v) in env {
        cmd = cmd.env(k, v);
    }
    (
        HostBuild {
            platform: platform.clone(),
            cmd,
            output,
        },
        notes,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::golang::flags::BuildArgs;

    fn stage(env: &[(&str, &str)], args: &[&str]) -> GoStage {
        GoStage {
            stage: 0,
            label: "builder".into(),
            name: Some("builder".into()),
            build_stage: 0,
            span: 0..1,
            line: 1,
            from_config: false,
            workdir: "/workspace".into(),
            context_root: "/workspace".into(),
            dir: String::new(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            args: BuildArgs::parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap(),
            output: "/workspace/manager".into(),
            notes: vec![],
            risks: vec![],
            copied: vec![String::new()],
        }
    }

    fn config() -> GoConfig {
        crate::config::Config::defaults(Path::new("/p")).go
    }

    #[test]
    fn kubebuilder_stage_on_the_host() {
        let s = stage(
            &[
                ("CGO_ENABLED", "0"),
                ("GOOS", "linux"),
                ("GOARCH", "arm"),
                ("TARGETARCH", "arm"),
                ("GOPROXY", "off"),
            ],
            &["-a", "-o", "manager", "main.go"],
        );
        let cfg = config();
        let opts = Options {
            go: Path::new("/usr/bin/go"),
            out_dir: Path::new("/p/bin/xbuild"),
            context: Path::new("/p"),
            rebuild_all: false,
            config: &cfg,
        };
        let (b, notes) = host_build(&s, &"linux/arm/v7".parse().unwrap(), &opts);
        assert_eq!(
            b.cmd.display(),
            "CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7 /usr/bin/go build -v -o /p/bin/xbuild/linux_arm_v7/manager main.go"
        );
        assert_eq!(b.cmd.cwd.as_deref(), Some(Path::new("/p")));
        assert_eq!(b.output, Path::new("/p/bin/xbuild/linux_arm_v7/manager"));
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].starts_with("-a dropped"));

        let opts = Options {
            rebuild_all: true,
            ..opts
        };
        let (b, notes) = host_build(&s, &"linux/amd64".parse().unwrap(), &opts);
        assert!(
            b.cmd.display().contains(" build -v -a -o "),
            "{}",
            b.cmd.display()
        );
        assert!(notes.is_empty());
    }

    #[test]
    fn config_overrides_and_cgo_default() {
        let s = stage(
            &[("GOFLAGS", "-mod=vendor")],
            &[
                "-trimpath",
                "-ldflags",
                "-s -w",
                "-tags",
                "a",
                "./cmd/manager",
            ],
        );
        let mut cfg = config();
        cfg.ldflags = Some("-X main.v=1".into());
        cfg.tags = vec!["x".into(), "y".into()];
        cfg.flags = vec!["-buildvcs=false".into()];
        cfg.env = vec![("GOEXPERIMENT".into(), "loopvar".into())];
        let opts = Options {
            go: Path::new("go"),
            out_dir: Path::new("out"),
            context: Path::new("ctx"),
            rebuild_all: false,
            config: &cfg,
        };
        let (b, notes) = host_build(&s, &"linux/amd64/v3".parse().unwrap(), &opts);
        assert_eq!(
            b.cmd.display(),
            "GOFLAGS=-mod=vendor CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOAMD64=v3 GOEXPERIMENT=loopvar go build -v -trimpath -ldflags '-X main.v=1' -tags x,y -buildvcs=false -o out/linux_amd64_v3/manager ./cmd/manager"
        );
        assert!(notes[0].contains("CGO_ENABLED=0"), "{notes:?}");
    }
}
