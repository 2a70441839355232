//! XB005 constant-platform: `--platform=linux/amd64` fixes the stage to one
//! platform for every image. As in BuildKit's FromPlatformFlagConstDisallowed,
//! a stage whose name contains the platform's OS or architecture
//! (`build-amd64`) is taken as intended.

use crate::dockerfile::PlatformKind;
use crate::lint::{Context, Finding, Rule, Severity, platform_kind};

pub static RULE: Rule = Rule {
    id: "XB005",
    name: "constant-platform",
    severity: Severity::Warning,
    fixable: false,
    summary: "--platform is a literal such as linux/amd64: every image gets that one platform",
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for s in &cx.graph.stages {
        let Some(flag) = cx.platform(s.index) else {
            continue;
        };
        if platform_kind(flag) != PlatformKind::Literal {
            continue;
        }
        let value = flag
            .value
            .as_deref()
            .unwrap_or("")
            .trim_matches(|c| c == '"' || c == '\'');
        // `--platform=` is no platform at all for BuildKit.
        if value.is_empty() {
            continue;
        }
        let mut parts = value.split('/');
        let (os, arch) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let named_for_it = s.name.as_deref().is_some_and(|n| {
            [os, arch]
                .iter()
                .any(|p| !p.is_empty() && n.contains(&p.to_lowercase()))
        });
        if named_for_it {
            continue;
        }
        out.push(Finding {
            rule: &RULE,
            span: flag.span.clone(),
            message: format!("stage {} is fixed to the platform {value}", s.label()),
            label: "every image gets this one platform".into(),
            help: "use --platform=${BUILDPLATFORM} for a stage that only builds, or remove the flag so the stage follows the target platform".into(),
            fix: None,
        });
    }
}
