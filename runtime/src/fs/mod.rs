//! Asynchronous filesystem operations: tokio's `tokio::fs`, on weft's blocking pool.
//!
//! Operating systems offer no readiness-based file I/O that an epoll reactor could wait on,
//! so, as in tokio, every operation here runs the matching `std::fs` call on the runtime's
//! blocking pool ([`spawn_blocking`](crate::task::spawn_blocking)) and awaits it. A call costs
//! a hand-off to a blocking thread and back: batch work into few calls ([`read()`], [`write()`])
//! rather than many small ones, or run a whole sequence of `std::fs` calls in one
//! `spawn_blocking`.
//!
//! ```
//! use weft::fs;
//!
//! #[weft::main]
//! async fn main() -> std::io::Result<()> {
//!     let dir = std::env::temp_dir().join(format!("weft-fs-doc-{}", std::process::id()));
//!     fs::create_dir_all(dir.join("nested")).await?;
//!     fs::write(dir.join("nested/hello.txt"), "hello").await?;
//!     assert_eq!(fs::read_to_string(dir.join("nested/hello.txt")).await?, "hello");
//!     let mut entries = fs::read_dir(dir.join("nested")).await?;
//!     while let Some(entry) = entries.next_entry().await? {
//!         assert_eq!(entry.file_name(), "hello.txt");
//!     }
//!     fs::remove_dir_all(&dir).await?;
//!     Ok(())
//! }
//! ```
//!
//! Every function panics outside a weft runtime (it needs the blocking pool), like
//! [`spawn_blocking`](crate::task::spawn_blocking). Under the test clock
//! ([`time::pause`](crate::time)), a filesystem call in flight holds auto-advance off, as in
//! tokio, since the runtime is then idle only because it waits for the disk.
//!
//! Invariant: nothing here blocks a worker; each `std::fs` call runs inside exactly one
//! blocking job, and an operation whose future is dropped still completes on the pool (its
//! result is discarded), as with any started blocking job.

mod dir_builder;
mod file;
mod open_options;
mod read_dir;

#[cfg(all(test, not(loom)))]
mod tests;

pub use dir_builder::DirBuilder;
pub use file::File;
pub use open_options::OpenOptions;
pub use read_dir::{read_dir, DirEntry, ReadDir};
/// The access and modification times for [`File::set_times`] (std's type, as in tokio).
pub use std::fs::FileTimes;

use std::fs::{Metadata, Permissions};
use std::io;
use std::path::{Path, PathBuf};

/// Runs `f` on the blocking pool and awaits it.
pub(crate) async fn asyncify<F, T>(f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    match crate::task::spawn_blocking(f).await {
        Ok(result) => result,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(_) => Err(cancelled("the filesystem operation")),
    }
}

/// The error of a filesystem operation whose blocking job was cancelled (its runtime shut
/// down): kind `Other`, and tokio's words, "background task failed", so that a ported program
/// that compares them still does; what happened is the error's `source()`.
pub(crate) fn cancelled(operation: &'static str) -> io::Error {
    io::Error::other(BackgroundTaskFailed(RuntimeShutDown(operation)))
}

#[derive(Debug)]
struct BackgroundTaskFailed(RuntimeShutDown);

impl std::fmt::Display for BackgroundTaskFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("background task failed")
    }
}

impl std::error::Error for BackgroundTaskFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

#[derive(Debug)]
struct RuntimeShutDown(&'static str);

impl std::fmt::Display for RuntimeShutDown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} was cancelled: its runtime shut down", self.0)
    }
}

impl std::error::Error for RuntimeShutDown {}

/// Reads the whole file at `path` into a vector (`std::fs::read`).
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let path = std::env::temp_dir().join(format!("weft-read-{}", std::process::id()));
/// weft::fs::write(&path, [1u8, 2, 3]).await?;
/// assert_eq!(weft::fs::read(&path).await?, [1, 2, 3]);
/// # weft::fs::remove_file(&path).await?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read(path)).await
}

/// Reads the whole file at `path` into a string (`std::fs::read_to_string`); an error if it is
/// not UTF-8.
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let path = std::env::temp_dir().join(format!("weft-read-to-string-{}", std::process::id()));
/// weft::fs::write(&path, "text").await?;
/// assert_eq!(weft::fs::read_to_string(&path).await?, "text");
/// # weft::fs::remove_file(&path).await?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read_to_string(path)).await
}

/// Writes `contents` as the whole content of the file at `path`, creating or truncating it
/// (`std::fs::write`).
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let path = std::env::temp_dir().join(format!("weft-write-{}", std::process::id()));
/// weft::fs::write(&path, b"first").await?;
/// weft::fs::write(&path, b"second").await?;
/// assert_eq!(weft::fs::read(&path).await?, b"second");
/// # weft::fs::remove_file(&path).await?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    asyncify(move || std::fs::write(path, contents)).await
}

/// Creates a directory; its parent must exist (`std::fs::create_dir`).
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let dir = std::env::temp_dir().join(format!("weft-create-dir-{}", std::process::id()));
/// weft::fs::create_dir(&dir).await?;
/// assert!(weft::fs::metadata(&dir).await?.is_dir());
/// # weft::fs::remove_dir(&dir).await?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::create_dir(path)).await
}

/// Creates a directory and every missing parent (`std::fs::create_dir_all`).
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let root = std::env::temp_dir().join(format!("weft-create-dir-all-{}", std::process::id()));
/// weft::fs::create_dir_all(root.join("a/b/c")).await?;
/// assert!(weft::fs::try_exists(root.join("a/b/c")).await?);
/// # weft::fs::remove_dir_all(&root).await?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::create_dir_all(path)).await
}

/// Removes an empty directory (`std::fs::remove_dir`).
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let dir = std::env::temp_dir().join(format!("weft-remove-dir-{}", std::process::id()));
/// weft::fs::create_dir(&dir).await?;
/// weft::fs::remove_dir(&dir).await?;
/// assert!(!weft::fs::try_exists(&dir).await?);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_dir(path)).await
}

/// Removes a directory and everything in it (`std::fs::remove_dir_all`).
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let dir = std::env::temp_dir().join(format!("weft-remove-dir-all-{}", std::process::id()));
/// weft::fs::create_dir_all(dir.join("inner")).await?;
/// weft::fs::write(dir.join("inner/file"), "x").await?;
/// weft::fs::remove_dir_all(&dir).await?;
/// assert!(!weft::fs::try_exists(&dir).await?);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_dir_all(path)).await
}

/// Removes a file (`std::fs::remove_file`).
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let path = std::env::temp_dir().join(format!("weft-remove-file-{}", std::process::id()));
/// weft::fs::write(&path, "x").await?;
/// weft::fs::remove_file(&path).await?;
/// assert!(weft::fs::remove_file(&path).await.is_err(), "already gone");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_file(path)).await
}

/// Renames a file or directory, replacing `to` if it is a file (`std::fs::rename`).
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let dir = std::env::temp_dir();
/// let (from, to) = (dir.join(format!("weft-mv-a-{}", std::process::id())), dir.join(format!("weft-mv-b-{}", std::process::id())));
/// weft::fs::write(&from, "moved").await?;
/// weft::fs::rename(&from, &to).await?;
/// assert_eq!(weft::fs::read_to_string(&to).await?, "moved");
/// # weft::fs::remove_file(&to).await?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify(move || std::fs::rename(from, to)).await
}

/// Copies a file's content and permissions; the number of bytes copied (`std::fs::copy`).
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let dir = std::env::temp_dir();
/// let (from, to) = (dir.join(format!("weft-cp-a-{}", std::process::id())), dir.join(format!("weft-cp-b-{}", std::process::id())));
/// weft::fs::write(&from, "copy me").await?;
/// assert_eq!(weft::fs::copy(&from, &to).await?, 7);
/// assert_eq!(weft::fs::read(&to).await?, b"copy me");
/// # weft::fs::remove_file(&from).await?; weft::fs::remove_file(&to).await?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify(move || std::fs::copy(from, to)).await
}

/// The absolute form of `path`, with every `..`, `.` and symbolic link resolved
/// (`std::fs::canonicalize`).
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let here = weft::fs::canonicalize(".").await?;
/// assert!(here.is_absolute());
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::canonicalize(path)).await
}

/// The metadata of `path`, following symbolic links (`std::fs::metadata`).
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let path = std::env::temp_dir().join(format!("weft-metadata-{}", std::process::id()));
/// weft::fs::write(&path, "12345").await?;
/// let metadata = weft::fs::metadata(&path).await?;
/// assert!(metadata.is_file());
/// assert_eq!(metadata.len(), 5);
/// # weft::fs::remove_file(&path).await?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::metadata(path)).await
}

/// The metadata of `path` itself, not following a symbolic link (`std::fs::symlink_metadata`).
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let metadata = weft::fs::symlink_metadata(std::env::temp_dir()).await?;
/// assert!(metadata.is_dir() || metadata.file_type().is_symlink());
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::symlink_metadata(path)).await
}

/// Creates a hard link `link` to `original` (`std::fs::hard_link`).
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let dir = std::env::temp_dir();
/// let (original, link) = (dir.join(format!("weft-hl-a-{}", std::process::id())), dir.join(format!("weft-hl-b-{}", std::process::id())));
/// weft::fs::write(&original, "shared").await?;
/// weft::fs::hard_link(&original, &link).await?;
/// assert_eq!(weft::fs::read(&link).await?, b"shared");
/// # weft::fs::remove_file(&original).await?; weft::fs::remove_file(&link).await?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn hard_link(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify(move || std::fs::hard_link(original, link)).await
}

/// Creates a symbolic link `link` pointing to `original` (Unix; `std::os::unix::fs::symlink`).
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let dir = std::env::temp_dir();
/// let (original, link) = (dir.join(format!("weft-sl-a-{}", std::process::id())), dir.join(format!("weft-sl-b-{}", std::process::id())));
/// weft::fs::write(&original, "target").await?;
/// weft::fs::symlink(&original, &link).await?;
/// assert_eq!(weft::fs::read_link(&link).await?, original);
/// # weft::fs::remove_file(&original).await?; weft::fs::remove_file(&link).await?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
#[cfg(unix)]
pub async fn symlink(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify(move || std::os::unix::fs::symlink(original, link)).await
}

/// Where the symbolic link at `path` points (`std::fs::read_link`).
///
/// See [`symlink`] for an example.
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// assert!(weft::fs::read_link("/definitely/not/a/link").await.is_err());
/// # });
/// ```
pub async fn read_link(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read_link(path)).await
}

/// Sets the permissions of `path` (`std::fs::set_permissions`).
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let path = std::env::temp_dir().join(format!("weft-perm-{}", std::process::id()));
/// weft::fs::write(&path, "x").await?;
/// let mut permissions = weft::fs::metadata(&path).await?.permissions();
/// permissions.set_readonly(true);
/// weft::fs::set_permissions(&path, permissions).await?;
/// assert!(weft::fs::metadata(&path).await?.permissions().readonly());
/// # weft::fs::remove_file(&path).await?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn set_permissions(path: impl AsRef<Path>, permissions: Permissions) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::set_permissions(path, permissions)).await
}

/// Whether `path` exists: `Ok(false)` if it does not, an error if that cannot be told (a
/// permission denied on a parent, say) (`Path::try_exists`).
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// assert!(weft::fs::try_exists(std::env::temp_dir()).await?);
/// assert!(!weft::fs::try_exists("/definitely/not/here").await?);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    let path = path.as_ref().to_owned();
    asyncify(move || path.try_exists()).await
}
