//! What the podman backend must know about the Dockerfile.cross it builds:
//! which foreign platforms run instructions under emulation, and which base
//! images are short names podman may not resolve.

use crate::dockerfile::Dockerfile;
use crate::dockerfile::stages::{PlatformKind, StageBase, StageGraph};

/// Whether any stage built for the target platform (not pinned to
/// `$BUILDPLATFORM`, directly or through its base stage) runs a `RUN`: then
/// each foreign platform needs an emulator.
pub fn runs_for_target(df: &Dockerfile, graph: &StageGraph) -> bool {
    let reachable = graph.reachable();
    let mut on_build = vec![false; graph.stages.len()];
    for (i, s) in graph.stages.iter().enumerate() {
        let pinned = s
            .platforms
            .iter()
            .any(|f| f.value.as_deref().map(PlatformKind::of) == Some(PlatformKind::Build));
        on_build[i] = pinned
            || (s.platforms.is_empty()
                && matches!(s.base, StageBase::Stage(p) if p < i && on_build[p]));
    }
    graph.stages.iter().enumerate().any(|(i, s)| {
        reachable[i]
            && !on_build[i]
            && df.instructions[s.body.clone()]
                .iter()
                .any(|ins| ins.command == "run")
    })
}

/// Base images of the stages that are built whose name has no registry
/// (`golang:1.22`, `busybox`): podman resolves those only through
/// registries.conf's `unqualified-search-registries` or local storage.
pub fn short_names(graph: &StageGraph) -> Vec<String> {
    let reachable = graph.reachable();
    let mut out: Vec<String> = graph
        .stages
        .iter()
        .enumerate()
        .filter(|(i, _)| reachable[*i])
        .filter_map(|(_, s)| match &s.base {
            StageBase::Image(r) if is_short(r) => Some(r.clone()),
            _ => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A reference without a registry host: its first path element has no `.`
/// or `:` and is not `localhost` (the rule docker's reference parser uses).
pub fn is_short(reference: &str) -> bool {
    match reference.split_once('/') {
        None => true,
        Some((first, _)) => !(first.contains('.') || first.contains(':') || first == "localhost"),
    }
}

/// The fully qualified name docker gives a short one.
pub fn qualified(reference: &str) -> String {
    if reference.contains('/') {
        format!("docker.io/{reference}")
    } else {
        format!("docker.io/library/{reference}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile;

    fn graph(text: &str) -> (Dockerfile, StageGraph) {
        let df = dockerfile::parse("Dockerfile", text).unwrap();
        let g = StageGraph::new(&df, None, &[]).unwrap();
        (df, g)
    }

    #[test]
    fn pinned_runs_need_no_emulation() {
        let (df, g) = graph(
            "FROM --platform=$BUILDPLATFORM golang:1.22 AS b\nRUN go build\nFROM b AS c\nRUN x\nFROM gcr.io/distroless/static\nCOPY --from=c /m /\n",
        );
        assert!(!runs_for_target(&df, &g));
        let (df, g) =
            graph("FROM golang:1.22 AS b\nRUN go build\nFROM scratch\nCOPY --from=b /m /\n");
        assert!(runs_for_target(&df, &g));
    }

    #[test]
    fn short_names_are_found() {
        let (_, g) = graph(
            "FROM golang:1.22 AS b\nFROM localhost:5000/x/busybox:1 AS r\nFROM quay.io/a/b AS q\nFROM library/alpine\nCOPY --from=b / /\nCOPY --from=r / /\nCOPY --from=q / /\n",
        );
        assert_eq!(short_names(&g), ["golang:1.22", "library/alpine"]);
        assert_eq!(qualified("golang:1.22"), "docker.io/library/golang:1.22");
        assert_eq!(qualified("library/alpine"), "docker.io/library/alpine");
        assert!(!is_short("localhost/x"));
    }
}
