//! xbuild.toml: parse and resolve; what `xbuild config` prints for it loads
//! back as the same configuration.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};
use xbuild::config::{self, Project};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let root = Path::new("/project");
    let file = root.join("xbuild.toml");
    let Ok(cfg) = config::parse(text, "xbuild.toml", &file, root) else {
        return;
    };
    let project = Project {
        root: PathBuf::from(root),
        config_file: Some(file.clone()),
        config: cfg,
    };
    let printed = xbuild::commands::config::toml_text(&project);
    let back = match config::parse(&printed, "xbuild.toml", &file, root) {
        Ok(c) => c,
        Err(e) => panic!("printed configuration does not load: {e:?}\n{printed}"),
    };
    assert_eq!(
        back, project.config,
        "round trip changed the configuration\n{printed}"
    );
});
