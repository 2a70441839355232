//! Just enough of GNU make to read a kubebuilder Makefile's settings for
//! `xbuild init`: variable assignments (`=`, `:=`, `::=`, `?=`, `+=`),
//! `$(VAR)`/`${VAR}` references between them, the environment overriding
//! `?=` as make does, and a target's prerequisites. Anything that needs make
//! to run (`$(shell ...)`, functions, `!=`) is reported as not evaluable
//! rather than guessed.

use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

static ASSIGN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(?:export|override)\s+)*([A-Za-z_][A-Za-z0-9_.-]*)\s*(\?=|:::=|::=|:=|\+=|!=|=)\s*(.*)$")
        .unwrap()
});
static REFERENCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$(?:\(([^()]*)\)|\{([^{}]*)\}|([A-Za-z0-9_]))").unwrap());

/// References expanded for one value, in all: a kubebuilder Makefile needs
/// a handful.
const MAX_REFERENCES: usize = 10_000;
/// The longest expanded value, in bytes.
const MAX_VALUE: usize = 64 * 1024;

/// A variable's last assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Var {
    value: String,
    /// `?=`: the environment wins.
    conditional: bool,
    /// `!=`: needs a shell.
    shell: bool,
    /// 1-based line of the assignment that set it last.
    line: usize,
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// `Makefile:LINE`.
    Makefile(usize),
    Environment,
}

/// A variable's value as make would see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    /// The expanded value, or the raw text when it cannot be evaluated
    /// without running make.
    pub value: Result<String, String>,
    pub origin: Origin,
}

/// The assignments and rules of one Makefile.
#[derive(Debug, Default)]
pub struct Makefile {
    vars: HashMap<String, Var>,
    /// `target: prerequisites` lines.
    rules: Vec<(String, Vec<String>)>,
    /// The recipe lines, for looking for commands.
    recipes: Vec<String>,
    /// Each rule's place in the file, for `init --makefile`.
    placed: Vec<Rule>,
}

/// A rule line and its recipe, by line numbers (1-based, inclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The targets of the rule line, as written.
    pub targets: Vec<String>,
    pub line: usize,
    /// Each recipe line (a tab line with its continuations): first and
    /// last physical line, and the text with continuations joined.
    pub recipe: Vec<(usize, usize, String)>,
}

impl Makefile {
    pub fn parse(text: &str) -> Makefile {
        let mut mk = Makefile::default();
        let mut in_define = false;
        // Whether tab lines belong to the last rule (an assignment between
        // ends its recipe).
        let mut rule_open = false;
        for (line_no, last_line, line) in logical_lines(text) {
            if let Some(command) = line.strip_prefix('\t') {
                mk.recipes.push(line.trim().to_string());
                if let Some(rule) = mk.placed.last_mut()
                    && rule_open
                    && !in_define
                {
                    rule.recipe.push((line_no, last_line, command.to_string()));
                }
                continue;
            }
            let line = strip_comment(&line);
            let trimmed = line.trim();
            if in_define {
                in_define = trimmed != "endef";
                continue;
            }
            if trimmed.starts_with("define ") {
                in_define = true;
                continue;
            }
            if !trimmed.is_empty() {
                rule_open = false;
            }
            if let Some(c) = ASSIGN.captures(trimmed) {
                mk.assign(&c[1], &c[2], c[3].trim(), line_no);
            } else if let Some((targets, prereqs)) = trimmed.split_once(':')
                && !targets.contains('$')
                && !prereqs.starts_with('=')
            {
                let prereqs: Vec<String> = prereqs
                    .split('|')
                    .next()
                    .unwrap_or("")
                    .split_whitespace()
                    .map(str::to_string)
                    .collect();
                for target in targets.split_whitespace() {
                    mk.rules.push((target.to_string(), prereqs.clone()));
                }
                rule_open = true;
                mk.placed.push(Rule {
                    targets: targets.split_whitespace().map(str::to_string).collect(),
                    line: line_no,
                    recipe: Vec::new(),
                });
            }
        }
        mk
    }

    fn assign(&mut self, name: &str, op: &str, value: &str, line: usize) {
        let existing = self.vars.get(name);
        let var = match op {
            "?=" if existing.is_some() => return,
            "?=" => Var {
                value: value.to_string(),
                conditional: true,
                shell: false,
                line,
            },
            "+=" => match existing {
                Some(old) => Var {
                    value: format!("{} {value}", old.value).trim().to_string(),
                    line,
                    ..old.clone()
                },
                None => Var {
                    value: value.to_string(),
                    conditional: false,
                    shell: false,
                    line,
                },
            },
            _ => Var {
                value: value.to_string(),
                conditional: false,
                shell: op == "!=",
                line,
            },
        };
        self.vars.insert(name.to_string(), var);
    }

    /// The value of `name`, with `env` standing for the process
    /// environment: an environment variable overrides `?=` (and fills in a
    /// variable the Makefile does not set), but not `=` or `:=`.
    pub fn get(&self, name: &str, env: &dyn Fn(&str) -> Option<String>) -> Option<Value> {
        let from_env = env(name).filter(|v| !v.trim().is_empty());
        match (self.vars.get(name), from_env) {
            (Some(var), Some(e)) if var.conditional => Some(Value {
                value: Ok(e.trim().to_string()),
                origin: Origin::Environment,
            }),
            (None, Some(e)) => Some(Value {
                value: Ok(e.trim().to_string()),
                origin: Origin::Environment,
            }),
            (Some(var), _) => Some(Value {
                value: self
                    .expand(name, env, 0, &mut MAX_REFERENCES.clone())
                    .map(|v| unquote(&v))
                    .ok_or_else(|| var.value.clone()),
                origin: Origin::Makefile(var.line),
            }),
            (None, None) => None,
        }
    }

    /// `name`'s value with references expanded; `None` when it needs make,
    /// or more work than a settings file can need: more than `budget`
    /// references in all, or a value over [`MAX_VALUE`] bytes (chained
    /// variables that each double the text grow exponentially).
    fn expand(
        &self,
        name: &str,
        env: &dyn Fn(&str) -> Option<String>,
        depth: usize,
        budget: &mut usize,
    ) -> Option<String> {
        if depth > 16 {
            return None; // a reference cycle
        }
        *budget = budget.checked_sub(1)?;
        let var = match self.vars.get(name) {
            Some(var) if !(var.conditional && env(name).is_some()) => var,
            _ => return env(name),
        };
        if var.shell {
            return None;
        }
        let text = var.value.replace("$$", "\u{0}");
        let mut out = String::new();
        let mut last = 0;
        for c in REFERENCE.captures_iter(&text) {
            let whole = c.get(0).unwrap();
            let inner = c.get(1).or(c.get(2)).or(c.get(3)).unwrap().as_str();
            // `$(shell ...)`, `$(call ...)`, `$(VAR:a=b)`: make functions.
            if inner.contains([' ', ':', ',']) {
                return None;
            }
            out.push_str(literal(&text[last..whole.start()])?);
            out.push_str(&self.expand(inner, env, depth + 1, budget)?);
            if out.len() > MAX_VALUE {
                return None;
            }
            last = whole.end();
        }
        out.push_str(literal(&text[last..])?);
        Some(out.replace('\u{0}', "$"))
    }

    /// The prerequisites of `target`, if it has a rule.
    pub fn prerequisites(&self, target: &str) -> Option<Vec<String>> {
        let mut found: Option<Vec<String>> = None;
        for (t, prereqs) in &self.rules {
            if t == target {
                found
                    .get_or_insert_with(Vec::new)
                    .extend(prereqs.iter().cloned());
            }
        }
        found
    }

    /// The rules that name `target` (a double-colon or split rule has
    /// several).
    pub fn rules_of(&self, target: &str) -> Vec<&Rule> {
        self.placed
            .iter()
            .filter(|r| r.targets.iter().any(|t| t == target))
            .collect()
    }

    /// Whether a recipe runs `buildx build` with `--push`.
    pub fn pushes_with_buildx(&self) -> bool {
        self.recipes
            .iter()
            .any(|r| r.contains("buildx build") && r.contains("--push"))
    }
}

/// Text between references; a `$` left in it is a reference this reader
/// does not understand (`$(subst a,b,$(X))` around an inner `$(X)`).
fn literal(text: &str) -> Option<&str> {
    (!text.contains('$')).then_some(text)
}

/// Lines with backslash-newline continuations joined, numbered from 1 by
/// the line they start on and the line they end on.
fn logical_lines(text: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    let mut end = 0;
    for (i, line) in text.lines().enumerate() {
        end = i + 1;
        let (start, mut acc) = current.take().unwrap_or((i + 1, String::new()));
        match line.strip_suffix('\\') {
            Some(head) => {
                acc.push_str(head);
                acc.push(' ');
                current = Some((start, acc));
            }
            None => {
                acc.push_str(line);
                out.push((start, i + 1, acc));
            }
        }
    }
    if let Some((start, acc)) = current {
        out.push((start, end, acc));
    }
    out
}

/// The line without a `#` comment (`\#` is a literal `#`).
fn strip_comment(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'#') => {
                out.push('#');
                chars.next();
            }
            '#' => break,
            c => out.push(c),
        }
    }
    out
}

/// `"a b"` or `'a b'` -> `a b`: make keeps the quotes, and the recipe's
/// shell removes them, so that is what the command sees.
fn unquote(v: &str) -> String {
    let t = v.trim();
    for q in ['"', '\''] {
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) && !t[1..t.len() - 1].contains(q) {
            return t[1..t.len() - 1].to_string();
        }
    }
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn value(mk: &Makefile, name: &str) -> Result<String, String> {
        mk.get(name, &no_env).unwrap().value
    }

    const KUBEBUILDER: &str = "# Image URL to use all building/pushing image targets
IMG ?= controller:latest

# CONTAINER_TOOL defines the container tool to be used for building images.
CONTAINER_TOOL ?= docker

.PHONY: test
test: manifests generate fmt vet setup-envtest ## Run tests.
\tKUBEBUILDER_ASSETS=\"$(shell $(ENVTEST) use $(ENVTEST_K8S_VERSION) --bin-dir $(LOCALBIN) -p path)\" go test $$(go list ./... | grep -v /e2e) -coverprofile cover.out

PLATFORMS ?= linux/arm64,linux/amd64,linux/s390x,linux/ppc64le
.PHONY: docker-buildx
docker-buildx: ## Build and push docker image for the manager for cross-platform support
\t# copy existing Dockerfile and insert --platform=${BUILDPLATFORM} into Dockerfile.cross, and preserve the original Dockerfile
\tsed -e '1 s/\\(^FROM\\)/FROM --platform=\\$$\\{BUILDPLATFORM\\}/; t' -e ' 1,// s//FROM --platform=\\$$\\{BUILDPLATFORM\\}/' Dockerfile > Dockerfile.cross
\t- $(CONTAINER_TOOL) buildx create --name project-v3-builder
\t$(CONTAINER_TOOL) buildx use project-v3-builder
\t- $(CONTAINER_TOOL) buildx build --push --platform=$(PLATFORMS) --tag ${IMG} -f Dockerfile.cross .
\t- $(CONTAINER_TOOL) buildx rm project-v3-builder
\trm Dockerfile.cross
";

    #[test]
    fn reads_a_kubebuilder_makefile() {
        let mk = Makefile::parse(KUBEBUILDER);
        assert_eq!(value(&mk, "IMG"), Ok("controller:latest".into()));
        assert_eq!(mk.get("IMG", &no_env).unwrap().origin, Origin::Makefile(2));
        assert_eq!(value(&mk, "CONTAINER_TOOL"), Ok("docker".into()));
        assert_eq!(
            value(&mk, "PLATFORMS"),
            Ok("linux/arm64,linux/amd64,linux/s390x,linux/ppc64le".into())
        );
        assert_eq!(mk.prerequisites("docker-buildx"), Some(vec![]));
        assert_eq!(mk.prerequisites("test").unwrap()[0], "manifests");
        assert!(mk.pushes_with_buildx());
        assert!(mk.get("NOPE", &no_env).is_none());
    }

    #[test]
    fn operators_and_references() {
        let mk = Makefile::parse(
            "VERSION ?= 0.0.1\nIMAGE_TAG_BASE ?= example.com/memcached-operator\nIMG ?= $(IMAGE_TAG_BASE):v${VERSION}\nIMG ?= ignored\nA = x\nA += y # comment\nB := $(shell git rev-parse HEAD)\nC != date\nD = $(A) $$HOME\nE = $(subst a,b,$(A))\n",
        );
        assert_eq!(
            value(&mk, "IMG"),
            Ok("example.com/memcached-operator:v0.0.1".into())
        );
        assert_eq!(value(&mk, "A"), Ok("x y".into()));
        assert_eq!(value(&mk, "B"), Err("$(shell git rev-parse HEAD)".into()));
        assert_eq!(value(&mk, "C"), Err("date".into()));
        assert_eq!(value(&mk, "D"), Ok("x y $HOME".into()));
        assert!(value(&mk, "E").is_err());
    }

    #[test]
    fn environment_overrides_conditional_assignments_only() {
        let mk = Makefile::parse(
            "IMG ?= controller:latest\nPLATFORMS = linux/amd64\nBASE ?= a\nREF = $(BASE)/op\n",
        );
        let env = |name: &str| match name {
            "IMG" => Some("ghcr.io/x/op:v2".to_string()),
            "PLATFORMS" => Some("linux/arm64".to_string()),
            "CONTAINER_TOOL" => Some("podman".to_string()),
            "BASE" => Some("b".to_string()),
            _ => None,
        };
        let img = mk.get("IMG", &env).unwrap();
        assert_eq!(img.value, Ok("ghcr.io/x/op:v2".into()));
        assert_eq!(img.origin, Origin::Environment);
        assert_eq!(
            mk.get("PLATFORMS", &env).unwrap().value,
            Ok("linux/amd64".into())
        );
        assert_eq!(
            mk.get("CONTAINER_TOOL", &env).unwrap().origin,
            Origin::Environment
        );
        assert_eq!(mk.get("REF", &env).unwrap().value, Ok("b/op".into()));
    }

    #[test]
    fn continuations_comments_and_defines() {
        let mk = Makefile::parse(
            "define HELP\nIMG = nope\nendef\nPLATFORMS ?= linux/amd64,\\\n  linux/arm64\nX = a\\#b # c\nexport TOOL ?= podman\nall: a b | c\n",
        );
        assert!(mk.get("IMG", &no_env).is_none());
        assert_eq!(
            value(&mk, "PLATFORMS"),
            Ok("linux/amd64,   linux/arm64".into())
        );
        assert_eq!(
            mk.get("PLATFORMS", &no_env).unwrap().origin,
            Origin::Makefile(4)
        );
        assert_eq!(value(&mk, "X"), Ok("a#b".into()));
        assert_eq!(value(&mk, "TOOL"), Ok("podman".into()));
        assert_eq!(mk.prerequisites("all"), Some(vec!["a".into(), "b".into()]));
    }

    #[test]
    fn reference_cycles_do_not_hang() {
        let mk = Makefile::parse("A = $(B)\nB = $(A)\n");
        assert!(value(&mk, "A").is_err());
    }

    #[test]
    fn quotes_the_recipe_shell_removes_are_removed() {
        let mk = Makefile::parse("IMG ?= \"reg/op:v1\"\nP ?= 'linux/amd64'\nX = \"a\" \"b\"\n");
        assert_eq!(value(&mk, "IMG"), Ok("reg/op:v1".into()));
        assert_eq!(value(&mk, "P"), Ok("linux/amd64".into()));
        assert_eq!(value(&mk, "X"), Ok("\"a\" \"b\"".into()));
    }
}
