//! Building the stage graph, phase by phase, the way BuildKit's
//! `dockerfile2llb` does: the file is valid (`valid`), the global ARGs are
//! read (`vars`), each FROM's base is expanded for every platform and
//! matched to an earlier stage, each stage's ARG scope and TARGET* uses are
//! followed, then the references between stages and the target are
//! resolved once all stages exist.

use super::uses::{mount_from, target_references};
use super::{Stage, StageBase, StageError, StageGraph, StageRef, automatic_arg};
use crate::dockerfile::shell::Lexer;
use crate::dockerfile::vars::Vars;
use crate::dockerfile::{Dockerfile, Instruction, Span, gostr};
use crate::platform::Platform;
use std::collections::{BTreeMap, BTreeSet, HashMap};

type Globals = BTreeMap<String, Option<String>>;

impl StageGraph {
    /// Builds the model for `platforms`: a FROM that names its base with the
    /// automatic platform ARGs (`FROM build-${TARGETOS}`) is resolved for
    /// each of them, as BuildKit resolves it for each platform it builds.
    pub fn for_platforms(
        df: &Dockerfile,
        target: Option<&str>,
        build_args: &[(String, String)],
        platforms: &[Platform],
    ) -> Result<Self, StageError> {
        let platforms: Vec<Platform> = if platforms.is_empty() {
            vec![Platform::host()]
        } else {
            platforms.to_vec()
        };
        // The one validity check: a file BuildKit refuses has no stage
        // model, whoever asks.
        if let Some(bad) = crate::dockerfile::valid::invalid(df) {
            return Err(invalid(
                df,
                bad.span,
                bad.message,
                bad.label,
                bad.help.as_deref(),
            ));
        }
        let global_args = crate::dockerfile::vars::globals(df, None, build_args);
        // BuildKit expands the global defaults with the automatic platform
        // ARGs of the platform being built (`ARG BASE=img-${TARGETARCH}`).
        let platform_globals: Vec<(Platform, Globals)> = platforms
            .into_iter()
            .map(|p| {
                let g = crate::dockerfile::vars::globals(df, Some(&p), build_args);
                (p, g)
            })
            .collect();

        let from_idx: Vec<usize> = df.froms().map(|(i, _)| i).collect();
        let mut stages: Vec<Stage> = Vec::new();
        // Each stage's ARG declarations at its end, from the one evaluator
        // (which names are declared does not depend on the platform).
        let mut scopes: Vec<Vars> = Vec::new();
        let fresh = || Vars::new(df, &platform_globals[0].0, build_args);
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for (n, &fi) in from_idx.iter().enumerate() {
            let ins = &df.instructions[fi];
            let body = fi + 1
                ..from_idx
                    .get(n + 1)
                    .copied()
                    .unwrap_or(df.instructions.len());
            // `valid` checked the word count and the name.
            let words = ins.words();
            let (name, name_span) = match words.get(2) {
                Some(w) => (Some(gostr::lower(&w.text)), Some(w.span.clone())),
                None => (None, None),
            };
            let base = base(df, &words[0], &platform_globals, &by_name)?;
            let scope = Scope::follow(df, &body, inherited(&base, &scopes, fresh));
            let index = stages.len();
            if let Some(name) = &name {
                by_name.insert(name.clone(), index);
            }
            scopes.push(scope.vars);
            stages.push(Stage {
                index,
                name,
                name_span,
                from: fi,
                base,
                base_text: words[0].text.clone(),
                base_span: words[0].span.clone(),
                platforms: ins.flags_named("platform").cloned().collect(),
                body,
                refs: Vec::new(),
                args: scope.args,
                target_uses: scope.target_uses,
                undeclared_uses: scope.undeclared_uses,
            });
        }
        resolve_refs(df, &mut stages, &by_name);
        let target = find_target(df, &stages, &by_name, target)?;
        Ok(StageGraph {
            stages,
            global_args,
            target,
        })
    }
}

fn invalid(
    df: &Dockerfile,
    span: Span,
    message: String,
    label: &str,
    help: Option<&str>,
) -> StageError {
    StageError::Invalid {
        message,
        src: df.named_source(),
        span: (span.start, span.end - span.start).into(),
        label: label.to_string(),
        help: help.map(str::to_string),
    }
}

/// Phase 1: what a FROM names, on every platform: an earlier stage (its
/// lowercased name, exactly), several (a base that depends on the
/// platform), an image or scratch.
fn base(
    df: &Dockerfile,
    word: &crate::dockerfile::Word,
    platform_globals: &[(Platform, Globals)],
    by_name: &HashMap<String, usize>,
) -> Result<StageBase, StageError> {
    let host = Platform::host();
    let lexer = Lexer::new(df.escape);
    let mut parents: Vec<usize> = Vec::new();
    let mut images: Vec<String> = Vec::new();
    for (p, globals) in platform_globals {
        let env = |k: &str| {
            globals
                .get(k)
                .cloned()
                .flatten()
                .or_else(|| automatic_arg(k, p, &host))
        };
        let expanded = lexer.process_word(&word.text, &env).map_err(|e| {
            invalid(
                df,
                word.span.clone(),
                e.0,
                "cannot expand this image name",
                None,
            )
        })?;
        // An ARG without a default is given at build time (--build-arg):
        // keep the name as written.
        let expanded = if expanded.is_empty() {
            word.text.clone()
        } else {
            expanded
        };
        match by_name.get(expanded.as_str()) {
            Some(&s) if !parents.contains(&s) => parents.push(s),
            Some(_) => {}
            None if !images.contains(&expanded) => images.push(expanded),
            None => {}
        }
    }
    Ok(match (parents.as_slice(), images.as_slice()) {
        ([], [image, ..]) if image == "scratch" && images.len() == 1 => StageBase::Scratch,
        ([], [image, ..]) => StageBase::Image(image.clone()),
        ([p], []) => StageBase::Stage(*p),
        _ => StageBase::Dynamic(parents),
    })
}

/// The ARGs a stage starts with: its parent's (on every platform, for a
/// platform-dependent base: those all of them declare), none for a stage
/// FROM an image.
fn inherited<'a>(base: &StageBase, scopes: &[Vars<'a>], fresh: impl Fn() -> Vars<'a>) -> Vars<'a> {
    match base {
        StageBase::Stage(p) => scopes[*p].clone(),
        StageBase::Dynamic(ps) if !ps.is_empty() => {
            let mut vars = scopes[ps[0]].clone();
            vars.retain_args(|k| ps.iter().all(|&p| scopes[p].declares(k)));
            vars
        }
        _ => fresh(),
    }
}

/// Phase 2: a stage's ARG declarations and TARGET* uses, in order.
struct Scope<'a> {
    vars: Vars<'a>,
    args: Vec<String>,
    target_uses: Vec<String>,
    undeclared_uses: Vec<String>,
}

impl<'a> Scope<'a> {
    fn follow(df: &Dockerfile, body: &std::ops::Range<usize>, vars: Vars<'a>) -> Self {
        let mut s = Scope {
            vars,
            args: Vec::new(),
            target_uses: Vec::new(),
            undeclared_uses: Vec::new(),
        };
        let mut declared_uses = BTreeSet::new();
        for ins in &df.instructions[body.clone()] {
            s.uses(ins, df.escape, &mut declared_uses);
            if ins.command == "arg" {
                // Errors are the builder's to report; the names are declared.
                if let Ok(sets) = s.vars.apply_traced(ins) {
                    s.args.extend(sets.into_iter().map(|set| set.name));
                } else {
                    s.args.extend(
                        ins.args
                            .iter()
                            .map(|w| w.split_once('=').map_or(w.as_str(), |(n, _)| n).to_string()),
                    );
                }
            }
        }
        s.target_uses.sort();
        s.target_uses.dedup();
        // A name also used where it is declared (`echo $TARGETARCH` before
        // `ARG TARGETARCH`, then the real use) still builds for the target;
        // one never used declared does not.
        s.undeclared_uses.retain(|n| !declared_uses.contains(n));
        s.undeclared_uses.sort();
        s.undeclared_uses.dedup();
        s
    }

    fn uses(&mut self, ins: &Instruction, escape: char, declared_uses: &mut BTreeSet<String>) {
        for (name, _) in target_references(ins, escape) {
            if self.vars.declares(&name) {
                declared_uses.insert(name.clone());
            } else {
                self.undeclared_uses.push(name.clone());
            }
            self.target_uses.push(name);
        }
    }
}

/// Phase 3: `COPY --from` and `RUN --mount from=` references. They may point
/// at any stage, so they are resolved once all exist (`by_name` holds every
/// lowercased name, the last stage of a name winning).
fn resolve_refs(df: &Dockerfile, stages: &mut [Stage], by_name: &HashMap<String, usize>) {
    let count = stages.len();
    let resolve = |value: &str| -> Option<usize> {
        let v = value.trim_matches(|c| c == '"' || c == '\'');
        if let Ok(i) = v.parse::<usize>() {
            return (i < count).then_some(i);
        }
        by_name.get(&gostr::lower(v)).copied()
    };
    for s in stages.iter_mut() {
        for ii in s.body.clone() {
            let ins = &df.instructions[ii];
            for f in &ins.flags {
                let from = match (ins.command.as_str(), f.name.as_str()) {
                    ("copy" | "add", "from") => f.value.clone(),
                    ("run", "mount") => f.value.as_deref().and_then(mount_from),
                    _ => None,
                };
                if let Some(stage) = from.as_deref().and_then(resolve) {
                    s.refs.push(StageRef {
                        stage,
                        instruction: ii,
                        span: f.span.clone(),
                    });
                }
            }
        }
    }
}

/// Phase 4: the stage the image is built from.
fn find_target(
    df: &Dockerfile,
    stages: &[Stage],
    by_name: &HashMap<String, usize>,
    target: Option<&str>,
) -> Result<usize, StageError> {
    let Some(t) = target else {
        return Ok(stages.len() - 1);
    };
    if let Some(&i) = by_name.get(&gostr::lower(t)) {
        return Ok(i);
    }
    let names: Vec<&str> = stages.iter().filter_map(|s| s.name.as_deref()).collect();
    let help = if names.is_empty() {
        "this Dockerfile has no named stages; name one with FROM IMAGE AS NAME".to_string()
    } else {
        format!("the stages are: {}", names.join(", "))
    };
    Err(StageError::UnknownTarget {
        target: t.to_string(),
        file: df.name.clone(),
        help,
    })
}
