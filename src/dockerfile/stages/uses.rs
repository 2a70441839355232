//! Which TARGET* variables an instruction uses, and which stage a
//! `RUN --mount` names: the references the stage graph follows.

use super::TARGET_ARGS;
use std::ops::Range;

/// The TARGET* variables an instruction references, with their ranges in
/// its logical line: `$NAME` or `${NAME...}`, the name not followed by
/// another word character.
///
/// What counts is what gets expanded when the stage builds: BuildKit expands
/// most instructions with the file's escape character; a shell-form RUN is
/// expanded by the shell (`\$` escapes, single quotes hide). Not counted:
/// exec-form RUN (nothing expands it), ONBUILD (it runs in a later image),
/// and heredoc bodies (file contents, or scripts whose variables come from
/// the stage's environment, where an undeclared ARG is simply empty).
pub fn target_references(
    ins: &crate::dockerfile::Instruction,
    file_escape: char,
) -> Vec<(String, Range<usize>)> {
    let text = &ins.line.text;
    if !text.contains('$') {
        return Vec::new();
    }
    // BuildKit expands instructions (and a RUN's flags) with the file's
    // escape character.
    let buildkit = |end: usize| {
        text.match_indices('$')
            .map(|(i, _)| i)
            .filter(move |&i| i < end && !text[..i].ends_with(file_escape))
    };
    let flags_end = ins.args_offset.min(text.len());
    let dollars: Vec<usize> = match ins.command.as_str() {
        "onbuild" => return Vec::new(),
        // Exec form: nothing expands its words, but `["sh", "-c", SCRIPT]`
        // runs SCRIPT through a shell, which does.
        "run" if ins.json => match crate::dockerfile::script::json_shell_script(&ins.args) {
            Some(_) => text.match_indices('$').map(|(i, _)| i).collect(),
            None => buildkit(flags_end).collect(),
        },
        // The shell expands a shell-form RUN: the one script reader says
        // which `$` it expands.
        "run" => buildkit(flags_end)
            .chain(
                crate::dockerfile::script::expansions(text.get(flags_end..).unwrap_or(""))
                    .into_iter()
                    .map(|i| flags_end + i),
            )
            .collect(),
        _ => buildkit(text.len()).collect(),
    };
    dollars
        .into_iter()
        .filter_map(|i| reference_at(text, i))
        .collect()
}

/// The TARGET* variable named by the `$` at byte `i` of `text`, if any.
fn reference_at(text: &str, i: usize) -> Option<(String, Range<usize>)> {
    let rest = &text[i + 1..];
    let braced = rest.starts_with('{');
    let rest = if braced { &rest[1..] } else { rest };
    TARGET_ARGS.iter().find_map(|name| {
        let after = rest.strip_prefix(name)?;
        if after.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
            return None;
        }
        let end = i + 1 + usize::from(braced) + name.len();
        Some((name.to_string(), i..end))
    })
}

/// The `from=` of a `RUN --mount` value (`type=cache,from=deps,target=/x`).
pub(super) fn mount_from(value: &str) -> Option<String> {
    value.split(',').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("from")
            .then(|| v.trim().to_string())
    })
}
