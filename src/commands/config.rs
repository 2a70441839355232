//! `xbuild config`: print the configuration xbuild resolved, so users can see
//! what it made of their xbuild.toml (defaults, resolved paths, normalised
//! platforms). Saved as the project's xbuild.toml, the TOML form loads back as
//! the same configuration.

use crate::cli::{ConfigArgs, ConfigFormat};
use crate::config::{self, Config, Project, check};
use crate::{Error, ExitStatus};
use std::path::{Path, PathBuf};

pub fn run(
    dir: Option<&Path>,
    config: Option<&Path>,
    args: &ConfigArgs,
) -> Result<ExitStatus, Error> {
    let project = config::load(dir, config)?;
    let text = match args.format {
        ConfigFormat::Toml => toml_text(&project),
        ConfigFormat::Json => {
            let mut json = serde_json::to_string_pretty(&project.config)
                .expect("the configuration serializes to JSON");
            json.push('\n');
            json
        }
    };
    crate::stdout::write(&text)?;
    Ok(ExitStatus::Success)
}

/// The TOML form `xbuild config` prints (also read by the fuzz target that
/// checks it loads back as the same configuration).
pub fn toml_text(project: &Project) -> String {
    let from = match &project.config_file {
        Some(file) => format!("# Read from {}", file.display()),
        None => "# No xbuild.toml: all defaults".to_string(),
    };
    // Paths were resolved against the project root (`-C DIR`); written as
    // the project's xbuild.toml they must be relative to it again.
    let base = project
        .config_file
        .as_deref()
        .and_then(Path::parent)
        .unwrap_or(&project.root);
    let body = toml::to_string(&rebased(&project.config, base))
        .expect("the configuration serializes to TOML");
    format!(
        "# The configuration xbuild uses, defaults filled in.\n{from}\n# Project root: {}\n\n{body}",
        project.root.display()
    )
}

/// `config` with its paths relative to `base` (the inverse of the joins the
/// loader does), so that a file in `base` loads back the same.
fn rebased(config: &Config, base: &Path) -> Config {
    let mut c = config.clone();
    let rel = |p: &Path| -> PathBuf {
        match p.strip_prefix(base) {
            Ok(r) if r.as_os_str().is_empty() => PathBuf::from("."),
            Ok(r) => r.to_path_buf(),
            Err(_) => p.to_path_buf(),
        }
    };
    c.dockerfile.path = rel(&config.dockerfile.path);
    c.dockerfile.cross = rel(&config.dockerfile.cross);
    c.dockerfile.context = rel(&config.dockerfile.context);
    c.builder.config = config.builder.config.as_deref().map(rel);
    c.go.out_dir = rel(&config.go.out_dir);
    let spec = |s: &String, keys: &[&str]| -> String {
        let Some(fields) = check::csv_fields(s) else {
            return s.clone();
        };
        let fields: Vec<String> = fields
            .into_iter()
            .map(|f| match f.split_once('=') {
                Some((k, v)) if keys.contains(&k.trim()) => {
                    format!("{k}={}", rel(Path::new(v)).display())
                }
                _ => f,
            })
            .collect();
        check::csv_join(&fields)
    };
    c.build.output = config
        .build
        .output
        .iter()
        .map(|s| spec(s, &["dest"]))
        .collect();
    c.build.cache_from = config
        .build
        .cache_from
        .iter()
        .map(|s| spec(s, &["src", "dest"]))
        .collect();
    c.build.cache_to = config
        .build
        .cache_to
        .iter()
        .map(|s| spec(s, &["src", "dest"]))
        .collect();
    for image in &mut c.images {
        image.dockerfile = rel(&image.dockerfile);
        image.context = rel(&image.context);
        image.output = image.output.iter().map(|s| spec(s, &["dest"])).collect();
    }
    c
}
