//! Reading input files without hanging or unbounded memory: a FIFO is
//! opened without waiting for a writer (no writer reads as empty), and a file
//! that is not regular (`/dev/zero`, a pipe) is read up to [`MAX_STREAM`]
//! bytes. What was read is stamped (device, inode, size, mtime of the open
//! file) so that a later write can check the file is still the one read.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::Path;
use std::time::SystemTime;

/// The most bytes read from a file that is not regular (a pipe, a device).
pub const MAX_STREAM: u64 = 16 * 1024 * 1024;

/// Which file was read, as it was then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mtime: Option<SystemTime>,
}

impl Stamp {
    pub fn of(meta: &Metadata) -> Stamp {
        use std::os::unix::fs::MetadataExt;
        Stamp {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.len(),
            mtime: meta.modified().ok(),
        }
    }
}

/// Why a read failed.
#[derive(Debug)]
pub enum ReadFailure {
    Io(io::Error),
    IsDirectory,
    /// A pipe or device that gave more than [`MAX_STREAM`] bytes.
    TooLong,
}

impl From<io::Error> for ReadFailure {
    fn from(e: io::Error) -> Self {
        ReadFailure::Io(e)
    }
}

/// Reads a whole file; `Stamp` is `None` for files that are not regular.
pub fn read_stamped(path: &Path) -> Result<(Vec<u8>, Option<Stamp>), ReadFailure> {
    let file = open_nonblocking(path)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Err(ReadFailure::IsDirectory);
    }
    if meta.is_file() {
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        (&file).read_to_end(&mut bytes)?;
        return Ok((bytes, Some(Stamp::of(&meta))));
    }
    let mut bytes = Vec::new();
    file.take(MAX_STREAM + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_STREAM {
        return Err(ReadFailure::TooLong);
    }
    Ok((bytes, None))
}

/// A small side file (go.mod, a Go source's header) as text: `None` when it
/// cannot be read, is not UTF-8, or is not regular and longer than
/// [`MAX_STREAM`].
pub fn read_optional(path: &Path) -> Option<String> {
    let (bytes, _) = read_stamped(path).ok()?;
    String::from_utf8(bytes).ok()
}

/// Opens for reading without blocking on a FIFO that has no writer, then
/// makes reads blocking again (a writer that is slow is waited for).
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor we own, with flags it returned.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
    }
    Ok(file)
}
