//! The temporary manifest list a podman build collects its per-platform
//! images in: a guard that removes it on success after the push, on any
//! failure and on SIGINT/SIGTERM. Removing a list that was never created is
//! not an error.
//!
//! The per-platform images stay, untagged, as podman's layer cache (what
//! makes the next build fast; `podman image prune` removes them): an
//! identical rebuild gives the same image IDs, so they may be instances of
//! another list too (a `--load`ed one), and removing them would break it.

use crate::exec::{self, Cmd, ExecError};

/// Removes the list when dropped, unless [`ListGuard::remove`] already did.
pub struct ListGuard {
    podman: String,
    list: String,
    done: bool,
}

impl ListGuard {
    /// Armed before the build, so a half-built list goes too.
    pub fn arm(podman: &str, list: &str) -> ListGuard {
        ListGuard {
            podman: podman.to_string(),
            list: list.to_string(),
            done: false,
        }
    }

    pub fn name(&self) -> &str {
        &self.list
    }

    pub fn remove(mut self) -> Result<(), ExecError> {
        self.done = true;
        remove(&self.podman, &self.list)
    }
}

impl Drop for ListGuard {
    fn drop(&mut self) {
        if !self.done
            && let Err(e) = remove(&self.podman, &self.list)
        {
            eprintln!(
                "xbuild: could not remove the manifest list {}: {e}\n  remove it by hand: podman manifest rm {}",
                self.list, self.list
            );
        }
    }
}

/// The command the cleanup runs, for the plan.
pub fn describe(podman: &str, list: &str) -> Cmd {
    Cmd::new(podman).args(["manifest", "rm", list])
}

fn remove(podman: &str, list: &str) -> Result<(), ExecError> {
    let exists = Cmd::new(podman).args(["manifest", "exists", list]);
    if !exec::capture(&exists)?.success {
        return Ok(());
    }
    // Of a list with several names (`--load`) this drops only this one.
    let rm = Cmd::new(podman).args(["manifest", "rm", list]);
    exec::capture(&rm)?.check(&rm).map(|_| ())
}
