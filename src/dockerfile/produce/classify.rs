//! Per command: for which platform its output is built, and where it lands.
//! Values come from the one ARG/ENV evaluator, computed for two target
//! platforms: a setting whose value differs between them follows the
//! target; one that is the same on both is fixed; one that is empty is the
//! build machine's (once the stage runs there).

use super::{Arch, Output};
use crate::dockerfile::script::Command;
use crate::dockerfile::vars::Vars;

/// What a command sees, for the two platforms compared.
pub(super) struct Env<'v, 'a> {
    pub amd: &'v Vars<'a>,
    pub arm: &'v Vars<'a>,
    /// WORKDIR (absolute).
    pub wd: &'v str,
    /// Read every TARGET* use as declared (what the file means once XB007's
    /// missing ARGs are added).
    pub assume_declared: bool,
}

/// How a setting varies with the target platform.
#[derive(Debug, PartialEq, Eq)]
enum Setting {
    Varies(String),
    Fixed(String),
    Unset,
}

impl Env<'_, '_> {
    /// A variable's value for the command.
    fn get(&self, vars: &Vars, k: &str) -> Option<String> {
        vars.get(k).or_else(|| {
            let p = vars.target();
            (self.assume_declared && crate::dockerfile::stages::TARGET_ARGS.contains(&k))
                .then(|| crate::dockerfile::stages::automatic_arg(k, p, p))
                .flatten()
        })
    }

    /// `name` as the command sees it: its own or exported assignment, else
    /// ENV/ARG.
    fn setting(&self, cmd: &Command, name: &str) -> Setting {
        let value = |vars: &Vars| match cmd.var(name) {
            Some(a) => a.expand(&|k| self.get(vars, k)).unwrap_or_default(),
            None => self.get(vars, name).unwrap_or_default(),
        };
        let (a, b) = (value(self.amd), value(self.arm));
        let shown = cmd
            .var(name)
            .map_or_else(|| format!("{name}={a}"), |x| x.raw.clone());
        if a != b {
            Setting::Varies(shown)
        } else if a.is_empty() {
            Setting::Unset
        } else {
            Setting::Fixed(shown)
        }
    }

    /// Any word of the command (or assignment) expands differently per
    /// target platform.
    fn words_vary(&self, cmd: &Command) -> Option<String> {
        let ex = |vars: &Vars, raw: &str| {
            crate::dockerfile::shell::Lexer::new('\\')
                .process_word(raw, &|k| self.get(vars, k))
                .unwrap_or_default()
        };
        cmd.own_env()
            .iter()
            .map(|a| a.raw.as_str())
            .chain(cmd.argv.iter().map(|w| w.raw.as_str()))
            .find(|raw| raw.contains('$') && ex(self.amd, raw) != ex(self.arm, raw))
            .map(str::to_string)
    }

    fn abs(&self, p: &str) -> String {
        super::join(self.wd, p)
    }
}

/// The value of option `names` (`-o x`, `-o=x`, `--root x`, `--root=x`).
fn option(cmd: &Command, names: &[&str]) -> Option<String> {
    let mut it = cmd.argv.iter().skip(1);
    while let Some(w) = it.next() {
        let t = w.text.as_str();
        for n in names {
            if t == *n {
                return it.next().map(|w| w.text.clone());
            }
            if let Some(v) = t.strip_prefix(n).and_then(|r| r.strip_prefix('=')) {
                return Some(v.to_string());
            }
            // Short options run together: curl's `-fsSLo FILE`.
            let short = n.len() == 2 && !n.starts_with("--");
            if short
                && t.len() > 2
                && !t.starts_with("--")
                && t.starts_with('-')
                && t[1..].chars().all(|c| c.is_ascii_alphabetic())
                && t.ends_with(&n[1..])
                && matches!(cmd.program(), "curl" | "wget")
            {
                return it.next().map(|w| w.text.clone());
            }
        }
    }
    None
}

fn has(cmd: &Command, word: &str) -> bool {
    cmd.argv.iter().skip(1).any(|w| w.text == word)
}

/// Commands that only move, copy or write text: their output does not
/// depend on any architecture.
const TEXT: &[&str] = &[
    "cp",
    "mv",
    "mkdir",
    "rm",
    "rmdir",
    "ln",
    "chmod",
    "chown",
    "chgrp",
    "echo",
    "printf",
    "cat",
    "sed",
    "awk",
    "tar",
    "unzip",
    "gzip",
    "gunzip",
    "xz",
    "touch",
    "test",
    "[",
    "true",
    "false",
    "set",
    "cd",
    "ls",
    "find",
    "grep",
    "git",
    "adduser",
    "useradd",
    "addgroup",
    "groupadd",
    "install",
    "tee",
    "sort",
    "head",
    "tail",
    "tr",
    "cut",
    "xargs",
    "sha256sum",
    "md5sum",
    "update-ca-certificates",
    "export",
    "exit",
    "sleep",
    "id",
    "whoami",
    "env",
    "basename",
    "dirname",
    "mktemp",
    "jq",
    "yq",
    "wc",
    "sh",
    "bash",
    "source",
    ".",
    "ldconfig",
    "upx",
    "strip",
    "tini",
    "setcap",
    "rsync",
    "patch",
    "diff",
    "openssl",
    "gpg",
    "base64",
];

/// Build tools whose output is byte code or text (JVM, JavaScript bundles).
const PORTABLE: &[&str] = &["mvn", "mvnw", "gradle", "gradlew", "javac", "protoc", "buf"];

/// Package managers and the subcommand that installs.
const PACKAGES: &[(&str, &[&str])] = &[
    ("apt-get", &["install"]),
    ("apt", &["install"]),
    ("apk", &["add"]),
    ("dnf", &["install", "reinstall"]),
    ("yum", &["install", "reinstall"]),
    ("microdnf", &["install"]),
    ("zypper", &["install", "in"]),
    ("rpm", &["-i", "-ivh", "-Uvh", "-U"]),
    ("dpkg", &["-i"]),
];

/// Where a package manager without a root writes.
const SYSTEM: &[&str] = &[
    "/usr", "/lib", "/lib64", "/etc", "/bin", "/sbin", "/opt", "/var/lib",
];

/// The command's output, or None when it produces nothing that matters.
pub(super) fn classify(cmd: &Command, env: &Env) -> Option<Output> {
    let prog = cmd.program();
    let sub = cmd.subcommand().map(|w| w.text.clone()).unwrap_or_default();
    let target_of = |names: &[&str]| -> Option<(Arch, String)> {
        for n in names {
            match env.setting(cmd, n) {
                Setting::Varies(s) => {
                    return Some((Arch::Target, format!("{s} follows the target")));
                }
                Setting::Fixed(s) => return Some((Arch::Fixed, format!("{s} is fixed"))),
                Setting::Unset => {}
            }
        }
        None
    };
    let out = |arch: Arch, why: String, paths: Vec<String>, exact: bool| {
        Some(Output {
            arch,
            why,
            paths,
            exact,
        })
    };
    match prog {
        "go" | "xx-go" => {
            let test_c = sub == "test" && has(cmd, "-c");
            if !matches!(sub.as_str(), "build" | "install") && !test_c {
                return None;
            }
            let paths = if sub == "install" {
                let bin = match env.setting(cmd, "GOBIN") {
                    Setting::Fixed(_) | Setting::Varies(_) => cmd.var("GOBIN").map_or_else(
                        || env.amd.get("GOBIN").unwrap_or_default(),
                        |a| a.expand(&|k| env.amd.get(k)).unwrap_or_default(),
                    ),
                    Setting::Unset => env
                        .amd
                        .get("GOPATH")
                        .map_or("/go/bin".to_string(), |g| format!("{g}/bin")),
                };
                vec![env.abs(&bin)]
            } else if let Some(o) = option(cmd, &["-o"]) {
                vec![env.abs(&o)]
            } else if let Some(name) = go_output_name(cmd).filter(|_| sub == "build") {
                vec![env.abs(&name)]
            } else {
                vec![env.wd.to_string()]
            };
            let exact = sub == "install"
                || option(cmd, &["-o"]).is_some()
                || (sub == "build" && go_output_name(cmd).is_some());
            if prog == "xx-go" {
                return xx(cmd, env, paths, exact);
            }
            let (arch, why) = target_of(&["GOARCH"]).unwrap_or((
                Arch::Native,
                format!("go {sub} without GOARCH builds for the machine it runs on"),
            ));
            out(arch, why, paths, exact)
        }
        "cargo" | "xx-cargo" => {
            let builds = matches!(
                sub.as_str(),
                "build" | "install" | "rustc" | "zigbuild" | "auditable"
            ) || (sub == "chef" && has(cmd, "cook"));
            if !builds {
                return None;
            }
            let paths = if sub == "install" {
                let root = option(cmd, &["--root"])
                    .or_else(|| env.amd.get("CARGO_INSTALL_ROOT"))
                    .or_else(|| env.amd.get("CARGO_HOME"))
                    .unwrap_or("/usr/local/cargo".into());
                vec![env.abs(&root)]
            } else {
                let dir = option(cmd, &["--target-dir"])
                    .or_else(|| env.amd.get("CARGO_TARGET_DIR"))
                    .unwrap_or("target".into());
                vec![env.abs(&dir)]
            };
            if prog == "xx-cargo" {
                return xx(cmd, env, paths, true);
            }
            if let Some(t) = option(cmd, &["--target"]) {
                let arch = if env.words_vary(cmd).is_some() || t.contains('$') {
                    Arch::Target
                } else {
                    Arch::Fixed
                };
                return out(arch, format!("--target {t}"), paths, true);
            }
            let (arch, why) = target_of(&["CARGO_BUILD_TARGET"]).unwrap_or((
                Arch::Native,
                format!("cargo {sub} without --target builds for the machine it runs on"),
            ));
            out(arch, why, paths, true)
        }
        "xx-apk" | "xx-apt-get" | "xx-apt" | "xx-clang" | "xx-clang++" | "xx-verify" => {
            if prog == "xx-verify" {
                return None;
            }
            xx(cmd, env, vec![env.wd.to_string()], false)
        }
        "pip" | "pip3" | "uv" | "poetry" | "pipenv" => {
            let installs = match prog {
                "uv" => matches!(sub.as_str(), "pip" | "sync") && !has(cmd, "compile"),
                "poetry" | "pipenv" => matches!(sub.as_str(), "install" | "sync"),
                _ => sub == "install" || sub == "wheel",
            };
            if !installs || has(cmd, "download") {
                return None;
            }
            if let Some(p) = option(cmd, &["--platform", "--python-platform"]) {
                let arch = if p.contains('$') {
                    Arch::Target
                } else {
                    Arch::Fixed
                };
                return out(
                    arch,
                    format!("--platform {p}"),
                    vec![env.wd.to_string()],
                    false,
                );
            }
            let path = option(
                cmd,
                &["--target", "--prefix", "--root", "-t", "--wheel-dir", "-w"],
            );
            let exact = path.is_some();
            let mut paths = match path {
                Some(p) => vec![env.abs(&p)],
                None => vec![
                    "/usr/local/lib".into(),
                    "/usr/lib".into(),
                    env.wd.to_string(),
                ],
            };
            if let Some(v) = env.amd.get("VIRTUAL_ENV") {
                paths.push(v);
            }
            out(
                Arch::Native,
                format!("{prog} {sub} fetches or builds wheels for the machine it runs on"),
                paths,
                exact,
            )
        }
        "npm" | "yarn" | "pnpm" | "bun" => {
            let installs = matches!(sub.as_str(), "ci" | "install" | "i" | "add" | "rebuild")
                || (prog == "yarn" && sub.is_empty());
            if !installs {
                return None;
            }
            out(
                Arch::Native,
                format!("{prog} {sub} builds native modules for the machine it runs on")
                    .replace("  ", " "),
                vec![env.abs("node_modules")],
                true,
            )
        }
        "curl" | "wget" => {
            let names: &[&str] = if prog == "curl" {
                &["-o", "--output"]
            } else {
                &["-O", "--output-document"]
            };
            let path = option(cmd, names);
            let paths = vec![path.as_deref().map_or(env.wd.to_string(), |p| env.abs(p))];
            let exact = path.is_some();
            let text = cmd.text();
            if env.words_vary(cmd).is_some() {
                return out(
                    Arch::Target,
                    "its URL follows the target".into(),
                    paths,
                    exact,
                );
            }
            if text.contains("uname -m")
                || text.contains("$(arch)")
                || text.contains("`arch`")
                || text.contains("dpkg --print-architecture")
            {
                return out(
                    Arch::Native,
                    "its URL names the machine it runs on (`uname -m`)".into(),
                    paths,
                    exact,
                );
            }
            out(
                Arch::Independent,
                "a download that names no architecture".into(),
                paths,
                exact,
            )
        }
        _ => {
            if let Some((_, subs)) = PACKAGES.iter().find(|(p, _)| *p == prog) {
                let installs = subs.contains(&sub.as_str())
                    || cmd
                        .argv
                        .iter()
                        .skip(1)
                        .any(|w| subs.contains(&w.text.as_str()));
                if !installs {
                    return None;
                }
                let root = option(cmd, &["--installroot", "--root", "-p", "--instdir"]);
                let (paths, exact) = match &root {
                    Some(r) => (vec![env.abs(r)], true),
                    None => (SYSTEM.iter().map(|s| s.to_string()).collect(), false),
                };
                if let Some((arch, why)) = option(cmd, &["--forcearch", "--arch"]).map(|a| {
                    (
                        if a.contains('$') {
                            Arch::Target
                        } else {
                            Arch::Fixed
                        },
                        format!("--arch {a}"),
                    )
                }) {
                    return out(arch, why, paths, exact);
                }
                let into = root.map(|r| format!(" into {r}")).unwrap_or_default();
                return out(
                    Arch::Native,
                    format!("{prog} installs the build machine's packages{into}"),
                    paths,
                    exact,
                );
            }
            if TEXT.contains(&prog) || PORTABLE.contains(&prog) || prog.is_empty() {
                return None;
            }
            // A compiler, make, a script or a program we do not know: it
            // builds for the target when what it is given follows the target.
            let paths = vec![env.wd.to_string()];
            if let Some(w) = env.words_vary(cmd) {
                return out(
                    Arch::Target,
                    format!("{w} follows the target"),
                    paths,
                    false,
                );
            }
            if let Some((arch, why)) = target_of(&["GOARCH", "CARGO_BUILD_TARGET"]) {
                return out(arch, why, paths, false);
            }
            let native = matches!(prog, "gcc" | "g++" | "cc" | "c++" | "clang" | "clang++");
            let why = if native {
                format!("{prog} without --target builds for the machine it runs on")
            } else {
                format!("what `{prog}` builds, and for which machine, is unknown")
            };
            out(
                if native { Arch::Native } else { Arch::Unknown },
                why,
                paths,
                false,
            )
        }
    }
}

/// Go flags that take no value.
const GO_BOOL_FLAGS: &[&str] = &[
    "-a",
    "-v",
    "-x",
    "-n",
    "-race",
    "-msan",
    "-asan",
    "-cover",
    "-trimpath",
    "-work",
    "-linkshared",
    "-buildvcs",
    "-json",
];

/// The file `go build` without `-o` writes in WORKDIR when it builds one
/// main package: `./cmd/app` -> `app`, `main.go` -> `main`; None for `.`,
/// `./...` or several packages (named after the module, or not written).
fn go_output_name(cmd: &Command) -> Option<String> {
    let mut args = cmd.argv.iter().skip(1).map(|w| w.text.as_str());
    let mut pkgs = Vec::new();
    let mut seen_sub = false;
    while let Some(a) = args.next() {
        if !seen_sub {
            seen_sub = a == "build";
            continue;
        }
        if a.starts_with('-') {
            let name = a.split('=').next().unwrap_or(a).replacen("--", "-", 1);
            if !a.contains('=') && !GO_BOOL_FLAGS.contains(&name.as_str()) {
                args.next();
            }
            continue;
        }
        pkgs.push(a);
    }
    let name = match pkgs.as_slice() {
        [one] if one.ends_with(".go") => one.rsplit('/').next()?.strip_suffix(".go")?,
        [one] if !one.contains("...") && !one.contains('@') => {
            one.trim_end_matches('/').rsplit('/').next()?
        }
        many if many.len() > 1 && many.iter().all(|p| p.ends_with(".go")) => {
            many[0].rsplit('/').next()?.strip_suffix(".go")?
        }
        _ => return None,
    };
    (!name.is_empty() && name != "." && name != ".." && !name.contains('$'))
        .then(|| name.to_string())
}

/// tonistiigi/xx tools build for `$TARGETPLATFORM` from the environment: a
/// declared ARG is a use; without it they build for the machine they run on.
fn xx(cmd: &Command, env: &Env, paths: Vec<String>, exact: bool) -> Option<Output> {
    let prog = cmd.program();
    let (arch, why) = match env.setting(cmd, "TARGETPLATFORM") {
        Setting::Varies(_) => (Arch::Target, format!("{prog} reads TARGETPLATFORM")),
        Setting::Fixed(s) => (Arch::Fixed, format!("{prog} reads {s}")),
        Setting::Unset => match env.setting(cmd, "TARGETARCH") {
            Setting::Varies(_) => (Arch::Target, format!("{prog} reads TARGETARCH")),
            _ => (
                Arch::Native,
                format!("{prog} without ARG TARGETPLATFORM builds for the machine it runs on"),
            ),
        },
    };
    Some(Output {
        arch,
        why,
        paths,
        exact,
    })
}
