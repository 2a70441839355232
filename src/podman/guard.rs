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
    // Ctrl-C reaches the whole process group: when it lands while one of
    // these commands runs, podman stops it with a plain failure, which
    // `exists` would take for "no such list". So an answer that leaves the
    // list is asked for twice (a leftover list whose instances are not in
    // local storage breaks `podman images` with podman 4.3).
    let exists = Cmd::new(podman).args(["manifest", "exists", list]);
    // Of a list with several names (`--load`) this drops only this one.
    let rm = Cmd::new(podman).args(["manifest", "rm", list]);
    for last in [false, true] {
        if !exec::capture(&exists)?.success {
            if last {
                return Ok(());
            }
            continue;
        }
        let out = exec::capture(&rm)?;
        if out.success {
            return Ok(());
        }
        if last {
            return out.check(&rm).map(|_| ());
        }
    }
    Ok(())
}
