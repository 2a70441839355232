//! The arguments of `go build` as the go command reads them: flags (one or
//! two dashes, `-name=value` or `-name value`) up to the first argument that
//! is not a flag or `--`, then packages or `.go` files; and the name the go
//! command gives the binary when there is no `-o`.

/// `go build` flags that take no value (`-name` or `-name=bool`).
const BOOL_FLAGS: &[&str] = &[
    "a",
    "asan",
    "buildvcs",
    "cover",
    "i",
    "linkshared",
    "modcacherw",
    "msan",
    "n",
    "race",
    "trimpath",
    "v",
    "work",
    "x",
    "json",
];

/// `go build` flags that take a value.
const VALUE_FLAGS: &[&str] = &[
    "C",
    "asmflags",
    "buildmode",
    "compiler",
    "covermode",
    "coverpkg",
    "gccgoflags",
    "gcflags",
    "installsuffix",
    "ldflags",
    "mod",
    "modfile",
    "o",
    "overlay",
    "p",
    "pgo",
    "pkgdir",
    "tags",
    "toolexec",
];

/// One flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// Without dashes: `ldflags`.
    pub name: String,
    pub value: Option<String>,
}

impl Flag {
    pub fn new(name: &str, value: Option<&str>) -> Flag {
        Flag {
            name: name.to_string(),
            value: value.map(str::to_string),
        }
    }

    /// The argv words: `-a`, `-trimpath=false`, `-ldflags` `-s -w`.
    pub fn argv(&self) -> Vec<String> {
        match (&self.value, BOOL_FLAGS.contains(&self.name.as_str())) {
            (None, _) => vec![format!("-{}", self.name)],
            (Some(v), true) => vec![format!("-{}={v}", self.name)],
            (Some(v), false) => vec![format!("-{}", self.name), v.clone()],
        }
    }

    /// Whether the flag is on: a bool flag without `=false`.
    pub fn is_on(&self) -> bool {
        !matches!(
            self.value.as_deref(),
            Some("false" | "0" | "f" | "F" | "FALSE")
        )
    }
}

/// `go build` arguments, read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildArgs {
    pub flags: Vec<Flag>,
    /// Packages, patterns or `.go` files.
    pub packages: Vec<String>,
}

impl BuildArgs {
    /// Reads the words after `go build`. An unknown flag is an error (the go
    /// command would fail on it too).
    pub fn parse(words: &[String]) -> Result<BuildArgs, String> {
        let mut out = BuildArgs::default();
        let mut i = 0;
        while i < words.len() {
            let w = &words[i];
            if w == "--" {
                i += 1;
                break;
            }
            if !w.starts_with('-') || w == "-" {
                break;
            }
            let body = w.trim_start_matches('-');
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            if BOOL_FLAGS.contains(&name) {
                out.flags.push(Flag {
                    name: name.to_string(),
                    value,
                });
            } else if VALUE_FLAGS.contains(&name) {
                let value = match value {
                    Some(v) => v,
                    None => {
                        i += 1;
                        words
                            .get(i)
                            .cloned()
                            .ok_or_else(|| format!("flag needs an argument: -{name}"))?
                    }
                };
                out.flags.push(Flag {
                    name: name.to_string(),
                    value: Some(value),
                });
            } else {
                return Err(format!("flag provided but not defined: -{name}"));
            }
            i += 1;
        }
        out.packages = words[i..].to_vec();
        Ok(out)
    }

    /// The last value of a flag.
    pub fn get(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().rev().find(|f| f.name == name)
    }

    /// The packages are `.go` files (one main package made of them).
    pub fn are_files(&self) -> bool {
        !self.packages.is_empty() && self.packages.iter().all(|p| p.ends_with(".go"))
    }
}

/// The go command's `DefaultExecName`: the last element of the import path,
/// or the one before a major-version suffix (`example.com/cmd/v2` is `cmd`).
pub fn exec_name(import_path: &str) -> String {
    let mut parts = import_path.trim_end_matches('/').rsplit('/');
    let last = parts.next().unwrap_or(import_path);
    if is_version_element(last)
        && let Some(before) = parts.next()
    {
        return before.to_string();
    }
    last.to_string()
}

fn is_version_element(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('v') else {
        return false;
    };
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
        && digits != "1"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn flags_then_packages() {
        let a = BuildArgs::parse(&words(
            "-a -o manager --trimpath -tags=e2e,netgo -ldflags=-s -v=false cmd/main.go",
        ))
        .unwrap();
        assert_eq!(
            a.flags,
            vec![
                Flag::new("a", None),
                Flag::new("o", Some("manager")),
                Flag::new("trimpath", None),
                Flag::new("tags", Some("e2e,netgo")),
                Flag::new("ldflags", Some("-s")),
                Flag::new("v", Some("false")),
            ]
        );
        assert_eq!(a.packages, vec!["cmd/main.go"]);
        assert!(a.are_files());
        assert!(!a.get("v").unwrap().is_on());
        let a = BuildArgs::parse(&[
            "-ldflags".into(),
            "-s -w".into(),
            "--".into(),
            "-weird".into(),
        ])
        .unwrap();
        assert_eq!(a.get("ldflags").unwrap().argv(), vec!["-ldflags", "-s -w"]);
        assert_eq!(a.packages, vec!["-weird"]);
        assert!(BuildArgs::parse(&words("-frobnicate .")).is_err());
        assert!(BuildArgs::parse(&words("-o")).is_err());
        assert_eq!(
            Flag::new("trimpath", Some("true")).argv(),
            vec!["-trimpath=true"]
        );
    }

    #[test]
    fn default_names() {
        assert_eq!(exec_name("example.com/op/cmd/manager"), "manager");
        assert_eq!(exec_name("example.com/op/v2"), "op");
        assert_eq!(exec_name("example.com/op/v1"), "v1");
        assert_eq!(exec_name("operator"), "operator");
    }
}
