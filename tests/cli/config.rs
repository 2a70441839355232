//! `xbuild config`: the resolved configuration, and how problems in
//! xbuild.toml are reported (exit 2, a diagnostic that points into the file).

use crate::support::Test;

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}:\n{stdout}"))
}

#[test]
fn defaults_without_a_file() {
    let out = Test::new()
        .file("Dockerfile", "FROM scratch\n")
        .args(["config"])
        .run()
        .status(0)
        .stdout_contains("# No xbuild.toml: all defaults")
        .stdout_contains("platforms = [\"linux/amd64\", \"linux/arm64\"]")
        .stdout_contains("driver = \"auto\"");
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

#[test]
fn every_section_as_json() {
    let out = Test::new()
        .file(
            "xbuild.toml",
            r#"
[image]
name = "localhost:5000/x/op"
tags = ["v1", "ghcr.io/x/op:v1"]
platforms = "linux/amd64,linux/arm/7"

[dockerfile]
path = "build/Dockerfile"
strategy = "first-from"
target = "manager"

[builder]
driver = "remote"
endpoint = "tcp://buildkitd:1234"
driver-opts = ["servername=buildkitd"]

[[builder.nodes]]
endpoint = "tcp://arm:1234"
platforms = ["linux/arm64"]

[build]
args = { B = "2", A = "1" }
output = "type=local,dest=out"
before = ["make test", ["go", "vet", "./..."], { run = "go test ./... | tee log", shell = true }]
provenance = false

[go]
mode = "host"
env = { CGO_ENABLED = "0" }

[lint]
ignore = ["XB001"]
"#,
        )
        .args(["config", "--format", "json"])
        .run()
        .status(0);
    let v = json(&out.stdout);
    assert_eq!(v["image"]["name"], "localhost:5000/x/op");
    assert_eq!(
        v["image"]["platforms"],
        serde_json::json!(["linux/amd64", "linux/arm/v7"])
    );
    // Paths are relative to where xbuild runs, as the root was given.
    assert_eq!(v["dockerfile"]["path"], "build/Dockerfile");
    assert_eq!(v["dockerfile"]["cross"], "build/Dockerfile.cross");
    assert_eq!(v["dockerfile"]["context"], ".");
    assert_eq!(v["dockerfile"]["strategy"], "first-from");
    assert_eq!(v["builder"]["driver"], "remote");
    assert_eq!(
        v["builder"]["nodes"][0]["platforms"],
        serde_json::json!(["linux/arm64"])
    );
    assert_eq!(v["builder"]["driver-opts"]["servername"], "buildkitd");
    let args: Vec<&String> = v["build"]["args"].as_object().unwrap().keys().collect();
    assert_eq!(args.len(), 2);
    assert_eq!(v["build"]["output"][0], "type=local,dest=out");
    assert_eq!(v["build"]["provenance"], "false");
    assert_eq!(
        v["build"]["before"][0]["run"],
        serde_json::json!(["make", "test"])
    );
    assert_eq!(v["build"]["before"][1]["name"], "go vet ./...");
    assert_eq!(v["build"]["before"][2]["run"], "go test ./... | tee log");
    assert_eq!(v["build"]["before"][2]["shell"], true);
    assert_eq!(v["go"]["mode"], "host");
    assert_eq!(v["lint"]["ignore"], serde_json::json!(["XB001"]));
}

#[test]
fn printed_toml_loads_back() {
    let first = Test::new()
        .file(
            "xbuild.toml",
            "[image]\nname = \"op\"\n[build]\nbefore = \"echo 'a b'\"\nargs = { X = 1 }\n",
        )
        .args(["config"])
        .run()
        .status(0);
    let second = Test::new()
        .file("xbuild.toml", &first.stdout)
        .args(["config"])
        .run()
        .status(0);
    // Same body; only the header (file, root) differs.
    let body = |s: &str| {
        s.lines()
            .skip_while(|l| l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let strip_root =
        |s: String, root: &std::path::Path| s.replace(&root.display().to_string(), "ROOT");
    assert_eq!(
        strip_root(body(&first.stdout), first.path()),
        strip_root(body(&second.stdout), first.path()),
    );
}

#[test]
fn printed_toml_under_dash_c_loads_back_from_that_directory() {
    let t = Test::new()
        .file("sub/Dockerfile", "FROM a\n")
        .file(
            "sub/xbuild.toml",
            "[build]\noutput = [\"type=local,dest=out\"]\n",
        )
        .args(["-C", "sub", "config"])
        .run()
        .status(0);
    assert!(t.stdout.contains("path = \"Dockerfile\""), "{}", t.stdout);
    assert!(t.stdout.contains("type=local,dest=out"), "{}", t.stdout);
    std::fs::write(t.path().join("sub/xbuild.toml"), &t.stdout).unwrap();
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_xbuild"))
        .args(["-C", "sub", "config"])
        .current_dir(t.path())
        .output()
        .unwrap();
    assert!(again.status.success());
    let body = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        body(&String::from_utf8_lossy(&again.stdout)),
        body(&t.stdout)
    );
}

#[test]
fn a_section_must_be_a_table() {
    Test::new()
        .file("Dockerfile", "FROM a\n")
        .file("xbuild.toml", "image = [\"x/op\", \"v1\"]\n")
        .args(["config"])
        .run()
        .status(2)
        .stderr_contains("`image` has the wrong type: found an array, expected a table");
    Test::new()
        .file("Dockerfile", "FROM a\n")
        .file("xbuild.toml", "[build]\nprovenance = \"bogus\"\n")
        .args(["config"])
        .run()
        .status(2)
        .stderr_contains("\"bogus\" is not an attestation setting");
}

#[test]
fn unknown_top_level_key() {
    Test::new()
        .file("xbuild.toml", "[imgae]\nname = \"x\"\n")
        .args(["config"])
        .run()
        .status(2)
        .stderr_contains("xbuild::config::unknown_key")
        .stderr_contains("unknown key `imgae` in the top level")
        .stderr_contains("[xbuild.toml:1:2]")
        .stderr_contains("did you mean `image`?");
}

#[test]
fn unknown_nested_key() {
    Test::new()
        .file(
            "xbuild.toml",
            "[image]\nname = \"x\"\nplatfroms = [\"linux/amd64\"]\n",
        )
        .args(["config"])
        .run()
        .status(2)
        .stderr_contains("unknown key `platfroms` in [image]")
        .stderr_contains("[xbuild.toml:3:1]")
        .stderr_contains("did you mean `platforms`?");
}

#[test]
fn wrong_type() {
    Test::new()
        .file("xbuild.toml", "[build]\npush = \"yes\"\n")
        .args(["config"])
        .run()
        .status(2)
        .stderr_contains("xbuild::config::wrong_type")
        .stderr_contains("`build.push` has the wrong type")
        .stderr_contains("[xbuild.toml:2:8]")
        .stderr_contains("expected a boolean");
}

#[test]
fn bad_platform_points_at_the_array_element() {
    Test::new()
        .file(
            "xbuild.toml",
            "[image]\nname = \"x\"\nplatforms = [\n  \"linux/amd64\",\n  \"linux/arm64/v8/x\",\n]\n",
        )
        .args(["config"])
        .run()
        .status(2)
        .stderr_contains("xbuild::config::platform")
        .stderr_contains("`image.platforms[1]`")
        .stderr_contains("[xbuild.toml:5:3]")
        .stderr_contains("not a platform")
        .stderr_contains("expected OS/");
}

#[test]
fn bad_driver() {
    Test::new()
        .file("xbuild.toml", "[builder]\ndriver = \"podman\"\n")
        .args(["config"])
        .run()
        .status(2)
        .stderr_contains("`builder.driver` cannot be \"podman\"")
        .stderr_contains("[xbuild.toml:2:10]")
        .stderr_contains("docker-container");
}

#[test]
fn bad_lint_id() {
    Test::new()
        .file("xbuild.toml", "[lint]\nignore = [\"XB1\"]\n")
        .args(["config"])
        .run()
        .status(2)
        .stderr_contains("\"XB1\" is not a rule ID")
        .stderr_contains("[xbuild.toml:2:11]");
}

#[test]
fn push_and_load() {
    Test::new()
        .file("xbuild.toml", "[build]\npush = true\nload = true\n")
        .args(["config"])
        .run()
        .status(2)
        .stderr_contains("xbuild::config::conflict")
        .stderr_contains("[xbuild.toml:2:8]");
}

#[test]
fn local_output_without_dest() {
    Test::new()
        .file("xbuild.toml", "[build]\noutput = [\"type=local\"]\n")
        .args(["config"])
        .run()
        .status(2)
        .stderr_contains("type=local needs dest=")
        .stderr_contains("[xbuild.toml:2:11]");
}

#[test]
fn before_commands_that_need_a_shell() {
    Test::new()
        .file(
            "xbuild.toml",
            "[build]\nbefore = [\"make test | tee log\"]\n",
        )
        .args(["config"])
        .run()
        .status(2)
        .stderr_contains("[xbuild.toml:2:11]")
        .stderr_contains("shell = true");
}

#[test]
fn several_problems_at_once() {
    Test::new()
        .file(
            "xbuild.toml",
            "[image]\nplatforms = [\"linux/nope\"]\n[builder]\ndriver = \"x\"\n[lint]\nignore = [\"y\"]\n",
        )
        .args(["config"])
        .run()
        .status(2)
        .stderr_contains("xbuild.toml has 3 problems")
        .stderr_contains("[xbuild.toml:2:14]")
        .stderr_contains("[xbuild.toml:4:10]")
        .stderr_contains("[xbuild.toml:6:11]");
}

#[test]
fn syntax_error() {
    Test::new()
        .file("xbuild.toml", "[image\n")
        .args(["config"])
        .run()
        .status(2)
        .stderr_contains("xbuild::config::syntax")
        .stderr_contains("[xbuild.toml:1:");
}

#[test]
fn directory_and_config_options() {
    // -C names the file in reports; --config is taken from -C DIR.
    Test::new()
        .file("sub/xbuild.toml", "[image]\nname = 5\n")
        .args(["-C", "sub", "config"])
        .run()
        .status(2)
        .stderr_contains("[sub/xbuild.toml:2:8]");
    let out = Test::new()
        .file(
            "sub/ci/x.toml",
            "[dockerfile]\npath = \"../docker/Dockerfile\"\n",
        )
        .args([
            "-C",
            "sub",
            "--config",
            "ci/x.toml",
            "config",
            "--format",
            "json",
        ])
        .run()
        .status(0);
    let v = json(&out.stdout);
    assert_eq!(v["dockerfile"]["path"], "sub/docker/Dockerfile");
    assert_eq!(v["dockerfile"]["context"], "sub");
    Test::new()
        .args(["--config", "missing.toml", "config"])
        .run()
        .status(2)
        .stderr_contains("xbuild::config::not_found")
        .stderr_contains("missing.toml does not exist");
    Test::new()
        .args(["-C", "nope", "config"])
        .run()
        .status(2)
        .stderr_contains("xbuild::config::no_directory");
}
