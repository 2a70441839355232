//! Per-platform builds merged into one index, as two CI runners and a merge
//! job would do it: two `xbuild build --push-by-digest` processes (one per
//! platform, each in its own copy of the project) write JSON summaries, and
//! `xbuild merge` of those files tags one index with both platforms whose
//! images run. A merge with a missing or foreign digest fails and pushes
//! nothing.

use crate::build::assert_runs_as;
use crate::support::{Cmd, Project, index_platforms, podman_lists, skopeo_raw, stack, unique_name};
use std::time::Duration;

fn xbuild(dir: &std::path::Path) -> Cmd {
    Cmd::new(env!("CARGO_BIN_EXE_xbuild"))
        .cwd(dir)
        .env("NO_COLOR", "1")
        .env("GITHUB_ACTIONS", "false")
        .timeout(Duration::from_secs(900))
}

/// A runner's checkout: the fixture operator pushing to `repository`.
fn checkout(repository: &str) -> Project {
    let stack = stack();
    let p = Project::fixture_operator();
    p.write(
        "xbuild.toml",
        format!(
            "[image]\nname = \"{repository}\"\nplatforms = [\"linux/amd64\", \"linux/arm64\"]\n\n[builder]\ndriver = \"docker\"\n\n[build.args]\nGOLANG_IMAGE = \"{}\"\nRUNTIME_IMAGE = \"{}\"\n",
            stack.golang, stack.busybox
        ),
    );
    p
}

/// `xbuild build --platform P --push-by-digest --format json`: the summary.
/// In GitHub Actions, the step outputs are checked too.
fn build_by_digest(repository: &str, platform: &str) -> (Project, serde_json::Value) {
    let p = checkout(repository);
    let outputs = p.join("github-output");
    let out = xbuild(p.path())
        .args(["build", "--platform", platform, "--push-by-digest"])
        .args(["--format", "json"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", outputs.to_str().unwrap())
        .env(
            "GITHUB_STEP_SUMMARY",
            p.join("summary.md").to_str().unwrap(),
        )
        .run();
    let summary: serde_json::Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON summary ({e})\n{out}"));
    let digest = summary["digest"].as_str().unwrap();
    assert_eq!(
        p.read("github-output"),
        format!(
            "digest={digest}\nrepository={repository}\nimage={repository}@{digest}\nplatforms={platform}\n"
        )
    );
    (p, summary)
}

/// Does the registry have `reference`?
fn exists(reference: &str) -> bool {
    Cmd::new("docker")
        .args(["buildx", "imagetools", "inspect", "--raw", reference])
        .timeout(Duration::from_secs(60))
        .output()
        .success()
}

/// The merge fails (exit 1) naming `missing`, a source not in the registry.
fn refused_as_missing(merge: Cmd, missing: &str) -> crate::support::Output {
    let out = merge.run_expect_failure();
    assert_eq!(out.code(), Some(1), "{out}");
    assert!(
        out.stderr.contains("xbuild::merge::missing")
            && out.stderr.contains(missing)
            && out.stderr.contains("nothing was pushed"),
        "{out}"
    );
    out
}

#[test]
fn two_runners_pushed_by_digest_merge_into_one_index_whose_images_run() {
    let stack = stack();
    let repository = format!("{}/xbuild-e2e/{}", stack.registry, unique_name("issue13"));
    let (amd, amd_summary) = build_by_digest(&repository, "linux/amd64");
    let (arm, arm_summary) = build_by_digest(&repository, "linux/arm64");
    for (s, platform) in [(&amd_summary, "linux/amd64"), (&arm_summary, "linux/arm64")] {
        assert_eq!(s["repository"], repository.as_str(), "{s:#}");
        assert_eq!(s["platforms"], serde_json::json!([platform]), "{s:#}");
        assert_eq!(s["manifests"][0]["platform"], platform, "{s:#}");
        // What the summary says is what the registry holds.
        let digest = s["digest"].as_str().unwrap();
        let held = index_platforms(&skopeo_raw(&format!("{repository}@{digest}")));
        assert_eq!(
            held,
            vec![(
                platform.to_string(),
                s["manifests"][0]["digest"].as_str().unwrap().to_string()
            )]
        );
    }
    // The engine keeps no copy under the stand-in tag.
    let local = Cmd::new("docker")
        .args(["image", "ls", "--format", "{{.Repository}}:{{.Tag}}"])
        .run();
    assert!(
        !local.stdout.contains(&repository),
        "left in the engine:\n{}",
        local.stdout
    );
    // No tag of the user's was pushed or moved: only the stated stand-in.
    assert!(!exists(&format!("{repository}:latest")));
    assert_eq!(
        amd_summary["temporary_tag"],
        format!("{repository}:xbuild-by-digest-linux-amd64").as_str()
    );

    // The merge job: the summaries are CI artifacts, passed as files.
    let job = tempfile::tempdir().unwrap();
    std::fs::write(job.path().join("amd64.json"), amd_summary.to_string()).unwrap();
    std::fs::write(job.path().join("arm64.json"), arm_summary.to_string()).unwrap();
    drop((amd, arm));
    let tag = format!("{repository}:t");
    // In GitHub Actions the digest goes to the step outputs and the table
    // to the job summary.
    let outputs = job.path().join("github-output");
    let step_summary = job.path().join("step-summary.md");
    let out = xbuild(job.path())
        .args(["merge", "--tag", &tag, "amd64.json", "arm64.json"])
        .args(["--format", "json"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", outputs.to_str().unwrap())
        .env("GITHUB_STEP_SUMMARY", step_summary.to_str().unwrap())
        .run();
    let merged: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{out}"));
    assert_eq!(
        merged["platforms"],
        serde_json::json!(["linux/amd64", "linux/arm64"]),
        "{merged:#}"
    );
    let digest = merged["digest"].as_str().unwrap();
    let outputs = std::fs::read_to_string(&outputs).unwrap();
    assert!(
        outputs.starts_with(&format!("digest={digest}\ntags={tag}\n")),
        "{outputs}"
    );
    let step_summary = std::fs::read_to_string(&step_summary).unwrap();
    assert!(
        step_summary.contains(&format!(
            "| linux/arm64 | `{}` | arm64.json |",
            merged["manifests"][1]["digest"].as_str().unwrap()
        )),
        "{step_summary}"
    );
    let index = skopeo_raw(&tag);
    let mut platforms: Vec<String> = index_platforms(&index)
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    platforms.sort();
    assert_eq!(platforms, ["linux/amd64", "linux/arm64"]);
    // Attestations are on by default: both sources' entries are kept.
    assert_eq!(merged["attestations"], 2, "{merged:#}");
    for platform in ["linux/amd64", "linux/arm64"] {
        assert_runs_as(&tag, platform, true);
    }

    // A digest that is not in the repository (all zeros), and one from
    // another repository (the stack's busybox): refused, nothing pushed.
    let bad_tag = format!("{repository}:bad");
    let zeros = format!("sha256:{}", "0".repeat(64));
    refused_as_missing(
        xbuild(job.path()).args(["merge", "--tag", &bad_tag, "amd64.json", &zeros]),
        &zeros,
    );
    let busybox = Cmd::new("docker")
        .args([
            "buildx",
            "imagetools",
            "inspect",
            "--format",
            "{{json .Manifest}}",
        ])
        .arg(&stack.busybox)
        .run();
    let foreign: serde_json::Value = serde_json::from_str(&busybox.stdout).unwrap();
    let foreign = foreign["digest"].as_str().unwrap();
    let out = xbuild(job.path())
        .args(["merge", "--tag", &bad_tag, "amd64.json", foreign])
        .run_expect_failure();
    assert_eq!(out.code(), Some(1), "{out}");
    assert!(
        out.stderr.contains("xbuild::merge::missing") && out.stderr.contains(foreign),
        "{out}"
    );
    // A summary whose digest is another platform's image.
    let mut lying = amd_summary.clone();
    lying["digest"] = arm_summary["digest"].clone();
    std::fs::write(job.path().join("lying.json"), lying.to_string()).unwrap();
    let out = xbuild(job.path())
        .args(["merge", "--tag", &bad_tag, "lying.json", "arm64.json"])
        .run_expect_failure();
    assert!(
        out.stderr
            .contains("source lying.json holds [\"linux/arm64\"], but its summary says"),
        "{out}"
    );
    assert!(!exists(&bad_tag), "a failed merge pushed {bad_tag}");
    // `docker run --pull always` stored the merged tag in the engine.
    Cmd::new("docker").args(["image", "rm", &tag]).run();
}

#[test]
fn podman_merges_two_runners_summaries_into_one_index_whose_images_run() {
    let stack = stack();
    let repository = format!("{}/{}", stack.registry, unique_name("podgaps-merge"));
    let (amd, amd_summary) = build_by_digest(&repository, "linux/amd64");
    let (arm, arm_summary) = build_by_digest(&repository, "linux/arm64");
    let job = tempfile::tempdir().unwrap();
    std::fs::write(job.path().join("a.json"), amd_summary.to_string()).unwrap();
    std::fs::write(job.path().join("b.json"), arm_summary.to_string()).unwrap();
    drop((amd, arm));
    let lists = podman_lists();
    let tag = format!("{repository}:t");
    let out = xbuild(job.path())
        .env("CONTAINER_TOOL", "podman")
        .args([
            "merge", "--tag", &tag, "a.json", "b.json", "--format", "json",
        ])
        .run();
    assert!(out.stderr.contains("podman manifest push --all"), "{out}");
    let merged: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{out}"));
    assert_eq!(
        merged["platforms"],
        serde_json::json!(["linux/amd64", "linux/arm64"]),
        "{merged:#}"
    );
    // Attestations are on by default: kept, with BuildKit's annotations.
    assert_eq!(merged["attestations"], 2, "{merged:#}");
    let index = skopeo_raw(&tag);
    let mut platforms: Vec<String> = index_platforms(&index)
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    platforms.sort();
    assert_eq!(platforms, ["linux/amd64", "linux/arm64"]);
    let digest = merged["digest"].as_str().unwrap();
    let pushed = skopeo_raw(&format!("{repository}@{digest}"));
    assert_eq!(pushed, index, "the tag is the digest the summary states");
    for platform in ["linux/amd64", "linux/arm64"] {
        assert_runs_as(&tag, platform, true);
    }
    assert_eq!(podman_lists(), lists, "a temporary list was left: {out}");

    // A missing digest: refused before anything is pushed.
    let bad_tag = format!("{repository}:bad");
    let zeros = format!("sha256:{}", "0".repeat(64));
    let out = refused_as_missing(
        xbuild(job.path())
            .env("CONTAINER_TOOL", "podman")
            .args(["merge", "--tag", &bad_tag, "a.json", &zeros]),
        &zeros,
    );
    assert!(!out.stderr.contains("manifest create"), "{out}");
    assert!(!exists(&bad_tag), "a failed merge pushed {bad_tag}");
    assert_eq!(podman_lists(), lists, "a temporary list was left: {out}");
    Cmd::new("docker").args(["image", "rm", &tag]).run();
}
