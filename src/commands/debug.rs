//! `xbuild debug parse FILE`: the parse tree in BuildKit's dump format, so
//! the parser can be compared with BuildKit's own test files.

use crate::{Error, ExitStatus, dockerfile, fsutil};
use std::path::Path;

pub fn parse(dir: Option<&Path>, file: &Path) -> Result<ExitStatus, Error> {
    let path = super::resolve(dir, file);
    let name = super::display(&path);
    let text = fsutil::read_text(&path, "the Dockerfile")?;
    let df = dockerfile::parse(&name, &text)?;
    crate::stdout::write(&df.dump())?;
    Ok(ExitStatus::Success)
}
