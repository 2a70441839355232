//! The program's output on stdout. `print!` panics when stdout is a closed
//! pipe (`xbuild lint | head`), and Rust's stdout silently drops writes when
//! descriptor 1 is closed (`xbuild cross -o - >&-`); these report both as
//! an error instead (exit 2), so output cut short is never a panic and never
//! a silent success.

use crate::fsutil::FsError;
use std::io::{self, Write};

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
/// runtime opens `/dev/null` read-write in its place; a shell's
/// `>/dev/null` opens it write-only. So `/dev/null` open read-write is taken
/// as "closed" (`<>/dev/null` on stdout is the one false alarm).
fn is_open() -> bool {
    // SAFETY: fcntl and fstat only query descriptor 1; `st` is written by
    // fstat before it is read.
    unsafe {
        let flags = libc::fcntl(1, libc::F_GETFL);
        if flags == -1 {
            return false;
        }
        if flags & libc::O_ACCMODE != libc::O_RDWR {
            return true;
        }
        let mut st: libc::stat = std::mem::zeroed();
        if libc::fstat(1, &mut st) != 0 {
            return false;
        }
        let dev_null = std::fs::metadata("/dev/null").ok().map(|m| {
            use std::os::unix::fs::MetadataExt;
            m.rdev()
        });
        !((st.st_mode & libc::S_IFMT) == libc::S_IFCHR && Some(st.st_rdev) == dev_null)
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
