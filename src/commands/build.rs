//! `xbuild build` (alias `docker-buildx`): resolve flags, environment and
//! xbuild.toml into one request, make the plan, then print it (`--dry-run`)
//! or check the machine and run it.
//!
//! Precedence: command-line flags, then the Makefile's variables from the
//! environment (`IMG`, `PLATFORMS`, `CONTAINER_TOOL`), then xbuild.toml,
//! then defaults.

use crate::buildx::builder::{self, BuilderSpec};
use crate::buildx::command::{BuildInvocation, DockerfileInput};
use crate::buildx::output::Output;
use crate::buildx::preflight;
use crate::cli::{BuildArgs, GoModeArg, OutputFormat};
use crate::config::{self, Driver, GoMode, Project};
use crate::cross::{Action, CrossPlan};
use crate::dockerfile::{self, StageGraph};
use crate::exec::Cmd;
use crate::golang::{self, HostPlan, rewrite};
use crate::interrupt::Interrupt;
use crate::pipeline::{self, Report};
use crate::plan::{Artifact, BuilderInfo, Plan, Role, Step};
use crate::platform::{self, Platform};
use crate::{Error, ExitStatus, fsutil};
use miette::Diagnostic;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Problems with the request, found before anything runs.
#[derive(Debug, Error, Diagnostic)]
pub enum BuildError {
    #[error("invalid platform in {origin}")]
    #[diagnostic(code(xbuild::build::platform))]
    Platform {
        origin: &'static str,
        #[source]
        #[diagnostic_source]
        source: platform::PlatformError,
    },

    #[error("invalid --output {spec:?}: {message}")]
    #[diagnostic(code(xbuild::build::output), help("{help}"))]
    Output {
        spec: String,
        message: String,
        help: String,
    },

    #[error("--push and --load cannot be used together")]
    #[diagnostic(
        code(xbuild::build::push_and_load),
        help("push to a registry, or load into the local docker image store, in separate runs")
    )]
    PushAndLoad,

    #[error("pushing needs at least one tag")]
    #[diagnostic(
        code(xbuild::build::no_tags),
        help("pass --tag REF, set IMG=REF, or set [image] name (and tags) in xbuild.toml")
    )]
    NoTags,

    #[error("unknown driver {name:?}")]
    #[diagnostic(
        code(xbuild::build::driver),
        help("the drivers are: docker, docker-container, kubernetes, remote")
    )]
    Driver { name: String },

    #[error("unknown progress mode {mode:?}")]
    #[diagnostic(
        code(xbuild::build::progress),
        help("use one of: auto, plain, tty, quiet, rawjson")
    )]
    Progress { mode: String },

    #[error("--build-arg {arg:?} has no value and ${arg} is not set")]
    #[diagnostic(code(xbuild::build::build_arg), help("write --build-arg NAME=VALUE"))]
    BuildArg { arg: String },

    #[error("--build-arg {arg:?} has no valid name")]
    #[diagnostic(
        code(xbuild::build::build_arg_name),
        help("write --build-arg NAME=VALUE with a non-empty NAME without spaces")
    )]
    BuildArgName { arg: String },

    #[error("no platform in {origin} {list:?}")]
    #[diagnostic(
        code(xbuild::build::no_platforms),
        help("list at least one platform, e.g. linux/amd64,linux/arm64")
    )]
    NoPlatforms { origin: &'static str, list: String },

    #[error("invalid image reference from {origin}: {message}")]
    #[diagnostic(code(xbuild::build::tag), help("{help}"))]
    Tag {
        origin: &'static str,
        message: String,
        help: String,
    },

    #[error("{name:?} is not a valid builder name")]
    #[diagnostic(
        code(xbuild::build::builder_name),
        help(
            "builder names start with a letter or digit and contain only letters, digits, '.', '_' and '-'"
        )
    )]
    BuilderName { name: String },

    #[error("the remote driver needs an endpoint")]
    #[diagnostic(
        code(xbuild::build::remote_endpoint),
        help(
            "add endpoint = \"tcp://buildkitd:1234\" (the address buildkitd listens on) to [builder] in xbuild.toml"
        )
    )]
    RemoteEndpoint,

    #[error("the docker driver cannot have appended nodes ([[builder.nodes]] has {count})")]
    #[diagnostic(
        code(xbuild::build::docker_nodes),
        help("use --driver docker-container, remote or kubernetes to build on several nodes")
    )]
    DockerNodes { count: usize },

    #[error("CONTAINER_TOOL={tool} is not supported: xbuild drives docker buildx")]
    #[diagnostic(
        code(xbuild::build::container_tool),
        help("unset CONTAINER_TOOL or set it to docker (or a path to the docker CLI)")
    )]
    ContainerTool { tool: String },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Preflight(#[from] preflight::PreflightError),
}

/// The resolved request.
#[derive(Debug, Clone)]
pub struct Request {
    pub docker: String,
    pub dockerfile: PathBuf,
    pub context: PathBuf,
    pub platforms: Vec<Platform>,
    pub tags: Vec<String>,
    pub outputs: Vec<Output>,
    pub build_args: Vec<(String, String)>,
    pub target: Option<String>,
    pub builder: BuilderSpec,
    /// Created for this run and removed afterwards.
    pub ephemeral: bool,
    pub keep_cross: bool,
    pub cache_from: Vec<String>,
    pub cache_to: Vec<String>,
    pub provenance: Option<String>,
    pub sbom: Option<String>,
    pub progress: Option<String>,
    pub no_cache: bool,
    /// Where the Go binary is compiled, and which setting said so.
    pub go: GoMode,
    pub go_origin: GoOrigin,
}

/// Which setting chose the Go mode (the plan's note says it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoOrigin {
    Flag,
    Config,
    Default,
}

/// The process environment as the resolver sees it (a function so tests can
/// supply their own).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

fn non_empty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

/// Resolves flags, environment and configuration into a request.
pub fn resolve(project: &Project, args: &BuildArgs, env: Env) -> Result<Request, BuildError> {
    let cfg = &project.config;
    let root = &project.root;

    let docker = match non_empty(env("CONTAINER_TOOL")) {
        Some(tool) => {
            let base = Path::new(&tool)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("");
            if !base.starts_with("docker") {
                return Err(BuildError::ContainerTool { tool });
            }
            tool
        }
        None => "docker".to_string(),
    };

    let platforms = platforms(args.platform.as_deref(), &cfg.image.platforms, env)?;

    let tags = if !args.tag.is_empty() {
        checked_references(&args.tag, "--tag")?
    } else if let Some(img) = non_empty(env("IMG")) {
        checked_references(&[img], "$IMG")?
    } else {
        cfg.image.references()
    };

    let cli_outputs = args.push || args.load || !args.output.is_empty();
    let (push, load, specs) = if cli_outputs {
        (args.push, args.load, args.output.clone())
    } else {
        (cfg.build.push, cfg.build.load, cfg.build.output.clone())
    };
    if push && load {
        return Err(BuildError::PushAndLoad);
    }
    let mut outputs = Vec::new();
    if push {
        outputs.push(Output::push());
    }
    if load {
        outputs.push(Output::load());
    }
    for spec in &specs {
        // xbuild.toml's specs were checked, and their paths joined to its
        // directory, when it was loaded; only the flags' are new here.
        let checked = if cli_outputs {
            config::check::output(spec, root).map_err(|(message, _, help)| BuildError::Output {
                spec: spec.clone(),
                message,
                help,
            })?
        } else {
            spec.clone()
        };
        outputs.push(Output::from_spec(&checked));
    }
    let unnamed = |o: &Output| o.name.as_deref().is_none_or(|n| n.trim().is_empty());
    if outputs.iter().any(|o| o.push && unnamed(o)) && tags.is_empty() {
        return Err(BuildError::NoTags);
    }

    let build_args = build_args(&cfg.build.args, &args.build_arg, env)?;

    let driver = match &args.driver {
        Some(name) => {
            Driver::from_name(name).ok_or_else(|| BuildError::Driver { name: name.clone() })?
        }
        None => cfg.builder.driver,
    };
    if driver == Driver::Docker && !cfg.builder.nodes.is_empty() {
        return Err(BuildError::DockerNodes {
            count: cfg.builder.nodes.len(),
        });
    }
    if driver == Driver::Remote && cfg.builder.endpoint.is_none() {
        return Err(BuildError::RemoteEndpoint);
    }
    let base_name = match &args.builder_name {
        Some(name) if !config::check::builder_name(name) => {
            return Err(BuildError::BuilderName { name: name.clone() });
        }
        Some(name) => name.clone(),
        None => cfg.builder.name.clone(),
    };
    let ephemeral = driver != Driver::Docker && cfg.builder.ephemeral && !args.keep_builder;
    let name = match driver {
        Driver::Docker => docker_context_name(env),
        _ if ephemeral => builder::unique_name(&base_name),
        _ => base_name,
    };
    let builder = BuilderSpec {
        name,
        driver,
        driver_opts: cfg.builder.driver_opts.clone(),
        buildkitd_flags: cfg.builder.buildkitd_flags.clone(),
        config: cfg.builder.config.clone(),
        platforms: cfg.builder.platforms.clone(),
        endpoint: cfg.builder.endpoint.clone(),
        nodes: cfg.builder.nodes.clone(),
    };

    let progress = args.progress.clone().or_else(|| cfg.build.progress.clone());
    if let Some(p) = &progress
        && !config::PROGRESS_MODES.contains(&p.as_str())
    {
        return Err(BuildError::Progress { mode: p.clone() });
    }

    Ok(Request {
        docker,
        dockerfile: cfg.dockerfile.path.clone(),
        context: cfg.dockerfile.context.clone(),
        platforms,
        tags,
        outputs,
        build_args,
        target: args
            .target
            .clone()
            .or_else(|| cfg.dockerfile.target.clone()),
        builder,
        ephemeral,
        keep_cross: args.keep_cross,
        cache_from: cfg.build.cache_from.clone(),
        cache_to: cfg.build.cache_to.clone(),
        provenance: cfg.build.provenance.clone(),
        sbom: cfg.build.sbom.clone(),
        progress,
        no_cache: args.no_cache || cfg.build.no_cache,
        go: match args.go {
            Some(GoModeArg::Auto) => GoMode::Auto,
            Some(GoModeArg::Host) => GoMode::Host,
            Some(GoModeArg::Container) => GoMode::Container,
            None => cfg.go.mode,
        },
        go_origin: match (args.go, project.config.span_of("go.mode")) {
            (Some(_), _) => GoOrigin::Flag,
            (None, Some(_)) => GoOrigin::Config,
            (None, None) => GoOrigin::Default,
        },
    })
}

/// `[build] args` with `--build-arg NAME=VALUE` (or `NAME`, from the
/// environment) on top.
pub(crate) fn build_args(
    config: &[(String, String)],
    cli: &[String],
    env: Env,
) -> Result<Vec<(String, String)>, BuildError> {
    let mut build_args = config.to_vec();
    for a in cli {
        let (k, v) = match a.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None if !config::check::build_arg_name(a) => {
                return Err(BuildError::BuildArgName { arg: a.clone() });
            }
            None => match env(a) {
                Some(v) => (a.clone(), v),
                None => return Err(BuildError::BuildArg { arg: a.clone() }),
            },
        };
        if !config::check::build_arg_name(&k) {
            return Err(BuildError::BuildArgName { arg: a.clone() });
        }
        build_args.retain(|(key, _)| *key != k);
        build_args.push((k, v));
    }
    Ok(build_args)
}

/// Target platforms from `--platform`, else `$PLATFORMS`, else the config.
pub(crate) fn platforms(
    flag: Option<&str>,
    configured: &[Platform],
    env: Env,
) -> Result<Vec<Platform>, BuildError> {
    match (flag, non_empty(env("PLATFORMS"))) {
        (Some(list), _) => parse_platforms(list, "--platform"),
        (None, Some(list)) => parse_platforms(&list, "$PLATFORMS"),
        (None, None) => Ok(configured.to_vec()),
    }
}

fn parse_platforms(list: &str, origin: &'static str) -> Result<Vec<Platform>, BuildError> {
    let platforms =
        platform::parse_list(list).map_err(|source| BuildError::Platform { origin, source })?;
    if platforms.is_empty() {
        return Err(BuildError::NoPlatforms {
            origin,
            list: list.to_string(),
        });
    }
    Ok(platforms)
}

/// `--tag` / `$IMG` values, each a valid image reference.
fn checked_references(refs: &[String], origin: &'static str) -> Result<Vec<String>, BuildError> {
    for r in refs {
        config::check::reference(r).map_err(|(message, help)| BuildError::Tag {
            origin,
            message,
            help,
        })?;
    }
    Ok(refs.to_vec())
}

/// The builder of the `docker` driver is named after the docker context:
/// `$DOCKER_CONTEXT`, else the CLI config's current context, else `default`.
fn docker_context_name(env: Env) -> String {
    if let Some(c) = non_empty(env("DOCKER_CONTEXT")) {
        return c;
    }
    let config_dir = non_empty(env("DOCKER_CONFIG"))
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| Path::new(&h).join(".docker")));
    config_dir
        .and_then(|d| std::fs::read_to_string(d.join("config.json")).ok())
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
        .and_then(|v| v.get("currentContext")?.as_str().map(str::to_string))
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "default".to_string())
}

/// Makes the plan: `before` commands, the builder, the build, the cleanup.
pub fn make_plan(project: &Project, req: &Request, tmp: &Path) -> Result<Plan, Error> {
    let root = &project.root;
    let dockerfile_name = project.display_path(&req.dockerfile);
    let text = fsutil::read_text(&req.dockerfile, "the Dockerfile")?;
    let df = dockerfile::parse(&dockerfile_name, &text)?;
    let graph =
        StageGraph::for_platforms(&df, req.target.as_deref(), &req.build_args, &req.platforms)?;
    let cross = CrossPlan::new(&df, &graph, project.config.dockerfile.strategy);
    cross.check(&df)?;
    let mut notes = Vec::new();
    let go = go_host(project, req, &df, &graph, &mut notes)?;
    let cross_text = match &go {
        Some(go) => {
            rewrite::apply_with_cross(&df, &cross, &rewrite::replacement(&df, &graph, &go.stage))
        }
        None => cross.apply(&df),
    }
    .into_bytes();

    let mut steps = Vec::new();
    for b in &project.config.build.before {
        let cmd = Cmd::new(&b.argv[0]).args(&b.argv[1..]).cwd(root.clone());
        steps.push(Step::run(
            format!("before: {}", b.display),
            Role::Before,
            cmd,
        ));
    }
    for b in go.iter().flat_map(|g| &g.builds) {
        steps.push(Step::go_build(
            format!("go build {}", b.platform),
            b.cmd.clone(),
            Artifact {
                platform: b.platform.clone(),
                path: b.output.clone(),
            },
        ));
    }

    let dockerfile = if req.keep_cross {
        let path = project.config.dockerfile.cross.clone();
        steps.push(Step::write(
            format!("cross: write {}", project.display_path(&path)),
            path.clone(),
            cross_text,
        ));
        DockerfileInput::File(path)
    } else {
        DockerfileInput::Stdin {
            text: cross_text,
            label: format!("{dockerfile_name}.cross"),
        }
    };

    let mut cleanup = Vec::new();
    if req.builder.driver != Driver::Docker {
        let cmds = builder::create_commands(&req.docker, &req.builder);
        let (first, rest) = cmds.split_first().expect("at least one create command");
        let (role, name) = if req.ephemeral {
            (
                Role::CreateBuilder,
                format!("builder: create {}", req.builder.name),
            )
        } else {
            (
                Role::EnsureBuilder,
                format!("builder: create {} unless it exists", req.builder.name),
            )
        };
        steps.push(Step::run(name, role, first.clone()));
        for (i, c) in rest.iter().enumerate() {
            steps.push(Step::run(
                format!("builder: append node {}", i + 1),
                Role::AppendNode,
                c.clone(),
            ));
        }
        if req.ephemeral {
            cleanup.push(Step::run(
                format!("builder: remove {}", req.builder.name),
                Role::RemoveBuilder,
                builder::rm_command(&req.docker, &req.builder.name),
            ));
        }
    }

    let metadata_file = tmp.join("metadata.json");
    let invocation = BuildInvocation {
        docker: req.docker.clone(),
        builder: req.builder.name.clone(),
        platforms: req.platforms.clone(),
        dockerfile,
        tags: req.tags.clone(),
        build_args: req.build_args.clone(),
        build_contexts: go
            .iter()
            .map(|g| (rewrite::CONTEXT.to_string(), g.out_dir.clone()))
            .collect(),
        target: req.target.clone(),
        outputs: req.outputs.clone(),
        cache_from: req.cache_from.clone(),
        cache_to: req.cache_to.clone(),
        provenance: req.provenance.clone(),
        sbom: req.sbom.clone(),
        progress: req.progress.clone(),
        no_cache: req.no_cache,
        metadata_file: metadata_file.clone(),
        context: req.context.clone(),
    };
    steps.push(Step::run("build", Role::Build, invocation.to_cmd()));

    if req.outputs.is_empty() {
        notes.push(
            "no output: the result stays in the build cache (use --push, --load or --output)"
                .to_string(),
        );
    }
    Ok(Plan {
        project: root.clone(),
        dockerfile: if req.keep_cross {
            project.config.dockerfile.cross.clone()
        } else {
            PathBuf::from(format!(
                "{dockerfile_name} (rewritten by cross in memory, passed on stdin)"
            ))
        },
        context: req.context.clone(),
        platforms: req.platforms.iter().map(ToString::to_string).collect(),
        tags: req.tags.clone(),
        outputs: if req.outputs.is_empty() {
            vec!["build cache only".to_string()]
        } else {
            req.outputs.iter().map(Output::describe).collect()
        },
        builder: BuilderInfo {
            name: req.builder.name.clone(),
            driver: req.builder.driver.as_str().to_string(),
            ephemeral: req.ephemeral,
        },
        cross: cross
            .outcomes
            .iter()
            .map(|o| {
                let verb = match o.action {
                    Action::Pin => "pinned",
                    Action::Inherit => "build platform",
                    Action::Leave => "left",
                };
                match &go {
                    Some(g) if g.stage.stage == o.stage => format!(
                        "stage {} (line {}) replaced: FROM scratch, copying the host-built {} from the {} build context",
                        o.label,
                        o.line,
                        g.stage.binary_name(),
                        rewrite::CONTEXT
                    ),
                    _ => format!("stage {} (line {}) {verb}: {}", o.label, o.line, o.reason),
                }
            })
            .collect(),
        notes,
        steps,
        cleanup,
        metadata_file,
    })
}

/// Decides where the Go binary is compiled and, for the host, plans its
/// builds; says which and why in `notes`.
fn go_host(
    project: &Project,
    req: &Request,
    df: &dockerfile::Dockerfile,
    graph: &StageGraph,
    notes: &mut Vec<String>,
) -> Result<Option<HostPlan>, Error> {
    let inputs = golang::Inputs {
        df,
        graph,
        config: &project.config,
        platforms: &req.platforms,
        build_args: &req.build_args,
        context: &req.context,
        rebuild_all: req.no_cache,
    };
    let mode = req.go.as_str();
    let origin = match req.go_origin {
        GoOrigin::Flag => format!("--go {mode}"),
        GoOrigin::Config => format!("[go] mode = \"{mode}\""),
        GoOrigin::Default => "auto, the default".to_string(),
    };
    let plan = match req.go {
        GoMode::Container => {
            notes.push(format!(
                "Go: built in the container, as the Dockerfile says ({origin})"
            ));
            return Ok(None);
        }
        GoMode::Host => HostPlan::new(&inputs)?,
        GoMode::Auto => match HostPlan::new(&inputs) {
            // The host binary might differ: the container build is the
            // Dockerfile's own.
            Ok(plan) if !plan.risks.is_empty() => {
                notes.push(format!(
                    "Go: built in the container ({origin}): {} (--go host builds on the host anyway)",
                    plan.risks.join("; ")
                ));
                return Ok(None);
            }
            Ok(plan) => plan,
            Err(e) => {
                let at = e
                    .line(df)
                    .map(|l| format!(" ({}:{l})", df.name))
                    .unwrap_or_default();
                notes.push(format!("Go: built in the container ({origin}): {e}{at}"));
                return Ok(None);
            }
        },
    };
    notes.push(format!(
        "Go: built on the host ({origin}): {}",
        plan.summary()
    ));
    notes.extend(plan.notes.iter().map(|n| format!("Go: {n}")));
    notes.extend(plan.risks.iter().map(|n| format!("Go: warning: {n}")));
    Ok(Some(plan))
}

/// Checks the machine can run the plan.
fn preflight(req: &Request) -> Result<(), BuildError> {
    preflight::check_cli(&req.docker)?;
    let local_engine = matches!(req.builder.driver, Driver::Docker | Driver::DockerContainer);
    let loads = req.outputs.iter().any(Output::loads_into_docker);
    if local_engine || loads {
        let containerd_store = preflight::check_daemon(&req.docker)?;
        let platforms = req.platforms.len();
        if loads && platforms > 1 && !containerd_store {
            return Err(preflight::PreflightError::NoMultiPlatformLoad { platforms }.into());
        }
        if req.builder.driver == Driver::Docker && platforms > 1 && !containerd_store {
            return Err(
                preflight::PreflightError::NoMultiPlatformDockerDriver { platforms }.into(),
            );
        }
    }
    Ok(())
}

pub fn run(
    dir: Option<&Path>,
    config: Option<&Path>,
    args: &BuildArgs,
) -> Result<ExitStatus, Error> {
    let project = config::load(dir, config)?;
    let env = |k: &str| std::env::var(k).ok();
    let req = resolve(&project, args, &env)?;
    let tmp = tempfile::Builder::new()
        .prefix("xbuild-")
        .tempdir()
        .map_err(|source| fsutil::FsError::Write {
            path: std::env::temp_dir(),
            source,
        })?;
    let plan = make_plan(&project, &req, tmp.path())?;
    if args.dry_run {
        match args.format {
            OutputFormat::Human => crate::stdout::write(&plan.render())?,
            OutputFormat::Json => crate::stdout::write(&format!("{}\n", plan.to_json()))?,
        }
        return Ok(ExitStatus::Success);
    }
    preflight(&req)?;
    let interrupt = Interrupt::install().map_err(|source| fsutil::FsError::Write {
        path: PathBuf::from("<signal handlers>"),
        source,
    })?;
    for line in &plan.cross {
        eprintln!("xbuild: cross: {line}");
    }
    for note in &plan.notes {
        eprintln!("xbuild: note: {note}");
    }
    let report = pipeline::execute(&plan, &req.docker, &interrupt)?;
    summarize(&plan, &report, args.format);
    Ok(ExitStatus::Success)
}

fn summarize(plan: &Plan, report: &Report, format: OutputFormat) {
    let refs = report.metadata.references();
    match format {
        OutputFormat::Json => {
            let steps: Vec<serde_json::Value> = report
                .steps
                .iter()
                .map(|(name, d)| serde_json::json!({"name": name, "seconds": d.as_secs_f64()}))
                .collect();
            let v = serde_json::json!({
                "platforms": plan.platforms,
                "images": refs,
                "digest": report.metadata.digest,
                "outputs": plan.outputs,
                "steps": steps,
                "seconds": report.total.as_secs_f64(),
            });
            println!("{}", serde_json::to_string_pretty(&v).expect("json"));
        }
        OutputFormat::Human => {
            eprintln!(
                "xbuild: built {} in {}",
                plan.platforms.join(", "),
                pipeline::secs(report.total)
            );
            for r in &refs {
                eprintln!("  image    {r}");
            }
            for o in &plan.outputs {
                eprintln!("  output   {o}");
            }
            let times: Vec<String> = report
                .steps
                .iter()
                .map(|(n, d)| format!("{n} {}", pipeline::secs(*d)))
                .collect();
            eprintln!("  steps    {}", times.join(", "));
        }
    }
}
