//! The platform parser: no panic; a parsed platform prints as a string that
//! parses back to the same platform.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xbuild::platform::{self, Platform};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(list) = platform::parse_list(text) {
        for p in list {
            let printed = p.to_string();
            let back: Platform = printed.parse().expect("a printed platform parses");
            assert_eq!(back, p, "{printed}");
            let _ = p.dir_name();
            let _ = p.go_env();
        }
    } else if let Err(e) = text.parse::<Platform>() {
        let _ = e.help_text();
    }
});
