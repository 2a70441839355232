//! "Did you mean": the closest allowed word by edit distance.

/// The candidate closest to `word` ([`distance`], case-insensitive),
/// if it is close enough to be a plausible typo: at most a third of the
/// longer word's length, and at least one edit allowed.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (distance(&word, &c.to_ascii_lowercase()), *c))
        .filter(|(d, c)| *d <= (word.len().max(c.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Edit distance over chars counting insertions, deletions, substitutions
/// and swaps of neighbours (optimal string alignment), since `imgae` for
/// `image` is one slip of the fingers, not two.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j]: distance between a[..i] and b[..j].
    let mut d = vec![vec![0; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// `a, b and c` with each item in backticks.
pub fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("platfroms", "platforms"), 1);
        assert_eq!(distance("imgae", "image"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("tag", "tags"), 1);
        assert_eq!(distance("same", "same"), 0);
    }

    #[test]
    fn closest_is_a_plausible_typo() {
        let keys = ["name", "tags", "platforms"];
        assert_eq!(closest("platfroms", &keys), Some("platforms"));
        assert_eq!(closest("tag", &keys), Some("tags"));
        assert_eq!(closest("Name", &keys), Some("name"));
        assert_eq!(closest("registry", &keys), None);
        assert_eq!(
            closest("docker-contaner", &["docker", "docker-container"]),
            Some("docker-container")
        );
    }

    #[test]
    fn lists() {
        assert_eq!(list(&["a"]), "`a`");
        assert_eq!(list(&["a", "b", "c"]), "`a`, `b` and `c`");
    }
}
