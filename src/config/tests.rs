//! Loading xbuild.toml through the library: resolved values, and the
//! rendered reports of every kind of problem.

use super::*;
use crate::platform::Platform;

const ROOT: &str = "/p";
const FILE: &str = "/p/xbuild.toml";

fn load_str(text: &str) -> Result<Config, ConfigError> {
    parse(text, "xbuild.toml", Path::new(FILE), Path::new(ROOT))
}

fn ok(text: &str) -> Config {
    load_str(text).unwrap_or_else(|e| panic!("{}", render(&e)))
}

/// The report as the user sees it (no colours, wide enough not to wrap).
fn render(err: &dyn miette::Diagnostic) -> String {
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(300)
        .render_report(&mut out, err)
        .unwrap();
    out
}

/// Loads `text`, expecting a problem; returns the rendered report.
fn report(text: &str) -> String {
    match load_str(text) {
        Ok(c) => panic!("expected an error, got {c:#?}"),
        Err(e) => render(&e),
    }
}

#[track_caller]
fn assert_has(report: &str, needles: &[&str]) {
    for n in needles {
        assert!(report.contains(n), "report lacks {n:?}:\n{report}");
    }
}

fn platforms(list: &[Platform]) -> Vec<String> {
    list.iter().map(ToString::to_string).collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

// ---- values ----

#[test]
fn an_empty_file_is_all_defaults() {
    let mut c = ok("");
    assert!(c.source.is_some());
    c.source = None;
    assert_eq!(c, Config::defaults(Path::new(ROOT)));
    let c = ok("# only a comment\n[image]\n[build]\n");
    assert_eq!(
        platforms(&c.image.platforms),
        ["linux/amd64", "linux/arm64"]
    );
    assert_eq!(c.image.tags, ["latest"]);
    assert_eq!(c.dockerfile.path, Path::new("/p/Dockerfile"));
    assert_eq!(c.builder.name, "xbuild");
}

const FULL: &str = r#"
[image]
name = "localhost:5000/x/operator"
tags = ["v1", "ghcr.io/x/op:v1"]
platforms = "linux/amd64, linux/arm/7,linux/aarch64"

[dockerfile]
path = "build/Dockerfile"
strategy = "first-from"
target = "manager"
context = ".."

[builder]
name = "ci"
driver = "remote"
driver-opts = ["cacert=/c/ca.pem", "servername=buildkitd"]
buildkitd-flags = "--debug"
ephemeral = false
platforms = ["linux/amd64"]
endpoint = "tcp://buildkitd:1234"

[[builder.nodes]]
endpoint = "tcp://arm:1234"
name = "arm"
platforms = ["linux/arm64"]
driver-opts = { servername = "arm", replicas = 2 }

[build]
args = { GO_VERSION = "1.22", CGO = 0 }
output = ["type=registry", "type=local,dest=out"]
push = true
cache-from = "type=registry,ref=x/cache"
cache-to = ["type=local,dest=cache"]
provenance = false
sbom = "generator=x"
progress = "plain"
no-cache = true
before = [
  "make test",
  ["go", "vet", "./..."],
  { run = "go test $(go list ./...)", shell = true, name = "unit tests" },
]

[go]
mode = "host"
main = "./cmd"
output = "/workspace/manager"
ldflags = "-s -w"
tags = "netgo,osusergo"
env = { GOFLAGS = "-mod=mod", CGO_ENABLED = "0" }
out-dir = "dist"
flags = "-trimpath -buildvcs=false"

[lint]
ignore = ["XB002", "XB001"]
"#;

fn full() -> Config {
    parse(
        FULL,
        "sub/xbuild.toml",
        Path::new("/p/sub/xbuild.toml"),
        Path::new(ROOT),
    )
    .unwrap_or_else(|e| panic!("{}", render(&e)))
}

#[test]
fn every_section_is_read() {
    let c = full();

    assert_eq!(c.image.name.as_deref(), Some("localhost:5000/x/operator"));
    assert_eq!(c.image.tags, ["v1", "ghcr.io/x/op:v1"]);
    assert_eq!(
        platforms(&c.image.platforms),
        ["linux/amd64", "linux/arm/v7", "linux/arm64"]
    );
    assert_eq!(
        c.image.references(),
        ["localhost:5000/x/operator:v1", "ghcr.io/x/op:v1"]
    );

    // Relative paths are taken from the file's directory, /p/sub.
    assert_eq!(c.dockerfile.path, Path::new("/p/sub/build/Dockerfile"));
    assert_eq!(
        c.dockerfile.cross,
        Path::new("/p/sub/build/Dockerfile.cross")
    );
    assert_eq!(c.dockerfile.strategy, Strategy::FirstFrom);
    assert_eq!(c.dockerfile.target.as_deref(), Some("manager"));
    assert_eq!(c.dockerfile.context, Path::new("/p"));

    let b = &c.builder;
    assert_eq!(b.name, "ci");
    assert_eq!(b.driver, DriverSetting::Fixed(Driver::Remote));
    assert_eq!(
        b.driver_opts,
        pairs(&[("cacert", "/c/ca.pem"), ("servername", "buildkitd")])
    );
    assert_eq!(b.buildkitd_flags.as_deref(), Some("--debug"));
    assert!(!b.ephemeral);
    assert_eq!(platforms(&b.platforms), ["linux/amd64"]);
    assert_eq!(b.endpoint.as_deref(), Some("tcp://buildkitd:1234"));
    assert_eq!(b.nodes.len(), 1);
    assert_eq!(b.nodes[0].endpoint, "tcp://arm:1234");
    assert_eq!(b.nodes[0].name.as_deref(), Some("arm"));
    assert_eq!(platforms(&b.nodes[0].platforms), ["linux/arm64"]);
    // File order, not alphabetical; integers become strings.
    assert_eq!(
        b.nodes[0].driver_opts,
        pairs(&[("servername", "arm"), ("replicas", "2")])
    );

    let build = &c.build;
    assert_eq!(build.args, pairs(&[("GO_VERSION", "1.22"), ("CGO", "0")]));
    assert_eq!(
        build.output,
        ["type=registry", "type=local,dest=/p/sub/out"]
    );
    assert!(build.push && !build.load && build.no_cache);
    assert_eq!(build.cache_from, ["type=registry,ref=x/cache"]);
    assert_eq!(build.cache_to, ["type=local,dest=/p/sub/cache"]);
    assert_eq!(build.provenance.as_deref(), Some("false"));
    assert_eq!(build.sbom.as_deref(), Some("generator=x"));
    assert_eq!(build.progress.as_deref(), Some("plain"));
    assert_eq!(build.before.len(), 3);

    let go = &c.go;
    assert_eq!(go.mode, GoMode::Host);
    assert_eq!(go.main.as_deref(), Some("./cmd"));
    assert_eq!(go.output.as_deref(), Some("/workspace/manager"));
    assert_eq!(go.ldflags.as_deref(), Some("-s -w"));
    assert_eq!(go.tags, ["netgo", "osusergo"]);
    assert_eq!(
        go.env,
        pairs(&[("GOFLAGS", "-mod=mod"), ("CGO_ENABLED", "0")])
    );
    assert_eq!(go.out_dir, Path::new("/p/sub/dist"));
    assert_eq!(go.flags, ["-trimpath", "-buildvcs=false"]);

    assert_eq!(c.lint.ignore, ["XB002", "XB001"]);
}

#[test]
fn before_commands_in_every_form() {
    let c = full();
    let b = &c.build.before;
    assert_eq!(b[0].argv, ["make", "test"]);
    assert!(!b[0].shell);
    assert_eq!(b[0].display, "make test");
    assert_eq!(b[1].argv, ["go", "vet", "./..."]);
    assert_eq!(b[1].display, "go vet ./...");
    assert_eq!(b[2].argv, ["sh", "-c", "go test $(go list ./...)"]);
    assert!(b[2].shell);
    assert_eq!(b[2].display, "unit tests");
    assert_eq!(b[2].script(), Some("go test $(go list ./...)"));

    let c = ok(r#"[build]
before = "go test -run 'Test A' \"./x y\" a\\ b""#);
    assert_eq!(
        c.build.before[0].argv,
        ["go", "test", "-run", "Test A", "./x y", "a b"]
    );
    let c = ok(
        "[build]\nbefore = [{ run = [\"make\", \"a b\"] }, { run = \"make lint\", name = \"lint\" }]",
    );
    assert_eq!(c.build.before[0].argv, ["make", "a b"]);
    assert_eq!(c.build.before[0].display, "make 'a b'");
    assert_eq!(c.build.before[1].argv, ["make", "lint"]);
    assert_eq!(c.build.before[1].display, "lint");
}

#[test]
fn lists_accept_a_string_or_an_array() {
    let c = ok(
        "[image]\ntags = \"v1\"\nplatforms = [\"linux/amd64\", \"linux/x86_64\", \"arm64\"]\n[builder]\ndriver-opts = { image = \"moby/buildkit:v0.20.0\" }\n[build]\noutput = \"type=docker\"\n[lint]\nignore = \"XB001, XB003\"\n[go]\ntags = [\"a\", \"b\"]\nflags = [\"-v\"]\n",
    );
    assert_eq!(c.image.tags, ["v1"]);
    assert_eq!(
        platforms(&c.image.platforms),
        ["linux/amd64", "linux/arm64"]
    );
    assert_eq!(
        c.builder.driver_opts,
        pairs(&[("image", "moby/buildkit:v0.20.0")])
    );
    assert_eq!(c.build.output, ["type=docker"]);
    assert_eq!(c.lint.ignore, ["XB001", "XB003"]);
    assert_eq!(c.go.tags, ["a", "b"]);
    assert_eq!(c.go.flags, ["-v"]);
    let c = ok("[build]\nprovenance = \"mode=max\"\nsbom = true\n");
    assert_eq!(c.build.provenance.as_deref(), Some("mode=max"));
    assert_eq!(c.build.sbom.as_deref(), Some("true"));
}

#[test]
fn cross_defaults_next_to_the_dockerfile() {
    let c = ok("[dockerfile]\npath = \"docker/manager.Dockerfile\"\n");
    assert_eq!(c.dockerfile.cross, Path::new("/p/docker/Dockerfile.cross"));
    let c = ok(
        "[dockerfile]\npath = \"a/Dockerfile\"\ncross = \"b/X.cross\"\ncontext = \"https://github.com/x/y.git\"\n",
    );
    assert_eq!(c.dockerfile.cross, Path::new("/p/b/X.cross"));
    assert_eq!(
        c.dockerfile.context,
        Path::new("https://github.com/x/y.git")
    );
}

#[test]
fn spans_stay_available_after_loading() {
    let c = full();
    let src = c.source().unwrap();
    assert_eq!(src.name(), "sub/xbuild.toml");
    let span = c.span_of("builder.nodes[0].endpoint").unwrap();
    assert_eq!(
        &FULL[span.offset()..span.offset() + span.len()],
        "\"tcp://arm:1234\""
    );
    let span = c.span_of("build.before[2].run").unwrap();
    assert_eq!(
        &FULL[span.offset()..span.offset() + span.len()],
        "\"go test $(go list ./...)\""
    );
    assert!(c.span_of("image.nope").is_none());
    assert_eq!(
        c.source.as_ref().unwrap().path(),
        Path::new("/p/sub/xbuild.toml")
    );
}

#[test]
fn printed_config_loads_back_unchanged() {
    for mut c in [
        full(),
        ok(""),
        ok("[build]\nload = true\nbefore = \"echo 'a b'\"\n"),
    ] {
        let text = toml::to_string(&c).unwrap();
        let mut back = parse(
            &text,
            "printed.toml",
            Path::new("/elsewhere/printed.toml"),
            Path::new(ROOT),
        )
        .unwrap_or_else(|e| panic!("{}\n{text}", render(&e)));
        c.source = None;
        back.source = None;
        assert_eq!(back, c, "{text}");
    }
}

// ---- problems ----

#[test]
fn syntax_errors_point_at_the_line() {
    let r = report("[image]\nname = \"x\n");
    assert_has(
        &r,
        &[
            "xbuild::config::syntax",
            "xbuild.toml is not valid TOML",
            "[xbuild.toml:2:",
            "toml.io",
        ],
    );
}

#[test]
fn unknown_top_level_key_suggests_the_closest() {
    let r = report("[imgae]\nname = \"x\"\n");
    assert_has(
        &r,
        &[
            "xbuild::config::unknown_key",
            "unknown key `imgae` in the top level",
            "[xbuild.toml:1:2]",
            "unknown key",
            "did you mean `image`?",
            "`image`, `dockerfile`, `builder`, `build`, `go`, `lint` and `images`",
        ],
    );
}

#[test]
fn unknown_nested_key_suggests_the_closest() {
    let r = report("[image]\nname = \"x\"\nplatfroms = [\"linux/amd64\"]\n");
    assert_has(
        &r,
        &[
            "unknown key `platfroms` in [image]",
            "[xbuild.toml:3:1]",
            "did you mean `platforms`? [image] allows `name`, `tags` and `platforms`",
        ],
    );
    let r = report("[[builder.nodes]]\nendpoint = \"x\"\nplatfrom = \"linux/arm64\"\n");
    assert_has(
        &r,
        &[
            "unknown key `platfrom` in [[builder.nodes]]",
            "[xbuild.toml:3:1]",
            "did you mean `platforms`?",
        ],
    );
    let r = report("[build]\nargs = {}\nregistry = \"x\"\n");
    assert_has(
        &r,
        &["unknown key `registry` in [build]", "[build] allows `args`"],
    );
    assert!(!r.contains("did you mean"), "{r}");
}

#[test]
fn wrong_types_name_the_key_and_the_expected_type() {
    let r = report("[image]\nname = 3\n");
    assert_has(
        &r,
        &[
            "xbuild::config::wrong_type",
            "`image.name` has the wrong type: found integer `3`, expected a string",
            "[xbuild.toml:2:8]",
            "expected a string",
        ],
    );
    let r = report("image = \"x\"\n");
    assert_has(&r, &["`image` has the wrong type", "expected a table"]);
    let r = report("[builder]\nephemeral = \"yes\"\n");
    assert_has(
        &r,
        &[
            "`builder.ephemeral`",
            "expected a boolean",
            "[xbuild.toml:2:13]",
        ],
    );
    let r = report("[image]\nname = [\"x\"]\n[dockerfile]\npath = { a = 1 }\n");
    assert_has(
        &r,
        &[
            "found an array, expected a string",
            "found a table, expected a string",
        ],
    );
    let r = report("[image]\nplatforms = 3\n");
    assert_has(&r, &["expected a string or an array of strings"]);
    let r = report("[build]\nargs = { X = 1.5 }\n");
    assert_has(
        &r,
        &[
            "`build.args.X` has the wrong type",
            "a string, an integer or a boolean",
        ],
    );
}

#[test]
fn missing_node_endpoint() {
    let r = report("[[builder.nodes]]\nname = \"n\"\n");
    assert_has(
        &r,
        &[
            "xbuild::config::missing_key",
            "[[builder.nodes]] is missing the required key `endpoint`",
            "[xbuild.toml:1:1]",
        ],
    );
}

#[test]
fn bad_platform_in_an_array_points_at_the_element() {
    let r = report("[image]\nname = \"x\"\nplatforms = [\"linux/amd64\", \"linux/arm64/v8/x\"]\n");
    assert_has(
        &r,
        &[
            "xbuild::config::platform",
            "`image.platforms[1]`: invalid platform \"linux/arm64/v8/x\": expected OS/ARCH[/VARIANT], e.g. linux/amd64 or linux/arm/v7",
            "[xbuild.toml:3:29]",
            "not a platform",
            "too many slashes",
        ],
    );
    // In a comma-separated string, the entry itself.
    let r = report("[image]\nplatforms = \"linux/amd64, linux/sparc\"\n");
    assert_has(
        &r,
        &[
            "[xbuild.toml:2:27]",
            "unknown architecture \"sparc\"",
            "known architectures",
        ],
    );
    let r = report("[[builder.nodes]]\nendpoint = \"x\"\nplatforms = [\"linux/arm/v9x\"]\n");
    assert_has(
        &r,
        &[
            "`builder.nodes[0].platforms[0]`",
            "arm variants are v5, v6, v7 and v8",
        ],
    );
    let r = report("[image]\nplatforms = []\n");
    assert_has(&r, &["there are no platforms", "[xbuild.toml:2:13]"]);
}

#[test]
fn bad_driver_lists_the_drivers() {
    let r = report("[builder]\ndriver = \"docker-contaner\"\n");
    assert_has(
        &r,
        &[
            "xbuild::config::unknown_value",
            "`builder.driver` cannot be \"docker-contaner\"",
            "[xbuild.toml:2:10]",
            "expected one of auto, docker, docker-container, kubernetes, remote",
            "did you mean `docker-container`?",
        ],
    );
    let r = report(
        "[dockerfile]\nstrategy = \"first\"\n[go]\nmode = \"local\"\n[build]\nprogress = \"fancy\"\n",
    );
    assert_has(
        &r,
        &[
            "has 3 problems",
            "`dockerfile.strategy` cannot be \"first\"",
            "`go.mode` cannot be \"local\"",
            "`build.progress` cannot be \"fancy\"",
            "auto, plain, tty, quiet, rawjson",
        ],
    );
}

#[test]
fn builder_cross_checks() {
    let r = report("[builder]\ndriver = \"remote\"\n");
    assert_has(
        &r,
        &[
            "the remote driver needs an endpoint",
            "[xbuild.toml:2:10]",
            "endpoint = \"tcp://buildkitd:1234\"",
        ],
    );
    let r =
        report("[builder]\ndriver = \"docker\"\n\n[[builder.nodes]]\nendpoint = \"ssh://arm\"\n");
    assert_has(
        &r,
        &[
            "invalid `builder.nodes[0]`: the docker driver cannot have appended nodes",
            "[xbuild.toml:4:1]",
            "docker-container",
        ],
    );
    let r = report("[builder]\nname = \"my builder\"\ndriver-opts = [\"novalue\"]\n");
    assert_has(
        &r,
        &[
            "not a valid builder name",
            "`builder.driver-opts[0]`",
            "expected KEY=VALUE",
        ],
    );
}

#[test]
fn builder_config_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("xbuild.toml");
    std::fs::write(dir.path().join("buildkitd.toml"), "").unwrap();
    let c = parse(
        "[builder]\nconfig = \"buildkitd.toml\"\n",
        "xbuild.toml",
        &file,
        dir.path(),
    )
    .unwrap();
    assert_eq!(c.builder.config, Some(dir.path().join("buildkitd.toml")));
    let e = parse(
        "[builder]\nconfig = \"nope.toml\"\n",
        "xbuild.toml",
        &file,
        dir.path(),
    )
    .unwrap_err();
    assert_has(
        &render(&e),
        &[
            "xbuild::config::missing_file",
            "`builder.config` names",
            "nope.toml, which does not exist",
            "[xbuild.toml:2:10]",
            "no such file",
        ],
    );
}

#[test]
fn bad_lint_ids() {
    let r = report("[lint]\nignore = [\"XB001\", \"xb002\", \"W001\"]\n");
    assert_has(
        &r,
        &[
            "has 2 problems",
            "invalid `lint.ignore[1]`: \"xb002\" is not a rule ID",
            "[xbuild.toml:2:20]",
            "write \"XB002\"",
            "invalid `lint.ignore[2]`",
            "XB followed by three digits",
        ],
    );
}

#[test]
fn push_and_load_conflict() {
    let r = report("[build]\npush = true\nload = true\n");
    assert_has(
        &r,
        &[
            "xbuild::config::conflict",
            "`push = true` and `load = true` cannot both be set",
            "[xbuild.toml:2:8]",
            "push = true",
            "load = true",
        ],
    );
    ok("[build]\npush = true\nload = false\n");
}

#[test]
fn outputs_are_checked() {
    let r = report("[build]\noutput = [\"type=registry\", \"type=local\"]\n");
    assert_has(
        &r,
        &[
            "invalid `build.output[1]`: type=local needs dest=",
            "[xbuild.toml:2:28]",
            "no dest",
            "type=local,dest=out",
        ],
    );
    let r = report("[build]\noutput = \"type=regsitry\"\n");
    assert_has(
        &r,
        &[
            "unknown output type \"regsitry\"",
            "did you mean `registry`?",
        ],
    );
    let r = report("[build]\noutput = \"./out\"\n");
    assert_has(&r, &["has no type", "type=local,dest=./out"]);
}

#[test]
fn bad_before_commands() {
    let r = report(
        "[build]\nbefore = [\"make test\", \"\", [], { run = [] }, \"make test && make lint\", \"echo 'x\", { run = [\"a\"], shell = true }]\n",
    );
    assert_has(
        &r,
        &[
            "has 6 problems",
            "invalid `build.before[1]`: the command is empty",
            "invalid `build.before[2]`: the command is empty",
            "invalid `build.before[3].run`: the command is empty",
            "invalid `build.before[4]`: `&` means something only to a shell",
            "{ run = \"make test && make lint\", shell = true }",
            "invalid `build.before[5]`: cannot split the command into arguments: the ' quote is not closed",
            "invalid `build.before[6].run`: `shell = true` needs `run` to be one string",
        ],
    );
    let r = report("[build]\nbefore = \"  \"\n");
    assert_has(
        &r,
        &[
            "invalid `build.before`: the command is empty",
            "[xbuild.toml:2:10]",
        ],
    );
    let r = report("[build]\nbefore = [{ cmd = \"x\" }]\n");
    assert_has(
        &r,
        &["unknown key `cmd`", "allows `run`, `shell` and `name`"],
    );
}

#[test]
fn image_names_and_tags_are_checked() {
    let r = report("[image]\nname = \"localhost:5000/x/op:v1\"\ntags = [\"ok\", \"-bad\"]\n");
    assert_has(
        &r,
        &[
            "has 2 problems",
            "includes the tag \"v1\"",
            "name = \"localhost:5000/x/op\" and tags = [\"v1\"]",
            "invalid `image.tags[1]`",
            "[xbuild.toml:3:15]",
        ],
    );
    let r = report("[image]\ntags = []\n");
    assert_has(&r, &["there are no tags"]);
}

#[test]
fn go_env_cannot_set_the_platform() {
    let r = report("[go]\nenv = { CGO_ENABLED = \"0\", GOARCH = \"arm64\", \"1X\" = \"y\" }\n");
    assert_has(
        &r,
        &[
            "has 2 problems",
            "GOARCH is set by xbuild for each platform",
            "[xbuild.toml:2:28]",
            "\"1X\" is not an environment variable name",
        ],
    );
}

#[test]
fn empty_values_are_refused() {
    let r = report("[dockerfile]\npath = \"\"\ntarget = \" \"\n");
    assert_has(
        &r,
        &[
            "invalid `dockerfile.path`: the value is empty",
            "invalid `dockerfile.target`",
        ],
    );
}

#[test]
fn problems_in_several_sections_are_reported_together_in_file_order() {
    let r =
        report("[lint]\nignore = [\"x\"]\n[image]\nnmae = \"x\"\n[builder]\ndriver = \"k8s\"\n");
    assert_has(
        &r,
        &["xbuild.toml has 3 problems", "xbuild::config::invalid"],
    );
    let lint = r.find("lint.ignore").unwrap();
    let name = r.find("nmae").unwrap();
    let driver = r.find("builder.driver").unwrap();
    assert!(lint < name && name < driver, "{r}");
}

// ---- finding the file ----

#[test]
fn load_finds_the_file_and_resolves_relative_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("ci")).unwrap();
    std::fs::write(root.join("xbuild.toml"), "[image]\nname = \"root\"\n").unwrap();
    std::fs::write(
        root.join("ci/other.toml"),
        "[image]\nname = \"ci\"\n[dockerfile]\npath = \"Dockerfile\"\n",
    )
    .unwrap();

    let p = load(Some(root), None).unwrap();
    assert_eq!(p.root, root);
    assert_eq!(p.config_file, Some(root.join("xbuild.toml")));
    assert_eq!(p.config.image.name.as_deref(), Some("root"));

    // --config is taken from -C DIR; paths inside it from its directory;
    // defaults from the root.
    let p = load(Some(root), Some(Path::new("ci/other.toml"))).unwrap();
    assert_eq!(p.config.image.name.as_deref(), Some("ci"));
    assert_eq!(p.config.dockerfile.path, root.join("ci/Dockerfile"));
    assert_eq!(p.config.dockerfile.context, root);
    // Named as found from the current directory: DIR/ci/other.toml.
    assert_eq!(
        p.config.source().unwrap().name(),
        root.join("ci/other.toml").display().to_string()
    );
    assert_eq!(p.display_path(&root.join("ci/Dockerfile")), "ci/Dockerfile");

    let e = load(Some(root), Some(Path::new("ci/missing.toml"))).unwrap_err();
    assert_has(
        &render(&e),
        &[
            "xbuild::config::not_found",
            "ci/missing.toml does not exist",
            "--config",
        ],
    );
    let e = load(Some(&root.join("nope")), None).unwrap_err();
    assert_has(&render(&e), &["xbuild::config::no_directory"]);
}

#[test]
fn no_file_means_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let p = load(Some(dir.path()), None).unwrap();
    assert_eq!(p.config_file, None);
    assert_eq!(p.config, Config::defaults(dir.path()));
}

#[test]
fn errors_name_the_file_as_given() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/xbuild.toml"), "[image]\nname = 1\n").unwrap();
    // -C given as an absolute path: the name is that path.
    let e = load(Some(&dir.path().join("sub")), None).unwrap_err();
    let expected = format!("[{}:2:8]", dir.path().join("sub/xbuild.toml").display());
    assert_has(&render(&e), &[&expected]);
}
