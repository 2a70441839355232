//! Platform strings (`linux/amd64`, `linux/arm/v7`), parsed and normalised
//! the way containerd's `platforms.Parse` + `Normalize` do, so that what we
//! compare, print and hand to `docker buildx --platform` is canonical.
//!
//! Invariants of a [`Platform`]: every component is lowercase; `os` is a
//! known Go `GOOS` (after the `macos` alias); `arch` is a known Go `GOARCH`
//! (after aliases such as `x86_64`, `aarch64`, `armhf`); `variant` is `None`
//! or one that `arch` really has, with defaults dropped (`amd64/v1`,
//! `arm64/v8`) or filled in (`arm` is always `arm/v7` unless said otherwise).
//!
//! One deliberate difference from containerd: a single component is always
//! an architecture on Linux (`arm64` = `linux/arm64`). containerd reads a bare
//! OS name as "that OS on the host's architecture", which would make a
//! checked-in xbuild.toml mean different things on different machines.

use miette::Diagnostic;
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// What every platform error tells the user the syntax is.
const EXPECTED: &str = "expected OS/ARCH[/VARIANT], e.g. linux/amd64 or linux/arm/v7";

/// Operating systems Go can target (`go tool dist list`).
const KNOWN_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "illumos",
    "ios",
    "js",
    "linux",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
];

/// Architectures Go can target, in their canonical spelling.
const KNOWN_ARCH: &[&str] = &[
    "386", "amd64", "arm", "arm64", "loong64", "mips", "mipsle", "mips64", "mips64le", "ppc64",
    "ppc64le", "riscv64", "s390x", "wasm",
];

/// A target platform: `os/arch[/variant]`, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Platform {
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
}

/// A string that is not a platform.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
pub enum PlatformError {
    #[error("invalid platform {input:?}: {EXPECTED}")]
    #[diagnostic(code(xbuild::platform::invalid), help("{help}"))]
    Syntax { input: String, help: String },

    #[error("invalid platform {input:?}: unknown operating system {os:?}")]
    #[diagnostic(
        code(xbuild::platform::invalid),
        help("known operating systems: {}; {EXPECTED}", KNOWN_OS.join(", "))
    )]
    UnknownOs { input: String, os: String },

    #[error("invalid platform {input:?}: unknown architecture {arch:?}")]
    #[diagnostic(code(xbuild::platform::invalid), help("{help}"))]
    UnknownArch {
        input: String,
        arch: String,
        help: String,
    },

    #[error("invalid platform {input:?}: {arch} has no variant {variant:?}")]
    #[diagnostic(code(xbuild::platform::invalid), help("{help}"))]
    BadVariant {
        input: String,
        arch: String,
        variant: String,
        help: String,
    },
}

impl PlatformError {
    /// The text that failed to parse.
    pub fn input(&self) -> &str {
        match self {
            PlatformError::Syntax { input, .. }
            | PlatformError::UnknownOs { input, .. }
            | PlatformError::UnknownArch { input, .. }
            | PlatformError::BadVariant { input, .. } => input,
        }
    }

    /// The help text, as the diagnostic shows it.
    pub fn help_text(&self) -> String {
        Diagnostic::help(self)
            .map(|h| h.to_string())
            .unwrap_or_default()
    }
}

impl Platform {
    /// A platform from parts that are already canonical (no normalisation).
    pub fn new(os: &str, arch: &str, variant: Option<&str>) -> Platform {
        Platform {
            os: os.to_string(),
            arch: arch.to_string(),
            variant: variant.map(str::to_string),
        }
    }

    /// The platform this program runs on, mapped from Rust's names to Go's.
    /// Falls back to Rust's spelling for targets Go has no name for.
    pub fn host() -> Platform {
        use std::env::consts::{ARCH, OS};
        let arch = match ARCH {
            "x86_64" => "amd64",
            "x86" => "386",
            "aarch64" => "arm64",
            "loongarch64" => "loong64",
            "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
            "powerpc64" => "ppc64",
            "mips64" if cfg!(target_endian = "little") => "mips64le",
            "mips" if cfg!(target_endian = "little") => "mipsle",
            "wasm32" => "wasm",
            other => other,
        };
        let os = if OS == "macos" { "darwin" } else { OS };
        format!("{os}/{arch}")
            .parse()
            .unwrap_or_else(|_| Platform::new(os, arch, None))
    }

    /// A name usable as one directory level: `linux_arm_v7`, `linux_amd64`.
    pub fn dir_name(&self) -> String {
        match &self.variant {
            Some(v) => format!("{}_{}_{v}", self.os, self.arch),
            None => format!("{}_{}", self.os, self.arch),
        }
    }

    /// The Go environment that cross-compiles for this platform: `GOOS`,
    /// `GOARCH`, and the variant's knob (`GOARM`, `GOAMD64`, `GOARM64`,
    /// `GORISCV64`) when there is a variant.
    pub fn go_env(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![("GOOS", self.os.clone()), ("GOARCH", self.arch.clone())];
        let Some(variant) = self.variant.as_deref() else {
            return env;
        };
        match self.arch.as_str() {
            // Go has no GOARM=8: 32-bit code on an ARMv8 CPU is ARMv7 code.
            "arm" => {
                let goarm = match variant {
                    "v5" => "5",
                    "v6" => "6",
                    _ => "7",
                };
                env.push(("GOARM", goarm.to_string()));
            }
            "amd64" => env.push(("GOAMD64", variant.to_string())),
            "arm64" => env.push(("GOARM64", arm64_goarm64(variant))),
            "riscv64" => env.push(("GORISCV64", variant.to_string())),
            _ => {}
        }
        env
    }
}

/// `GOARM64` wants `v8.N`/`v9.N`; variants such as `v9` mean `v9.0`.
fn arm64_goarm64(variant: &str) -> String {
    if variant.contains('.') {
        variant.to_string()
    } else {
        format!("{variant}.0")
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.arch)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

impl FromStr for Platform {
    type Err = PlatformError;

    fn from_str(input: &str) -> Result<Platform, PlatformError> {
        let syntax = |help: &str| PlatformError::Syntax {
            input: input.to_string(),
            help: help.to_string(),
        };
        if input.trim().is_empty() {
            return Err(syntax("the platform is empty"));
        }
        if input.chars().any(char::is_whitespace) {
            return Err(syntax("remove the spaces"));
        }
        let lower = input.to_ascii_lowercase();
        let parts: Vec<&str> = lower.split('/').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(syntax("a component between slashes is empty"));
        }
        let (os, arch, variant) = match parts.as_slice() {
            [arch] => {
                if KNOWN_OS.contains(arch) || *arch == "macos" {
                    return Err(syntax(&format!(
                        "{arch:?} is an operating system; name the architecture too, e.g. {arch}/amd64"
                    )));
                }
                ("linux", *arch, None)
            }
            [os, arch] => (*os, *arch, None),
            [os, arch, variant] => (*os, *arch, Some(*variant)),
            _ => return Err(syntax("there are too many slashes")),
        };
        let os = normalize_os(os).ok_or_else(|| PlatformError::UnknownOs {
            input: input.to_string(),
            os: os.to_string(),
        })?;
        let (arch, variant) = normalize_arch(input, arch, variant)?;
        Ok(Platform {
            os: os.to_string(),
            arch: arch.to_string(),
            variant,
        })
    }
}

fn normalize_os(os: &str) -> Option<&str> {
    match os {
        "macos" => Some("darwin"),
        os if KNOWN_OS.contains(&os) => Some(os),
        _ => None,
    }
}

/// containerd's `normalizeArch`, plus validation of the variant.
fn normalize_arch<'a>(
    input: &str,
    arch: &'a str,
    variant: Option<&str>,
) -> Result<(&'a str, Option<String>), PlatformError> {
    let bad_variant = |arch: &str, variant: &str, valid: &str| PlatformError::BadVariant {
        input: input.to_string(),
        arch: arch.to_string(),
        variant: variant.to_string(),
        help: valid.to_string(),
    };
    let no_variant = |arch: &'a str| match variant {
        None => Ok((arch, None)),
        Some(v) => Err(bad_variant(
            arch,
            v,
            &format!("{arch} has no variants; write OS/{arch}"),
        )),
    };
    match arch {
        "x86_64" | "x86-64" | "amd64" => match variant {
            None | Some("v1") => Ok(("amd64", None)),
            Some(v @ ("v2" | "v3" | "v4")) => Ok(("amd64", Some(v.to_string()))),
            Some(v) => Err(bad_variant("amd64", v, "amd64 variants are v1 to v4")),
        },
        "aarch64" | "arm64" => match variant {
            None | Some("8" | "v8" | "v8.0") => Ok(("arm64", None)),
            Some("9" | "9.0" | "v9" | "v9.0") => Ok(("arm64", Some("v9".to_string()))),
            Some(v) if is_arm64_minor(v) => Ok(("arm64", Some(v.to_string()))),
            Some(v) => Err(bad_variant(
                "arm64",
                v,
                "arm64 variants are v8, v8.1 to v8.9, v9 and v9.1 to v9.5",
            )),
        },
        "arm" => match variant {
            None => Ok(("arm", Some("v7".to_string()))),
            Some(v @ ("5" | "6" | "7" | "8")) => Ok(("arm", Some(format!("v{v}")))),
            Some(v @ ("v5" | "v6" | "v7" | "v8")) => Ok(("arm", Some(v.to_string()))),
            Some(v) => Err(bad_variant("arm", v, "arm variants are v5, v6, v7 and v8")),
        },
        "armhf" => no_variant("arm").map(|(a, _)| (a, Some("v7".to_string()))),
        "armel" => no_variant("arm").map(|(a, _)| (a, Some("v6".to_string()))),
        "i386" | "i486" | "i586" | "i686" | "386" => no_variant("386"),
        "riscv64" => match variant {
            None => Ok(("riscv64", None)),
            Some(v @ ("rva20u64" | "rva22u64" | "rva23u64")) => {
                Ok(("riscv64", Some(v.to_string())))
            }
            Some(v) => Err(bad_variant(
                "riscv64",
                v,
                "riscv64 variants are rva20u64, rva22u64 and rva23u64",
            )),
        },
        arch => match KNOWN_ARCH.iter().find(|a| **a == arch) {
            Some(known) => no_variant(known),
            None => Err(PlatformError::UnknownArch {
                input: input.to_string(),
                arch: arch.to_string(),
                help: format!(
                    "known architectures: {} (and the aliases x86_64, aarch64, armhf, armel, i386..i686); {EXPECTED}",
                    KNOWN_ARCH.join(", ")
                ),
            }),
        },
    }
}

/// `v8.1`..`v8.9`, `v9.1`..`v9.5` (what `GOARM64` accepts).
fn is_arm64_minor(v: &str) -> bool {
    match v.strip_prefix('v').and_then(|v| v.split_once('.')) {
        Some(("8", minor)) => matches!(minor, "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9"),
        Some(("9", minor)) => matches!(minor, "1" | "2" | "3" | "4" | "5"),
        _ => false,
    }
}

/// Parses a comma-separated list (`linux/amd64, linux/arm64`): entries are
/// trimmed, empty entries skipped, duplicates (after normalisation) dropped
/// keeping the first.
pub fn parse_list(s: &str) -> Result<Vec<Platform>, PlatformError> {
    let mut out: Vec<Platform> = Vec::new();
    for entry in s.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let p: Platform = entry.parse()?;
        if !out.contains(&p) {
            out.push(p);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> String {
        s.parse::<Platform>()
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .to_string()
    }

    fn err(s: &str) -> PlatformError {
        s.parse::<Platform>().expect_err(s)
    }

    #[test]
    fn canonical_forms_are_unchanged() {
        for s in [
            "linux/amd64",
            "linux/arm64",
            "linux/arm/v7",
            "linux/arm/v6",
            "linux/386",
            "linux/ppc64le",
            "linux/s390x",
            "linux/riscv64",
            "linux/mips64le",
            "linux/loong64",
            "windows/amd64",
            "darwin/arm64",
            "freebsd/amd64",
            "wasip1/wasm",
            "linux/amd64/v3",
            "linux/arm64/v9",
            "linux/arm64/v8.2",
        ] {
            assert_eq!(p(s), s);
        }
    }

    #[test]
    fn amd64_aliases_and_variants() {
        assert_eq!(p("linux/x86_64"), "linux/amd64");
        assert_eq!(p("linux/x86-64"), "linux/amd64");
        assert_eq!(p("linux/amd64/v1"), "linux/amd64");
        assert_eq!(p("linux/x86_64/v2"), "linux/amd64/v2");
        assert_eq!(p("linux/amd64/v4"), "linux/amd64/v4");
        assert!(matches!(
            err("linux/amd64/v5"),
            PlatformError::BadVariant { .. }
        ));
    }

    #[test]
    fn arm64_aliases_and_variants() {
        assert_eq!(p("linux/aarch64"), "linux/arm64");
        assert_eq!(p("linux/arm64/v8"), "linux/arm64");
        assert_eq!(p("linux/arm64/8"), "linux/arm64");
        assert_eq!(p("linux/aarch64/v8.0"), "linux/arm64");
        assert_eq!(p("linux/arm64/9"), "linux/arm64/v9");
        assert_eq!(p("linux/arm64/v9.0"), "linux/arm64/v9");
        assert!(matches!(
            err("linux/arm64/v7"),
            PlatformError::BadVariant { .. }
        ));
        assert!(matches!(
            err("linux/arm64/v8.10"),
            PlatformError::BadVariant { .. }
        ));
    }

    #[test]
    fn arm_gets_a_variant() {
        assert_eq!(p("linux/arm"), "linux/arm/v7");
        assert_eq!(p("linux/armhf"), "linux/arm/v7");
        assert_eq!(p("linux/armel"), "linux/arm/v6");
        assert_eq!(p("linux/arm/7"), "linux/arm/v7");
        assert_eq!(p("linux/arm/5"), "linux/arm/v5");
        assert_eq!(p("linux/arm/6"), "linux/arm/v6");
        assert_eq!(p("linux/arm/8"), "linux/arm/v8");
        assert_eq!(p("arm"), "linux/arm/v7");
        assert!(matches!(
            err("linux/arm/v9x"),
            PlatformError::BadVariant { .. }
        ));
        assert!(matches!(
            err("linux/arm/v4"),
            PlatformError::BadVariant { .. }
        ));
        assert!(matches!(
            err("linux/armhf/v7"),
            PlatformError::BadVariant { .. }
        ));
    }

    #[test]
    fn x86_32_aliases() {
        for a in ["i386", "i486", "i586", "i686", "386"] {
            assert_eq!(p(&format!("linux/{a}")), "linux/386");
        }
        assert!(matches!(
            err("linux/386/v2"),
            PlatformError::BadVariant { .. }
        ));
    }

    #[test]
    fn single_component_is_a_linux_arch() {
        assert_eq!(p("arm64"), "linux/arm64");
        assert_eq!(p("x86_64"), "linux/amd64");
        assert_eq!(p("s390x"), "linux/s390x");
        let e = err("linux");
        assert!(matches!(e, PlatformError::Syntax { .. }));
        assert!(e.help_text().contains("linux/amd64"), "{}", e.help_text());
    }

    #[test]
    fn case_and_os_aliases() {
        assert_eq!(p("Linux/AMD64"), "linux/amd64");
        assert_eq!(p("macos/arm64"), "darwin/arm64");
        assert_eq!(p("LINUX/ARM/V7"), "linux/arm/v7");
    }

    #[test]
    fn invalid_strings() {
        assert!(matches!(err(""), PlatformError::Syntax { .. }));
        assert!(matches!(err("  "), PlatformError::Syntax { .. }));
        assert!(matches!(err("linux/"), PlatformError::Syntax { .. }));
        assert!(matches!(err("/amd64"), PlatformError::Syntax { .. }));
        assert!(matches!(err("linux//amd64"), PlatformError::Syntax { .. }));
        assert!(matches!(err("linux/ amd64"), PlatformError::Syntax { .. }));
        assert!(matches!(err("linux/amd64 "), PlatformError::Syntax { .. }));
        assert!(matches!(
            err("linux/sparc"),
            PlatformError::UnknownArch { .. }
        ));
        assert!(matches!(
            err("plan10/amd64"),
            PlatformError::UnknownOs { .. }
        ));
        assert!(matches!(
            err("linux/ppc64le/v2"),
            PlatformError::BadVariant { .. }
        ));
    }

    #[test]
    fn error_messages_say_what_was_expected() {
        assert_eq!(
            err("linux/arm64/v8/x").to_string(),
            "invalid platform \"linux/arm64/v8/x\": expected OS/ARCH[/VARIANT], e.g. linux/amd64 or linux/arm/v7"
        );
        assert_eq!(
            err("linux/arm/v9x").to_string(),
            "invalid platform \"linux/arm/v9x\": arm has no variant \"v9x\""
        );
        assert!(err("linux/arm/v9x").help_text().contains("v5, v6, v7"));
        assert!(err("linux/sparc").help_text().contains("ppc64le"));
        assert_eq!(err("linux/sparc").input(), "linux/sparc");
        let code = Diagnostic::code(&err("x/y")).unwrap().to_string();
        assert_eq!(code, "xbuild::platform::invalid");
    }

    #[test]
    fn lists_trim_skip_and_dedupe() {
        let list =
            parse_list(" linux/amd64, linux/arm64 ,,linux/x86_64, linux/aarch64,arm").unwrap();
        let shown: Vec<String> = list.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["linux/amd64", "linux/arm64", "linux/arm/v7"]);
        assert!(parse_list("").unwrap().is_empty());
        assert_eq!(
            parse_list("linux/amd64,linux/nope").unwrap_err().input(),
            "linux/nope"
        );
    }

    #[test]
    fn go_env() {
        let env = |s: &str| {
            s.parse::<Platform>()
                .unwrap()
                .go_env()
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(env("linux/amd64"), "GOOS=linux GOARCH=amd64");
        assert_eq!(env("linux/amd64/v3"), "GOOS=linux GOARCH=amd64 GOAMD64=v3");
        assert_eq!(env("linux/arm/v7"), "GOOS=linux GOARCH=arm GOARM=7");
        assert_eq!(env("linux/arm/v6"), "GOOS=linux GOARCH=arm GOARM=6");
        assert_eq!(env("linux/arm/v5"), "GOOS=linux GOARCH=arm GOARM=5");
        assert_eq!(env("linux/arm/v8"), "GOOS=linux GOARCH=arm GOARM=7");
        assert_eq!(env("linux/arm64"), "GOOS=linux GOARCH=arm64");
        assert_eq!(
            env("linux/arm64/v9"),
            "GOOS=linux GOARCH=arm64 GOARM64=v9.0"
        );
        assert_eq!(
            env("linux/arm64/v8.2"),
            "GOOS=linux GOARCH=arm64 GOARM64=v8.2"
        );
        assert_eq!(
            env("linux/riscv64/rva22u64"),
            "GOOS=linux GOARCH=riscv64 GORISCV64=rva22u64"
        );
        assert_eq!(env("windows/386"), "GOOS=windows GOARCH=386");
    }

    #[test]
    fn dir_names() {
        let d = |s: &str| s.parse::<Platform>().unwrap().dir_name();
        assert_eq!(d("linux/arm/v7"), "linux_arm_v7");
        assert_eq!(d("linux/amd64"), "linux_amd64");
    }

    #[test]
    fn ordering_and_hash_follow_fields() {
        let mut v: Vec<Platform> =
            parse_list("linux/s390x,linux/arm64,darwin/arm64,linux/amd64").unwrap();
        v.sort();
        let shown: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            ["darwin/arm64", "linux/amd64", "linux/arm64", "linux/s390x"]
        );
        let set: std::collections::HashSet<Platform> = v.into_iter().collect();
        assert!(set.contains(&Platform::new("linux", "amd64", None)));
    }

    #[test]
    fn host_is_canonical() {
        let host = Platform::host();
        assert_eq!(host.to_string().parse::<Platform>().unwrap(), host);
        assert!(!host.os.is_empty() && !host.arch.is_empty());
    }

    proptest::proptest! {
        /// Normalising is idempotent: a printed platform parses to itself.
        #[test]
        fn display_parses_back(s in "[a-zA-Z0-9_/-]{0,24}") {
            if let Ok(p) = s.parse::<Platform>() {
                proptest::prop_assert_eq!(p.to_string().parse::<Platform>().unwrap(), p);
            }
        }

        #[test]
        fn known_platforms_survive(
            os in proptest::sample::select(KNOWN_OS),
            arch in proptest::sample::select(KNOWN_ARCH),
        ) {
            let p: Platform = format!("{os}/{arch}").parse().unwrap();
            proptest::prop_assert_eq!(&p.os, os);
            proptest::prop_assert_eq!(p.to_string().parse::<Platform>().unwrap(), p);
        }
    }
}
