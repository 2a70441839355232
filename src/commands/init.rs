//! `xbuild init`: write a commented xbuild.toml, filled in from what the
//! project already says (its Dockerfile, go.mod and Makefile).
//!
//! The file is `templates/xbuild.toml` with `{{placeholder}}` lines replaced:
//! a detected value becomes a setting, an undetected one stays a commented
//! default. What was detected is summarised on stderr. The file goes where
//! the loader would look for it: `--config PATH` if given, else
//! `DIR/xbuild.toml`.

use crate::cli::InitArgs;
use crate::config::{self, Detection};
use crate::fsutil;
use crate::{Error, ExitStatus};
use miette::Diagnostic;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use thiserror::Error;

const TEMPLATE: &str = include_str!("../../templates/xbuild.toml");

/// Errors of `xbuild init`.
#[derive(Debug, Error, Diagnostic)]
pub enum InitError {
    #[error("{} already exists", path.display())]
    #[diagnostic(
        code(xbuild::init::exists),
        help("pass --force to overwrite it, or --stdout to print the new file instead")
    )]
    Exists { path: PathBuf },
}

pub fn run(
    dir: Option<&Path>,
    config: Option<&Path>,
    args: &InitArgs,
) -> Result<ExitStatus, Error> {
    if args.makefile {
        return super::init_makefile::run(dir, args);
    }
    let root = config::project_root(dir)?;
    let (target, shown) = match config {
        Some(given) => (config::join(&root, given), given.display().to_string()),
        None => (
            config::join(&root, config::FILE_NAME),
            match dir {
                Some(d) => d.join(config::FILE_NAME).display().to_string(),
                None => config::FILE_NAME.to_string(),
            },
        ),
    };
    if !args.stdout && !args.force && target.exists() {
        return Err(InitError::Exists {
            path: PathBuf::from(shown),
        }
        .into());
    }
    let detection = config::detect(&root, &|name| std::env::var(name).ok());
    // Paths in the file are relative to its directory; compare absolute,
    // normalised forms, since `root` may be relative (`.`, `-C sub`).
    let absolute = |p: &Path| {
        config::join(
            &std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()),
            "",
        )
    };
    let dir_of_target = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut text = render(
        &detection,
        &relative_to(&absolute(dir_of_target), &absolute(&root)),
    );
    text.push_str(&crate::bake::propose::images_block(&root, &detection).unwrap_or_default());
    summarise(&detection);
    if args.stdout {
        crate::stdout::write(&text)?;
    } else {
        // `--config ci/xbuild.toml` may name a directory that is not there yet.
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|source| fsutil::FsError::Write {
                path: target.clone(),
                source,
            })?;
        }
        fsutil::write_atomic(&target, text.as_bytes())?;
        eprintln!("Wrote {shown}");
    }
    Ok(ExitStatus::Success)
}

/// The file for `d`; `root` is the project root as seen from the directory
/// the file goes to (`.` when it goes to the root).
pub fn render(d: &Detection, root: &Path) -> String {
    let in_root = |p: &Path| {
        if root == Path::new(".") {
            toml_path(p)
        } else {
            toml_path(&root.join(p))
        }
    };
    let set = |key: &str, value: String| format!("{key} = {value}");
    let unset = |key: &str, example: &str| format!("# {key} = {example}");

    let detected: Vec<&str> = [
        d.dockerfile.as_ref().map(|_| "the Dockerfile"),
        d.go_module.as_ref().map(|_| "go.mod"),
        (d.image_tags.is_some() || d.platforms.is_some() || d.push || d.container_tool.is_some())
            .then_some("the Makefile"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let detected = match detected.split_last() {
        None => String::new(),
        Some((only, [])) => format!("\n# Filled in from {only}."),
        Some((last, rest)) => format!("\n# Filled in from {} and {last}.", rest.join(", ")),
    };

    let notes: String = d
        .notes
        .iter()
        .map(|n| format!("#\n{}\n", comment(&format!("Note: {n}"))))
        .collect();

    let values: [(&str, String); 8] = [
        (
            "builder.tool",
            match &d.container_tool {
                Some(t) => set("tool", toml_str(t)),
                None => unset("tool", "\"docker\""),
            },
        ),
        ("detected", detected),
        ("notes", notes),
        (
            "image.name",
            match &d.image_name {
                Some(n) => set("name", toml_str(n)),
                None => unset("name", "\"registry.example.com/operator\""),
            },
        ),
        (
            "image.tags",
            match &d.image_tags {
                Some(t) => set("tags", toml_list(t.iter().map(String::as_str))),
                None => unset("tags", "[\"latest\"]"),
            },
        ),
        (
            "image.platforms",
            match &d.platforms {
                Some(p) => set(
                    "platforms",
                    toml_list(
                        p.iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .iter()
                            .map(String::as_str),
                    ),
                ),
                None => unset("platforms", "[\"linux/amd64\", \"linux/arm64\"]"),
            },
        ),
        (
            "dockerfile.path",
            match &d.dockerfile {
                Some(f) => set("path", in_root(f)),
                None => unset("path", "\"Dockerfile\""),
            },
        ),
        (
            "build.push",
            if d.push {
                set("push", "true".into())
            } else {
                unset("push", "false")
            },
        ),
    ];
    let before = if d.before_make_test {
        set("before", "[\"make test\"]".into())
    } else {
        unset("before", "[\"make test\"]")
    };

    let mut text = TEMPLATE.to_string();
    for (key, value) in values.iter().chain([&("build.before", before)]) {
        text = text.replace(&format!("{{{{{key}}}}}"), value);
    }
    text
}

/// Prints what was detected, and the notes, on stderr.
fn summarise(d: &Detection) {
    let mut err = std::io::stderr().lock();
    if d.found.is_empty() {
        let _ = writeln!(err, "Detected nothing; writing the defaults.");
    } else {
        let _ = writeln!(err, "Detected:");
        let width = d.found.iter().map(|(w, _)| w.len()).max().unwrap_or(0);
        for (what, value) in &d.found {
            let _ = writeln!(err, "  {what:width$}  {value}");
        }
    }
    for note in &d.notes {
        let _ = writeln!(err, "note: {note}");
    }
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn toml_path(p: &Path) -> String {
    toml_str(&p.to_string_lossy())
}

fn toml_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let items: Vec<String> = items.map(toml_str).collect();
    format!("[{}]", items.join(", "))
}

/// `text` as `# ` comment lines of at most 78 columns.
pub(crate) fn comment(text: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() + 1 + word.len() > 78 && line != "#" {
            lines.push(std::mem::replace(&mut line, String::from("#")));
        }
        line.push(' ');
        line.push_str(word);
    }
    lines.push(line);
    lines.join("\n")
}

/// `to` as seen from `from` (both absolute): `.` when equal, `..` steps
/// up as needed.
fn relative_to(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to[common..] {
        out.push(c);
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::Platform;

    fn load(text: &str, root: &Path) -> config::Config {
        config::parse(text, "xbuild.toml", &root.join("xbuild.toml"), root)
            .unwrap_or_else(|e| panic!("{:?}\n{text}", miette::Report::new(e)))
    }

    #[test]
    fn nothing_detected_gives_the_defaults() {
        let text = render(&Detection::default(), Path::new("."));
        assert!(!text.contains("{{"), "{text}");
        let root = Path::new("/p");
        let mut c = load(&text, root);
        c.source = None;
        assert_eq!(c, config::Config::defaults(root));
    }

    #[test]
    fn detected_values_round_trip() {
        let d = Detection {
            dockerfile: Some("build/op.Dockerfile".into()),
            image_name: Some("localhost:5000/x/op".into()),
            image_tags: Some(vec!["v1".into()]),
            platforms: Some(vec![
                Platform::new("linux", "arm64", None),
                Platform::new("linux", "arm", Some("v7")),
            ]),
            push: true,
            before_make_test: true,
            notes: vec!["A note that is long enough to need wrapping over more than one line of the generated file, surely.".into()],
            ..Detection::default()
        };
        let text = render(&d, Path::new("."));
        assert!(text.contains("# Note: A note"), "{text}");
        assert!(text.lines().all(|l| l.len() <= 80), "{text}");
        let root = Path::new("/p");
        let c = load(&text, root);
        assert_eq!(c.image.references(), ["localhost:5000/x/op:v1"]);
        let p: Vec<String> = c.image.platforms.iter().map(ToString::to_string).collect();
        assert_eq!(p, ["linux/arm64", "linux/arm/v7"]);
        assert_eq!(c.dockerfile.path, root.join("build/op.Dockerfile"));
        assert!(c.build.push);
        assert_eq!(c.build.before[0].argv, ["make", "test"]);
    }

    #[test]
    fn paths_are_relative_to_where_the_file_goes() {
        let d = Detection {
            dockerfile: Some("Dockerfile".into()),
            ..Detection::default()
        };
        let text = render(&d, &relative_to(Path::new("/p/ci"), Path::new("/p")));
        assert!(text.contains("path = \"../Dockerfile\""), "{text}");
        let c = config::parse(
            &text,
            "ci/x.toml",
            Path::new("/p/ci/x.toml"),
            Path::new("/p"),
        )
        .unwrap();
        assert_eq!(c.dockerfile.path, Path::new("/p/Dockerfile"));
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_to(Path::new("/p"), Path::new("/p")),
            Path::new(".")
        );
        assert_eq!(
            relative_to(Path::new("/p/a/b"), Path::new("/p")),
            Path::new("../..")
        );
        assert_eq!(
            relative_to(Path::new("/p"), Path::new("/p/a")),
            Path::new("a")
        );
        assert_eq!(
            relative_to(Path::new("/p/x"), Path::new("/q/y")),
            Path::new("../../q/y")
        );
    }

    #[test]
    fn comments_wrap() {
        assert_eq!(comment("a b"), "# a b");
        let long = comment(&"word ".repeat(40));
        assert!(long.lines().all(|l| l.starts_with("# ") && l.len() <= 78));
    }
}
