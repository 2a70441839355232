//! `lint` plus `--fix`: no panic; every finding's span and every fix edit
//! lies on char boundaries; after `--fix` no fixable finding is left (unless
//! a fix was refused), and a second `--fix` changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xbuild::lint::{self, Fix, Input, Options};

fn boundaries(text: &str, span: &std::ops::Range<usize>, what: &str) {
    assert!(
        span.start <= span.end && span.end <= text.len(),
        "{what} span {span:?} out of range"
    );
    assert!(
        text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
        "{what} span {span:?} splits a char"
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let input = Input {
        name: "Dockerfile".into(),
        text: text.into(),
        target: None,
        cross: None,
    };
    let options = Options::default();
    let report = lint::check(&input, &options);
    for f in &report.findings {
        boundaries(text, &f.span, f.rule.id);
        if let Some(Fix::Edits(edits)) = &f.fix {
            for e in edits {
                boundaries(text, &e.span, "fix edit");
            }
        }
    }
    let fixed = lint::fix::fix(&input, &options);
    if fixed.refused.is_some() {
        return;
    }
    for f in &fixed.report.findings {
        boundaries(&fixed.text, &f.span, f.rule.id);
        if let Some(Fix::Edits(edits)) = &f.fix {
            assert!(
                edits.is_empty(),
                "{} still fixable after --fix: {:?}",
                f.rule.id,
                f.message
            );
        }
    }
    let again = Input {
        text: fixed.text.clone(),
        ..input
    };
    let second = lint::fix::fix(&again, &options);
    assert_eq!(second.text, fixed.text, "a second --fix changed the text");
});
