//! [`read_dir`], [`ReadDir`] and [`DirEntry`].
//!
//! `std::fs::ReadDir` blocks on every `next`; [`ReadDir`] moves it to the blocking pool and
//! brings entries back [`CHUNK`] at a time, so that a long listing costs one hand-off per chunk
//! rather than per entry.
//!
//! Invariant: at most one chunk is being read at a time; while it is, the `std` iterator is
//! inside the blocking job (`State::Pending`) and comes back with the entries.

use super::asyncify;
use crate::task::JoinHandle;
use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::fs::{FileType, Metadata};
use std::future::{poll_fn, Future};
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// Entries read per blocking job.
const CHUNK: usize = 32;

/// Opens the directory at `path` for listing (`std::fs::read_dir`).
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let dir = std::env::temp_dir().join(format!("weft-read-dir-{}", std::process::id()));
/// weft::fs::create_dir_all(&dir).await?;
/// for name in ["a", "b", "c"] {
///     weft::fs::write(dir.join(name), name).await?;
/// }
/// let mut names = Vec::new();
/// let mut entries = weft::fs::read_dir(&dir).await?;
/// while let Some(entry) = entries.next_entry().await? {
///     names.push(entry.file_name().into_string().unwrap());
/// }
/// names.sort();
/// assert_eq!(names, ["a", "b", "c"]);
/// # weft::fs::remove_dir_all(&dir).await?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let std = asyncify(move || std::fs::read_dir(path)).await?;
    Ok(ReadDir {
        state: State::Idle {
            entries: VecDeque::new(),
            std: Some(std),
        },
    })
}

/// The entries of a directory; from [`read_dir`]. Not ordered.
#[must_use = "a ReadDir does nothing unless its entries are read"]
pub struct ReadDir {
    state: State,
}

enum State {
    /// `entries` are ready to hand out; `std` is `None` once the listing is exhausted.
    Idle {
        entries: VecDeque<io::Result<DirEntry>>,
        std: Option<std::fs::ReadDir>,
    },
    /// A blocking job is reading the next chunk.
    Pending(JoinHandle<(VecDeque<io::Result<DirEntry>>, Option<std::fs::ReadDir>)>),
}

impl ReadDir {
    /// The next entry, `None` at the end of the listing. Cancel safe: an entry read by a
    /// dropped call is handed out by the next one.
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        poll_fn(|cx| self.poll_next_entry(cx)).await
    }

    /// The poll form of [`next_entry`](ReadDir::next_entry).
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        loop {
            match &mut self.state {
                State::Idle { entries, std } => {
                    if let Some(entry) = entries.pop_front() {
                        return Poll::Ready(entry.map(Some));
                    }
                    let Some(mut std) = std.take() else {
                        return Poll::Ready(Ok(None));
                    };
                    let mut entries = std::mem::take(entries);
                    self.state = State::Pending(crate::task::spawn_blocking(move || {
                        let more = next_chunk(&mut std, &mut entries);
                        (entries, more.then_some(std))
                    }));
                }
                State::Pending(job) => {
                    let (entries, std) = match Pin::new(job).poll(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(Ok(chunk)) => chunk,
                        Poll::Ready(Err(error)) if error.is_panic() => {
                            std::panic::resume_unwind(error.into_panic())
                        }
                        Poll::Ready(Err(_)) => {
                            self.state = State::Idle {
                                entries: VecDeque::new(),
                                std: None,
                            };
                            return Poll::Ready(Err(super::cancelled("listing the directory")));
                        }
                    };
                    self.state = State::Idle { entries, std };
                }
            }
        }
    }
}

/// Reads up to `CHUNK` entries into `out`; `false` once the listing is exhausted.
fn next_chunk(std: &mut std::fs::ReadDir, out: &mut VecDeque<io::Result<DirEntry>>) -> bool {
    for _ in 0..CHUNK {
        match std.next() {
            Some(entry) => out.push_back(entry.map(|std| DirEntry(Arc::new(std)))),
            None => return false,
        }
    }
    true
}

impl fmt::Debug for ReadDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadDir").finish_non_exhaustive()
    }
}

/// One entry of a [`ReadDir`].
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let dir = std::env::temp_dir().join(format!("weft-dir-entry-{}", std::process::id()));
/// weft::fs::create_dir_all(&dir).await?;
/// weft::fs::write(dir.join("file"), "1234").await?;
/// let entry = weft::fs::read_dir(&dir).await?.next_entry().await?.unwrap();
/// assert_eq!(entry.path(), dir.join("file"));
/// assert!(entry.file_type().await?.is_file());
/// assert_eq!(entry.metadata().await?.len(), 4);
/// # weft::fs::remove_dir_all(&dir).await?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct DirEntry(Arc<std::fs::DirEntry>);

impl DirEntry {
    /// The full path of the entry: the listed directory joined with its file name.
    pub fn path(&self) -> PathBuf {
        self.0.path()
    }

    /// The entry's name within its directory.
    pub fn file_name(&self) -> OsString {
        self.0.file_name()
    }

    /// The entry's inode number (Unix).
    #[cfg(unix)]
    pub fn ino(&self) -> u64 {
        std::os::unix::fs::DirEntryExt::ino(&*self.0)
    }

    /// The entry's metadata, not following a symbolic link.
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.0.clone();
        asyncify(move || std.metadata()).await
    }

    /// The entry's file type, not following a symbolic link.
    pub async fn file_type(&self) -> io::Result<FileType> {
        let std = self.0.clone();
        asyncify(move || std.file_type()).await
    }
}
