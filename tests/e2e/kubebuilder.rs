//! Issue 16 on the real stack, in a copy of `fixtures/kubebuilder` (the
//! go/v4 scaffold's Makefile and config/): `xbuild init --makefile`, then the
//! rewritten recipes through make (`docker-build docker-push`, and
//! `docker-buildx` for two platforms), then `build --push --kustomize
//! config/manager`, after which Debian's kubectl renders config/default with
//! the pushed digest.

use crate::support::{Cmd, Output, Project, index_platforms, repo_root, stack, unique_tag};
use std::path::Path;
use std::time::Duration;

/// The fixture with the stack's base images and the docker driver (the
/// docker-container driver needs the BuildKit image, which is not offline),
/// and a bin/ holding `xbuild` (the binary under test) for make's PATH.
fn project() -> (Project, String) {
    let stack = stack();
    let p = Project::copy_of(&repo_root().join("fixtures/kubebuilder"));
    let dockerfile = p
        .read("Dockerfile")
        .replace("golang:1.26", &stack.golang)
        .replace("gcr.io/distroless/static:nonroot", &stack.busybox);
    p.write("Dockerfile", dockerfile);
    p.write("xbuild.toml", "[builder]\ndriver = \"docker\"\n");
    let bin = p.join("testbin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_xbuild"), bin.join("xbuild")).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    (p, path)
}

fn reference(name: &str) -> String {
    format!("{}/issue16-{name}:{}", stack().registry, unique_tag())
}

fn make(p: &Project, path: &str, args: &[&str]) -> Output {
    p.cmd("make")
        .args(args.iter().copied())
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(1200))
        .run()
}

/// The registry's digest of a reference: sha256 of its raw manifest bytes.
fn registry_digest(p: &Project, reference: &str) -> String {
    let raw = Cmd::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!("docker://{reference}"))
        .timeout(Duration::from_secs(60))
        .run();
    let file = p.join("manifest.raw");
    std::fs::write(&file, raw.stdout.as_bytes()).unwrap();
    let sum = Cmd::new("sha256sum").arg(file.display().to_string()).run();
    format!("sha256:{}", sum.stdout.split_whitespace().next().unwrap())
}

fn repository(reference: &str) -> &str {
    &reference[..reference.rfind(':').unwrap()]
}

fn kubectl() -> String {
    std::env::var("XBUILD_E2E_KUBECTL").unwrap_or_else(|_| {
        panic!("XBUILD_E2E_KUBECTL is not set: run `eval \"$(ci/e2e-env.sh)\"` (ci/e2e-env.d/60-kubectl.sh provides Debian's kubectl)")
    })
}

#[test]
fn init_makefile_then_make_docker_build_push_and_buildx() {
    let (p, path) = project();
    let before = p.read("Makefile");
    let init = p
        .cmd(env!("CARGO_BIN_EXE_xbuild"))
        .args(["init", "--makefile"])
        .run();
    let after = p.read("Makefile");
    let removed: Vec<&str> = init
        .stdout
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .collect();
    assert_eq!(removed.len(), 9, "{init}");
    assert_eq!(
        before.lines().count() - after.lines().count(),
        6,
        "only the three recipes change"
    );

    // `$(if $(BASE_IMAGE),...)` expands empty without BASE_IMAGE, as in the
    // scaffold's own recipe.
    let dry = make(
        &p,
        &path,
        &[
            "-n",
            "docker-buildx",
            "IMG=x",
            "PLATFORMS=linux/amd64,linux/arm64",
        ],
    );
    assert_eq!(
        dry.stdout,
        "xbuild docker-buildx --push --platform=linux/amd64,linux/arm64  --tag x\n"
    );

    // docker-build then docker-push: one platform (the engine's), loaded,
    // then pushed with the digest read back.
    let single = reference("single");
    let base = format!("BASE_IMAGE={}", stack().golang);
    let out = make(
        &p,
        &path,
        &[
            "docker-build",
            "docker-push",
            &format!("IMG={single}"),
            &base,
        ],
    );
    let pushed = registry_digest(&p, &single);
    assert!(
        out.stdout.contains(&format!("{single}@{pushed}\n")),
        "docker-push prints the registry's digest {pushed}\n{out}"
    );
    assert!(
        out.stdout
            .contains("xbuild docker-build --build-arg BASE_IMAGE="),
        "{out}"
    );
    let run = Cmd::new("docker")
        .args(["run", "--rm", &single])
        .timeout(Duration::from_secs(120))
        .run();
    assert_eq!(run.stdout.trim(), "linux/amd64");

    // docker-buildx: a two-platform index through xbuild.
    let multi = reference("multi");
    let out = make(
        &p,
        &path,
        &[
            "docker-buildx",
            &format!("IMG={multi}"),
            "PLATFORMS=linux/amd64,linux/arm64",
            &base,
        ],
    );
    assert!(
        out.stdout.contains(&format!(
            "xbuild docker-buildx --push --platform=linux/amd64,linux/arm64 --build-arg {base} --tag {multi}\n"
        )),
        "{out}"
    );
    let index = crate::support::skopeo_raw(&multi);
    let mut platforms: Vec<String> = index_platforms(&index)
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    platforms.sort();
    assert_eq!(platforms, ["linux/amd64", "linux/arm64"]);
    assert!(!p.exists("Dockerfile.cross"));
}

#[test]
fn build_push_pins_the_digest_that_kubectl_kustomize_renders() {
    let (p, _path) = project();
    let image = reference("kustomize");
    let out = p
        .cmd(env!("CARGO_BIN_EXE_xbuild"))
        .args(["build", "--push", "--platform", "linux/amd64,linux/arm64"])
        .args(["--tag", &image, "--kustomize", "config/manager"])
        .timeout(Duration::from_secs(1200))
        .run();
    let digest = registry_digest(&p, &image);
    let repo = repository(&image);
    assert!(
        out.stderr.contains(&format!("  image    {image}@{digest}")),
        "{out}"
    );
    assert!(
        out.stderr.contains(&format!("xbuild: kustomize: set image controller in config/manager/kustomization.yaml to {repo}@{digest}")),
        "{out}"
    );
    assert_eq!(
        p.read("config/manager/kustomization.yaml"),
        format!(
            "resources:\n- manager.yaml\nimages:\n- name: controller\n  newName: {repo}\n  digest: {digest}\n"
        )
    );
    let rendered = Cmd::new(&kubectl())
        .args(["kustomize", "config/default"])
        .cwd(p.path())
        .run();
    assert!(
        rendered
            .stdout
            .contains(&format!("        image: {repo}@{digest}\n")),
        "{rendered}"
    );
    assert!(
        rendered.stdout.contains("name: fixture-controller-manager"),
        "{rendered}"
    );
    assert!(Path::new(&p.join("config/manager/kustomization.yaml")).exists());
}
