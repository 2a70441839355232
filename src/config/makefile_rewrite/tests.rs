use super::*;

const SCAFFOLD: &str = include_str!("../../../fixtures/kubebuilder/Makefile");

#[test]
fn replaces_the_three_recipes_and_nothing_else() {
    let r = rewrite("Makefile", SCAFFOLD).unwrap();
    let targets: Vec<&str> = r.changes.iter().map(|c| c.target).collect();
    assert_eq!(targets, TARGETS);
    // Put the old recipes back: the file is the original again.
    let mut restored = r.text.clone();
    for c in &r.changes {
        restored = restored.replacen(
            &format!("{}\n", c.new),
            &format!("{}\n", c.old.join("\n")),
            1,
        );
    }
    assert_eq!(restored, SCAFFOLD);
    assert!(r.text.contains(
        "docker-build: ## Build docker image with the manager.\n\txbuild docker-build $(if $(BASE_IMAGE),--build-arg BASE_IMAGE=$(BASE_IMAGE)) --tag ${IMG}\n"
    ));
    assert!(r.text.contains(
        "docker-push: ## Push docker image with the manager.\n\txbuild docker-push --tag ${IMG}\n"
    ));
    assert!(r.text.contains(
        "docker-buildx: ## Build and push docker image for the manager for cross-platform support\n\txbuild docker-buildx --push --platform=$(PLATFORMS) $(if $(BASE_IMAGE),--build-arg BASE_IMAGE=$(BASE_IMAGE)) --tag ${IMG}\n\n.PHONY: build-installer\n"
    ));
    // A second run finds nothing to do.
    let again = rewrite("Makefile", &r.text).unwrap();
    assert_eq!(again.text, r.text);
    assert!(again.changes.is_empty());
    assert_eq!(again.unchanged, TARGETS);
}

#[test]
fn the_diff_shows_each_recipe_with_its_rule_line() {
    let r = rewrite("Makefile", SCAFFOLD).unwrap();
    let diff = r.diff("Makefile");
    let build = SCAFFOLD
        .lines()
        .position(|l| l.starts_with("docker-build:"))
        .unwrap()
        + 1;
    assert!(diff.starts_with(&format!(
        "--- a/Makefile\n+++ b/Makefile\n@@ -{build},2 +{build},2 @@ docker-build\n docker-build: ## Build docker image with the manager.\n-\t$(CONTAINER_TOOL) build $(if $(BASE_IMAGE),--build-arg BASE_IMAGE=$(BASE_IMAGE)) -t ${{IMG}} .\n+\txbuild docker-build $(if $(BASE_IMAGE),--build-arg BASE_IMAGE=$(BASE_IMAGE)) --tag ${{IMG}}\n"
    )), "{diff}");
    let buildx = SCAFFOLD
        .lines()
        .position(|l| l.starts_with("docker-buildx:"))
        .unwrap()
        + 1;
    assert!(
        diff.contains(&format!(
            "@@ -{buildx},8 +{buildx},2 @@ docker-buildx\n docker-buildx: ##"
        )),
        "{diff}"
    );
    assert_eq!(
        diff.lines()
            .filter(|l| l.starts_with('-') && !l.starts_with("---"))
            .count(),
        9
    );
}

#[test]
fn the_older_scaffold_without_base_image() {
    let older = include_str!("../../../fixtures/operator/Makefile");
    let r = rewrite("Makefile", older).unwrap();
    let new: Vec<&str> = r.changes.iter().map(|c| c.new.as_str()).collect();
    assert_eq!(
        new,
        [
            "\txbuild docker-build --tag ${IMG}",
            "\txbuild docker-push --tag ${IMG}",
            "\txbuild docker-buildx --push --platform=$(PLATFORMS) --tag ${IMG}",
        ]
    );
    // Its extra docker-buildx-default target is not one of the three.
    assert!(
        r.text
            .contains("$(CONTAINER_TOOL) buildx build --builder default --push")
    );
}

#[test]
fn older_scaffolds_and_crlf() {
    let old = "IMG ?= controller:latest\r\ndocker-build: test ## Build docker image with the manager.\r\n\tdocker build -t ${IMG} .\r\n\r\ndocker-push: ## Push docker image with the manager.\r\n\tdocker push ${IMG}\r\n";
    let r = rewrite("Makefile", old).unwrap();
    assert_eq!(
        r.text,
        "IMG ?= controller:latest\r\ndocker-build: test ## Build docker image with the manager.\r\n\txbuild docker-build --tag ${IMG}\r\n\r\ndocker-push: ## Push docker image with the manager.\r\n\txbuild docker-push --tag ${IMG}\r\n"
    );
}

#[test]
fn refuses_a_recipe_it_does_not_know() {
    let edited = SCAFFOLD.replace(
        "\t$(CONTAINER_TOOL) push ${IMG}\n",
        "\t$(CONTAINER_TOOL) push ${IMG}\n\t./hack/notify.sh ${IMG}\n",
    );
    let e = rewrite("Makefile", &edited).unwrap_err();
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut out, &e)
        .unwrap();
    let line = edited
        .lines()
        .position(|l| l.contains("notify.sh"))
        .unwrap()
        + 1;
    assert!(
        out.contains("the recipe of docker-push is not the kubebuilder scaffold's"),
        "{out}"
    );
    assert!(out.contains(&format!("[Makefile:{line}:1]")), "{out}");
    assert!(matches!(
        rewrite("Makefile", "all:\n\techo hi\n"),
        Err(RewriteError::NoTargets)
    ));
}
