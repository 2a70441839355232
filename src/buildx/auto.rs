//! `[builder] driver = "auto"` (the default): build on the engine's own
//! builder (the `docker` driver) when it can do the job, else on an
//! ephemeral `docker-container` builder, as the kubebuilder Makefile does.
//!
//! The engine's builder starts instantly and keeps its cache between runs;
//! an ephemeral BuildKit container is created, booted (its image pulled the
//! first time) and removed on every run, with an empty cache each time. It
//! is still the only choice when the build asks for something only a
//! BuildKit container offers (a cache export other than inline, buildkitd
//! flags or config, driver options, an endpoint, builder platforms, nodes, a
//! builder kept across runs), or when the engine cannot build the request
//! (no containerd image store for several platforms, a platform it cannot
//! run).
//!
//! The decision is a pure function of the resolved request and the engine's
//! facts (`engine`), so it is tested without an engine; the facts are asked
//! for only when the request alone does not decide.

use crate::buildx::engine::{EngineFacts, Probe};
use crate::config::Driver;
use crate::platform::Platform;
use serde::Serialize;

/// What the build asks of its builder.
#[derive(Debug, Clone, Default)]
pub struct Needs<'a> {
    pub platforms: &'a [Platform],
    pub cache_to: &'a [String],
    pub buildkitd_flags: bool,
    pub buildkitd_config: bool,
    pub driver_opts: bool,
    pub endpoint: bool,
    pub builder_platforms: bool,
    pub nodes: usize,
    /// A named builder kept across runs (`ephemeral = false`, `--keep-builder`).
    pub kept: bool,
}

/// The driver `auto` chose, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    #[serde(serialize_with = "driver_name")]
    pub driver: Driver,
    pub reason: String,
    pub probe: Probe,
}

fn driver_name<S: serde::Serializer>(d: &Driver, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(d.as_str())
}

/// What in the request needs a BuildKit container, one phrase each.
pub fn container_reasons(n: &Needs) -> Vec<String> {
    let mut r = Vec::new();
    for c in n.cache_to {
        if !is_inline_cache(c) {
            r.push(format!(
                "cache-to {c:?} (the engine's builder exports inline cache only)"
            ));
        }
    }
    let mut key = |set: bool, what: &str| {
        if set {
            r.push(what.to_string());
        }
    };
    key(n.buildkitd_flags, "[builder] buildkitd-flags");
    key(n.buildkitd_config, "[builder] config (a buildkitd.toml)");
    key(n.driver_opts, "[builder] driver-opts");
    key(n.endpoint, "[builder] endpoint");
    key(n.builder_platforms, "[builder] platforms");
    key(n.nodes > 0, "[[builder.nodes]]");
    key(
        n.kept,
        "a builder kept across runs (ephemeral = false or --keep-builder)",
    );
    r
}

fn is_inline_cache(spec: &str) -> bool {
    crate::config::check::csv_fields(spec)
        .unwrap_or_default()
        .iter()
        .any(|f| f.trim() == "type=inline")
}

/// Decides. `probe` is called only when the request alone does not decide.
pub fn decide(needs: &Needs, probe: impl FnOnce() -> Probe) -> Choice {
    let reasons = container_reasons(needs);
    if !reasons.is_empty() {
        return Choice {
            driver: Driver::DockerContainer,
            reason: format!(
                "an ephemeral docker-container builder: the build needs a BuildKit container for {}",
                reasons.join(", ")
            ),
            probe: Probe::NotRun {
                would_run: Vec::new(),
            },
        };
    }
    let probe = probe();
    let (driver, reason) = match &probe {
        Probe::NotRun { .. } => (
            Driver::Docker,
            "the engine's own builder, if the probe shows the containerd image store and every platform (dry run: not probed); else an ephemeral docker-container builder".to_string(),
        ),
        Probe::Failed { error } => (
            Driver::DockerContainer,
            format!("an ephemeral docker-container builder: the engine could not be probed ({error})"),
        ),
        Probe::Done(facts) => from_facts(needs.platforms, facts),
    };
    Choice {
        driver,
        reason,
        probe,
    }
}

fn from_facts(platforms: &[Platform], facts: &EngineFacts) -> (Driver, String) {
    let container = |why: String| {
        (
            Driver::DockerContainer,
            format!("an ephemeral docker-container builder: {why}"),
        )
    };
    if platforms.len() > 1 && !facts.containerd_store {
        return container(format!(
            "the engine does not use the containerd image store, so its builder builds one platform at a time, not {}",
            platforms.len()
        ));
    }
    let missing: Vec<String> = platforms
        .iter()
        .filter(|p| !facts.can_run(p))
        .map(ToString::to_string)
        .collect();
    if !missing.is_empty() {
        return container(format!(
            "the engine cannot run {} (no QEMU handler; see `docker buildx inspect {}`)",
            missing.join(", "),
            facts.builder
        ));
    }
    let store = if facts.containerd_store {
        "uses the containerd image store and "
    } else {
        ""
    };
    (
        Driver::Docker,
        format!(
            "the engine's own builder ({}): the engine {store}runs {}; it keeps its cache between runs",
            facts.builder,
            platforms
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Platform {
        s.parse().unwrap()
    }

    fn four() -> Vec<Platform> {
        ["linux/amd64", "linux/arm64", "linux/s390x", "linux/ppc64le"]
            .iter()
            .map(|s| p(s))
            .collect()
    }

    fn facts(containerd_store: bool, platforms: &[&str]) -> Probe {
        Probe::Done(EngineFacts {
            containerd_store,
            builder: "default".into(),
            platforms: platforms.iter().map(|s| p(s)).collect(),
            emulated: Vec::new(),
        })
    }

    fn never() -> Probe {
        panic!("the request alone decides: the engine must not be probed")
    }

    #[test]
    fn the_engine_builder_when_it_has_the_store_and_every_platform() {
        let platforms = four();
        let needs = Needs {
            platforms: &platforms,
            ..Needs::default()
        };
        let c = decide(&needs, || {
            facts(
                true,
                &["linux/amd64", "linux/arm64", "linux/s390x", "linux/ppc64le"],
            )
        });
        assert_eq!(c.driver, Driver::Docker);
        assert_eq!(
            c.reason,
            "the engine's own builder (default): the engine uses the containerd image store and runs linux/amd64, linux/arm64, linux/s390x, linux/ppc64le; it keeps its cache between runs"
        );
    }

    #[test]
    fn a_container_without_the_containerd_store_for_several_platforms() {
        let platforms = four();
        let needs = Needs {
            platforms: &platforms,
            ..Needs::default()
        };
        let c = decide(&needs, || facts(false, &["linux/amd64", "linux/arm64"]));
        assert_eq!(c.driver, Driver::DockerContainer);
        assert!(
            c.reason.contains("does not use the containerd image store"),
            "{}",
            c.reason
        );
        // One platform is fine on the classic store.
        let one = [p("linux/arm64")];
        let needs = Needs {
            platforms: &one,
            ..Needs::default()
        };
        let c = decide(&needs, || facts(false, &["linux/amd64", "linux/arm64"]));
        assert_eq!(c.driver, Driver::Docker);
    }

    #[test]
    fn a_container_for_a_platform_the_engine_cannot_run() {
        let platforms = four();
        let needs = Needs {
            platforms: &platforms,
            ..Needs::default()
        };
        let c = decide(&needs, || facts(true, &["linux/amd64", "linux/arm64"]));
        assert_eq!(c.driver, Driver::DockerContainer);
        assert_eq!(
            c.reason,
            "an ephemeral docker-container builder: the engine cannot run linux/s390x, linux/ppc64le (no QEMU handler; see `docker buildx inspect default`)"
        );
    }

    #[test]
    fn what_only_a_buildkit_container_offers_decides_without_probing() {
        let platforms = four();
        let cache_to = ["type=local,dest=/tmp/c".to_string()];
        let needs = Needs {
            platforms: &platforms,
            cache_to: &cache_to,
            driver_opts: true,
            nodes: 1,
            kept: true,
            ..Needs::default()
        };
        let c = decide(&needs, never);
        assert_eq!(c.driver, Driver::DockerContainer);
        assert_eq!(
            c.reason,
            "an ephemeral docker-container builder: the build needs a BuildKit container for cache-to \"type=local,dest=/tmp/c\" (the engine's builder exports inline cache only), [builder] driver-opts, [[builder.nodes]], a builder kept across runs (ephemeral = false or --keep-builder)"
        );
        for needs in [
            Needs {
                buildkitd_flags: true,
                ..Needs::default()
            },
            Needs {
                buildkitd_config: true,
                ..Needs::default()
            },
            Needs {
                endpoint: true,
                ..Needs::default()
            },
            Needs {
                builder_platforms: true,
                ..Needs::default()
            },
        ] {
            assert_eq!(decide(&needs, never).driver, Driver::DockerContainer);
        }
    }

    #[test]
    fn inline_cache_export_stays_on_the_engine() {
        let cache_to = ["type=inline".to_string()];
        let needs = Needs {
            cache_to: &cache_to,
            ..Needs::default()
        };
        assert!(container_reasons(&needs).is_empty());
        let registry = ["type=registry,ref=r/c".to_string()];
        let needs = Needs {
            cache_to: &registry,
            ..Needs::default()
        };
        assert_eq!(container_reasons(&needs).len(), 1);
    }

    #[test]
    fn an_unprobed_or_unreachable_engine() {
        let needs = Needs::default();
        let c = decide(&needs, || Probe::NotRun {
            would_run: vec!["docker info".into()],
        });
        assert_eq!(c.driver, Driver::Docker);
        assert!(c.reason.contains("dry run: not probed"));
        let c = decide(&needs, || Probe::Failed {
            error: "cannot connect".into(),
        });
        assert_eq!(c.driver, Driver::DockerContainer);
        assert!(c.reason.ends_with("could not be probed (cannot connect)"));
    }
}
