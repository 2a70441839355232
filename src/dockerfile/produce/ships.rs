//! Whether a command's output reaches the image: followed from the stage
//! that writes it through the stages built FROM it and the paths other
//! stages copy (`COPY --from`, `RUN --mount=from=`), hop by hop.

use super::{Product, Products, join};
use crate::dockerfile::{Dockerfile, StageGraph};
use std::collections::HashSet;

/// One way an output reaches the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The stages it passes through after its own, in order; the last one
    /// ships (the image, or a stage the image is built FROM).
    pub hops: Vec<usize>,
}

impl Delivery {
    /// The stage that puts it in the image.
    pub fn receiver(&self) -> usize {
        *self.hops.last().expect("a delivery has a hop")
    }
}

/// A copy of `source` (in the stage copied from) to `dest` (in the copier).
pub(super) struct Copy {
    from: usize,
    into: usize,
    source: String,
    dest: String,
}

/// Every copy between stages that a built stage makes.
pub(super) fn copies(df: &Dockerfile, graph: &StageGraph) -> Vec<Copy> {
    let reachable = graph.reachable();
    let mut out = Vec::new();
    for s in graph.stages.iter().filter(|s| reachable[s.index]) {
        let mut wd = "/".to_string();
        for c in graph.chain(s.index).iter().rev() {
            for ins in &df.instructions[graph.stages[*c].body.clone()] {
                if *c == s.index {
                    break;
                }
                if ins.command == "workdir" {
                    wd = join(&wd, ins.args.first().map_or("", |a| a.as_str()));
                }
            }
        }
        for ii in s.body.clone() {
            let ins = &df.instructions[ii];
            if ins.command == "workdir" {
                wd = join(&wd, ins.args.first().map_or("", |a| a.as_str()));
            }
            for r in s.refs.iter().filter(|r| r.instruction == ii) {
                if ins.command == "run" {
                    let mount = ins
                        .flags
                        .iter()
                        .filter(|f| f.span == r.span)
                        .filter_map(|f| f.value.as_deref())
                        .next()
                        .unwrap_or("");
                    let field = |k: &str| {
                        mount.split(',').find_map(|kv| {
                            let (a, b) = kv.split_once('=')?;
                            a.trim()
                                .eq_ignore_ascii_case(k)
                                .then(|| b.trim().to_string())
                        })
                    };
                    out.push(Copy {
                        from: r.stage,
                        into: s.index,
                        source: join("/", &field("source").or(field("src")).unwrap_or_default()),
                        dest: join(&wd, &field("target").or(field("dst")).unwrap_or_default()),
                    });
                    continue;
                }
                let Some((dest, sources)) = ins.args.split_last() else {
                    continue;
                };
                for src in sources {
                    let source = join("/", &glob_prefix(src));
                    let mut d = join(&wd, dest);
                    if dest.ends_with('/') && !src.ends_with('/') && source != "/" {
                        let base = source.rsplit('/').next().unwrap_or("");
                        d = join(&d, base);
                    }
                    out.push(Copy {
                        from: r.stage,
                        into: s.index,
                        source,
                        dest: d,
                    });
                }
            }
        }
    }
    out
}

/// The part of a path before its first wildcard component.
fn glob_prefix(p: &str) -> String {
    let mut kept = Vec::new();
    for part in p.split('/') {
        if part.contains(['*', '?', '[']) {
            break;
        }
        kept.push(part);
    }
    let joined = kept.join("/");
    if joined.is_empty() && p.starts_with('/') {
        "/".into()
    } else {
        joined
    }
}

/// `inner` is `outer` or below it.
fn under(inner: &str, outer: &str) -> bool {
    outer == "/"
        || inner == outer
        || inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The ways `product`'s output reaches the image.
pub fn deliveries(
    _df: &Dockerfile,
    graph: &StageGraph,
    products: &Products,
    product: &Product,
) -> Vec<Delivery> {
    let copies = &products.copies;
    let ships = &products.ships;
    let trees = &products.trees;
    let unknown = product.output.arch == super::Arch::Unknown;
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    // (stage holding the path, path, the path is exactly the output, hops)
    let mut todo: Vec<(usize, String, bool, Vec<usize>)> = product
        .output
        .paths
        .iter()
        .map(|p| (product.stage, p.clone(), product.output.exact, Vec::new()))
        .collect();
    while let Some((stage, path, exact, hops)) = todo.pop() {
        if !seen.insert((stage, path.clone())) || hops.len() > graph.stages.len() {
            continue;
        }
        // The stages holding the same filesystem: `stage` and those built
        // FROM it.
        for &holder in &trees[stage] {
            let mut via = hops.clone();
            if holder != stage {
                via.push(holder);
            }
            if ships[holder] {
                if via.is_empty() {
                    via.push(holder);
                }
                out.push(Delivery { hops: via });
                continue;
            }
            for c in copies.iter().filter(|c| c.from == holder) {
                let lands = if under(&path, &c.source) {
                    // The copy takes the whole output.
                    let rest = path.strip_prefix(c.source.as_str()).unwrap_or("");
                    let rest = if c.source == "/" { path.as_str() } else { rest };
                    Some(join(&c.dest, rest.trim_start_matches('/')))
                } else if under(&c.source, &path)
                    && (exact || (unknown && !exactly_produced(graph, products, holder, &c.source)))
                {
                    // The copy takes part of an output whose paths are
                    // known. An output somewhere below a directory (packages
                    // under /usr, `go build` without -o) ships only when a
                    // copy takes the whole directory, except an unknown
                    // command's (`make`, a script): a copy of a file in its
                    // WORKDIR that no known command wrote may be its output.
                    Some(c.dest.clone())
                } else {
                    None
                };
                let Some(lands) = lands else {
                    continue;
                };
                let mut next = via.clone();
                next.push(c.into);
                if ships[c.into] {
                    out.push(Delivery { hops: next });
                } else {
                    todo.push((c.into, lands, true, next));
                }
            }
        }
    }
    out.dedup();
    out
}

/// Some command of `stage`'s chain writes exactly `path` or a directory
/// holding it.
fn exactly_produced(graph: &StageGraph, products: &Products, stage: usize, path: &str) -> bool {
    graph.chain(stage).iter().any(|&s| {
        products.stages[s]
            .iter()
            .filter(|p| p.output.exact)
            .any(|p| p.output.paths.iter().any(|o| under(path, o)))
    })
}
