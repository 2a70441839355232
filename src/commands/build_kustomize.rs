//! `build --kustomize DIR` (or `[build] kustomize`): the pin is checked with
//! the request, announced in the plan, and applied after the push.

use super::build::Request;
use crate::Error;
use crate::config::Project;
use crate::kustomize::Pin;
use crate::pipeline::Report;
use crate::plan::Plan;

/// Checks the kustomization before the build and notes the pin in the plan.
pub fn prepare(project: &Project, req: &Request, plan: &mut Plan) -> Result<Option<Pin>, Error> {
    let Some(dir) = &req.kustomize else {
        return Ok(None);
    };
    let pushes = req.outputs.iter().any(|o| o.push);
    let pin = Pin::prepare(
        dir,
        &project.display_path(dir),
        &project.config.build.kustomize_image,
        &req.tags,
        pushes,
    )?;
    plan.notes.push(pin.note());
    Ok(Some(pin))
}

/// Sets the pushed digest in the kustomization.
pub fn apply(pin: Option<&Pin>, report: &Report) -> Result<(), Error> {
    if let Some(pin) = pin {
        let done = pin.apply(report.metadata.digest.as_deref())?;
        eprintln!("xbuild: kustomize: {done}");
    }
    Ok(())
}
