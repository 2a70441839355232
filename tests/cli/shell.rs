//! `xbuild completions` and `xbuild man`: the generated files work in the
//! programs that read them.

use crate::support::Test;
use std::process::Command;

#[test]
fn bash_completion_loads_and_completes_subcommands_and_flags() {
    let out = Test::new().args(["completions", "bash"]).run().status(0);
    let script = out.path().join("xbuild.bash");
    std::fs::write(&script, &out.stdout).unwrap();
    let complete = |line: &str| {
        let words: Vec<&str> = line.split(' ').collect();
        let probe = format!(
            "set -e; source {}; COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; _xbuild xbuild '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display(),
            words.join(" "),
            words.len() - 1,
            words[words.len() - 1],
            words[words.len() - 2],
        );
        let o = Command::new("bash")
            .args(["--norc", "-c", &probe])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let mut got: Vec<String> = String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        got.sort();
        got
    };
    assert_eq!(
        complete("xbuild docker-"),
        ["docker-build", "docker-buildx", "docker-push"]
    );
    assert_eq!(complete("xbuild init --make"), ["--makefile"]);
    assert_eq!(complete("xbuild completions p"), ["powershell"]);
}

#[test]
fn every_shell_gets_a_script_naming_the_commands() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = Test::new().args(["completions", shell]).run().status(0);
        assert!(
            out.stdout.contains("docker-push"),
            "{shell}: {}",
            out.stdout
        );
    }
    Test::new().args(["completions", "tcsh"]).run().status(2);
}

#[test]
fn the_man_page_renders() {
    let out = Test::new().args(["man"]).run().status(0);
    assert!(
        out.stdout
            .starts_with(".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n.TH xbuild 1"),
        "{}",
        out.stdout
    );
    let page = out.path().join("xbuild.1");
    std::fs::write(&page, &out.stdout).unwrap();
    // man-db renders it when installed (ci/e2e-env.d/60-kubectl.sh installs it).
    if let Ok(o) = Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANWIDTH", "100")
        .env("MAN_KEEP_FORMATTING", "")
        .output()
    {
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(text.contains("docker-build"), "{text}");
        assert!(text.contains("SUBCOMMANDS"), "{text}");
    }
    let out = Test::new().args(["man", "--dir", "man1"]).run().status(0);
    assert!(
        out.read("man1/xbuild-docker-push.1")
            .contains(".TH xbuild-docker-push 1")
    );
    assert!(out.read("man1/xbuild-build.1").contains("\\-\\-kustomize"));
}
