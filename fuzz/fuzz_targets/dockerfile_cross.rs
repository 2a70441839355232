//! The Dockerfile parser plus `cross`: no panic; every span lies on char
//! boundaries of the source; the output is the input plus insertions of
//! ` --platform=${BUILDPLATFORM}`; cross of the output changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xbuild::config::Strategy;
use xbuild::cross::CrossPlan;
use xbuild::dockerfile::{self, Dockerfile, Span, StageGraph};

fn on_boundaries(df: &Dockerfile, span: &Span) {
    let s = &df.source;
    assert!(
        span.start <= span.end && span.end <= s.len(),
        "span {span:?} out of range"
    );
    assert!(
        s.is_char_boundary(span.start) && s.is_char_boundary(span.end),
        "span {span:?} splits a char"
    );
}

fn check_spans(df: &Dockerfile) {
    for d in &df.directives {
        on_boundaries(df, &d.span);
    }
    for w in &df.warnings {
        on_boundaries(df, &w.span);
    }
    for ins in &df.instructions {
        on_boundaries(df, &ins.span);
        on_boundaries(df, &ins.keyword_span);
        for f in &ins.flags {
            on_boundaries(df, &f.span);
        }
        for h in &ins.heredocs {
            on_boundaries(df, &h.body_span);
            on_boundaries(df, &h.terminator_span);
        }
        let _ = ins.words();
    }
}

/// The rewritten text; every edit must be an insertion of the pin right
/// after a FROM keyword, on a char boundary.
fn cross(df: &Dockerfile, strategy: Strategy) -> Option<String> {
    let graph = StageGraph::new(df, None, &[]).ok()?;
    let plan = CrossPlan::new(df, &graph, strategy);
    // A pin that would take a line past BuildKit's limit is refused.
    plan.check(df).ok()?;
    for e in &plan.edits {
        assert!(e.span.is_empty(), "cross replaces bytes: {e:?}");
        assert_eq!(e.text, " --platform=${BUILDPLATFORM}");
        let at = e.span.start;
        assert!(df.source.is_char_boundary(at));
        assert!(
            df.instructions
                .iter()
                .any(|i| i.command == "from" && i.keyword_span.end == at),
            "insertion at {at} is not after a FROM keyword"
        );
    }
    Some(plan.apply(df))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(df) = dockerfile::parse("Dockerfile", text) else {
        return;
    };
    check_spans(&df);
    let _ = df.dump();
    for strategy in [Strategy::Auto, Strategy::FirstFrom] {
        let Some(out) = cross(&df, strategy) else {
            return;
        };
        let again = dockerfile::parse("Dockerfile.cross", &out).expect("cross output parses");
        check_spans(&again);
        if let Some(twice) = cross(&again, strategy) {
            assert_eq!(twice, out, "cross is not idempotent");
        }
    }
});
