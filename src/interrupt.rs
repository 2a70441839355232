//! SIGINT and SIGTERM while a pipeline runs: instead of dying on the spot,
//! xbuild notes the signal, lets the running command stop (forwarding the
//! signal to it), cleans up, and exits 130 or 143.

use signal_hook::SigId;
use signal_hook::consts::{SIGINT, SIGTERM};
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};

/// Signal handlers that record the first SIGINT/SIGTERM. Dropping it
/// restores the default behaviour.
pub struct Interrupt {
    received: Arc<AtomicI32>,
    ids: Vec<SigId>,
}

impl Interrupt {
    /// Installs the handlers.
    pub fn install() -> std::io::Result<Interrupt> {
        let received = Arc::new(AtomicI32::new(0));
        let mut ids = Vec::new();
        for sig in [SIGINT, SIGTERM] {
            let r = Arc::clone(&received);
            // SAFETY: the handler only does an atomic compare-exchange, which
            // is async-signal-safe.
            let id = unsafe {
                signal_hook::low_level::register(sig, move || {
                    let _ = r.compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst);
                })
            }?;
            ids.push(id);
        }
        Ok(Interrupt { received, ids })
    }

    /// A handle that never reports a signal (for code paths without handlers).
    pub fn none() -> Interrupt {
        Interrupt {
            received: Arc::new(AtomicI32::new(0)),
            ids: Vec::new(),
        }
    }

    /// The first signal received, if any.
    pub fn signal(&self) -> Option<i32> {
        match self.received.load(Ordering::SeqCst) {
            0 => None,
            s => Some(s),
        }
    }

    /// The conventional exit code for a signal: 128 + its number.
    pub fn exit_code(signal: i32) -> i32 {
        128 + signal
    }

    /// The signal's name for messages.
    pub fn name(signal: i32) -> &'static str {
        match signal {
            SIGINT => "SIGINT",
            SIGTERM => "SIGTERM",
            _ => "signal",
        }
    }
}

impl Drop for Interrupt {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}
