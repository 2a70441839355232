//! What one command of a Go stage's RUN means for the host build: the
//! commands come from the one RUN reader (`dockerfile::script`, as lint
//! reads them), their words expanded the way `sh` would with the stage's
//! ARG/ENV values and the script's own variables.

use crate::dockerfile::script::Command;

/// A command, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Simple {
    /// `A=1 B=2` alone: shell variables (not exported).
    Assign(Vec<(String, String)>),
    /// `cd DIR`.
    Cd(String),
    /// `[A=1] [env [B=2]] go build ARGS`: the command's own assignments and
    /// the words after `build`.
    GoBuild {
        env: Vec<(String, String)>,
        args: Vec<String>,
    },
    /// Anything else: its program and whether it uses shell features that
    /// this module does not follow.
    Other { program: String, complex: bool },
}

/// Reads `cmd` with `env` for the variables. It sees the command's own
/// assignments only for words after them, which `sh` does not either
/// (`A=1 echo $A` prints the old value), so one environment for the whole
/// command is right.
pub fn read(cmd: &Command, env: &dyn Fn(&str) -> Option<String>) -> Simple {
    let unreadable = || Simple::Other {
        program: cmd.program().to_string(),
        complex: true,
    };
    let mut assigns = Vec::new();
    for a in cmd.own_env() {
        match a.expand(env) {
            Ok(v) => assigns.push((a.name.clone(), v)),
            Err(_) => return unreadable(),
        }
    }
    if cmd.argv.is_empty() {
        return Simple::Assign(assigns);
    }
    let mut words = Vec::new();
    for w in &cmd.argv {
        match w.expand(cmd.shell, env) {
            Ok(more) => words.extend(more),
            Err(_) => return unreadable(),
        }
    }
    let program = words.first().map_or("", String::as_str);
    let base = program.rsplit('/').next().unwrap_or(program).to_string();
    if !cmd.complex {
        if base == "go" && words.get(1).map(String::as_str) == Some("build") {
            return Simple::GoBuild {
                env: assigns,
                args: words[2..].to_vec(),
            };
        }
        if program == "cd" && words.len() == 2 && assigns.is_empty() {
            return Simple::Cd(words[1].clone());
        }
    }
    Simple::Other {
        program: base,
        complex: cmd.complex,
    }
}

/// The values the exports in effect for `cmd` give (`export A=1 && ...`).
pub fn exported(cmd: &Command, env: &dyn Fn(&str) -> Option<String>) -> Vec<(String, String)> {
    cmd.env[..cmd.exported]
        .iter()
        .filter_map(|a| Some((a.name.clone(), a.expand(env).ok()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::script::commands;

    fn env(k: &str) -> Option<String> {
        match k {
            "TARGETOS" => Some("linux".into()),
            "TARGETARCH" => Some("arm64".into()),
            "VERSION" => Some("1.2.3".into()),
            "FLAGS" => Some("-a -v".into()),
            _ => None,
        }
    }

    fn reads(script: &str) -> Vec<Simple> {
        commands(script, &|r| r)
            .iter()
            .map(|c| read(c, &env))
            .collect()
    }

    #[test]
    fn go_build_with_assignments_env_and_shells() {
        let want = Simple::GoBuild {
            env: vec![
                ("CGO_ENABLED".into(), "0".into()),
                ("GOOS".into(), "linux".into()),
                ("GOARCH".into(), "arm64".into()),
            ],
            args: vec!["-a".into(), "-o".into(), "manager".into(), "main.go".into()],
        };
        for script in [
            "CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} go build -a -o manager main.go",
            "bash -ec \"CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} go build -a -o manager main.go\"",
            "sh -c 'CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} go build -a -o manager main.go'",
            "exec env CGO_ENABLED=0 GOOS=linux GOARCH=$TARGETARCH go build -a -o manager main.go",
        ] {
            assert!(
                reads(script).contains(&want),
                "{script}: {:?}",
                reads(script)
            );
        }
        assert_eq!(
            reads(
                "env CGO_ENABLED=0 /usr/local/go/bin/go build -ldflags \"-s -w -X main.version=${VERSION}\" $FLAGS ./cmd/manager"
            ),
            vec![Simple::GoBuild {
                env: vec![("CGO_ENABLED".into(), "0".into())],
                args: vec![
                    "-ldflags".into(),
                    "-s -w -X main.version=1.2.3".into(),
                    "-a".into(),
                    "-v".into(),
                    "./cmd/manager".into()
                ],
            }]
        );
    }

    #[test]
    fn other_commands() {
        assert_eq!(
            reads("cd cmd/manager"),
            vec![Simple::Cd("cmd/manager".into())]
        );
        assert_eq!(
            reads("A=1"),
            vec![Simple::Assign(vec![("A".into(), "1".into())])]
        );
        assert_eq!(
            reads("make build"),
            vec![Simple::Other {
                program: "make".into(),
                complex: false
            }]
        );
        for complex in [
            "GOARCH=$(go env GOARCH) go build .",
            "go build . > log",
            "if true; then go build .; fi",
            "(cd x && go build .)",
        ] {
            assert!(
                reads(complex)
                    .iter()
                    .any(|s| matches!(s, Simple::Other { complex: true, .. })),
                "{complex}"
            );
        }
    }
}
