//! The Go stage mapping (`go-build`, `build --go host`): for any Dockerfile
//! that parses, detection either maps a Go stage or says why not; no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use xbuild::config::Config;
use xbuild::dockerfile::{self, StageGraph};
use xbuild::golang::stage::Detect;
use xbuild::platform::Platform;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(df) = dockerfile::parse("Dockerfile", text) else {
        return;
    };
    let Ok(graph) = StageGraph::new(&df, None, &[]) else {
        return;
    };
    let root = Path::new("/nonexistent-xbuild-fuzz");
    let config = Config::defaults(root);
    for platform in [
        Platform::new("linux", "arm64", None),
        Platform::new("linux", "arm", Some("v7")),
    ] {
        let _ = Detect {
            df: &df,
            graph: &graph,
            platform: &platform,
            build_args: &[],
            context: root,
            config: &config,
        }
        .run();
    }
});
