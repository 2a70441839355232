//! Property tests of `lint --fix` over generated Dockerfiles: the fixed text
//! always parses, a second fix changes nothing, no fixable finding is left,
//! and the bytes outside the fixes are kept (removing every pin, flag and
//! inserted ARG line from both sides gives the same text).

use proptest::prelude::*;
use xbuild::lint::{Input, Options, check, fix::fix};

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("FROM golang:1.22 AS builder".to_string()),
        Just("from alpine as base".to_string()),
        Just("FROM base AS deps".to_string()),
        Just("FROM deps".to_string()),
        Just("FROM --platform=$BUILDPLATFORM golang AS pinned".to_string()),
        Just(
            "FROM --platform=$BUILDPLATFORM --platform=$BUILDPLATFORM golang AS twice".to_string()
        ),
        Just("FROM --platform=$TARGETPLATFORM alpine AS tp".to_string()),
        Just("FROM --platform=linux/amd64 alpine AS amd".to_string()),
        Just("FROM \\\n  --platform=$BUILDPLATFORM \\\n  golang \\\n  AS cont".to_string()),
        Just("  FROM golang AS indented".to_string()),
        Just("ARG TARGETARCH".to_string()),
        Just("ARG TARGETOS TARGETPLATFORM".to_string()),
        Just("RUN GOARCH=$TARGETARCH go build -o /m .".to_string()),
        Just("RUN CGO_ENABLED=0 GOOS=$TARGETOS go build -o /m .".to_string()),
        Just("RUN GOARCH=amd64 go build".to_string()),
        Just("RUN make".to_string()),
        Just("RUN echo ${TARGETVARIANT}".to_string()),
        Just("COPY --from=builder /m /m".to_string()),
        Just("COPY --from=pinned /m /m".to_string()),
        Just("COPY --from=deps /d /d".to_string()),
        Just("RUN <<EOF\necho $TARGETARCH\nEOF".to_string()),
        Just("# xbuild-ignore XB007".to_string()),
        Just("# a comment".to_string()),
        Just("".to_string()),
    ]
}

fn dockerfile() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(line(), 1..14),
        prop::bool::ANY,
        prop::bool::ANY,
    )
        .prop_map(|(lines, crlf, final_newline)| {
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut text = lines.join("\n").replace('\n', eol);
            if final_newline {
                text.push_str(eol);
            }
            text
        })
}

/// The text with everything a fix may add or remove taken out.
fn skeleton(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim().starts_with("ARG TARGET") && !l.trim().starts_with("--platform"))
        .map(|l| {
            l.replace(" --platform=${BUILDPLATFORM}", "")
                .replace(" --platform=$BUILDPLATFORM", "")
                .replace(" --platform=$TARGETPLATFORM", "")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn fix_is_safe_idempotent_and_complete(text in dockerfile()) {
        let input = Input { name: "Dockerfile".into(), text: text.clone(), target: None, cross: None };
        let options = Options::default();
        let before = check(&input, &options);
        let fixed = fix(&input, &options);
        prop_assert!(fixed.refused.is_none(), "{:?}", fixed.refused);
        if before.findings.iter().any(|f| f.rule.id == "XB000") {
            prop_assert_eq!(&fixed.text, &text);
            return Ok(());
        }
        let again = Input { text: fixed.text.clone(), ..input.clone() };
        let after = check(&again, &options);
        prop_assert!(after.findings.iter().all(|f| f.rule.id != "XB000"), "fixed text does not parse:\n{}", fixed.text);
        prop_assert!(after.findings.iter().all(|f| f.fix.is_none()),
            "fixable findings left: {:?}\n{}", after.findings.iter().map(|f| f.rule.id).collect::<Vec<_>>(), fixed.text);
        prop_assert_eq!(&fix(&again, &options).text, &fixed.text);
        prop_assert_eq!(skeleton(&fixed.text), skeleton(&text));
    }
}
