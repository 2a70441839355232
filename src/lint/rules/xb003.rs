//! XB003 duplicate-platform: BuildKit rejects a FROM with two `--platform`
//! flags. When the repeats say the same thing, the fix drops them.

use crate::lint::fix::remove_flag;
use crate::lint::{Context, Finding, Fix, Rule, Severity};
use regex::Regex;
use std::sync::LazyLock;

/// `${NAME}` -> `$NAME`, so that the two spellings compare equal.
static BRACED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}").expect("regex"));

pub static RULE: Rule = Rule {
    id: "XB003",
    name: "duplicate-platform",
    severity: Severity::Error,
    fixable: true,
    summary: "a FROM has two --platform flags (BuildKit rejects the file)",
    check,
};

fn normal(value: Option<&str>) -> String {
    let v = value.unwrap_or("").trim_matches(|c| c == '"' || c == '\'');
    BRACED.replace_all(v, "$$$1").into_owned()
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for s in &cx.graph.stages {
        let Some((first, rest)) = s.platforms.split_first() else {
            continue;
        };
        let first_value = normal(first.value.as_deref());
        for flag in rest {
            let same = normal(flag.value.as_deref()) == first_value;
            out.push(Finding {
                rule: &RULE,
                span: flag.span.clone(),
                message: format!("stage {} has more than one --platform flag", s.label()),
                label: if same {
                    "repeats the first --platform".into()
                } else {
                    "a second, different --platform".into()
                },
                help: if same {
                    "remove the repeat (xbuild lint --fix does); BuildKit rejects a FROM with two --platform flags".into()
                } else {
                    "keep one of the two --platform flags; BuildKit rejects a FROM with two".into()
                },
                fix: same.then(|| Fix::Edits(vec![remove_flag(cx.df, flag)])),
            });
        }
    }
}
