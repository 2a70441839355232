//! `xbuild init --makefile`: switch a kubebuilder Makefile's image targets
//! over to xbuild, printing the diff (or, with `--stdout`, the new file).

use crate::cli::InitArgs;
use crate::config::{self, makefile_rewrite};
use crate::{Error, ExitStatus, fsutil};
use std::io::Write;
use std::path::Path;

/// The names make looks for, in its order.
const MAKEFILES: [&str; 3] = ["GNUmakefile", "makefile", "Makefile"];

pub fn run(dir: Option<&Path>, args: &InitArgs) -> Result<ExitStatus, Error> {
    let root = config::project_root(dir)?;
    let name = MAKEFILES
        .iter()
        .find(|n| root.join(n).is_file())
        .copied()
        .unwrap_or("Makefile");
    let path = root.join(name);
    let shown = super::display(&path);
    let text = fsutil::read_text(&path, "the Makefile")?;
    let rewrite = makefile_rewrite::rewrite(&shown, &text)?;
    let mut out = std::io::stdout().lock();
    if args.stdout {
        let _ = out.write_all(rewrite.text.as_bytes());
        return Ok(ExitStatus::Success);
    }
    for t in &rewrite.unchanged {
        eprintln!("{shown}: {t} already calls xbuild");
    }
    if rewrite.changes.is_empty() {
        return Ok(ExitStatus::Success);
    }
    fsutil::write_atomic(&path, rewrite.text.as_bytes())?;
    let _ = out.write_all(rewrite.diff(name).as_bytes());
    let targets: Vec<&str> = rewrite.changes.iter().map(|c| c.target).collect();
    eprintln!(
        "Rewrote the recipes of {} in {shown}; the rest of it is unchanged",
        targets.join(", ")
    );
    Ok(ExitStatus::Success)
}
