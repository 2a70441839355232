//! The rule table: every rule's stable ID, name, level and whether it has a
//! fix, plus the function that checks it. IDs never change meaning: users
//! suppress rules by ID in comments and in xbuild.toml.

use super::{Context, Finding, rules};

/// How bad a finding is. Errors fail `xbuild lint`; warnings only with
/// `--deny-warnings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    /// `error` or `warning`, as in the JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One rule.
#[derive(Debug)]
pub struct Rule {
    /// `XB001`...
    pub id: &'static str,
    /// `build-stage-not-pinned`...
    pub name: &'static str,
    pub severity: Severity,
    /// Some findings of the rule can be fixed by `--fix`.
    pub fixable: bool,
    /// What the rule finds, in one line.
    pub summary: &'static str,
    /// Adds the rule's findings for one Dockerfile.
    pub check: fn(&Context, &mut Vec<Finding>),
}

/// XB000: the file does not parse (or has no valid stages). Not a rule that
/// runs; the engine reports it instead of running the others.
pub static PARSE_ERROR: Rule = Rule {
    id: "XB000",
    name: "parse-error",
    severity: Severity::Error,
    fixable: false,
    summary: "the Dockerfile does not parse (BuildKit would reject it)",
    check: |_, _| {},
};

/// Every rule that runs, in ID order.
pub static RULES: [&Rule; 10] = [
    &rules::xb001::RULE,
    &rules::xb002::RULE,
    &rules::xb003::RULE,
    &rules::xb004::RULE,
    &rules::xb005::RULE,
    &rules::xb006::RULE,
    &rules::xb007::RULE,
    &rules::xb008::RULE,
    &rules::xb009::RULE,
    &rules::xb010::RULE,
];

/// The rule with this ID (case-insensitive), XB000 included.
pub fn find(id: &str) -> Option<&'static Rule> {
    std::iter::once(&PARSE_ERROR)
        .chain(RULES.iter().copied())
        .find(|r| r.id.eq_ignore_ascii_case(id.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_ordered_and_findable() {
        for (i, r) in RULES.iter().enumerate() {
            assert_eq!(r.id, format!("XB{:03}", i + 1));
            assert_eq!(find(&r.id.to_lowercase()).map(|f| f.id), Some(r.id));
        }
        assert_eq!(find("xb000").map(|r| r.name), Some("parse-error"));
        assert!(find("XB011").is_none());
    }
}
