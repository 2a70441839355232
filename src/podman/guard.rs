//! The temporary manifest list a podman build collects its per-platform
//! images in: a guard that removes it, and the images it holds unless they
//! were loaded (tagged), on success after the push, on any failure and on
//! SIGINT/SIGTERM. Removing a list that was never created is not an error.

use crate::exec::{self, Cmd, ExecError};

/// Removes the list when dropped, unless [`ListGuard::remove`] already did.
pub struct ListGuard {
    podman: String,
    list: String,
    /// The images were loaded under the user's tags: only the temporary
    /// name goes.
    keep_images: bool,
    done: bool,
}

impl ListGuard {
    /// Armed before the build, so a half-built list goes too.
    pub fn arm(podman: &str, list: &str, keep_images: bool) -> ListGuard {
        ListGuard {
            podman: podman.to_string(),
            list: list.to_string(),
            keep_images,
            done: false,
        }
    }

    pub fn remove(mut self) -> Result<(), ExecError> {
        self.done = true;
        remove(&self.podman, &self.list, self.keep_images)
    }
}

impl Drop for ListGuard {
    fn drop(&mut self) {
        if !self.done
            && let Err(e) = remove(&self.podman, &self.list, self.keep_images)
        {
            eprintln!(
                "xbuild: could not remove the manifest list {}: {e}\n  remove it by hand: podman manifest rm {}",
                self.list, self.list
            );
        }
    }
}

/// The commands the cleanup runs, for the plan.
pub fn describe(podman: &str, list: &str, keep_images: bool) -> Vec<Cmd> {
    if keep_images {
        vec![Cmd::new(podman).args(["manifest", "rm", list])]
    } else {
        vec![
            Cmd::new(podman).args(["manifest", "rm", list]),
            Cmd::new(podman).args(["rmi", "(each image the list held)"]),
        ]
    }
}

fn remove(podman: &str, list: &str, keep_images: bool) -> Result<(), ExecError> {
    let exists = Cmd::new(podman).args(["manifest", "exists", list]);
    if !exec::capture(&exists)?.success {
        return Ok(());
    }
    let rm = Cmd::new(podman).args(["manifest", "rm", list]);
    if keep_images {
        // The list is also under the user's tags: `manifest rm` of a list
        // with several names only drops this one.
        return exec::capture(&rm)?.check(&rm).map(|_| ());
    }
    let inspect = Cmd::new(podman).args(["manifest", "inspect", list]);
    let text = exec::capture(&inspect)?.check(&inspect)?.stdout;
    let ids: Vec<String> = instance_digests(&text)
        .iter()
        .filter_map(|d| {
            let c = Cmd::new(podman).args([
                "image",
                "inspect",
                "--format",
                "{{.Id}}",
                &format!("{list}@{d}"),
            ]);
            let out = exec::capture(&c).ok()?;
            out.success.then(|| out.stdout.trim().to_string())
        })
        .filter(|id| !id.is_empty())
        .collect();
    exec::capture(&rm)?.check(&rm)?;
    for id in ids {
        // An image that also carries another name (the user's) stays.
        let _ = exec::capture(&Cmd::new(podman).args(["rmi", &id]));
    }
    Ok(())
}

/// The digests of the images a manifest list (podman's JSON) holds.
pub fn instance_digests(text: &str) -> Vec<String> {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| {
            v.get("manifests")?.as_array().map(|ms| {
                ms.iter()
                    .filter_map(|m| m.get("digest")?.as_str().map(str::to_string))
                    .collect()
            })
        })
        .unwrap_or_default()
}
