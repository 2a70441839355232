//! The one RUN script reader: the commands a RUN executes, read the way a
//! POSIX shell splits them, well enough to tell which program runs with
//! which environment assignments: `GOARCH=amd64 go build`,
//! `export CGO_ENABLED=0 && go build`, `env GOARCH=arm64 go build`. Quotes,
//! escapes, `$(...)` and backticks stay inside their word; `&&`, `||`, `;`,
//! `|`, `&`, newlines and parentheses end a command; `#` at a word start
//! begins a comment; `env`, `exec`, `nohup`, `time`, `command` prefixes and
//! shell keywords are skipped (a command under a keyword or in a subshell is
//! marked [`Command::complex`]).
//!
//! Sources: the RUN's shell-form text (after its flags), its heredoc bodies
//! when the heredoc is the script (`RUN <<EOF`, `RUN bash <<EOF`), the
//! script of `sh|bash|ash|dash -c` with any options before `-c` (`-ec`,
//! `-euo pipefail -c`), or the JSON form's arguments (`["sh", "-c", "..."]`
//! is read as a script). Every word keeps its span in the Dockerfile (a
//! JSON string has none of its own: its words get the RUN's span) and can
//! be expanded ([`Word::expand`]) with the values of [`super::vars`].
//!
//! Lint rules and the Go stage mapping both read RUN through this module.

mod words;

use super::shell::Lexer;
use super::{Instruction, Span};
use std::ops::Range;
use words::split;

/// Shell words that come before the command they introduce and make what
/// it runs conditional or grouped.
const KEYWORDS: &[&str] = &[
    "!", "{", "}", "if", "then", "else", "elif", "do", "while", "until",
];

/// Prefixes that run the command that follows as it is.
const PREFIXES: &[&str] = &["time", "exec", "nohup", "command", "builtin"];

/// Programs that read a script from their standard input.
const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh"];

/// One word of a command: its text with quotes and escapes removed, and its
/// span in the Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    /// The word as written (quotes kept).
    pub raw: String,
    pub span: Span,
}

impl Word {
    /// The word as `sh` expands it with `env`: variables and quotes, and an
    /// unquoted expansion split into fields (`$FLAGS` may be several
    /// words). Exec-form words are not expanded (there is no shell).
    ///
    /// (BuildKit's `ProcessWords` is not used: its nested `${VAR:-x}` resets
    /// the word being built, so `GOOS=${TARGETOS:-linux}` would lose
    /// `GOOS=`.)
    pub fn expand(
        &self,
        shell: bool,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Vec<String>, String> {
        if !shell {
            return Ok(vec![self.text.clone()]);
        }
        let value = Lexer::new('\\')
            .process_word(&self.raw, env)
            .map_err(|e| e.0)?;
        let assignment = self.raw.split_once('=').is_some_and(|(n, _)| is_name(n));
        Ok(if has_unquoted_dollar(&self.raw) && !assignment {
            value.split_whitespace().map(str::to_string).collect()
        } else {
            vec![value]
        })
    }
}

/// A `$` outside single quotes (an expansion whose result is split).
fn has_unquoted_dollar(raw: &str) -> bool {
    let (mut single, mut double, mut escaped) = (false, false, false);
    for c in raw.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if !single => escaped = true,
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '$' if !single && !double => return true,
            _ => {}
        }
    }
    false
}

/// `NAME=value` in front of a command, after `env`, or from an earlier
/// `export` in the same script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assign {
    pub name: String,
    /// The value with quotes removed.
    pub value: String,
    /// The whole `NAME=value` word as written (quotes kept).
    pub raw: String,
    /// A fixed value: not empty, no `$` expansion and no command substitution.
    pub literal: bool,
    pub span: Span,
}

impl Assign {
    /// The value as `sh` expands it with `env`.
    pub fn expand(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
        let word = Lexer::new('\\')
            .process_word(&self.raw, env)
            .map_err(|e| e.0)?;
        Ok(word.split_once('=').map_or("", |(_, v)| v).to_string())
    }
}

/// A simple command with the environment it runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Assignments in effect, in order (later ones win): first those of
    /// earlier `export`s (`exported` of them), then the command's own.
    pub env: Vec<Assign>,
    /// How many of `env` come from earlier `export`s.
    pub exported: usize,
    /// The program and its arguments; empty for a line of assignments
    /// alone (`A=1`: shell variables, not exported).
    pub argv: Vec<Word>,
    /// The words are shell words (false for an exec-form RUN's arguments).
    pub shell: bool,
    /// Runs under a shell keyword (`if`, `while`, `!`, `{ }`), in a
    /// subshell, with a redirection, or has a command substitution.
    pub complex: bool,
}

impl Command {
    /// The command's own assignments (`A=1 go build`, `env A=1 go build`).
    pub fn own_env(&self) -> &[Assign] {
        &self.env[self.exported..]
    }

    /// From the first assignment or word to the last word.
    pub fn whole_span(&self) -> Span {
        let own = self.own_env();
        let first = own
            .first()
            .map(|a| &a.span)
            .or(self.argv.first().map(|w| &w.span));
        let last = self
            .argv
            .last()
            .map(|w| &w.span)
            .or(own.last().map(|a| &a.span));
        match (first, last) {
            (Some(f), Some(l)) => f.start..l.end.max(f.start),
            _ => 0..0,
        }
    }

    /// The command as written, one blank between words.
    pub fn text(&self) -> String {
        self.own_env()
            .iter()
            .map(|a| a.raw.as_str())
            .chain(self.argv.iter().map(|w| w.raw.as_str()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The program's file name (`/usr/local/go/bin/go` -> `go`).
    pub fn program(&self) -> &str {
        let p = self.argv.first().map_or("", |w| w.text.as_str());
        p.rsplit('/').next().unwrap_or(p)
    }

    /// The first argument that is not an option or an option's value
    /// (`build` in `go build -o x`, `go -C cmd build`, `cargo +nightly build`).
    pub fn subcommand(&self) -> Option<&Word> {
        let takes_value: &[&str] = match self.program() {
            "go" | "xx-go" => &["-C"],
            "cargo" | "xx-cargo" => &["-C", "-Z", "--color", "--config"],
            _ => &[],
        };
        let mut args = self.argv.iter().skip(1);
        while let Some(w) = args.next() {
            let t = w.text.as_str();
            if takes_value.contains(&t) {
                args.next();
            } else if !t.starts_with(['-', '+']) {
                return Some(w);
            }
        }
        None
    }

    /// The assignment of `name` in effect for this command.
    pub fn var(&self, name: &str) -> Option<&Assign> {
        self.env.iter().rev().find(|a| a.name == name)
    }

    /// The program and its subcommand, for labels.
    pub fn span(&self) -> Span {
        let start = self.argv.first().map_or(0, |w| w.span.start);
        let end = match self.subcommand() {
            Some(sub) if self.has_subcommands() => sub.span.end,
            _ => self.argv.first().map_or(start, |w| w.span.end),
        };
        start..end.max(start)
    }

    fn has_subcommands(&self) -> bool {
        matches!(
            self.program(),
            "go" | "xx-go" | "cargo" | "xx-cargo" | "cmake"
        )
    }

    /// `go build` or `go install` (the plain Go toolchain).
    pub fn is_go_build(&self) -> bool {
        self.program() == "go" && self.sub_is(&["build", "install"])
    }

    /// Any Go build, `xx-go build` (tonistiigi/xx) included.
    pub fn is_any_go_build(&self) -> bool {
        matches!(self.program(), "go" | "xx-go") && self.sub_is(&["build", "install"])
    }

    fn sub_is(&self, names: &[&str]) -> bool {
        self.subcommand()
            .is_some_and(|w| names.contains(&w.text.as_str()))
    }

    fn has_arg(&self, prefix: &str) -> bool {
        self.argv.iter().skip(1).any(|w| w.text.starts_with(prefix))
    }

    /// Produces machine code: `go build`, `cargo build`, `make`, a C
    /// compiler, `cmake --build`. `make` whose targets are all known not to
    /// build binaries (`make docs`, `make manifests`) does not count.
    pub fn compiles(&self) -> bool {
        match self.program() {
            "go" | "xx-go" => self.sub_is(&["build", "install"]),
            "cargo" | "xx-cargo" => self.sub_is(&["build", "install", "zigbuild", "rustc"]),
            "make" | "gmake" => !self.make_targets_are_not_binaries(),
            "gcc" | "g++" | "cc" | "c++" | "clang" | "clang++" | "xx-clang" | "xx-clang++" => true,
            "cmake" => self.has_arg("--build"),
            _ => false,
        }
    }

    /// `cargo build --target ...`: the compiler is told what to build for.
    pub fn names_a_target(&self) -> bool {
        matches!(self.program(), "cargo" | "xx-cargo") && self.has_arg("--target")
    }

    fn make_targets_are_not_binaries(&self) -> bool {
        const NOT_BINARIES: &[&str] = &[
            "doc",
            "docs",
            "html",
            "man",
            "manifests",
            "generate",
            "fmt",
            "vet",
            "lint",
            "test",
            "tests",
            "check",
            "clean",
            "help",
            "bundle",
            "helm",
            "chart",
            "charts",
            "crds",
            "api-docs",
            "site",
        ];
        let mut targets = Vec::new();
        let mut args = self.argv.iter().skip(1);
        while let Some(w) = args.next() {
            let t = w.text.as_str();
            if matches!(t, "-C" | "-f" | "-j" | "-l" | "-o" | "-W" | "-I") {
                args.next();
            } else if !t.starts_with('-') && !t.contains('=') {
                targets.push(t);
            }
        }
        !targets.is_empty() && targets.iter().all(|t| NOT_BINARIES.contains(t))
    }
}

/// The commands of a RUN instruction (empty for any other instruction):
/// programs with their arguments, as lint rules see them.
pub fn run_commands(source: &str, ins: &Instruction) -> Vec<Command> {
    let mut out = run_script(source, ins);
    out.retain(|c| !c.argv.is_empty());
    out
}

/// Everything a RUN's script does, in order: its commands and its lines of
/// shell assignments alone (a command with no argv).
pub fn run_script(source: &str, ins: &Instruction) -> Vec<Command> {
    if ins.command != "run" {
        return Vec::new();
    }
    if ins.json {
        return json_commands(ins);
    }
    let start = ins.args_offset;
    let text = ins.line.text.get(start..).unwrap_or("");
    let mut out = commands(text, &|r: Range<usize>| {
        ins.line.span(start + r.start..start + r.end)
    });
    let script_on_stdin = out.first().is_none_or(|c| {
        let p = c.program();
        p.is_empty() || p.contains("<<") || SHELLS.contains(&p)
    });
    if script_on_stdin && !ins.heredocs.is_empty() {
        // `RUN <<EOF` / `RUN bash <<EOF`: the heredoc is the script; the
        // line itself only starts the shell.
        out.retain(|c| {
            let p = c.program();
            !(p.contains("<<")
                || SHELLS.contains(&p) && c.argv.iter().any(|w| w.raw.starts_with("<<")))
        });
        for h in &ins.heredocs {
            let base = h.body_span.start;
            let body = source.get(h.body_span.clone()).unwrap_or("");
            out.extend(commands(body, &|r: Range<usize>| {
                base + r.start..base + r.end
            }));
        }
    }
    out
}

/// `RUN ["go", "build"]` or `RUN ["sh", "-c", "GOARCH=amd64 go build"]`.
/// JSON strings have no spans of their own: every word gets the RUN's span.
fn json_commands(ins: &Instruction) -> Vec<Command> {
    let whole = ins.span.clone();
    if let Some(script) = shell_c_script(&ins.args, String::as_str) {
        return commands(script, &|_| whole.clone());
    }
    let argv = ins
        .args
        .iter()
        .map(|a| Word {
            text: a.clone(),
            raw: a.clone(),
            span: whole.clone(),
        })
        .collect::<Vec<_>>();
    if argv.is_empty() {
        return Vec::new();
    }
    vec![Command {
        env: Vec::new(),
        exported: 0,
        argv,
        shell: false,
        complex: false,
    }]
}

/// Splits `script` into simple commands; `map` turns a byte range of
/// `script` into a span of the Dockerfile.
pub fn commands(script: &str, map: &dyn Fn(Range<usize>) -> Span) -> Vec<Command> {
    let mut out = Vec::new();
    let mut exports: Vec<Assign> = Vec::new();
    for cmd in split(script) {
        let words = cmd
            .words
            .into_iter()
            .map(|(text, r)| Word {
                text,
                raw: script.get(r.clone()).unwrap_or("").to_string(),
                span: map(r),
            })
            .collect();
        if let Some(mut c) = build(words, &mut exports) {
            c.complex |= cmd.nested;
            let inner = shell_script(&c);
            out.push(c);
            out.extend(inner);
        }
    }
    out
}

/// The offsets of the `$` in `script` that a shell running it expands: not
/// in a comment, not escaped with `\\`, not in single quotes, except in
/// the script of a `sh -c` (its own shell expands it, whatever the outer
/// quotes).
pub fn expansions(script: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut exports = Vec::new();
    for cmd in split(script) {
        let words: Vec<Word> = cmd
            .words
            .iter()
            .map(|(text, r)| Word {
                text: text.clone(),
                raw: script.get(r.clone()).unwrap_or("").to_string(),
                span: r.clone(),
            })
            .collect();
        let inner = build(words.clone(), &mut exports).and_then(|c| {
            shell_c_script(&c.argv, |w: &Word| w.text.as_str()).map(|w| w.span.clone())
        });
        for w in &words {
            if inner.as_ref() == Some(&w.span) {
                out.extend(w.raw.match_indices('$').map(|(i, _)| w.span.start + i));
            } else {
                out.extend(
                    unquoted_dollars(&w.raw)
                        .into_iter()
                        .map(|i| w.span.start + i),
                );
            }
        }
    }
    out
}

/// The `$` of a word outside single quotes and not escaped.
fn unquoted_dollars(raw: &str) -> Vec<usize> {
    let (mut single, mut escaped) = (false, false);
    let mut out = Vec::new();
    for (i, c) in raw.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if !single => escaped = true,
            '\'' => single = !single,
            '$' if !single => out.push(i),
            _ => {}
        }
    }
    out
}

/// The script an exec-form RUN runs through a shell (`["sh", "-c", S]`,
/// `["/bin/bash", "-ec", S]`), if it does.
pub fn json_shell_script(args: &[String]) -> Option<&str> {
    shell_c_script(args, String::as_str).map(String::as_str)
}

/// The commands of `sh -c "SCRIPT"` (any shell, any flags with `c`), run
/// with the outer command's environment. The script's words get the span of
/// the script argument.
fn shell_script(cmd: &Command) -> Vec<Command> {
    let Some(script) = shell_c_script(&cmd.argv, |w: &Word| w.text.as_str()) else {
        return Vec::new();
    };
    let span = script.span.clone();
    commands(&script.text, &|_| span.clone())
        .into_iter()
        .map(|mut c| {
            let mut env = cmd.env.clone();
            c.exported += env.len();
            env.append(&mut c.env);
            c.env = env;
            c.complex |= cmd.complex;
            c
        })
        .collect()
}

/// The script of a shell run with `-c` (`sh -c S`, `bash -euo pipefail -c
/// S`, `sh -ec S`): the first operand after options that include `c`.
fn shell_c_script<T>(argv: &[T], text: impl Fn(&T) -> &str) -> Option<&T> {
    let program = text(argv.first()?);
    if !SHELLS.contains(&program.rsplit('/').next().unwrap_or(program)) {
        return None;
    }
    let mut with_c = false;
    let mut args = argv.iter().skip(1);
    while let Some(a) = args.next() {
        let t = text(a);
        if t == "--" {
            return args.next().filter(|_| with_c);
        }
        if t.starts_with("--") {
            continue;
        }
        match t.strip_prefix('-').or_else(|| t.strip_prefix('+')) {
            Some(cluster) if !cluster.is_empty() => {
                with_c |= t.starts_with('-') && cluster.contains('c');
                // `-o pipefail`: the option's name is the next word.
                if cluster.ends_with('o') {
                    args.next();
                }
            }
            _ => return with_c.then_some(a),
        }
    }
    None
}

/// Turns the words of one simple command into a [`Command`]; `export`
/// assignments are remembered for the commands after it (and the `export`
/// itself is no command).
fn build(words: Vec<Word>, exports: &mut Vec<Assign>) -> Option<Command> {
    let mut words = words.into_iter().peekable();
    let mut env = exports.clone();
    let exported = env.len();
    let mut complex = false;
    loop {
        while let Some(w) = words
            .next_if(|w| KEYWORDS.contains(&w.raw.as_str()) || PREFIXES.contains(&w.raw.as_str()))
        {
            complex |= KEYWORDS.contains(&w.raw.as_str());
        }
        while let Some(a) = words.peek().and_then(assignment) {
            env.push(a);
            words.next();
        }
        match words.peek().map(|w| w.text.as_str()) {
            Some("env") => {
                words.next();
                // Options, and the values of -u NAME and -C DIR.
                while let Some(opt) = words.next_if(|w| w.text.starts_with('-')) {
                    if matches!(opt.text.as_str(), "-u" | "--unset" | "-C" | "--chdir") {
                        words.next();
                    }
                }
            }
            Some("export") => {
                words.next();
                exports.extend(words.filter_map(|w| assignment(&w)));
                return None;
            }
            _ => break,
        }
    }
    let argv: Vec<Word> = words.collect();
    complex |= argv
        .iter()
        .any(|w| is_redirection(&w.raw) || w.raw.contains("$(") || w.raw.contains('`'))
        || env[exported..]
            .iter()
            .any(|a| a.raw.contains("$(") || a.raw.contains('`'));
    if argv.is_empty() && env.len() == exported {
        return None;
    }
    Some(Command {
        env,
        exported,
        argv,
        shell: true,
        complex,
    })
}

/// A shell variable name.
fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `>x`, `2>&1`, `<in`, `&>log`: a redirection, not an argument.
fn is_redirection(raw: &str) -> bool {
    let rest = raw.trim_start_matches(|c: char| c.is_ascii_digit());
    rest.starts_with(['>', '<']) || raw.starts_with("&>")
}

/// `NAME=value` with a valid shell name (the name unquoted).
fn assignment(w: &Word) -> Option<Assign> {
    let (name, raw_value) = w.raw.split_once('=')?;
    if !is_name(name) {
        return None;
    }
    let value = w.text.split_once('=').map_or("", |(_, v)| v).to_string();
    Some(Assign {
        literal: !value.is_empty() && !raw_value.contains(['$', '`']),
        name: name.to_string(),
        value,
        raw: w.raw.clone(),
        span: w.span.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmds(s: &str) -> Vec<Command> {
        commands(s, &|r| r)
    }

    fn show(c: &Command) -> String {
        let env: Vec<String> = c
            .env
            .iter()
            .map(|a| format!("{}={}{}", a.name, a.value, if a.literal { "" } else { "?" }))
            .collect();
        let argv: Vec<&str> = c.argv.iter().map(|w| w.text.as_str()).collect();
        format!("[{}] {}", env.join(" "), argv.join(" "))
    }

    #[test]
    fn reads_sh_c_scripts() {
        let c = cmds("CGO_ENABLED=0 sh -c \"GOARCH=amd64 go build -o /m . && echo ok\"");
        let go = c
            .iter()
            .find(|c| c.program() == "go")
            .expect("go build inside sh -c");
        assert_eq!(go.var("GOARCH").map(|a| a.value.as_str()), Some("amd64"));
        assert_eq!(go.var("CGO_ENABLED").map(|a| a.value.as_str()), Some("0"));
    }

    #[test]
    fn splits_commands_and_assignments() {
        let got: Vec<String> = cmds(
            "cd /src && CGO_ENABLED=0 GOARCH=\"$TARGETARCH\" go build -o /m . || exit 1; env -i GOARCH=arm64 go install ./x",
        )
        .iter()
        .map(show)
        .collect();
        assert_eq!(
            got,
            vec![
                "[] cd /src",
                "[CGO_ENABLED=0 GOARCH=$TARGETARCH?] go build -o /m .",
                "[] exit 1",
                "[GOARCH=arm64] go install ./x",
            ]
        );
    }

    #[test]
    fn exports_carry_to_later_commands() {
        let c = cmds("export GOARCH=amd64 CGO_ENABLED=0 && if go build; then echo 'a && b'; fi");
        assert_eq!(c.len(), 3);
        assert_eq!(show(&c[0]), "[GOARCH=amd64 CGO_ENABLED=0] go build");
        assert!(c[0].is_go_build());
        assert_eq!(c[1].argv[1].text, "a && b");
    }

    #[test]
    fn quotes_substitutions_comments_and_redirects() {
        let c = cmds("# make all\nX=$(uname -m) make -C src all 2>&1 | tee log\n`cc` x");
        assert_eq!(show(&c[0]), "[X=$(uname -m)?] make -C src all 2>&1");
        assert!(c[0].compiles());
        assert_eq!(show(&c[2]), "[] `cc` x");
        assert!(!cmds("make docs manifests")[0].compiles());
        assert!(cmds("make")[0].compiles());
        assert!(!cmds("apt-get install -y make gcc")[0].compiles());
        assert!(cmds("/usr/bin/gcc -o x x.c")[0].compiles());
        assert!(cmds("cmake --build build")[0].compiles());
        assert!(!cmds("cmake -S . -B build")[0].compiles());
    }

    #[test]
    fn shell_options_env_options_and_global_flags() {
        let go = |s: &str| {
            cmds(s)
                .into_iter()
                .find(|c| c.is_go_build())
                .map(|c| show(&c))
        };
        assert_eq!(
            go("bash -euo pipefail -c \"GOARCH=arm64 go build -o /a .\"").as_deref(),
            Some("[GOARCH=arm64] go build -o /a .")
        );
        assert_eq!(
            go("sh -ec 'GOARCH=arm64 go build'").as_deref(),
            Some("[GOARCH=arm64] go build")
        );
        assert_eq!(
            go("env -u GOFLAGS GOARCH=arm64 go build").as_deref(),
            Some("[GOARCH=arm64] go build")
        );
        assert_eq!(
            go("GOARCH=arm64 go -C ./cmd build -o /a").as_deref(),
            Some("[GOARCH=arm64] go -C ./cmd build -o /a")
        );
        assert!(cmds("cargo +nightly build --release")[0].compiles());
        // `sh script.sh -c` runs a file, not a -c script.
        assert_eq!(cmds("sh build.sh -c 'GOARCH=arm64 go build'").len(), 1);
    }

    #[test]
    fn spans_point_at_the_words() {
        let s = "  GOARCH=amd64   go build -o x";
        let c = &cmds(s)[0];
        assert_eq!(&s[c.env[0].span.clone()], "GOARCH=amd64");
        assert_eq!(&s[c.span()], "go build");
    }
}
