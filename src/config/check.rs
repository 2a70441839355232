//! Checks of single values whose grammar comes from elsewhere: image
//! references (the distribution/reference grammar), buildx `--output` and
//! cache specs (comma-separated, CSV-quoted `key=value` fields), environment
//! variable names and lint rule IDs. Each returns the message, label and
//! help the resolver shows.

use super::suggest;
use regex::Regex;
use std::path::Path;
use std::sync::LazyLock;

const DOMAIN: &str = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?";
const PATH_COMPONENT: &str = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const TAG: &str = r"[\w][\w.-]{0,127}";
const DIGEST: &str = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";

static NAME_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        "^(?:{DOMAIN}/)?{PATH_COMPONENT}(?:/{PATH_COMPONENT})*$"
    ))
    .unwrap()
});
static REFERENCE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        "^(?:{DOMAIN}/)?{PATH_COMPONENT}(?:/{PATH_COMPONENT})*(?::{TAG})?(?:@{DIGEST})?$"
    ))
    .unwrap()
});
static TAG_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(&format!("^{TAG}$")).unwrap());
static ENV_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[A-Za-z_][A-Za-z0-9_]*$").unwrap());
static RULE_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^XB\d{3}$").unwrap());
static BUILDER_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9][a-zA-Z0-9._-]*$").unwrap());

/// Message and help for a rejected value.
pub type Rejection = (String, String);

/// Splits `repo:tag` at the tag's colon (not a registry port's).
pub fn split_tag(reference: &str) -> (&str, Option<&str>) {
    let last_slash = reference.rfind('/').map_or(0, |i| i + 1);
    match reference[last_slash..].rfind(':') {
        Some(i) => (
            &reference[..last_slash + i],
            Some(&reference[last_slash + i + 1..]),
        ),
        None => (reference, None),
    }
}

/// An image repository without tag or digest.
pub fn image_name(name: &str) -> Result<(), Rejection> {
    if NAME_RE.is_match(name) && name.len() <= 255 {
        return Ok(());
    }
    if let Some((repo, _)) = name.split_once('@') {
        return Err((
            format!("{name:?} has a digest"),
            format!("`name` is the repository only: name = {repo:?}"),
        ));
    }
    if let (repo, Some(tag)) = split_tag(name)
        && NAME_RE.is_match(repo)
    {
        return Err((
            format!("{name:?} includes the tag {tag:?}"),
            format!("put the tag in `tags`: name = {repo:?} and tags = [{tag:?}]"),
        ));
    }
    if NAME_RE.is_match(&name.to_ascii_lowercase()) {
        return Err((
            format!("{name:?} has upper-case letters"),
            "repository paths are lower case (only a registry host may have capitals)".to_string(),
        ));
    }
    Err((
        format!("{name:?} is not an image name"),
        "write a repository such as \"registry.example.com/team/operator\" or \"localhost:5000/operator\"".to_string(),
    ))
}

/// A tag, or (when it has `/` or `:`) a full image reference.
pub fn tag(tag: &str) -> Result<(), Rejection> {
    if super::model::is_full_reference(tag) {
        if REFERENCE_RE.is_match(tag) {
            Ok(())
        } else {
            Err((
                format!("{tag:?} is not an image reference"),
                "a tag with '/' or ':' is a full reference such as \"ghcr.io/team/operator:v1\"; a plain tag is letters, digits, '_', '.' and '-'".to_string(),
            ))
        }
    } else if TAG_RE.is_match(tag) {
        Ok(())
    } else {
        Err((
            format!("{tag:?} is not a valid tag"),
            "tags are up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'"
                .to_string(),
        ))
    }
}

/// An image reference as `docker buildx build --tag` takes it
/// (`name`, `name:tag`, `host:port/path:tag`).
pub fn reference(r: &str) -> Result<(), Rejection> {
    if REFERENCE_RE.is_match(r) && r.len() <= 255 + 129 {
        return Ok(());
    }
    let (repo, _) = split_tag(r);
    let help = if r.trim().is_empty() {
        "give an image reference such as \"localhost:5000/team/operator:v1\"".to_string()
    } else if REFERENCE_RE.is_match(&repo.to_ascii_lowercase()) {
        "repository paths are lower case (only a registry host may have capitals)".to_string()
    } else {
        "a reference is [HOST[:PORT]/]PATH[:TAG], PATH lower case, TAG up to 128 letters, digits, '_', '.' and '-'".to_string()
    };
    Err((format!("{r:?} is not an image reference"), help))
}

pub fn builder_name(name: &str) -> bool {
    BUILDER_RE.is_match(name)
}

/// A `--provenance` / `--sbom` value as buildx parses it: a Go boolean, or
/// CSV `key=value` attributes.
pub fn attestation(value: &str) -> bool {
    const BOOLS: &[&str] = &[
        "1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False",
    ];
    BOOLS.contains(&value)
        || csv_fields(value).is_some_and(|fields| {
            fields
                .iter()
                .all(|f| f.split_once('=').is_some_and(|(k, _)| !k.trim().is_empty()))
        })
}

/// A build argument's name as buildx passes it: not empty, no blanks.
pub fn build_arg_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(char::is_whitespace)
}

pub fn env_name(name: &str) -> bool {
    ENV_RE.is_match(name)
}

pub fn rule_id(id: &str) -> bool {
    RULE_RE.is_match(id)
}

const OUTPUT_TYPES: &[&str] = &[
    "image",
    "registry",
    "docker",
    "oci",
    "tar",
    "local",
    "cacheonly",
];

/// A buildx `--output` spec. Returns it with a relative `dest` joined to
/// `base`; or message, label and help.
pub fn output(spec: &str, base: &Path) -> Result<String, (String, &'static str, String)> {
    let reject = |message: String, label: &'static str, help: String| Err((message, label, help));
    let Some(fields) = csv_fields(spec) else {
        return reject(
            format!("{spec:?} has an unclosed quote"),
            "unclosed quote",
            "quote a whole field, e.g. \"type=image,\\\"name=a,b\\\"\"".to_string(),
        );
    };
    if !spec.contains('=') {
        let suggestion = if spec.trim() == "-" {
            "type=tar,dest=-".to_string()
        } else {
            format!("type=local,dest={}", spec.trim())
        };
        return reject(
            format!("{spec:?} has no type"),
            "expected type=...",
            format!("xbuild wants the explicit form of buildx's shorthand: {suggestion:?}"),
        );
    }
    let mut pairs = Vec::new();
    for field in &fields {
        match field.split_once('=') {
            Some((k, v)) => pairs.push((k.trim().to_ascii_lowercase(), v.to_string())),
            None => {
                return reject(
                    format!("{field:?} in {spec:?} is not KEY=VALUE"),
                    "expected KEY=VALUE fields",
                    "an output is comma-separated KEY=VALUE fields, e.g. \"type=local,dest=out\""
                        .to_string(),
                );
            }
        }
    }
    let Some(kind) = pairs
        .iter()
        .find(|(k, _)| k == "type")
        .map(|(_, v)| v.clone())
    else {
        return reject(
            format!("{spec:?} has no type"),
            "expected type=...",
            format!(
                "start it with type=, one of {}",
                suggest::list(OUTPUT_TYPES)
            ),
        );
    };
    if !OUTPUT_TYPES.contains(&kind.as_str()) {
        let mut help = format!("the output types are {}", suggest::list(OUTPUT_TYPES));
        if let Some(close) = suggest::closest(&kind, OUTPUT_TYPES) {
            help = format!("did you mean `{close}`? {help}");
        }
        return reject(
            format!("unknown output type {kind:?}"),
            "unknown type",
            help,
        );
    }
    let needs_dest = matches!(kind.as_str(), "local" | "tar" | "oci");
    if needs_dest && !pairs.iter().any(|(k, v)| k == "dest" && !v.is_empty()) {
        return reject(
            format!("type={kind} needs dest="),
            "no dest",
            format!("say where to write it, e.g. \"type={kind},dest=out\" (relative to this file)"),
        );
    }
    Ok(join_paths(spec, &fields, &["dest"], base))
}

/// A cache spec; `type=local` paths (`src`, `dest`) joined to `base`.
/// Other forms (a plain image reference, remote caches) are kept as written.
pub fn cache(spec: &str, base: &Path) -> String {
    match csv_fields(spec) {
        Some(fields) if fields.iter().any(|f| f.trim() == "type=local") => {
            join_paths(spec, &fields, &["src", "dest"], base)
        }
        _ => spec.to_string(),
    }
}

/// `spec` with the relative paths in `keys` joined to `base`; unchanged
/// (byte for byte) when there is nothing to join.
fn join_paths(spec: &str, fields: &[String], keys: &[&str], base: &Path) -> String {
    let mut changed = false;
    let fields: Vec<String> = fields
        .iter()
        .map(|f| match f.split_once('=') {
            Some((k, v)) if keys.contains(&k.trim()) && v != "-" && Path::new(v).is_relative() => {
                changed = true;
                format!("{}={}", k.trim(), super::paths::join(base, v).display())
            }
            _ => f.clone(),
        })
        .collect();
    if changed {
        csv_join(&fields)
    } else {
        spec.to_string()
    }
}

/// Splits a CSV record as Go's encoding/csv does (what buildx uses): commas
/// separate fields, a field starting with `"` runs to the closing quote and
/// `""` inside it is one quote. `None` when a quote is never closed.
pub fn csv_fields(s: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    '"' => break,
                    c => field.push(c),
                }
            }
            // Anything between the closing quote and the comma is kept.
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                field.push(c);
                chars.next();
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                field.push(c);
                chars.next();
            }
        }
        fields.push(field);
        if chars.next().is_none() {
            return Some(fields);
        }
    }
}

/// The inverse of [`csv_fields`].
pub fn csv_join(fields: &[String]) -> String {
    fields
        .iter()
        .map(|f| {
            if f.contains([',', '"', '\n']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names() {
        for ok in [
            "controller",
            "localhost:5000/x/operator",
            "ghcr.io/team/op",
            "registry.example.com:443/a_b/c-d/e.f",
            "docker.io/library/busybox",
        ] {
            assert!(image_name(ok).is_ok(), "{ok}");
        }
        let (msg, help) = image_name("localhost:5000/x/op:v1").unwrap_err();
        assert!(msg.contains("includes the tag \"v1\""), "{msg}");
        assert!(help.contains("name = \"localhost:5000/x/op\""), "{help}");
        assert!(image_name("x/Op").unwrap_err().0.contains("upper-case"));
        assert!(image_name("x@sha256:abc").unwrap_err().0.contains("digest"));
        assert!(image_name("a b").is_err());
        assert!(image_name("").is_err());
    }

    #[test]
    fn tags() {
        assert!(tag("latest").is_ok());
        assert!(tag("v1.2.3-rc_1").is_ok());
        assert!(tag("ghcr.io/x/op:v1").is_ok());
        assert!(tag("op:v1").is_ok());
        assert!(tag("-bad").is_err());
        assert!(tag("ghcr.io/x/op:v 1").is_err());
        assert!(tag(&"a".repeat(129)).is_err());
    }

    #[test]
    fn split_tags() {
        assert_eq!(
            split_tag("localhost:5000/x/op:v1"),
            ("localhost:5000/x/op", Some("v1"))
        );
        assert_eq!(
            split_tag("localhost:5000/x/op"),
            ("localhost:5000/x/op", None)
        );
        assert_eq!(
            split_tag("controller:latest"),
            ("controller", Some("latest"))
        );
    }

    #[test]
    fn outputs() {
        let base = Path::new("/p");
        assert_eq!(output("type=registry", base).unwrap(), "type=registry");
        assert_eq!(
            output("type=image,name=x,push=true", base).unwrap(),
            "type=image,name=x,push=true"
        );
        assert_eq!(
            output("type=local,dest=out", base).unwrap(),
            "type=local,dest=/p/out"
        );
        assert_eq!(output("type=tar,dest=-", base).unwrap(), "type=tar,dest=-");
        assert_eq!(
            output("type=oci,dest=/abs/x.tar", base).unwrap(),
            "type=oci,dest=/abs/x.tar"
        );
        assert_eq!(
            output("type=image,\"name=a,b\"", base).unwrap(),
            "type=image,\"name=a,b\""
        );
        let err = |s: &str| output(s, base).unwrap_err();
        assert!(err("type=local").0.contains("needs dest="));
        assert!(err("type=tar,dest=").0.contains("needs dest="));
        assert!(err("type=registri").2.contains("did you mean `registry`"));
        assert!(err("./out").2.contains("type=local,dest=./out"));
        assert!(err("-").2.contains("type=tar,dest=-"));
        assert!(err("name=x").0.contains("no type"));
        assert!(err("type=image,push").0.contains("not KEY=VALUE"));
        assert!(err("type=image,\"name=x").0.contains("unclosed quote"));
    }

    #[test]
    fn caches() {
        let base = Path::new("/p");
        assert_eq!(cache("type=local,src=c", base), "type=local,src=/p/c");
        assert_eq!(cache("type=gha", base), "type=gha");
        assert_eq!(cache("user/app:cache", base), "user/app:cache");
    }

    #[test]
    fn csv() {
        assert_eq!(csv_fields("a,b").unwrap(), ["a", "b"]);
        assert_eq!(csv_fields("\"a,b\",c").unwrap(), ["a,b", "c"]);
        assert_eq!(csv_fields("\"a\"\"b\"").unwrap(), ["a\"b"]);
        assert_eq!(csv_fields("").unwrap(), [""]);
        assert!(csv_fields("\"a").is_none());
        let fields = vec!["x=1".to_string(), "y=a,b".into(), "z=\"q\"".into()];
        assert_eq!(csv_fields(&csv_join(&fields)).unwrap(), fields);
    }

    #[test]
    fn ids_and_names() {
        assert!(rule_id("XB001") && !rule_id("xb001") && !rule_id("XB01") && !rule_id("XB0001"));
        assert!(env_name("CGO_ENABLED") && !env_name("1X") && !env_name("A-B"));
        assert!(
            builder_name("xbuild")
                && builder_name("x.b-1_2")
                && !builder_name("-x")
                && !builder_name("a b")
        );
    }
}
