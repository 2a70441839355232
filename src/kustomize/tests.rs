use super::*;

const D: &str = "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

fn load(text: &str) -> (tempfile::TempDir, Result<Kustomization, KustomizeError>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kustomization.yaml"), text).unwrap();
    let k = Kustomization::load(dir.path(), "config/manager");
    (dir, k)
}

fn set(text: &str) -> String {
    let (_dir, k) = load(text);
    k.unwrap()
        .with_digest("controller", "localhost:5000/op", D)
        .unwrap()
}

#[test]
fn replaces_the_tag_kustomize_edit_wrote_with_the_digest() {
    let before = "resources:\n- manager.yaml\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nimages:\n- name: controller\n  newName: example.com/op\n  newTag: v1\n";
    assert_eq!(
        set(before),
        format!(
            "resources:\n- manager.yaml\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nimages:\n- name: controller\n  newName: localhost:5000/op\n  digest: {D}\n"
        )
    );
}

#[test]
fn appends_an_images_list_and_keeps_comments() {
    let before = "# the manager\nresources:\n- manager.yaml # the Deployment\n";
    assert_eq!(
        set(before),
        format!(
            "{before}images:\n- name: controller\n  newName: localhost:5000/op\n  digest: {D}\n"
        )
    );
    // No newline at the end of the file.
    assert_eq!(
        set("resources:\n- manager.yaml"),
        format!(
            "resources:\n- manager.yaml\nimages:\n- name: controller\n  newName: localhost:5000/op\n  digest: {D}\n"
        )
    );
}

#[test]
fn edits_only_the_named_entry_of_an_indented_list() {
    let before = "images:\n  # the sidecar stays\n  - name: proxy\n    newTag: v2\n  - newName: old.example/op # was here\n    name: \"controller\"\n    digest: sha256:00\nresources:\n  - manager.yaml\n";
    let after = format!(
        "images:\n  # the sidecar stays\n  - name: proxy\n    newTag: v2\n  - newName: localhost:5000/op # was here\n    name: \"controller\"\n    digest: {D}\nresources:\n  - manager.yaml\n"
    );
    assert_eq!(set(before), after);
    // A second run changes nothing.
    assert_eq!(set(&after), after);
}

#[test]
fn adds_an_entry_after_the_others_and_keeps_crlf() {
    let before = "images:\r\n- name: proxy\r\n  newTag: v2\r\n\r\n# tail comment\r\nresources:\r\n- manager.yaml\r\n";
    assert_eq!(
        set(before),
        format!(
            "images:\r\n- name: proxy\r\n  newTag: v2\r\n- name: controller\r\n  newName: localhost:5000/op\r\n  digest: {D}\r\n\r\n# tail comment\r\nresources:\r\n- manager.yaml\r\n"
        )
    );
}

#[test]
fn an_empty_flow_list_becomes_a_block_list() {
    assert_eq!(
        set("images: []\nresources:\n- m.yaml\n"),
        format!(
            "images:\n- name: controller\n  newName: localhost:5000/op\n  digest: {D}\nresources:\n- m.yaml\n"
        )
    );
}

#[test]
fn writes_the_file() {
    let (dir, k) = load("resources:\n- manager.yaml\n");
    k.unwrap()
        .set_digest("controller", "localhost:5000/op", D)
        .unwrap();
    let text = std::fs::read_to_string(dir.path().join("kustomization.yaml")).unwrap();
    assert!(text.ends_with(&format!("  digest: {D}\n")), "{text}");
}

fn report(e: KustomizeError) -> String {
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut out, &e)
        .unwrap();
    out
}

#[test]
fn malformed_files_are_reported_in_place() {
    let (_d, e) = load("resources:\n- manager.yaml\nimages:\n  - name: [controller\n");
    let out = report(e.unwrap_err());
    assert!(
        out.contains("config/manager/kustomization.yaml is not valid YAML"),
        "{out}"
    );
    assert!(out.contains("[config/manager/kustomization.yaml:"), "{out}");

    let (_d, e) = load("resources:\n- manager.yaml\nimages: [{name: controller}]\n");
    let out = report(e.unwrap_err());
    assert!(
        out.contains("its images are written in flow style"),
        "{out}"
    );
    assert!(
        out.contains("[config/manager/kustomization.yaml:3:1]"),
        "{out}"
    );

    let (_d, e) = load("images: controller\n");
    assert!(report(e.unwrap_err()).contains("images is not a list"));
    let (_d, e) = load("- a\n- b\n");
    assert!(report(e.unwrap_err()).contains("is not a mapping"));

    let dir = tempfile::tempdir().unwrap();
    let e = Kustomization::load(dir.path(), "config/manager").unwrap_err();
    assert!(matches!(e, KustomizeError::Missing { .. }));
}

#[test]
fn repository_drops_tag_and_digest() {
    assert_eq!(repository("localhost:5000/x:t"), "localhost:5000/x");
    assert_eq!(repository("localhost:5000/x"), "localhost:5000/x");
    assert_eq!(
        repository("example.com/a/b:v1@sha256:00"),
        "example.com/a/b"
    );
    assert_eq!(repository("op"), "op");
}
