//! `xbuild completions SHELL` and `xbuild man`: generated from the clap
//! definitions in `cli.rs`, so they list exactly the commands and flags
//! that exist.

use crate::cli::Cli;
use crate::{Error, ExitStatus, fsutil};
use clap::CommandFactory;
use std::io::Write;
use std::path::Path;

pub fn completions(shell: clap_complete::Shell) -> Result<ExitStatus, Error> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "xbuild", &mut out);
    // A closed pipe is not worth reporting.
    let _ = std::io::stdout().lock().write_all(&out);
    Ok(ExitStatus::Success)
}

/// The roff of one page.
fn page(cmd: clap::Command, title: &str) -> Vec<u8> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .title(title)
        .render(&mut out)
        .expect("writing to memory does not fail");
    out
}

pub fn man(dir: Option<&Path>, out_dir: Option<&Path>) -> Result<ExitStatus, Error> {
    let cmd = Cli::command();
    let Some(out_dir) = out_dir else {
        let _ = std::io::stdout().lock().write_all(&page(cmd, "xbuild"));
        return Ok(ExitStatus::Success);
    };
    let out_dir = super::resolve(dir, out_dir);
    std::fs::create_dir_all(&out_dir).map_err(|source| fsutil::FsError::Write {
        path: out_dir.clone(),
        source,
    })?;
    let mut written = vec![out_dir.join("xbuild.1")];
    fsutil::write_atomic(&written[0], &page(cmd.clone(), "xbuild"))?;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("xbuild-{}", sub.get_name());
        let path = out_dir.join(format!("{name}.1"));
        let sub = sub.clone().bin_name(format!("xbuild {}", sub.get_name()));
        fsutil::write_atomic(&path, &page(sub, &name))?;
        written.push(path);
    }
    eprintln!(
        "Wrote {} man pages to {}",
        written.len(),
        super::display(&out_dir)
    );
    Ok(ExitStatus::Success)
}
