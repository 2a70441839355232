use super::*;

fn tree(files: &[&str]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for f in files {
        let p = d.path().join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "x").unwrap();
    }
    d
}

fn files(dir: &Path, ignore: &str) -> Vec<String> {
    let set = included(dir, &parse(ignore).unwrap()).unwrap();
    set.into_iter().filter(|p| dir.join(p).is_file()).collect()
}

#[test]
fn kubebuilder_allow_list_keeps_go_sources() {
    let d = tree(&[
        "go.mod",
        "go.sum",
        "cmd/main.go",
        "api/v1/types.go",
        "api/v1/types_test.go",
        "bin/manager",
        "README.md",
        "Makefile",
    ]);
    let ignore = "# scaffold\n**\n!**/*.go\n**/*_test.go\n!go.mod\n!go.sum\n";
    assert_eq!(
        files(d.path(), ignore),
        ["api/v1/types.go", "cmd/main.go", "go.mod", "go.sum"]
    );
    let set = included(d.path(), &parse(ignore).unwrap()).unwrap();
    assert!(set.contains("api") && set.contains("api/v1") && !set.contains("bin"));
}

#[test]
fn exceptions_of_exceptions_and_parent_matches() {
    let d = tree(&["a/x", "a/keep/y", "a/keep/drop.log", "b/z", "c"]);
    assert_eq!(
        files(d.path(), "a\n!a/keep\na/keep/*.log\n"),
        ["a/keep/y", "b/z", "c"]
    );
    assert_eq!(
        files(d.path(), "*\n!a/**\n"),
        ["a/keep/drop.log", "a/keep/y", "a/x"]
    );
    assert_eq!(files(d.path(), "/a/\n"), ["b/z", "c"]);
}

#[test]
fn the_literal_ignore_file_names_what_is_left_out() {
    let d = tree(&["go.mod", "bin/a", "bin/b", "x/[y].go", "x/z.txt"]);
    let inc = included(d.path(), &parse("**\n!**/*.go\n!go.mod\n").unwrap()).unwrap();
    let text = literal_ignore_file(&all(d.path()).unwrap(), &inc);
    assert_eq!(text.lines().skip(1).collect::<Vec<_>>(), ["bin", "x/z.txt"]);
    // Read back with BuildKit's rules, it selects the same set.
    assert_eq!(included(d.path(), &parse(&text).unwrap()).unwrap(), inc);
}

#[test]
fn metacharacters_are_escaped() {
    assert_eq!(escape("a/[b]*?.go"), r"a/\[b\]\*\?.go");
    assert_eq!(escape("!x"), r"\!x");
    let d = tree(&["[b].go", "b.go"]);
    assert_eq!(files(d.path(), &escape("[b].go")), ["b.go"]);
}

#[test]
fn a_dockerfile_specific_ignore_file_wins_for_a_named_dockerfile() {
    let d = tree(&["Dockerfile", "Dockerfile.dockerignore", ".dockerignore"]);
    let df = d.path().join("Dockerfile");
    assert_eq!(
        ignore_file(Some(&df), d.path()),
        Some(d.path().join("Dockerfile.dockerignore"))
    );
    // On stdin the Dockerfile has no name: the context's file counts.
    assert_eq!(
        ignore_file(None, d.path()),
        Some(d.path().join(".dockerignore"))
    );
    std::fs::remove_file(d.path().join("Dockerfile.dockerignore")).unwrap();
    assert_eq!(
        ignore_file(Some(&df), d.path()),
        Some(d.path().join(".dockerignore"))
    );
}
