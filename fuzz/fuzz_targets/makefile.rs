//! The Makefile reader of `xbuild init`: no panic, bounded work.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xbuild::config::makefile::Makefile;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mk = Makefile::parse(&text);
    let env = |name: &str| (name == "IMG").then(|| "env/img:1".to_string());
    for name in ["IMG", "PLATFORMS", "CONTAINER_TOOL", "A", "V0"] {
        let _ = mk.get(name, &env);
        let _ = mk.get(name, &|_| None);
    }
    let _ = mk.prerequisites("docker-buildx");
    let _ = mk.pushes_with_buildx();
});
