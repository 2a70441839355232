//! `xbuild config`: print the configuration xbuild resolved, so users can see
//! what it made of their xbuild.toml (defaults, resolved paths, normalised
//! platforms). Saved as the project's xbuild.toml, the TOML form loads back as
//! the same configuration.

use crate::cli::{ConfigArgs, ConfigFormat};
use crate::config::{self, Project};
use crate::{Error, ExitStatus};
use std::io::Write;
use std::path::Path;

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
    // A closed pipe (`xbuild config | head`) is not an error worth reporting.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(ExitStatus::Success)
}

fn toml_text(project: &Project) -> String {
    let from = match &project.config_file {
        Some(file) => format!("# Read from {}", file.display()),
        None => "# No xbuild.toml: all defaults".to_string(),
    };
    let body = toml::to_string(&project.config).expect("the configuration serializes to TOML");
    format!(
        "# The configuration xbuild uses, defaults filled in.\n{from}\n# Project root: {}\n\n{body}",
        project.root.display()
    )
}
