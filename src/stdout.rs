//! The program's output on stdout. `print!` panics when stdout is a closed
//! pipe (`xbuild lint | head`), and Rust's stdout silently drops writes when
//! descriptor 1 is closed (`xbuild cross -o - >&-`); these report both as
//! an error instead (exit 2), so output cut short is never a panic and never
//! a silent success.

use crate::fsutil::FsError;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Writes `text` to stdout and flushes it.
pub fn write(text: &str) -> Result<(), FsError> {
    if !is_open() {
        return Err(failure(io::Error::from_raw_os_error(libc::EBADF)));
    }
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(failure)
}

/// Is descriptor 1 open? When a program starts with it closed, Rust's
/// runtime opens `/dev/null` in its place before `main`, so the descriptor
/// is probed earlier still, by [`STDOUT_PROBE`]. (Telling that `/dev/null`
/// apart from one the parent gave on purpose is not possible afterwards:
/// Go and Python open it read-write too.)
fn is_open() -> bool {
    // SAFETY: F_GETFD only queries the descriptor's flags.
    !CLOSED_AT_START.load(Ordering::Relaxed) && unsafe { libc::fcntl(1, libc::F_GETFD) != -1 }
}

static CLOSED_AT_START: AtomicBool = AtomicBool::new(false);

/// Runs from the ELF `.init_array`, before Rust's runtime fills a closed
/// descriptor 1 with `/dev/null`.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static STDOUT_PROBE: extern "C" fn() = probe_stdout;

#[cfg(target_os = "linux")]
extern "C" fn probe_stdout() {
    // SAFETY: F_GETFD only queries the descriptor's flags.
    if unsafe { libc::fcntl(1, libc::F_GETFD) } == -1 {
        CLOSED_AT_START.store(true, Ordering::Relaxed);
    }
}

fn failure(source: io::Error) -> FsError {
    let help = match source.kind() {
        io::ErrorKind::BrokenPipe => {
            "the program reading xbuild's output closed it before the end (e.g. `| head`); the output is incomplete"
        }
        _ if source.raw_os_error() == Some(libc::EBADF) => {
            "stdout is closed; give xbuild somewhere to write (or `-o FILE` where there is one)"
        }
        _ => "the output is incomplete",
    };
    FsError::Stdout {
        source,
        help: help.to_string(),
    }
}
