//! The command line, as clap definitions only. Nothing here has behaviour:
//! `commands::dispatch` resolves these raw arguments once and runs them.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Multi-arch container images for operator projects, without the Makefile's
/// fragile `docker-buildx` target.
#[derive(Debug, Parser)]
#[command(name = "xbuild", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Run as if xbuild was started in DIR (where xbuild.toml and the
    /// Dockerfile are looked up).
    #[arg(short = 'C', long = "directory", global = true, value_name = "DIR")]
    pub directory: Option<PathBuf>,

    /// Read this configuration file instead of DIR/xbuild.toml (a relative
    /// PATH is taken from DIR). Relative paths inside it are resolved
    /// against the directory that holds it.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented xbuild.toml for this project, filled in from its
    /// Dockerfile, go.mod and Makefile.
    Init(InitArgs),

    /// Print the configuration xbuild uses: xbuild.toml with every default
    /// filled in and every path resolved.
    Config(ConfigArgs),

    /// Write Dockerfile.cross: the Dockerfile with its build stages pinned to
    /// the build platform (`--platform=${BUILDPLATFORM}`).
    Cross(CrossArgs),

    /// Build (and push, load or export) the multi-platform image: the whole
    /// `docker-buildx` Makefile target, with a builder that is always cleaned
    /// up and failures that are never hidden.
    #[command(visible_alias = "docker-buildx")]
    Build(BuildArgs),

    /// Build several images in one `docker buildx bake` (the `[images.NAME]`
    /// tables of xbuild.toml, or `[image]`), or print its definition.
    Bake(BakeArgs),

    /// The Makefile's docker-build: build the image for one platform (the
    /// engine's own, or --platform) and load it into the local image store
    /// under its tags, with the same Dockerfile rewrite and host Go as
    /// `build`.
    DockerBuild(DockerBuildArgs),

    /// The Makefile's docker-push: push the image docker-build loaded, under
    /// the same tags, and print the digest the registry holds.
    DockerPush(DockerPushArgs),

    /// Merge images pushed by digest (one per runner) into one index and tag
    /// it: `docker buildx imagetools create`, after checking every source is
    /// in the registry, then reading the index back.
    ///
    /// A SOURCE is NAME@sha256:..., a bare sha256:... (in the first tag's
    /// repository) or the path of a JSON summary written by
    /// `xbuild build --push-by-digest --format json`. Each source's platforms
    /// must be in the index exactly once. Attestation entries (provenance,
    /// SBOM) are kept unless [build] provenance and sbom are both off.
    /// With podman (CONTAINER_TOOL, [builder] tool): skopeo reads, and
    /// `podman manifest create/add/push` writes through a temporary list.
    #[command(verbatim_doc_comment)]
    Merge(MergeArgs),

    /// Generate CI configuration.
    #[command(subcommand)]
    Ci(CiCommand),

    /// Cross-compile the Dockerfile's Go binary on this machine, for each
    /// platform.
    ///
    /// Uses the host's go and its build cache (the Dockerfile's `-a` is
    /// dropped) and writes <[go] out-dir>/<os>_<arch>[_<variant>]/<name>,
    /// which `build --go host` copies into the image. Each binary's header is
    /// checked against its platform.
    GoBuild(GoBuildArgs),

    /// Manage persistent buildx builders (one per project, or a group of
    /// remote nodes) as configured in [builder].
    #[command(subcommand)]
    Builder(BuilderCommand),

    /// Check Dockerfiles for cross-build mistakes: wrong-arch images, slow emulated builds
    ///
    /// Rules (suppress one with a `# xbuild-ignore XB005` comment on the line
    /// before the instruction, or `[lint] ignore = ["XB005"]` in xbuild.toml):
    ///
    ///   XB000 parse-error                error    the file does not parse
    ///   XB001 build-stage-not-pinned     warning  fix: pin to $BUILDPLATFORM
    ///   XB002 shipped-stage-pinned       error    fix: remove the flag
    ///   XB003 duplicate-platform         error    fix: drop an equal repeat
    ///   XB004 redundant-target-platform  warning  fix: remove the flag
    ///   XB005 constant-platform          warning
    ///   XB006 hardcoded-goarch           error
    ///   XB007 undeclared-target-arg      error    fix: insert ARG after FROM
    ///   XB008 host-arch-output           error
    ///   XB009 cgo-cross                  warning
    ///   XB010 stale-cross                error    fix: rewrite Dockerfile.cross
    ///
    /// Exit status: 0 without error-level findings, 1 with some (or with
    /// warnings under --deny-warnings), 2 when a file cannot be read or the
    /// configuration is invalid.
    #[command(verbatim_doc_comment)]
    Lint(LintArgs),

    /// Tools for looking inside xbuild.
    #[command(subcommand)]
    Debug(DebugCommand),

    /// Print a shell completion script.
    ///
    /// bash: `source <(xbuild completions bash)`, or save it as
    /// ~/.local/share/bash-completion/completions/xbuild. zsh: save it as
    /// _xbuild in a directory of $fpath. fish: save it as
    /// ~/.config/fish/completions/xbuild.fish.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Print the man page (roff), or write one page per command into DIR.
    ///
    /// `xbuild man | man -l -` shows it.
    Man {
        /// Write xbuild.1 and xbuild-COMMAND.1 here instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// Output format of `build`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    /// Text for people.
    #[default]
    Human,
    /// One JSON document on stdout.
    Json,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Target platforms, comma-separated [default: $PLATFORMS, else
    /// [image] platforms, else linux/amd64,linux/arm64].
    #[arg(long, value_name = "LIST")]
    pub platform: Option<String>,

    /// Image reference to tag (repeatable) [default: $IMG, else [image] name
    /// and tags].
    #[arg(long, short = 't', value_name = "REF")]
    pub tag: Vec<String>,

    /// Push the image to its registry.
    #[arg(long)]
    pub push: bool,

    /// Load the image into the local docker image store.
    #[arg(long)]
    pub load: bool,

    /// An output in buildx syntax, e.g. type=local,dest=out or
    /// type=oci,dest=image.tar (repeatable). Any of --push, --load or
    /// --output replaces the outputs of xbuild.toml.
    #[arg(long, short = 'o', value_name = "SPEC")]
    pub output: Vec<String>,

    /// The container tool: docker (buildx) or podman, or a path to either
    /// [default: $CONTAINER_TOOL, else [builder] tool, else docker].
    #[arg(long, value_name = "TOOL")]
    pub tool: Option<String>,

    /// The buildx driver: auto, docker, docker-container, kubernetes or
    /// remote; auto uses the engine's own builder when it can build the
    /// request, else an ephemeral docker-container builder
    /// [default: [builder] driver, else auto].
    #[arg(long, value_name = "NAME")]
    pub driver: Option<String>,

    /// Name of the builder (an ephemeral one gets a random suffix)
    /// [default: [builder] name, else xbuild].
    #[arg(long, value_name = "NAME")]
    pub builder_name: Option<String>,

    /// A build argument NAME=VALUE (repeatable); NAME alone takes the value
    /// from the environment.
    #[arg(long, value_name = "NAME=VALUE")]
    pub build_arg: Vec<String>,

    /// The stage to build [default: [dockerfile] target, else the last stage].
    #[arg(long, value_name = "STAGE")]
    pub target: Option<String>,

    /// Do not use the build cache.
    #[arg(long)]
    pub no_cache: bool,

    /// buildx progress output: auto, plain, tty, quiet or rawjson.
    #[arg(long, value_name = "MODE")]
    pub progress: Option<String>,

    /// Keep the builder after the build (named without a random suffix and
    /// reused by later runs, so its cache survives).
    #[arg(long)]
    pub keep_builder: bool,

    /// Write Dockerfile.cross next to the Dockerfile and build from it,
    /// instead of passing it to buildx on stdin.
    #[arg(long)]
    pub keep_cross: bool,

    /// Where the Go binary is compiled: `host` cross-compiles it with this
    /// machine's go and build cache and copies it into the image; `container`
    /// builds the Dockerfile's Go stage as written; `auto` uses the host when
    /// the Go stage can be read and a new enough go is on PATH [default:
    /// [go] mode, else auto].
    #[arg(long = "go", value_enum, value_name = "MODE")]
    pub go: Option<GoModeArg>,

    /// Do not run the [build] before commands (CI runs them once, in their
    /// own job, not on every platform's runner).
    #[arg(long)]
    pub no_before: bool,

    /// Push the image to the repository by digest only, touching no tag (one
    /// runner per platform; `xbuild merge` then writes the tag). The
    /// repository is --tag REPO (without a tag), else [image] name.
    #[arg(long, conflicts_with_all = ["push", "load", "output"])]
    pub push_by_digest: bool,

    /// Print the plan (every command line, with its environment) and run
    /// nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Output format of the plan (--dry-run) or of the final summary.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,

    /// After a successful push, set the image named by [build]
    /// kustomize-image (default controller) in DIR/kustomization.yaml to the
    /// pushed repository and digest, as `kustomize edit set image` does
    /// [default: [build] kustomize].
    #[arg(long, value_name = "DIR")]
    pub kustomize: Option<PathBuf>,

    /// The images to build: NAMEs of `[images.NAME]` tables in xbuild.toml
    /// [default: all of them]. Without `[images]`, one argument is the build
    /// context, as for `docker buildx build` [default: [dockerfile] context].
    #[arg(value_name = "NAME|CONTEXT")]
    pub names: Vec<String>,

    /// The Dockerfile, for one image [default: CONTEXT/Dockerfile when a
    /// context is given, else [dockerfile] path].
    #[arg(long = "file", short = 'f', value_name = "PATH")]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DockerBuildArgs {
    /// The one platform to build [default: the docker engine's].
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Option<String>,

    /// Image reference to tag (repeatable) [default: $IMG, else [image] name
    /// and tags].
    #[arg(long, short = 't', value_name = "REF")]
    pub tag: Vec<String>,

    /// A build argument NAME=VALUE (repeatable); NAME alone takes the value
    /// from the environment.
    #[arg(long, value_name = "NAME=VALUE")]
    pub build_arg: Vec<String>,

    /// The stage to build [default: [dockerfile] target, else the last stage].
    #[arg(long, value_name = "STAGE")]
    pub target: Option<String>,

    /// The buildx driver [default: docker, the engine's own builder, as
    /// `docker build` uses].
    #[arg(long, value_name = "NAME")]
    pub driver: Option<String>,

    /// Do not use the build cache.
    #[arg(long)]
    pub no_cache: bool,

    /// buildx progress output: auto, plain, tty, quiet or rawjson.
    #[arg(long, value_name = "MODE")]
    pub progress: Option<String>,

    /// Where the Go binary is compiled (as for `build`) [default: [go] mode,
    /// else auto].
    #[arg(long = "go", value_enum, value_name = "MODE")]
    pub go: Option<GoModeArg>,

    /// Print the plan and run nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Output format of the plan (--dry-run) or of the final summary.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct DockerPushArgs {
    /// Image reference to push (repeatable) [default: $IMG, else [image]
    /// name and tags].
    #[arg(long, short = 't', value_name = "REF")]
    pub tag: Vec<String>,

    /// After the push, set the pushed digest in DIR/kustomization.yaml (see
    /// `build --kustomize`) [default: [build] kustomize].
    #[arg(long, value_name = "DIR")]
    pub kustomize: Option<PathBuf>,

    /// Print the commands and run nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The reference to write (repeatable).
    #[arg(long, short = 't', value_name = "REF", required = true)]
    pub tag: Vec<String>,

    /// The images to merge: NAME@sha256:..., sha256:..., or a JSON summary file.
    #[arg(value_name = "SOURCE", required = true)]
    pub sources: Vec<String>,

    /// Print the commands and run nothing (summary files are still read).
    #[arg(long)]
    pub dry_run: bool,

    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
}

#[derive(Debug, Subcommand)]
pub enum CiCommand {
    /// Write .github/workflows/xbuild.yml: one native runner per platform
    /// pushing by digest, then a job that merges the digests into the tags.
    Github(CiGithubArgs),
}

#[derive(Debug, Args)]
pub struct CiGithubArgs {
    /// Print the workflow instead of writing it.
    #[arg(long)]
    pub stdout: bool,

    /// Overwrite an existing workflow file.
    #[arg(long)]
    pub force: bool,

    /// How the workflow installs xbuild: the argument list of `cargo install`
    /// [default: --git URL of the xbuild repository, see README].
    #[arg(long, value_name = "ARGS", allow_hyphen_values = true)]
    pub install: Option<String>,
}

/// Where `build` compiles the Go binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GoModeArg {
    /// The host when the Go stage can be read and go is on PATH, else the
    /// container.
    Auto,
    /// Always on the host (an error when it cannot be done).
    Host,
    /// Always in the container, as the Dockerfile says.
    Container,
}

#[derive(Debug, Args)]
pub struct GoBuildArgs {
    /// Target platforms, comma-separated [default: $PLATFORMS, else
    /// [image] platforms, else linux/amd64,linux/arm64].
    #[arg(long, value_name = "LIST")]
    pub platform: Option<String>,

    /// Pass `-a` to go build: rebuild every package instead of using the
    /// host build cache (by default the Dockerfile's `-a` is dropped).
    #[arg(long)]
    pub rebuild_all: bool,

    /// A build argument NAME=VALUE (repeatable), for ARGs the Go stage uses
    /// (e.g. a VERSION in -ldflags); NAME alone takes the value from the
    /// environment.
    #[arg(long, value_name = "NAME=VALUE")]
    pub build_arg: Vec<String>,

    /// The stage the image is built from [default: [dockerfile] target, else
    /// the last stage].
    #[arg(long, value_name = "STAGE")]
    pub target: Option<String>,

    /// How many platforms to build at once [default: the number of CPUs].
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<std::num::NonZeroUsize>,

    /// Print the go build commands (with their environment and directory)
    /// and run nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Subcommand)]
pub enum BuilderCommand {
    /// List buildx builders; the project's configured builder is marked.
    Ls,

    /// Create the configured builder (its first node and every
    /// [[builder.nodes]] entry) without starting it.
    Create {
        /// Name of the builder [default: [builder] name].
        #[arg(long, value_name = "NAME")]
        name: Option<String>,

        /// The driver [default: [builder] driver].
        #[arg(long, value_name = "NAME")]
        driver: Option<String>,

        /// Print the commands instead of running them.
        #[arg(long)]
        dry_run: bool,
    },

    /// Remove the configured builder (or the one named).
    Rm {
        /// Name of the builder [default: [builder] name].
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Overwrite an existing xbuild.toml.
    #[arg(long)]
    pub force: bool,

    /// Print the file to stdout instead of writing it.
    #[arg(long)]
    pub stdout: bool,

    /// Instead of xbuild.toml, rewrite the Makefile's docker-build,
    /// docker-push and docker-buildx recipes to call xbuild (target names,
    /// prerequisites, help comments and everything else stay as they are)
    /// and print the diff. A recipe that is not the kubebuilder scaffold's
    /// is refused.
    #[arg(long, conflicts_with = "force")]
    pub makefile: bool,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// How to print it.
    #[arg(long, value_enum, default_value_t = ConfigFormat::Toml)]
    pub format: ConfigFormat,
}

/// Output formats of `xbuild config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConfigFormat {
    /// TOML that loads back as the same configuration.
    Toml,
    /// JSON, for scripts.
    Json,
}

/// How `cross` chooses the stages to pin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StrategyArg {
    /// Pin every stage chain that builds for the target platform and does not
    /// ship in the final image.
    Auto,
    /// Pin only the first FROM (what the Makefile's sed line meant to do).
    FirstFrom,
}

#[derive(Debug, Args)]
pub struct BakeArgs {
    /// Print the bake definition (JSON, buildx's file format) on stdout and
    /// build nothing.
    #[arg(long)]
    pub print: bool,

    #[command(flatten)]
    pub build: BuildArgs,
}

#[derive(Debug, Args)]
pub struct CrossArgs {
    /// The Dockerfile to read [default: CONTEXT/Dockerfile when a context is
    /// given, else from xbuild.toml, else ./Dockerfile].
    #[arg(long, short = 'f', visible_alias = "file", value_name = "PATH")]
    pub dockerfile: Option<PathBuf>,

    /// The build context, as for `docker buildx build`: its Dockerfile is
    /// read unless -f says otherwise.
    #[arg(value_name = "CONTEXT")]
    pub context: Option<PathBuf>,

    /// Where to write the result; `-` for stdout [default: from xbuild.toml,
    /// else Dockerfile.cross next to the Dockerfile].
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Which stages to pin [default: from xbuild.toml, else auto].
    #[arg(long, value_enum)]
    pub strategy: Option<StrategyArg>,

    /// The stage the image is built from [default: from xbuild.toml, else the
    /// last stage].
    #[arg(long, value_name = "STAGE")]
    pub target: Option<String>,

    /// Write nothing; exit 1 when the output file is missing or differs from
    /// what would be written, 0 when it is current.
    #[arg(long)]
    pub check: bool,

    /// Do not print the per-stage summary on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// How `lint` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    /// Annotated snippets and a summary line.
    Human,
    /// One JSON object: {"diagnostics": [...], "summary": {...}}.
    Json,
    /// GitHub Actions workflow commands (::error file=...,line=...::...).
    Github,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// The Dockerfiles to check [default: the Dockerfile from xbuild.toml,
    /// else ./Dockerfile]. Each one's Dockerfile.cross is PATH.cross (the
    /// configured one for the configured Dockerfile).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Apply the fixes in place (only the bytes of each fix change), then
    /// report what remains. A stale Dockerfile.cross is rewritten.
    #[arg(long)]
    pub fix: bool,

    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: LintFormat,

    /// Exit 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,

    /// Run only these rules (IDs, comma-separated), e.g. `--select XB010`.
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub select: Option<Vec<String>>,

    /// With --fix: exit 1 when a file was changed, so that a pre-commit hook
    /// stops the commit for the changed files to be added.
    #[arg(long, requires = "fix")]
    pub exit_nonzero_on_fix: bool,
}

#[derive(Debug, Subcommand)]
pub enum DebugCommand {
    /// Print a Dockerfile's syntax tree in BuildKit's parser dump format.
    Parse {
        /// The Dockerfile to parse.
        file: PathBuf,
    },
}
