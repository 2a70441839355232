//! Several images in one build: `[images.NAME]` planned as one
//! `docker buildx bake` (`build --dry-run`, `bake --print`), the errors
//! pointing into xbuild.toml, and `-f`/context for one image. None of this
//! needs Docker: the plan is what the real run executes.

use crate::support::{Output, Test};
use serde_json::{Value, json};

const DOCKERFILE: &str = "\
FROM golang:1.22 AS builder
ARG TARGETOS TARGETARCH
WORKDIR /workspace
COPY . .
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o manager ./cmd/manager
FROM busybox AS controller
COPY --from=builder /workspace/manager /manager
FROM busybox AS agent
COPY --from=builder /workspace/manager /agent
";

const WEBHOOK: &str = "\
FROM golang:1.22 AS builder
ARG TARGETOS TARGETARCH
WORKDIR /workspace
COPY . .
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o webhook ./cmd/webhook
FROM busybox
COPY --from=builder /workspace/webhook /webhook
";

const CONFIG: &str = r#"[image]
tags = ["v1"]

[build]
before = "true"

[images.controller]
name = "localhost:5000/op/controller"
target = "controller"

[images.agent]
name = "localhost:5000/op/agent"
target = "agent"
args = { ROLE = "agent" }

[images.webhook]
name = "localhost:5000/op/webhook"
dockerfile = "Dockerfile.webhook"
platforms = ["linux/amd64"]
"#;

fn project(config: &str) -> Test {
    Test::new()
        .file("Dockerfile", DOCKERFILE)
        .file("Dockerfile.webhook", WEBHOOK)
        .file("go.mod", "module example.com/op\n\ngo 1.19\n")
        .file("cmd/manager/main.go", "package main\n\nfunc main() {}\n")
        .file("cmd/webhook/main.go", "package main\n\nfunc main() {}\n")
        .file("xbuild.toml", config)
}

fn json_of(out: &Output) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

fn dry(t: Test, args: &[&str]) -> Value {
    let out = t
        .args(["build", "--dry-run", "--format", "json"])
        .args(args.iter().copied())
        .run()
        .status(0);
    json_of(&out)
}

fn argv(step: &Value) -> String {
    let c = &step["command"];
    let mut argv = vec![c["program"].as_str().unwrap().to_string()];
    argv.extend(
        c["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string()),
    );
    argv.join(" ")
}

fn step_names(v: &Value) -> Vec<String> {
    v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn three_images_are_one_pipeline_and_one_bake() {
    // An ephemeral builder (not `auto`'s engine builder), so the plan shows
    // one builder created for all three images.
    let v = dry(
        project(CONFIG),
        &[
            "--push",
            "--go",
            "container",
            "--driver",
            "docker-container",
        ],
    );
    let builder = v["builder"]["name"].as_str().unwrap().to_string();
    assert_eq!(
        step_names(&v),
        vec![
            "before: true".to_string(),
            format!("builder: create {builder}"),
            "bake controller, agent, webhook".to_string(),
        ]
    );
    let bake = argv(&v["steps"][2]);
    assert!(
        bake.starts_with(&format!(
            "docker buildx bake --builder {builder} -f - --metadata-file "
        )),
        "{bake}"
    );
    assert_eq!(
        v["steps"][2]["command"]["stdin"],
        "the bake definition (xbuild bake --print)"
    );
    assert_eq!(v["cleanup"].as_array().unwrap().len(), 1);

    let def = &v["bake"];
    assert_eq!(
        def["group"]["default"]["targets"],
        json!(["controller", "agent", "webhook"])
    );
    let agent = &def["target"]["agent"];
    assert_eq!(agent["target"], "agent");
    assert_eq!(agent["tags"], json!(["localhost:5000/op/agent:v1"]));
    assert_eq!(agent["args"], json!({"ROLE": "agent"}));
    assert_eq!(agent["output"], json!(["type=registry"]));
    assert_eq!(agent["platforms"], json!(["linux/amd64", "linux/arm64"]));
    // The Go stage is pinned in the inline Dockerfile.cross; `$` is escaped
    // for bake's interpolation.
    let inline = agent["dockerfile-inline"].as_str().unwrap();
    assert!(
        inline.starts_with("FROM --platform=$${BUILDPLATFORM} golang:1.22 AS builder\n"),
        "{inline}"
    );
    let webhook = &def["target"]["webhook"];
    assert_eq!(webhook["platforms"], json!(["linux/amd64"]));
    assert!(webhook.get("target").is_none());
    assert!(
        webhook["dockerfile-inline"]
            .as_str()
            .unwrap()
            .contains("-o webhook")
    );
    assert_eq!(
        v["images"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["controller", "agent", "webhook"]
    );
}

#[test]
fn a_binary_two_images_copy_is_built_once_per_platform() {
    let v = dry(project(CONFIG), &["controller", "agent", "--go", "host"]);
    let go: Vec<String> = step_names(&v)
        .into_iter()
        .filter(|n| n.starts_with("go build"))
        .collect();
    assert_eq!(
        go,
        vec![
            "go build linux/amd64 (controller)",
            "go build linux/arm64 (controller)"
        ]
    );
    let targets = &v["bake"]["target"];
    assert_eq!(targets.as_object().unwrap().len(), 2);
    for name in ["controller", "agent"] {
        let ctx = targets[name]["contexts"]["xbuild-go"].as_str().unwrap();
        assert!(ctx.ends_with("/bin/xbuild"), "{ctx}");
        assert!(
            targets[name]["dockerfile-inline"]
                .as_str()
                .unwrap()
                .contains("COPY --from=xbuild-go $${TARGETOS}_$${TARGETARCH}"),
        );
    }
}

#[test]
fn naming_an_image_plans_only_that_image() {
    let out = project(CONFIG)
        .args(["build", "webhook", "--dry-run"])
        .run()
        .status(0);
    assert!(
        out.stdout.contains("\n  webhook: Dockerfile.webhook\n"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("controller"), "{}", out.stdout);
    assert!(out.stdout.contains(". bake webhook\n"), "{}", out.stdout);
}

#[test]
fn bake_print_writes_the_definition_bake_reads() {
    let out = project(CONFIG)
        .args(["bake", "--print", "--go", "container"])
        .run()
        .status(0);
    let printed = json_of(&out);
    let planned = dry(project(CONFIG), &["--go", "container"]);
    // Tags, targets and Dockerfiles are the plan's (only temp paths differ).
    assert_eq!(printed["group"], planned["bake"]["group"]);
    assert_eq!(
        printed["target"]["agent"],
        planned["bake"]["target"]["agent"]
    );
    assert_eq!(out.stderr, "");
}

#[test]
fn a_tag_for_several_images_is_an_error() {
    let out = project(CONFIG)
        .args(["build", "--dry-run", "--tag", "r/x:1"])
        .run()
        .status(2);
    assert_eq!(
        out.stderr,
        "xbuild::bake::tag\n\n  × --tag names one image, and 3 images are selected\n  help: set `name` and `tags` of each [images.NAME] in xbuild.toml, or build\n        one image: xbuild build NAME --tag REF\n\n"
    );
    let out = project(CONFIG)
        .env("IMG", "r/x:1")
        .args(["build", "--dry-run"])
        .run()
        .status(2);
    assert!(
        out.stderr
            .contains("× $IMG names one image, and 3 images are selected"),
        "{}",
        out.stderr
    );
    // One image: the tag is its.
    let v = dry(
        project(CONFIG).env("IMG", "r/x:1"),
        &["agent", "--go", "container"],
    );
    assert_eq!(v["bake"]["target"]["agent"]["tags"], json!(["r/x:1"]));
}

#[test]
fn unknown_image_names_are_errors() {
    let out = project(CONFIG)
        .args(["build", "agnet", "--dry-run"])
        .run()
        .status(2);
    assert_eq!(
        out.stderr,
        "xbuild::bake::unknown_image\n\n  × no image \"agnet\" in xbuild.toml\n  help: did you mean agent? The images are: controller, agent, webhook\n\n"
    );
}

#[test]
fn a_target_no_dockerfile_has_points_into_xbuild_toml() {
    let out = project(&CONFIG.replace("target = \"agent\"", "target = \"agnet\""))
        .args(["build", "--dry-run"])
        .run()
        .status(2);
    assert_eq!(
        out.stderr,
        r#"xbuild::config::invalid_value

  × invalid `images.agent.target`: Dockerfile has no stage "agnet"
    ╭─[xbuild.toml:13:10]
 12 │ name = "localhost:5000/op/agent"
 13 │ target = "agnet"
    ·          ───┬───
    ·             ╰── no such stage
 14 │ args = { ROLE = "agent" }
    ╰────
  help: the stages are: builder, controller, agent

"#
    );
}

#[test]
fn unknown_keys_and_shared_references_point_into_xbuild_toml() {
    let config = CONFIG
        .replace("op/agent", "op/controller")
        .replace("platforms = [", "platform = [");
    let out = project(&config).args(["config"]).run().status(2);
    assert_eq!(
        out.stderr,
        r#"xbuild::config::invalid

  × xbuild.toml has 2 problems
  help: fix them and run again; `xbuild init --stdout` prints a commented
        example

Error: xbuild::config::invalid_value

  × invalid `images.agent.name`: [images.controller] is pushed as
  │ localhost:5000/op/controller:v1 too
    ╭─[xbuild.toml:12:8]
 11 │ [images.agent]
 12 │ name = "localhost:5000/op/controller"
    ·        ───────────────┬──────────────
    ·                       ╰── same reference as another image
 13 │ target = "agent"
    ╰────
  help: give each image its own `name` (or distinct full references in `tags`)

Error: xbuild::config::unknown_key

  × unknown key `platform` in [images.webhook]
    ╭─[xbuild.toml:19:1]
 18 │ dockerfile = "Dockerfile.webhook"
 19 │ platform = ["linux/amd64"]
    · ────┬───
    ·     ╰── unknown key
    ╰────
  help: did you mean `platforms`? [images.webhook] allows `name`, `tags`,
        `platforms`, `dockerfile`, `target`, `context`, `args` and `output`

"#
    );
}

#[test]
fn file_and_context_arguments_for_one_image() {
    let t = Test::new()
        .file("sub/Dockerfile", "FROM busybox\nRUN true\n")
        .file("other/Dockerfile.x", "FROM busybox AS x\n");
    let out = t
        .args([
            "build",
            "--dry-run",
            "--format",
            "json",
            "--driver",
            "docker-container",
            "sub",
        ])
        .run()
        .status(0);
    let v = json_of(&out);
    let build = argv(&v["steps"][1]);
    assert!(build.ends_with(" sub"), "{build}");
    assert_eq!(
        v["dockerfile"],
        "sub/Dockerfile (rewritten by cross in memory, passed on stdin)"
    );

    let t = Test::new()
        .file("sub/Dockerfile", "FROM busybox\nRUN true\n")
        .file("other/Dockerfile.x", "FROM busybox AS x\n");
    let out = t
        .args([
            "build",
            "--dry-run",
            "--format",
            "json",
            "-f",
            "other/Dockerfile.x",
            "sub",
        ])
        .run()
        .status(0);
    let v = json_of(&out);
    assert_eq!(
        v["dockerfile"],
        "other/Dockerfile.x (rewritten by cross in memory, passed on stdin)"
    );

    let out = Test::new()
        .args(["build", "--dry-run", "a", "b"])
        .run()
        .status(2);
    assert!(
        out.stderr
            .contains("unexpected argument \"b\": one build context at most"),
        "{}",
        out.stderr
    );

    let out = Test::new()
        .file("sub/Dockerfile", "FROM golang AS b\nARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build\nFROM busybox\nCOPY --from=b /x /x\n")
        .args(["cross", "sub"])
        .run()
        .status(0);
    assert!(
        out.read("sub/Dockerfile.cross")
            .starts_with("FROM --platform=${BUILDPLATFORM} golang AS b\n")
    );
}

#[test]
fn init_proposes_the_images_commented_out() {
    let t = Test::new()
        .file("Dockerfile", DOCKERFILE)
        .file("Dockerfile.webhook", WEBHOOK)
        .file("Dockerfile.dev", "FROM busybox\n")
        .file("go.mod", "module example.com/op\n\ngo 1.19\n");
    let out = t.args(["init"]).run().status(0);
    let written = out.read("xbuild.toml");
    let block = &written[written.find("\n# Several images").expect("a proposal")..];
    assert_eq!(
        block,
        r#"
# Several images: Dockerfile has 2 final stages (controller, agent); the
# repository also has Dockerfile.webhook. To build them together (one `docker
# buildx bake`: one builder, shared stages, each Go build once), uncomment
# these tables; each image inherits what it does not set from [image],
# [dockerfile] and [build], and `xbuild build NAME` builds one of them.
#
# [images.controller]
# name = "op-controller"
# target = "controller"
#
# [images.agent]
# name = "op-agent"
# target = "agent"
#
# [images.webhook]
# name = "op-webhook"
# dockerfile = "Dockerfile.webhook"
"#
    );
    // Uncommented, it is three images.
    let head = &written[..written.len() - block.len()];
    let tables: String = block
        .lines()
        .filter_map(|l| l.strip_prefix("# "))
        .filter(|l| l.starts_with("[images.") || l.contains(" = \""))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(out.path().join("xbuild.toml"), format!("{head}\n{tables}")).unwrap();
    let again = Test::new()
        .file("Dockerfile", DOCKERFILE)
        .file("Dockerfile.webhook", WEBHOOK)
        .file(
            "xbuild.toml",
            std::fs::read_to_string(out.path().join("xbuild.toml")).unwrap(),
        );
    let v = dry(again, &["--go", "container"]);
    assert_eq!(
        v["bake"]["group"]["default"]["targets"],
        json!(["controller", "agent", "webhook"])
    );
}

#[test]
fn init_proposes_nothing_for_one_image() {
    let out = Test::new()
        .file("Dockerfile", WEBHOOK)
        .args(["init", "--stdout"])
        .run()
        .status(0);
    assert!(!out.stdout.contains("[images."), "{}", out.stdout);
}

#[test]
fn with_podman_the_images_are_built_one_after_another() {
    let v = dry(
        project(CONFIG).env("CONTAINER_TOOL", "podman"),
        &["--push", "--go", "host"],
    );
    let images = v["images"].as_array().unwrap();
    let names: Vec<&str> = images
        .iter()
        .map(|i| i["image"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["controller", "agent", "webhook"]);
    let steps: Vec<Vec<String>> = images.iter().map(|i| step_names(&i["plan"])).collect();
    // `before` once, with the first image; the binary controller and agent
    // share is built once per platform; each image its own podman build and
    // pushes.
    assert_eq!(
        steps[0],
        [
            "before: true",
            "go build linux/amd64 (controller)",
            "go build linux/arm64 (controller)",
            "build",
            "push localhost:5000/op/controller:v1",
        ]
    );
    assert_eq!(steps[1], ["build", "push localhost:5000/op/agent:v1"]);
    assert_eq!(
        steps[2],
        [
            "go build linux/amd64 (webhook)",
            "build",
            "push localhost:5000/op/webhook:v1"
        ]
    );
    // Each image its own temporary manifest list, removed by its guard.
    let lists: Vec<&str> = images
        .iter()
        .map(|i| i["plan"]["podman"]["list"].as_str().unwrap())
        .collect();
    for (i, list) in lists.iter().enumerate() {
        assert!(list.starts_with("localhost/xbuild-list-"), "{list}");
        let build = argv(&images[i]["plan"]["steps"].as_array().unwrap()[steps[i].len() - 2]);
        assert!(
            build.starts_with("podman build --platform ")
                && build.contains(&format!("--manifest {list} ")),
            "{build}"
        );
    }
    assert_ne!(lists[0], lists[1]);
    assert!(
        argv(&images[1]["plan"]["steps"][0]).contains("--target agent"),
        "{:#}",
        images[1]
    );

    // The human plan shows the sequence; naming an image plans only it.
    let out = project(CONFIG)
        .env("CONTAINER_TOOL", "podman")
        .args(["build", "--dry-run", "--push"])
        .run()
        .status(0);
    assert!(
        out.stdout.starts_with(
            "podman: 3 image(s) built one after another (controller, agent, webhook);"
        ),
        "{}",
        out.stdout
    );
    for (n, name) in ["controller", "agent", "webhook"].iter().enumerate() {
        assert!(
            out.stdout
                .contains(&format!("\n== image {name} ({} of 3): ", n + 1)),
            "{}",
            out.stdout
        );
    }
    let out = project(CONFIG)
        .env("CONTAINER_TOOL", "podman")
        .args(["build", "agent", "--dry-run"])
        .run()
        .status(0);
    assert!(
        out.stdout.contains("== image agent (1 of 1)"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("== image controller"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("op/controller"), "{}", out.stdout);
    // `bake --print` has no podman equivalent: refused.
    project(CONFIG)
        .env("CONTAINER_TOOL", "podman")
        .args(["bake", "--print"])
        .run()
        .status(2)
        .stderr_contains("xbuild::bake::not_in_bake");
}
