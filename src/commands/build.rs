//! `xbuild build` (alias `docker-buildx`): resolve flags, environment and
//! xbuild.toml into one request, make the plan, then print it (`--dry-run`)
//! or check the machine and run it.
//!
//! Precedence: command-line flags, then the Makefile's variables from the
//! environment (`IMG`, `PLATFORMS`, `CONTAINER_TOOL`), then xbuild.toml,
//! then defaults.

use crate::buildx::auto::{self, Choice};
use crate::buildx::builder::{self, BuilderSpec};
use crate::buildx::by_digest::ByDigest;
use crate::buildx::command::{BuildInvocation, DockerfileInput};
use crate::buildx::engine::{self, Probe};
use crate::buildx::imagetools;
use crate::buildx::output::Output;
use crate::buildx::preflight;
use crate::cli::{BuildArgs, GoModeArg, OutputFormat};
use crate::commands::by_digest_summary::{self, Pushed};
use crate::config::{self, Driver, DriverSetting, GoMode, Project, Tool};
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
        help(
            "the drivers are: auto (for a build; it picks one of the others), docker, docker-container, kubernetes, remote"
        )
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

    #[error("{origin}={tool} is not supported: xbuild drives docker (buildx) or podman")]
    #[diagnostic(
        code(xbuild::build::container_tool),
        help("set it to docker or podman (or a path to either CLI)")
    )]
    ContainerTool { origin: &'static str, tool: String },

    #[error("`xbuild {command}` drives docker, but CONTAINER_TOOL={tool} is podman")]
    #[diagnostic(
        code(xbuild::build::docker_only),
        help("run it with docker (unset CONTAINER_TOOL), or use `xbuild build` with podman")
    )]
    DockerOnly { command: &'static str, tool: String },

    #[error("--push-by-digest is not supported with podman")]
    #[diagnostic(
        code(xbuild::build::podman_by_digest),
        help(
            "podman pushes a manifest list by tag; push by digest with docker (CONTAINER_TOOL=docker), or push a tag with --push"
        )
    )]
    PodmanByDigest,

    #[error(transparent)]
    #[diagnostic(transparent)]
    Podman(#[from] crate::podman::PodmanError),

    #[error("--push-by-digest pushes no tag, so {origin} {tags:?} would be ignored")]
    #[diagnostic(
        code(xbuild::build::by_digest_tags),
        help(
            "give the repository alone (--tag {repository}) or set [image] name, and write the tags with `xbuild merge --tag REF DIGEST...`"
        )
    )]
    ByDigestTags {
        origin: &'static str,
        tags: Vec<String>,
        repository: String,
    },

    #[error("--push-by-digest needs a repository to push to")]
    #[diagnostic(
        code(xbuild::build::by_digest_repository),
        help("pass --tag REPO (without a tag) or set [image] name in xbuild.toml")
    )]
    ByDigestRepository,

    #[error(transparent)]
    #[diagnostic(transparent)]
    Preflight(#[from] preflight::PreflightError),

    #[error("unexpected argument {arg:?}: one build context at most")]
    #[diagnostic(
        code(xbuild::build::context),
        help("without [images.NAME] tables in xbuild.toml, the one argument is the build context")
    )]
    ExtraArgument { arg: String },
}

/// The resolved request.
#[derive(Debug, Clone)]
pub struct Request {
    /// docker (buildx) or podman.
    pub tool: Tool,
    /// The CLI program of `tool` (a name or a path).
    pub docker: String,
    pub dockerfile: PathBuf,
    pub context: PathBuf,
    pub platforms: Vec<Platform>,
    pub tags: Vec<String>,
    pub outputs: Vec<Output>,
    pub build_args: Vec<(String, String)>,
    pub target: Option<String>,
    pub builder: BuilderSpec,
    /// Which setting chose the driver (`--driver`, `[builder] driver`, the
    /// default), and for `auto` what it chose and why.
    pub driver_origin: String,
    pub auto: Option<Choice>,
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
    /// The directory whose kustomization gets the pushed digest.
    pub kustomize: Option<PathBuf>,
    /// `--push-by-digest`: where (the outputs and tags are set for it).
    pub by_digest: Option<ByDigest>,
    /// `--no-before`: the `before` commands are left out of the plan.
    pub no_before: bool,
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

/// Asks the engine what its own builder can do: `(docker, builder, local)`
/// (see `buildx::engine::probe`); a dry run passes one that does not ask.
pub type ProbeFn<'a> = &'a dyn Fn(&str, &str, bool) -> Probe;

/// The engine probe for `resolve`: none in a dry run, which lists what it
/// would ask instead.
pub(crate) fn engine_probe(dry_run: bool) -> impl Fn(&str, &str, bool) -> Probe {
    move |docker, builder, local| {
        if dry_run {
            Probe::NotRun {
                would_run: engine::would_run(docker, builder, local),
            }
        } else {
            engine::probe(docker, builder, local)
        }
    }
}

/// Resolves flags, environment and configuration into a request; for the
/// `auto` driver `probe` is called when the request alone does not decide.
pub fn resolve(
    project: &Project,
    args: &BuildArgs,
    env: Env,
    probe: ProbeFn,
) -> Result<Request, BuildError> {
    let cfg = &project.config;
    let root = &project.root;

    let (tool, docker) = container_tool(args.tool.as_deref(), env, cfg.builder.tool)?;

    let platforms = platforms(args.platform.as_deref(), &cfg.image.platforms, env)?;
    let tags = tags(project, &args.tag, env)?;

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

    let build_args = build_args(&cfg.build.args, &args.build_arg, env)?;

    let (setting, driver_origin) = match &args.driver {
        Some(name) => (
            DriverSetting::from_name(name)
                .ok_or_else(|| BuildError::Driver { name: name.clone() })?,
            "--driver",
        ),
        None if project.config.span_of("builder.driver").is_some() => {
            (cfg.builder.driver, "[builder] driver")
        }
        None => (cfg.builder.driver, "the default"),
    };
    let keep = !cfg.builder.ephemeral || args.keep_builder;
    let (driver, auto) = match setting {
        DriverSetting::Fixed(d) => (d, None),
        DriverSetting::Auto => {
            let needs = auto::Needs {
                platforms: &platforms,
                cache_to: &cfg.build.cache_to,
                buildkitd_flags: cfg.builder.buildkitd_flags.is_some(),
                buildkitd_config: cfg.builder.config.is_some(),
                driver_opts: !cfg.builder.driver_opts.is_empty(),
                endpoint: cfg.builder.endpoint.is_some(),
                builder_platforms: !cfg.builder.platforms.is_empty(),
                nodes: cfg.builder.nodes.len(),
                kept: keep,
            };
            let choice = auto::decide(&needs, || {
                probe(&docker, &docker_context_name(env), local_engine(env))
            });
            (choice.driver, Some(choice))
        }
    };
    let driver_origin = match setting {
        DriverSetting::Auto => format!("auto ({driver_origin})"),
        DriverSetting::Fixed(_) => driver_origin.to_string(),
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
    let ephemeral = driver != Driver::Docker && !keep;
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

    if args.push_by_digest && tool == Tool::Podman {
        return Err(BuildError::PodmanByDigest);
    }
    let by_digest = if args.push_by_digest {
        let repository = by_digest_repository(args, cfg, env)?;
        let by_digest = ByDigest::new(&repository, driver, &platforms);
        outputs = vec![by_digest.output()];
        Some(by_digest)
    } else {
        None
    };
    let tags = if by_digest.is_some() {
        Vec::new()
    } else {
        tags
    };
    let unnamed = |o: &Output| o.name.as_deref().is_none_or(|n| n.trim().is_empty());
    if outputs.iter().any(|o| o.push && unnamed(o)) && tags.is_empty() {
        return Err(BuildError::NoTags);
    }

    let progress = args.progress.clone().or_else(|| cfg.build.progress.clone());
    if let Some(p) = &progress
        && !config::PROGRESS_MODES.contains(&p.as_str())
    {
        return Err(BuildError::Progress { mode: p.clone() });
    }

    Ok(Request {
        tool,
        docker,
        dockerfile: cfg.dockerfile.path.clone(),
        context: cfg.dockerfile.context.clone(),
        platforms,
        tags,
        build_args,
        target: args
            .target
            .clone()
            .or_else(|| cfg.dockerfile.target.clone()),
        builder,
        driver_origin,
        auto,
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
        // xbuild.toml's applies to the builds that push; the flag must.
        kustomize: args.kustomize.as_ref().map(|d| root.join(d)).or_else(|| {
            cfg.build
                .kustomize
                .clone()
                .filter(|_| outputs.iter().any(|o| o.push))
        }),
        outputs,
        by_digest,
        no_before: args.no_before,
    })
}

/// The tool and its program: `--tool`, else `$CONTAINER_TOOL` (both a name
/// or a path), else `[builder] tool`.
pub(crate) fn container_tool(
    flag: Option<&str>,
    env: Env,
    configured: Tool,
) -> Result<(Tool, String), BuildError> {
    let (origin, program) = match (flag, non_empty(env("CONTAINER_TOOL"))) {
        (Some(f), _) => ("--tool", f.to_string()),
        (None, Some(v)) => ("CONTAINER_TOOL", v),
        (None, None) => return Ok((configured, configured.as_str().to_string())),
    };
    match Tool::from_program(&program) {
        Some(tool) => Ok((tool, program)),
        None => Err(BuildError::ContainerTool {
            origin,
            tool: program,
        }),
    }
}

/// The docker CLI for a command that only docker drives
/// (`docker-push`): `$CONTAINER_TOOL` when it names docker, else `docker`.
pub(crate) fn docker_cli(env: Env, command: &'static str) -> Result<String, BuildError> {
    match container_tool(None, env, Tool::Docker)? {
        (Tool::Docker, program) => Ok(program),
        (Tool::Podman, program) => Err(BuildError::DockerOnly {
            command,
            tool: program,
        }),
    }
}

/// The image references: `--tag`, else `$IMG`, else the config's.
pub(crate) fn tags(
    project: &Project,
    flag: &[String],
    env: Env,
) -> Result<Vec<String>, BuildError> {
    Ok(if !flag.is_empty() {
        checked_references(flag, "--tag")?
    } else if let Some(img) = non_empty(env("IMG")) {
        checked_references(&[img], "$IMG")?
    } else {
        project.config.image.references()
    })
}

/// The repository `--push-by-digest` pushes to: `--tag REPO` or `$IMG`
/// without a tag, else `[image] name`. A tag given there would be ignored,
/// so it is refused.
fn by_digest_repository(
    args: &BuildArgs,
    cfg: &config::Config,
    env: Env,
) -> Result<String, BuildError> {
    let (origin, given) = if !args.tag.is_empty() {
        ("--tag", args.tag.clone())
    } else if let Some(img) = non_empty(env("IMG")) {
        ("$IMG", vec![img])
    } else {
        return cfg.image.name.clone().ok_or(BuildError::ByDigestRepository);
    };
    let repository = imagetools::repository(&given[0]).to_string();
    if given.len() > 1 || given[0] != repository {
        return Err(BuildError::ByDigestTags {
            origin,
            tags: given,
            repository,
        });
    }
    Ok(repository)
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

/// Whether the engine runs on this machine (so its QEMU handlers are ours):
/// no DOCKER_HOST, or a unix socket.
fn local_engine(env: Env) -> bool {
    non_empty(env("DOCKER_HOST")).is_none_or(|h| h.starts_with("unix://"))
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

/// `-f/--file` and a context argument, for one image, as `docker buildx
/// build` takes them: the Dockerfile defaults to CONTEXT/Dockerfile.
pub(crate) fn file_and_context(project: &mut Project, args: &BuildArgs) -> Result<(), BuildError> {
    let root = project.root.clone();
    let context = match args.names.as_slice() {
        [] => None,
        [c] => Some(config::join(&root, c)),
        [_, extra, ..] => return Err(BuildError::ExtraArgument { arg: extra.clone() }),
    };
    let df = &mut project.config.dockerfile;
    let file = match (&args.file, &context) {
        (Some(f), _) => Some(config::join(&root, f)),
        (None, Some(c)) => Some(c.join("Dockerfile")),
        (None, None) => None,
    };
    if let Some(file) = file {
        df.cross = crate::commands::cross::cross_path_for(&file);
        df.path = file;
    }
    if let Some(c) = context {
        df.context = c;
    }
    Ok(())
}

/// Makes the plan: `before` commands, the builder, the build, the cleanup.
pub fn make_plan(project: &Project, req: &Request, tmp: &Path) -> Result<Plan, Error> {
    let root = &project.root;
    let dockerfile_name = project.display_path(&req.dockerfile);
    let text = fsutil::read_text(&req.dockerfile, "the Dockerfile")?;
    let df = dockerfile::load(&dockerfile_name, &text)?;
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
    let before: &[config::BeforeCommand] = if req.no_before {
        &[]
    } else {
        &project.config.build.before
    };
    for b in before {
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

    let podman_cross = match req.tool {
        Tool::Podman => cross_text.clone(),
        Tool::Docker => Vec::new(),
    };
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
    let mut podman = None;
    if req.tool == Tool::Podman {
        let contexts = go
            .iter()
            .map(|g| (rewrite::CONTEXT.to_string(), g.out_dir.clone()))
            .collect();
        let (more, run) =
            crate::podman::plan::steps(req, &podman_cross, dockerfile.clone(), contexts, tmp)?;
        steps.extend(more);
        cleanup.push(Step::run(
            "remove the manifest list",
            Role::RemoveList,
            crate::podman::guard::describe(&run.program, &run.list),
        ));
        podman = Some(run);
    } else if req.builder.driver != Driver::Docker {
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
    if podman.is_none() {
        steps.push(Step::run("build", Role::Build, invocation.to_cmd()));
        if let Some(untag) = req
            .by_digest
            .as_ref()
            .and_then(|b| b.untag_local(&req.docker))
        {
            steps.push(Step::run(
                "by digest: remove the engine's local stand-in tag",
                Role::UntagLocal,
                untag,
            ));
        }
    }

    notes.extend(req.by_digest.as_ref().map(ByDigest::note));
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
            req.outputs
                .iter()
                .map(|o| match &podman {
                    Some(_) => crate::podman::describe(o),
                    None => o.describe(),
                })
                .collect()
        },
        builder: BuilderInfo {
            name: match &podman {
                Some(p) => p.list.clone(),
                None => req.builder.name.clone(),
            },
            driver: match req.tool {
                Tool::Podman => "podman".to_string(),
                Tool::Docker => req.builder.driver.as_str().to_string(),
            },
            ephemeral: req.ephemeral,
            chosen_by: req.driver_origin.clone(),
            auto: req.auto.clone(),
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
        podman,
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

/// Checks the machine can run the plan. An engine probe that succeeded
/// (driver `auto`) has already shown that the CLI, buildx and the daemon
/// work, and what the image store is: those are not asked again.
pub(crate) fn preflight(req: &Request) -> Result<(), BuildError> {
    let probed = match &req.auto {
        Some(Choice {
            probe: Probe::Done(facts),
            ..
        }) => Some(facts.containerd_store),
        _ => None,
    };
    if probed.is_none() {
        preflight::check_cli(&req.docker)?;
    }
    let local_engine = matches!(req.builder.driver, Driver::Docker | Driver::DockerContainer);
    let loads = req.outputs.iter().any(Output::loads_into_docker);
    if local_engine || loads {
        let containerd_store = match probed {
            Some(store) => store,
            None => preflight::check_daemon(&req.docker)?,
        };
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
    let mut project = config::load(dir, config)?;
    if !project.config.images.is_empty() {
        return crate::bake::build(&project, args, false);
    }
    file_and_context(&mut project, args)?;
    let env = |k: &str| std::env::var(k).ok();
    let req = resolve(&project, args, &env, &engine_probe(args.dry_run))?;
    run_request(&project, &req, args).map(|_| ExitStatus::Success)
}

/// Plans and runs (or, with `--dry-run`, prints) a resolved request;
/// returns what ran (`None` for a dry run).
pub(crate) fn run_request(
    project: &Project,
    req: &Request,
    args: &BuildArgs,
) -> Result<Option<Report>, Error> {
    let tmp = tempfile::Builder::new()
        .prefix("xbuild-")
        .tempdir()
        .map_err(|source| fsutil::FsError::Write {
            path: std::env::temp_dir(),
            source,
        })?;
    let mut plan = make_plan(project, req, tmp.path())?;
    let pin = super::build_kustomize::prepare(project, req, &mut plan)?;
    if args.dry_run {
        match args.format {
            OutputFormat::Human => crate::stdout::write(&plan.render())?,
            OutputFormat::Json => crate::stdout::write(&format!("{}\n", plan.to_json()))?,
        }
        return Ok(None);
    }
    match &plan.podman {
        Some(p) => crate::podman::preflight::check(p).map_err(BuildError::from)?,
        None => preflight(req)?,
    }
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
    eprintln!(
        "xbuild: builder: {}; {}",
        plan.builder.describe(),
        plan.builder.why()
    );
    let report = pipeline::execute(&plan, &req.docker, &interrupt)?;
    let pushed = match &req.by_digest {
        Some(by) => Some(by_digest_summary::read_back(by, req, &report)?),
        None => None,
    };
    summarize(&plan, &report, pushed.as_ref(), args.format);
    super::build_kustomize::apply(pin.as_ref(), &report)?;
    Ok(Some(report))
}

fn summarize(plan: &Plan, report: &Report, pushed: Option<&Pushed>, format: OutputFormat) {
    let refs = match pushed {
        Some(p) => vec![p.image.reference.clone()],
        None => report.metadata.references(),
    };
    if let Some(p) = pushed {
        p.to_github();
    }
    match format {
        OutputFormat::Json if pushed.is_some() => {
            let p = pushed.expect("checked");
            let mut v = p.to_json();
            v["outputs"] = serde_json::json!(plan.outputs);
            v["steps"] = steps_json(report);
            v["seconds"] = serde_json::json!(report.total.as_secs_f64());
            println!("{}", serde_json::to_string_pretty(&v).expect("json"));
        }
        OutputFormat::Json => {
            let v = serde_json::json!({
                "platforms": plan.platforms,
                "builder": plan.builder,
                "images": refs,
                "digest": report.metadata.digest,
                "outputs": plan.outputs,
                "steps": steps_json(report),
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
            for e in pushed.iter().flat_map(|p| p.image.images()) {
                eprintln!("  platform {} {}", e.platform, e.digest);
            }
            for o in &plan.outputs {
                eprintln!("  output   {o}");
            }
            eprintln!(
                "  builder  {}; {}",
                plan.builder.describe(),
                plan.builder.why()
            );
            let times: Vec<String> = report
                .steps
                .iter()
                .map(|(n, d)| format!("{n} {}", pipeline::secs(*d)))
                .collect();
            eprintln!("  steps    {}", times.join(", "));
        }
    }
}

fn steps_json(report: &Report) -> serde_json::Value {
    report
        .steps
        .iter()
        .map(|(name, d)| serde_json::json!({"name": name, "seconds": d.as_secs_f64()}))
        .collect()
}
