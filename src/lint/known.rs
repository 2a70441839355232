//! Instructions BuildKit knows. Its parser keeps any keyword; its
//! instruction parser then rejects an unknown one ("unknown instruction:
//! runn"), so the file never builds: lint reports that as XB000.

use crate::dockerfile::{Dockerfile, Instruction, Span};

const INSTRUCTIONS: &[&str] = &[
    "add",
    "arg",
    "cmd",
    "copy",
    "entrypoint",
    "env",
    "expose",
    "from",
    "healthcheck",
    "label",
    "maintainer",
    "onbuild",
    "run",
    "shell",
    "stopsignal",
    "user",
    "volume",
    "workdir",
];

/// The first unknown instruction: its keyword's span, the message and a
/// suggestion.
pub fn unknown(df: &Dockerfile) -> Option<(Span, String, Option<String>)> {
    df.instructions.iter().find_map(|ins| {
        let bad: &Instruction = match &ins.sub {
            Some(sub) if INSTRUCTIONS.contains(&ins.command.as_str()) => sub,
            _ => ins,
        };
        if INSTRUCTIONS.contains(&bad.command.as_str()) {
            return None;
        }
        let suggestion = INSTRUCTIONS
            .iter()
            .map(|name| (distance(name, &bad.command), name))
            .filter(|(d, _)| *d <= 2)
            .min()
            .map(|(_, name)| format!("did you mean {}?", name.to_uppercase()));
        Some((
            bad.keyword_span.clone(),
            format!("unknown instruction: {}", bad.keyword),
            suggestion,
        ))
    })
}

/// Levenshtein distance (the keywords are short ASCII words).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::parse;

    #[test]
    fn unknown_instructions_with_suggestions() {
        let df = parse("Dockerfile", "FROM a\nRUNN echo\n").unwrap();
        assert_eq!(
            unknown(&df),
            Some((
                7..11,
                "unknown instruction: RUNN".into(),
                Some("did you mean RUN?".into())
            ))
        );
        let df = parse("Dockerfile", "FROM a\nONBUILD FOO x\n").unwrap();
        assert_eq!(unknown(&df).unwrap().1, "unknown instruction: FOO");
        let df = parse("Dockerfile", "from a\nhealthcheck NONE\nonbuild run x\n").unwrap();
        assert_eq!(unknown(&df), None);
    }
}
