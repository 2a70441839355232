//! Where a build's result goes: `--push`, `--load` and `--output` specs in
//! buildx syntax, described for humans, and the facts the pre-flight checks
//! need (does it load into the docker image store?).

use crate::config::check::csv_fields;

/// One destination of the build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The buildx `--output` value (or `--push` / `--load`).
    pub spec: String,
    /// `image`, `registry`, `docker`, `oci`, `tar`, `local`, `cacheonly`.
    pub kind: String,
    pub dest: Option<String>,
    /// `type=image,push=true` or `type=registry` or `--push`.
    pub push: bool,
    /// `name=` of an image output (then no `--tag` is needed).
    pub name: Option<String>,
}

impl Output {
    /// Reads an already validated `--output` spec.
    pub fn from_spec(spec: &str) -> Output {
        let fields = csv_fields(spec).unwrap_or_default();
        let get = |key: &str| {
            fields.iter().find_map(|f| {
                let (k, v) = f.split_once('=')?;
                k.trim().eq_ignore_ascii_case(key).then(|| v.to_string())
            })
        };
        let kind = get("type").unwrap_or_default();
        let push = kind == "registry" || get("push").is_some_and(|v| v == "true");
        Output {
            spec: spec.to_string(),
            kind,
            dest: get("dest"),
            push,
            name: get("name"),
        }
    }

    pub fn push() -> Output {
        Output {
            spec: "--push".into(),
            kind: "registry".into(),
            dest: None,
            push: true,
            name: None,
        }
    }

    pub fn load() -> Output {
        Output {
            spec: "--load".into(),
            kind: "docker".into(),
            dest: None,
            push: false,
            name: None,
        }
    }

    /// Loads the result into the docker engine's image store.
    pub fn loads_into_docker(&self) -> bool {
        self.kind == "docker" && self.dest.is_none()
    }

    /// What happens to the result, for the plan and the summary.
    pub fn describe(&self) -> String {
        let dest = self.dest.as_deref().unwrap_or("");
        match self.kind.as_str() {
            _ if self.push && self.spec.contains("push-by-digest=true") => {
                "pushed to the registry by digest (no tag)".to_string()
            }
            _ if self.push => "pushed to the registry".to_string(),
            "image" => "kept in the builder (type=image without push)".to_string(),
            "docker" if dest.is_empty() => "loaded into the docker image store".to_string(),
            "docker" => format!("docker image archive {dest}"),
            "oci" => format!("OCI image archive {dest}"),
            "tar" => format!("tarball of the files {dest}"),
            "local" => format!("files in {dest}/ (one directory per platform)"),
            "cacheonly" => "cache only (no image)".to_string(),
            other => format!("{other} output"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_specs() {
        let o = Output::from_spec("type=local,dest=out");
        assert_eq!(
            (o.kind.as_str(), o.dest.as_deref(), o.push),
            ("local", Some("out"), false)
        );
        assert!(Output::from_spec("type=image,name=x,push=true").push);
        assert!(Output::from_spec("type=registry").push);
        assert!(Output::from_spec("type=docker").loads_into_docker());
        assert!(!Output::from_spec("type=docker,dest=i.tar").loads_into_docker());
        assert_eq!(
            Output::from_spec("type=oci,dest=x.tar").describe(),
            "OCI image archive x.tar"
        );
    }
}
