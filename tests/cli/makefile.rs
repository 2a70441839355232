//! `xbuild init --makefile`: only the three image recipes change, the diff
//! is printed, unknown recipes are refused.

use crate::support::Test;

const SCAFFOLD: &str = include_str!("../../fixtures/kubebuilder/Makefile");

#[test]
fn rewrites_the_three_recipes_and_prints_the_diff() {
    let out = Test::new()
        .file("Makefile", SCAFFOLD)
        .args(["init", "--makefile"])
        .run()
        .status(0);
    let after = out.read("Makefile");
    let expected = SCAFFOLD
        .replace(
            "\t$(CONTAINER_TOOL) build $(if $(BASE_IMAGE),--build-arg BASE_IMAGE=$(BASE_IMAGE)) -t ${IMG} .\n",
            "\txbuild docker-build $(if $(BASE_IMAGE),--build-arg BASE_IMAGE=$(BASE_IMAGE)) --tag ${IMG}\n",
        )
        .replace("\t$(CONTAINER_TOOL) push ${IMG}\n", "\txbuild docker-push --tag ${IMG}\n");
    let start = expected.find("\t# copy existing Dockerfile").unwrap();
    let end = expected.find("\trm Dockerfile.cross\n").unwrap() + "\trm Dockerfile.cross\n".len();
    let expected = format!(
        "{}\txbuild docker-buildx --push --platform=$(PLATFORMS) $(if $(BASE_IMAGE),--build-arg BASE_IMAGE=$(BASE_IMAGE)) --tag ${{IMG}}\n{}",
        &expected[..start],
        &expected[end..]
    );
    assert_eq!(after, expected);
    assert!(
        out.stdout
            .starts_with("--- a/Makefile\n+++ b/Makefile\n@@ -"),
        "{}",
        out.stdout
    );
    assert_eq!(
        out.stdout
            .lines()
            .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
            .count(),
        3
    );
    assert_eq!(
        out.stderr,
        "Rewrote the recipes of docker-build, docker-push, docker-buildx in Makefile; the rest of it is unchanged\n"
    );
}

#[test]
fn a_second_run_changes_nothing() {
    let first = Test::new()
        .file("Makefile", SCAFFOLD)
        .args(["init", "--makefile"])
        .run()
        .status(0);
    let rewritten = first.read("Makefile");
    let out = Test::new()
        .file("Makefile", &rewritten)
        .args(["init", "--makefile"])
        .run()
        .status(0);
    assert_eq!(out.stdout, "");
    assert_eq!(out.read("Makefile"), rewritten);
    assert!(
        out.stderr
            .contains("Makefile: docker-buildx already calls xbuild"),
        "{}",
        out.stderr
    );
}

#[test]
fn refuses_an_unknown_recipe_and_writes_nothing() {
    let edited = SCAFFOLD.replace(
        "\t- $(CONTAINER_TOOL) buildx rm fixture-builder\n",
        "\t- $(CONTAINER_TOOL) buildx rm fixture-builder\n\tcosign sign ${IMG}\n",
    );
    let line = edited.lines().position(|l| l.contains("cosign")).unwrap() + 1;
    let out = Test::new()
        .file("Makefile", &edited)
        .args(["init", "--makefile"])
        .run()
        .status(2);
    assert!(
        out.stderr
            .contains("the recipe of docker-buildx is not the kubebuilder scaffold's"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!("[Makefile:{line}:1]")),
        "{}",
        out.stderr
    );
    assert_eq!(out.read("Makefile"), edited);
    assert_eq!(out.stdout, "");
}

#[test]
fn without_a_makefile() {
    let out = Test::new().args(["init", "--makefile"]).run().status(2);
    assert!(
        out.stderr.contains("Makefile does not exist"),
        "{}",
        out.stderr
    );
}

#[test]
fn stdout_prints_the_new_makefile_and_writes_nothing() {
    let out = Test::new()
        .file("Makefile", SCAFFOLD)
        .args(["init", "--makefile", "--stdout"])
        .run()
        .status(0);
    assert_eq!(out.read("Makefile"), SCAFFOLD);
    assert!(
        out.stdout.contains("\txbuild docker-push --tag ${IMG}\n"),
        "{}",
        out.stdout
    );
    assert_eq!(out.stdout.lines().count() + 6, SCAFFOLD.lines().count());
}
