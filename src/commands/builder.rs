//! `xbuild builder ls|create|rm`: persistent builders, as configured in
//! `[builder]` (one per project, or a group of remote nodes).

use crate::buildx::builder::{self, BuilderSpec};
use crate::buildx::preflight;
use crate::cli::BuilderCommand;
use crate::commands::build::BuildError;
use crate::config::{self, Driver, Tool};
use crate::exec::{self, Cmd};
use crate::{Error, ExitStatus};
use std::path::Path;

pub fn run(
    dir: Option<&Path>,
    config: Option<&Path>,
    cmd: &BuilderCommand,
) -> Result<ExitStatus, Error> {
    let project = config::load(dir, config)?;
    let cfg = &project.config.builder;
    let docker = std::env::var("CONTAINER_TOOL")
        .ok()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| "docker".to_string());
    if Tool::from_program(&docker) == Some(Tool::Podman) {
        return Err(BuildError::from(crate::podman::PodmanError::Unsupported {
            what: "manage buildx builders".into(),
            help: "podman builds without a builder; `xbuild builder` is for docker buildx (unset CONTAINER_TOOL or set it to docker)".into(),
        })
        .into());
    }
    match cmd {
        BuilderCommand::Ls => {
            preflight::check_cli(&docker).map_err(BuildError::from)?;
            let out = exec::capture(&Cmd::new(&docker).args(["buildx", "ls"]))?;
            let out = out.check(&Cmd::new(&docker).args(["buildx", "ls"]))?;
            print!("{}", out.stdout);
            let present = builder::exists(&docker, &cfg.name)?;
            println!(
                "\nconfigured builder: {} ({} driver, {} node{}): {}",
                cfg.name,
                cfg.driver.for_kept_builder().as_str(),
                1 + cfg.nodes.len(),
                if cfg.nodes.is_empty() { "" } else { "s" },
                if present {
                    "present"
                } else {
                    "not created (xbuild builder create)"
                }
            );
            Ok(ExitStatus::Success)
        }
        BuilderCommand::Create {
            name,
            driver,
            dry_run,
        } => {
            let driver = match driver {
                Some(d) => {
                    Driver::from_name(d).ok_or_else(|| BuildError::Driver { name: d.clone() })?
                }
                None => cfg.driver.for_kept_builder(),
            };
            if driver == Driver::Docker {
                eprintln!(
                    "xbuild: the docker driver uses the engine's own builder: nothing to create"
                );
                return Ok(ExitStatus::Success);
            }
            let spec = BuilderSpec {
                name: name.clone().unwrap_or_else(|| cfg.name.clone()),
                driver,
                driver_opts: cfg.driver_opts.clone(),
                buildkitd_flags: cfg.buildkitd_flags.clone(),
                config: cfg.config.clone(),
                platforms: cfg.platforms.clone(),
                endpoint: cfg.endpoint.clone(),
                nodes: cfg.nodes.clone(),
            };
            let cmds = builder::create_commands(&docker, &spec);
            if *dry_run {
                for c in &cmds {
                    crate::stdout::write(&format!("{}\n", c.display()))?;
                }
                return Ok(ExitStatus::Success);
            }
            preflight::check_cli(&docker).map_err(BuildError::from)?;
            if builder::exists(&docker, &spec.name)? {
                eprintln!("xbuild: builder {} already exists", spec.name);
                return Ok(ExitStatus::Success);
            }
            for (i, c) in cmds.iter().enumerate() {
                eprintln!("$ {}", c.display());
                if let Err(e) = exec::capture(c).and_then(|o| o.check(c)) {
                    if i > 0 {
                        // Do not leave half a builder behind.
                        let _ = exec::capture(&builder::rm_command(&docker, &spec.name));
                    }
                    return Err(e.into());
                }
            }
            eprintln!(
                "xbuild: created builder {} ({} node{}); it starts on first use",
                spec.name,
                cmds.len(),
                if cmds.len() == 1 { "" } else { "s" }
            );
            Ok(ExitStatus::Success)
        }
        BuilderCommand::Rm { name } => {
            let name = name.clone().unwrap_or_else(|| cfg.name.clone());
            preflight::check_cli(&docker).map_err(BuildError::from)?;
            let c = builder::rm_command(&docker, &name);
            eprintln!("$ {}", c.display());
            exec::capture(&c)?.check(&c)?;
            eprintln!("xbuild: removed builder {name}");
            Ok(ExitStatus::Success)
        }
    }
}
