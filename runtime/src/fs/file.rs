//! [`File`]: an open file whose reads, writes and seeks run on the blocking pool.
//!
//! The file is in one of two states, as tokio's: `Idle`, holding its buffer, or `Busy`,
//! while one blocking job reads, writes or seeks with that buffer.
//!
//! Invariants:
//! - At most one blocking job works on the file at a time; it owns the buffer while it runs
//!   and hands it back with its result, so no data is shared between the job and the caller.
//! - *Read-ahead*: a read fills the buffer with up to `max_buf_size` bytes and hands out what
//!   the caller asked for; the rest is served by the next reads. Those unread bytes sit ahead
//!   of the caller's position, so a job that writes, seeks or truncates first seeks back over
//!   them: the OS file position always equals the caller's position when it matters.
//! - *Write-behind*: a write copies the data into the buffer, starts the job and returns at
//!   once. Its error, if any, is kept and returned by the next write, flush, seek or
//!   [`File::sync_all`]/[`File::sync_data`] (flush and the syncs wait for the job): an error is
//!   never dropped unseen, unless the file itself is dropped first, as with a `BufWriter`.

use super::{asyncify, OpenOptions};
use crate::sync::Mutex;
use std::fmt;
use std::fs::{FileTimes, Metadata, Permissions};
use std::future::poll_fn;
use std::io::{self, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

mod inner;
mod io_traits;

use inner::{Buf, Inner, State};

/// The most a single read or write hands to a blocking job (as tokio's default).
const DEFAULT_MAX_BUF_SIZE: usize = 2 * 1024 * 1024;

/// An open file on the filesystem (`tokio::fs::File`).
///
/// It implements tokio's `AsyncRead`, `AsyncWrite` and `AsyncSeek` (the traits `weft::io`
/// exports, with their `AsyncReadExt`/`AsyncWriteExt`/`AsyncSeekExt` helpers) and the
/// `futures-io` traits of the same names (for the smol world). Every read,
/// write and seek runs on the blocking pool; see the module documentation of
/// [`weft::fs`](super) for the cost.
///
/// Writes are buffered behind the caller: `write` returns once the data is copied, and the
/// data reaches the OS a little later. **Call `flush` (or `sync_all`) before dropping a
/// `File` you wrote to** if you need the data written, or its error seen; dropping the file
/// lets an in-flight write finish on its own, and its error is lost, as with tokio.
///
/// ```
/// use weft::fs::File;
/// use weft::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
///
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let path = std::env::temp_dir().join(format!("weft-file-{}", std::process::id()));
/// let mut file = File::options().read(true).write(true).create(true).truncate(true).open(&path).await?;
/// file.write_all(b"hello, file").await?;
/// file.seek(std::io::SeekFrom::Start(7)).await?; // waits for the write first
/// let mut tail = String::new();
/// file.read_to_string(&mut tail).await?;
/// assert_eq!(tail, "file");
///
/// let mut content = String::new();
/// File::open(&path).await?.read_to_string(&mut content).await?;
/// assert_eq!(content, "hello, file");
/// # weft::fs::remove_file(&path).await?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub struct File {
    std: Arc<std::fs::File>,
    inner: Mutex<Inner>,
    max_buf_size: usize,
}

impl File {
    /// Opens the file at `path` for reading.
    ///
    /// ```
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// assert!(weft::fs::File::open("/definitely/not/here").await.is_err());
    /// # });
    /// ```
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Opens the file at `path` for writing, creating it or truncating it.
    ///
    /// ```
    /// use weft::io::AsyncWriteExt;
    ///
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let path = std::env::temp_dir().join(format!("weft-file-create-{}", std::process::id()));
    /// let mut file = weft::fs::File::create(&path).await?;
    /// file.write_all(b"data").await?;
    /// file.sync_all().await?;
    /// assert_eq!(weft::fs::read(&path).await?, b"data");
    /// # weft::fs::remove_file(&path).await?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .await
    }

    /// Creates a new file at `path` for writing and reading, failing if it exists.
    ///
    /// ```
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let path = std::env::temp_dir().join(format!("weft-file-create-new-{}", std::process::id()));
    /// let file = weft::fs::File::create_new(&path).await?;
    /// assert!(weft::fs::File::create_new(&path).await.is_err());
    /// # drop(file); weft::fs::remove_file(&path).await?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn create_new(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .await
    }

    /// An [`OpenOptions`] to open a file with.
    ///
    /// ```
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let path = std::env::temp_dir().join(format!("weft-file-options-{}", std::process::id()));
    /// let file = weft::fs::File::options().append(true).create(true).open(&path).await?;
    /// # drop(file); weft::fs::remove_file(&path).await?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps an open `std::fs::File`.
    ///
    /// ```
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let std = std::fs::File::open(std::env::temp_dir())?;
    /// let file = weft::fs::File::from_std(std);
    /// assert!(file.metadata().await?.is_dir());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn from_std(std: std::fs::File) -> File {
        File {
            std: Arc::new(std),
            inner: Mutex::new(Inner {
                state: State::Idle(Buf::default()),
                last_write_err: None,
                pending_seek: None,
            }),
            max_buf_size: DEFAULT_MAX_BUF_SIZE,
        }
    }

    /// Flushes the write-behind, then `fsync`s data and metadata (`std::fs::File::sync_all`).
    /// Returns the error of a write-behind that failed.
    ///
    /// See [`File::create`] for an example.
    pub async fn sync_all(&self) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        poll_fn(|cx| inner.poll_flush(cx)).await?;
        let std = self.std.clone();
        asyncify(move || std.sync_all()).await
    }

    /// As [`sync_all`](File::sync_all), but may skip metadata not needed to read the data
    /// back (`fdatasync`).
    ///
    /// ```
    /// use weft::io::AsyncWriteExt;
    ///
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let path = std::env::temp_dir().join(format!("weft-file-sync-data-{}", std::process::id()));
    /// let mut file = weft::fs::File::create(&path).await?;
    /// file.write_all(b"x").await?;
    /// file.sync_data().await?;
    /// # weft::fs::remove_file(&path).await?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn sync_data(&self) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        poll_fn(|cx| inner.poll_flush(cx)).await?;
        let std = self.std.clone();
        asyncify(move || std.sync_data()).await
    }

    /// Truncates or extends the file to `size` bytes, after the write-behind; the position is
    /// unchanged.
    ///
    /// ```
    /// use weft::io::AsyncWriteExt;
    ///
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let path = std::env::temp_dir().join(format!("weft-file-set-len-{}", std::process::id()));
    /// let mut file = weft::fs::File::create(&path).await?;
    /// file.write_all(b"0123456789").await?;
    /// file.set_len(4).await?;
    /// assert_eq!(file.metadata().await?.len(), 4);
    /// # weft::fs::remove_file(&path).await?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn set_len(&self, size: u64) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        poll_fn(|cx| inner.poll_flush(cx)).await?;
        let seek_back = match &mut inner.state {
            State::Idle(buf) => buf.discard_read(),
            State::Busy(_) => unreachable!("poll_flush left the file idle"),
        };
        let std = self.std.clone();
        asyncify(move || {
            if seek_back != 0 {
                (&*std).seek(SeekFrom::Current(seek_back))?;
            }
            std.set_len(size)
        })
        .await
    }

    /// The file's metadata.
    ///
    /// See [`File::set_len`] for an example.
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.std.clone();
        asyncify(move || std.metadata()).await
    }

    /// A second `File` on the same open file description (shared position), as
    /// `std::fs::File::try_clone`, with the same [`max_buf_size`](File::max_buf_size).
    ///
    /// ```
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let file = weft::fs::File::open(std::env::temp_dir()).await?;
    /// let twin = file.try_clone().await?;
    /// assert!(twin.metadata().await?.is_dir());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn try_clone(&self) -> io::Result<File> {
        let std = self.std.clone();
        let clone = asyncify(move || std.try_clone()).await?;
        let mut clone = File::from_std(clone);
        clone.max_buf_size = self.max_buf_size;
        Ok(clone)
    }

    /// Changes the file's permissions.
    ///
    /// ```
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let path = std::env::temp_dir().join(format!("weft-file-perm-{}", std::process::id()));
    /// let file = weft::fs::File::create(&path).await?;
    /// let mut permissions = file.metadata().await?.permissions();
    /// permissions.set_readonly(true);
    /// file.set_permissions(permissions).await?;
    /// assert!(file.metadata().await?.permissions().readonly());
    /// # weft::fs::remove_file(&path).await?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn set_permissions(&self, permissions: Permissions) -> io::Result<()> {
        let std = self.std.clone();
        asyncify(move || std.set_permissions(permissions)).await
    }

    /// Sets the file's access and modification times (`std::fs::File::set_times`), after the
    /// write-behind (so a write still in flight cannot move the modification time past the
    /// one set here).
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    ///
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let path = std::env::temp_dir().join(format!("weft-file-times-{}", std::process::id()));
    /// let file = weft::fs::File::create(&path).await?;
    /// let modified = SystemTime::UNIX_EPOCH + Duration::from_secs(1_500_000_000);
    /// file.set_times(weft::fs::FileTimes::new().set_modified(modified)).await?;
    /// assert_eq!(file.metadata().await?.modified()?, modified);
    /// # weft::fs::remove_file(&path).await?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn set_times(&self, times: FileTimes) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        poll_fn(|cx| inner.poll_flush(cx)).await?;
        let std = self.std.clone();
        asyncify(move || std.set_times(times)).await
    }

    /// Sets the file's modification time (`std::fs::File::set_modified`), after the
    /// write-behind, as [`set_times`](File::set_times).
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    ///
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let path = std::env::temp_dir().join(format!("weft-file-mtime-{}", std::process::id()));
    /// let file = weft::fs::File::create(&path).await?;
    /// let modified = SystemTime::UNIX_EPOCH + Duration::from_secs(1_400_000_000);
    /// file.set_modified(modified).await?;
    /// assert_eq!(file.metadata().await?.modified()?, modified);
    /// # weft::fs::remove_file(&path).await?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn set_modified(&self, modified: SystemTime) -> io::Result<()> {
        self.set_times(FileTimes::new().set_modified(modified))
            .await
    }

    /// The `std::fs::File`, once the write-behind is done (its error, if any, is dropped: call
    /// `flush` first to see it) and the OS position moved back over the read-ahead.
    ///
    /// ```
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let file = weft::fs::File::open(std::env::temp_dir()).await?;
    /// let std: std::fs::File = file.into_std().await;
    /// assert!(std.metadata()?.is_dir());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn into_std(mut self) -> std::fs::File {
        let inner = self.inner.get_mut();
        let _ = poll_fn(|cx| inner.poll_flush(cx)).await;
        if let State::Idle(buf) = &mut inner.state {
            let seek_back = buf.discard_read();
            if seek_back != 0 {
                let std = self.std.clone();
                let _ = asyncify(move || (&*std).seek(SeekFrom::Current(seek_back))).await;
            }
        }
        Arc::try_unwrap(self.std)
            .unwrap_or_else(|_| unreachable!("no blocking job holds the file any more"))
    }

    /// The `std::fs::File` at once, or the `File` back if a blocking job is still using it.
    /// Read-ahead, if any, is dropped without moving the OS position back (as tokio's).
    ///
    /// ```
    /// let file = std::fs::File::open(std::env::temp_dir()).unwrap();
    /// let file = weft::fs::File::from_std(file);
    /// assert!(file.try_into_std().is_ok());
    /// ```
    // tokio's signature: the `File` itself comes back on failure.
    #[allow(clippy::result_large_err)]
    pub fn try_into_std(mut self) -> Result<std::fs::File, File> {
        if matches!(self.inner.get_mut().state, State::Busy(_)) {
            return Err(self);
        }
        match Arc::try_unwrap(self.std) {
            Ok(std) => Ok(std),
            Err(std) => {
                self.std = std;
                Err(self)
            }
        }
    }

    /// The most one read or write hands to a blocking job (default 2 MiB).
    ///
    /// # Panics
    /// If `max_buf_size` is 0 (tokio's message: "`max_buf_size` must be greater than 0").
    ///
    /// ```
    /// let mut file = weft::fs::File::from_std(std::fs::File::open(std::env::temp_dir()).unwrap());
    /// file.set_max_buf_size(64 * 1024);
    /// ```
    #[track_caller]
    pub fn set_max_buf_size(&mut self, max_buf_size: usize) {
        assert!(max_buf_size > 0, "`max_buf_size` must be greater than 0");
        self.max_buf_size = max_buf_size;
    }

    /// The most one read or write hands to a blocking job.
    ///
    /// ```
    /// let file = weft::fs::File::from_std(std::fs::File::open(std::env::temp_dir()).unwrap());
    /// assert_eq!(file.max_buf_size(), 2 * 1024 * 1024);
    /// ```
    pub fn max_buf_size(&self) -> usize {
        self.max_buf_size
    }

    /// The `Inner` and the shared parts, for the poll functions behind `&mut self`.
    fn parts(&mut self) -> (&mut Inner, &Arc<std::fs::File>, usize) {
        (self.inner.get_mut(), &self.std, self.max_buf_size)
    }
}

impl From<std::fs::File> for File {
    fn from(std: std::fs::File) -> File {
        File::from_std(std)
    }
}

#[cfg(unix)]
impl std::os::fd::AsRawFd for File {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.std.as_raw_fd()
    }
}

#[cfg(unix)]
impl From<std::os::fd::OwnedFd> for File {
    fn from(fd: std::os::fd::OwnedFd) -> File {
        File::from_std(std::fs::File::from(fd))
    }
}

#[cfg(unix)]
impl std::os::fd::FromRawFd for File {
    /// # Safety
    /// As `std::fs::File::from_raw_fd`: `fd` is an open file descriptor that nothing else
    /// owns.
    unsafe fn from_raw_fd(fd: std::os::fd::RawFd) -> File {
        // SAFETY: forwarded to the caller (see above).
        File::from_std(unsafe { std::fs::File::from_raw_fd(fd) })
    }
}

#[cfg(unix)]
impl std::os::fd::AsFd for File {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.std.as_fd()
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("File")
            .field("std", &self.std)
            .finish_non_exhaustive()
    }
}
