//! Go's string and character semantics, where BuildKit's behaviour depends
//! on them: per-character lowercasing (`strings.ToLower`), `unicode.IsPrint`
//! (for `strconv.Quote`), `unicode.IsLetter` / `unicode.IsDigit` (for
//! variable names), `unicode.IsSpace` applied to single bytes, and
//! `strings.EqualFold` with the keyword `as`. Unicode categories come from
//! the regex crate's tables.

use regex::Regex;
use std::sync::LazyLock;

static PRINT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\p{L}\p{M}\p{N}\p{P}\p{S}]$").expect("print regex"));
static LETTER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\p{L}$").expect("letter regex"));
static DIGIT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\p{Nd}$").expect("digit regex"));

fn matches(re: &Regex, c: char) -> bool {
    let mut buf = [0u8; 4];
    re.is_match(c.encode_utf8(&mut buf))
}

/// Go's `strings.ToLower`: each character on its own, simple mappings only
/// (so `İ` becomes `i` and a final `Σ` becomes `σ`).
pub fn lower(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{130}' => 'i',
            c if c.is_ascii() => c.to_ascii_lowercase(),
            c => c.to_lowercase().next().unwrap_or(c),
        })
        .collect()
}

/// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and
/// the ASCII space.
pub fn is_print(c: char) -> bool {
    if c.is_ascii() {
        return c == ' ' || c.is_ascii_graphic();
    }
    matches(&PRINT, c)
}

/// Go's `unicode.IsLetter`.
pub fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    matches(&LETTER, c)
}

/// Go's `unicode.IsDigit` (decimal digits only).
pub fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    matches(&DIGIT, c)
}

/// Go's `unicode.IsSpace(rune(b))` for one byte, as BuildKit's byte-wise
/// scanners call it: ASCII blanks plus 0x85 and 0xA0 (Latin-1 NEL, NBSP).
pub fn is_space_byte(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0x85 | 0xa0)
}

/// Go's `strings.EqualFold(s, "as")` (Unicode simple folding: `ſ` is an `s`).
pub fn is_as(s: &str) -> bool {
    let mut c = s.chars();
    matches!(
        (c.next(), c.next(), c.next()),
        (Some('a' | 'A'), Some('s' | 'S' | 'ſ'), None)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_go() {
        assert_eq!(lower("ENTRYPOİNT"), "entrypoint");
        assert_eq!(lower("AΣ"), "aσ");
        assert!(is_print('é') && is_print(' ') && !is_print('\u{a0}') && !is_print('\u{378}'));
        assert!(!is_print('\u{13430}') && !is_print('\u{feff}') && !is_print('\u{e000}'));
        assert!(is_letter('é') && !is_letter('Ⅻ') && !is_letter('\u{93e}'));
        assert!(is_digit('٣') && !is_digit('²') && !is_digit('½'));
        assert!(is_as("AS") && is_as("aſ") && !is_as("ass"));
    }
}
